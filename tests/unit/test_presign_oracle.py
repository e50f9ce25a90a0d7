"""xpresign's presigned URLs, byte for byte against botocore's.

botocore is the oracle: the S3 client the issue names (s3v4, virtual
addressing, regional us-east-1 endpoint) with its clock frozen at the same
instant. Hypothesis draws keys (unicode, spaces, +, ~, %, /, //, control
characters), credentials with and without a session token, regions, expiries
over the whole SigV4 range and every response override.
"""

from __future__ import annotations

import calendar
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support import botocore_oracle
from xpresign.credentials import Credentials
from xpresign.presign import presign_s3_url
from xpresign.s3 import MAX_KEY_BYTES, content_disposition, resolve_bucket_endpoint
from xpresign.sigv4 import MAX_PRESIGN_EXPIRES

REGIONS = ["us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-southeast-2", "sa-east-1", "ca-central-1"]
AKID = "ASIAEXAMPLEKEYID0001"
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"

# Characters that stress URI encoding: reserved, unreserved, percent, slashes, controls.
_AWKWARD = " +~%/!*'();:@&=$,?#[]\"<>\\^`{|}\t\n\x00\x01\x7f"
keys = st.text(
    alphabet=st.one_of(st.sampled_from(_AWKWARD), st.characters(codec="utf-8")), min_size=1, max_size=60
).filter(lambda k: len(k.encode()) <= MAX_KEY_BYTES)
dns_buckets = st.from_regex(r"\A[a-z0-9][a-z0-9-]{1,40}[a-z0-9]\Z").filter(lambda b: "--" not in b[:4])
# Session tokens are base64 (with + / =) in practice; the alphabet covers that and more.
tokens = st.one_of(
    st.none(),
    st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=", min_size=16, max_size=900),
)
instants = st.integers(
    min_value=calendar.timegm((2015, 1, 1, 0, 0, 0)), max_value=calendar.timegm((2035, 12, 31, 23, 59, 59))
)
# What str.isprintable() accepts: no control, format, private, unassigned or separator characters but space.
printable = st.text(
    alphabet=st.characters(
        codec="utf-8", exclude_categories=("Cc", "Cs", "Cf", "Co", "Cn", "Zl", "Zp", "Zs"), include_characters=" "
    ),
    min_size=1,
    max_size=40,
)


def _ours(bucket, key, region, token, expires, now, **options):
    endpoint = resolve_bucket_endpoint(bucket, region, **options.pop("endpoint", {}))
    return presign_s3_url(endpoint, key, Credentials(AKID, SECRET, token), expires_in=expires, now=now, **options)


def _theirs(bucket, key, region, token, expires, now, method="get_object", client_options=None, **params):
    client = botocore_oracle.s3_client(
        region, access_key_id=AKID, secret_access_key=SECRET, session_token=token, **(client_options or {})
    )
    return botocore_oracle.presigned_url(
        client, now, method=method, expires_in=expires, Bucket=bucket, Key=key, **params
    )


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    bucket=dns_buckets,
    key=keys,
    region=st.sampled_from(REGIONS),
    token=tokens,
    expires=st.integers(min_value=1, max_value=MAX_PRESIGN_EXPIRES),
    now=instants,
)
def test_get_object_matches_botocore(bucket, key, region, token, expires, now):
    assert _ours(bucket, key, region, token, expires, now) == _theirs(bucket, key, region, token, expires, now)


@settings(max_examples=150, deadline=None)
@given(
    key=keys,
    token=tokens,
    expires=st.integers(min_value=1, max_value=MAX_PRESIGN_EXPIRES),
    now=instants,
    filename=st.one_of(st.none(), printable),
    content_type=st.one_of(st.none(), st.sampled_from(["video/mp4", "text/plain; charset=utf-8", "application/x-ü"])),
    version_id=st.one_of(
        st.none(), st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEF0123456789._+/=-", min_size=1, max_size=32)
    ),
)
def test_response_overrides_match_botocore(key, token, expires, now, filename, content_type, version_id):
    disposition = None if filename is None else content_disposition(filename)
    params = {}
    if disposition is not None:
        params["ResponseContentDisposition"] = disposition
    if content_type is not None:
        params["ResponseContentType"] = content_type
    if version_id is not None:
        params["VersionId"] = version_id
    ours = _ours(
        "classic-movies", key, "eu-west-1", token, expires, now,
        response_content_disposition=disposition, response_content_type=content_type, version_id=version_id,
    )  # fmt: skip
    assert ours == _theirs("classic-movies", key, "eu-west-1", token, expires, now, **params)


@settings(max_examples=60, deadline=None)
@given(key=keys, token=tokens, now=instants, region=st.sampled_from(REGIONS))
def test_head_object_matches_botocore(key, token, now, region):
    ours = _ours("classic-movies", key, region, token, 900, now, method="HEAD")
    assert ours == _theirs("classic-movies", key, region, token, 900, now, method="head_object")


@pytest.mark.parametrize(
    "bucket",
    ["classic.movies", "Classic-Movies", "classic_movies", "ab", "a" * 64, "192.168.10.1", "x.y.z.example.com"],
)
@pytest.mark.parametrize("region", ["us-east-1", "eu-west-1"])
def test_names_that_are_not_dns_compatible_use_path_style_like_botocore(bucket, region):
    now = calendar.timegm((2026, 11, 30, 12, 0, 0))
    ours = _ours(bucket, "a b/c.txt", region, None, 900, now)
    assert ours.startswith(f"https://s3.{region}.amazonaws.com/{bucket}/a%20b/c.txt?")
    assert ours == _theirs(bucket, "a b/c.txt", region, None, 900, now)


@pytest.mark.parametrize("region", REGIONS)
def test_forced_path_style_matches_botocore(region):
    now = calendar.timegm((2026, 11, 30, 12, 0, 0))
    ours = _ours("classic-movies", "k/ü", region, "tok", 60, now, endpoint={"addressing_style": "path"})
    theirs = _theirs("classic-movies", "k/ü", region, "tok", 60, now, client_options={"addressing_style": "path"})
    assert ours == theirs


def test_legacy_global_endpoint_matches_botocore():
    now = calendar.timegm((2026, 11, 30, 12, 0, 0))
    ours = _ours("classic-movies", "k", "us-east-1", None, 900, now, endpoint={"use_global_endpoint": True})
    assert ours.startswith("https://classic-movies.s3.amazonaws.com/k?")
    theirs = _theirs(
        "classic-movies", "k", "us-east-1", None, 900, now, client_options={"us_east_1_regional_endpoint": "legacy"}
    )
    assert ours == theirs


@settings(max_examples=60, deadline=None)
@given(key=keys, token=tokens, now=instants, port=st.integers(min_value=1024, max_value=65535), https=st.booleans())
def test_custom_endpoint_uses_path_style_like_botocore(key, token, now, port, https):
    endpoint_url = f"{'https' if https else 'http'}://127.0.0.1:{port}"
    ours = _ours("classic-movies", key, "us-east-1", token, 900, now, endpoint={"endpoint_url": endpoint_url})
    assert ours.startswith(f"{endpoint_url}/classic-movies/")
    theirs = _theirs(
        "classic-movies", key, "us-east-1", token, 900, now,
        client_options={"endpoint_url": endpoint_url, "addressing_style": "path"},
    )  # fmt: skip
    assert ours == theirs


def test_explicit_default_ports_are_kept_in_the_url_but_not_signed_like_botocore():
    now = calendar.timegm((2026, 11, 30, 12, 0, 0))
    for endpoint_url in ("http://localhost:80", "https://s3.example.internal:443"):
        ours = _ours("classic-movies", "k", "us-east-1", None, 900, now, endpoint={"endpoint_url": endpoint_url})
        theirs = _theirs(
            "classic-movies", "k", "us-east-1", None, 900, now,
            client_options={"endpoint_url": endpoint_url, "addressing_style": "path"},
        )  # fmt: skip
        assert ours == theirs


def test_aws_documentation_example_is_reproduced_exactly():
    """The example of "Authenticating Requests: Using Query Parameters (AWS
    Signature Version 4)" in the Amazon S3 API reference."""
    now = calendar.timegm(time.strptime("20130524T000000Z", "%Y%m%dT%H%M%SZ"))
    endpoint = resolve_bucket_endpoint("examplebucket", "us-east-1", use_global_endpoint=True)
    credentials = Credentials("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
    url = presign_s3_url(endpoint, "test.txt", credentials, expires_in=86400, now=now)
    assert url == (
        "https://examplebucket.s3.amazonaws.com/test.txt"
        "?X-Amz-Algorithm=AWS4-HMAC-SHA256"
        "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request"
        "&X-Amz-Date=20130524T000000Z"
        "&X-Amz-Expires=86400"
        "&X-Amz-SignedHeaders=host"
        "&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404"
    )
