"""The hot path writes JSON by hand (the log line, a result, a batch's
results); each must be byte for byte what json.dumps writes."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from xpresign.presigner import PresignedUrl
from xpresign.request_log import line, result_fields, url_line

text = st.text(max_size=40)
values = st.one_of(st.none(), text, st.integers(-(10**12), 10**12), st.floats(allow_nan=False, allow_infinity=False),
                   st.booleans(), st.lists(st.sampled_from(["movies", "reports"]), max_size=3))  # fmt: skip
names = st.sampled_from(["request_id", "front_door", "bucket", "key", "items", "expires_in", "capped_by", "caller"])


@given(st.dictionaries(names, values))
def test_the_log_line_is_json_dumps(fields):
    kept = {name: value for name, value in fields.items() if value is not None}
    expected = json.dumps(kept, ensure_ascii=False)
    written = line(fields)
    if all(
        not isinstance(v, str) or v.encode("utf-8", "surrogatepass") == v.encode("utf-8", "ignore")
        for v in kept.values()
    ):
        assert written == expected
    written.encode("utf-8")  # a lone surrogate is escaped, never written raw


def test_a_lone_surrogate_in_a_key_is_escaped():
    assert line({"key": "a\ud800b"}) == '{"key": "a\\\\ud800b"}'


@given(key=st.text(min_size=1, max_size=30), capped=st.sampled_from([None, "credentials", "policy"]))
def test_a_result_is_json_dumps(key, capped):
    result = PresignedUrl(
        "https://b.s3.amazonaws.com/k?X-Amz-Signature=ab", "movies", key, "2026-01-01T00:00:00Z", 900, capped
    )
    assert result.to_json() == json.dumps(result.to_dict())


@given(
    request_id=st.one_of(st.none(), text),
    front_door=st.sampled_from(["direct", "function-url", "http-api", "rest-api", "alb"]),
    bucket=text,
    key=text,
    expires_in=st.integers(1, 43_200),
    capped=st.sampled_from([None, "credentials", "policy"]),
    duration=st.floats(0, 10_000, allow_nan=False).map(lambda ms: round(ms, 3)),
    caller=st.one_of(st.none(), text),
)
def test_a_signed_url_line_is_the_general_line(
    request_id, front_door, bucket, key, expires_in, capped, duration, caller
):
    """url_line writes what line() writes for the fields the general path
    gathers for one signed URL (surrogates included)."""
    result = PresignedUrl("https://b.s3.amazonaws.com/k", bucket, key, "2026-01-01T00:00:00Z", expires_in, capped)
    fields = {"request_id": request_id, "front_door": front_door, **result_fields(result)}
    fields.update(status=200, duration_ms=duration, caller=caller)
    assert url_line(request_id, front_door, result, duration, caller) == line(fields)
