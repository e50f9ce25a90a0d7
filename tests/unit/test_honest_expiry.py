"""Honest expiry: a URL never claims to outlive the credentials that signed it.

The presigner runs with an injected clock and a broker whose AssumeRole is a
plain function handing out sessions that end ``SESSION_SECONDS`` after the
clock (STS at the function level: this is the expiry arithmetic, not the
network; the network is tests/integration/test_faults.py). Each URL is read
back: its ``X-Amz-Date`` + ``X-Amz-Expires`` must be the reported
``expires_at``, and that must end at least ``EXPIRY_SAFETY_MARGIN_SECONDS``
before the signing session (told apart by ``X-Amz-Credential``).

Across UTC midnight the credential scope's date and the derived signing key
change; botocore, with its clock frozen at the same instant, must produce the
same URL byte for byte.
"""

from __future__ import annotations

import calendar
import datetime as dt
import hashlib
import hmac
from unittest import mock
from urllib.parse import parse_qs, urlsplit

import botocore.session
import pytest
from botocore.config import Config as BotocoreConfig
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xpresign import sigv4
from xpresign.config import load_config
from xpresign.credentials import (
    ADVISORY_REFRESH_SECONDS,
    EXPIRY_SAFETY_MARGIN_SECONDS,
    MANDATORY_REFRESH_SECONDS,
    MIN_REFRESH_GAIN_SECONDS,
    CredentialBroker,
    Credentials,
    EnvironmentCredentials,
    StaticCredentials,
)
from xpresign.errors import InvalidExpiry, StsUnavailable
from xpresign.presign import CappedBy, Presigner, effective_expiry, presign_s3_url
from xpresign.s3 import resolve_bucket_endpoint

T0 = 1_800_000_000  # 2027-01-15T08:00:00Z
SESSION_SECONDS = 3600
MAX_PRESIGN = sigv4.MAX_PRESIGN_EXPIRES
BUCKET = "proof-bucket"
REGION = "eu-west-1"
ROLE_ARN = "arn:aws:iam::111111111111:role/s3_access_role"
SOURCE = Credentials("AKIASOURCE0000000001", "source-secret")
KEY = "movies/metropolis 1927.mp4"


class Clock:
    def __init__(self, start: float = T0):
        self.now = float(start)

    def __call__(self) -> float:
        return self.now


class Sts:
    """AssumeRole at the function level: sessions of ``lifetime`` seconds."""

    def __init__(self, clock: Clock, lifetime: float = SESSION_SECONDS):
        self.clock = clock
        self.lifetime = lifetime
        self.error: Exception | None = None
        self.issued: dict[str, Credentials] = {}

    def __call__(self, role, source, deadline=None) -> Credentials:
        if self.error is not None:
            raise self.error
        serial = len(self.issued) + 1
        expires_at = int(self.clock()) + self.lifetime  # STS writes whole seconds in <Expiration>
        issued = Credentials(f"ASIASESSION{serial:05d}", f"secret-{serial}", f"token-{serial}", expires_at)
        self.issued[issued.access_key_id] = issued
        return issued

    @property
    def calls(self) -> int:
        return len(self.issued)


def run_now(target) -> None:
    target()


def make_presigner(clock: Clock, sts: Sts, max_expires: int = 3600, role: bool = True, source=None) -> Presigner:
    env = {"XPRESIGN_BUCKET": BUCKET, "AWS_REGION": REGION, "XPRESIGN_MAX_EXPIRES": str(max_expires)}
    if role:
        env["XPRESIGN_ROLE_ARN"] = ROLE_ARN
    broker = CredentialBroker(source or StaticCredentials(SOURCE), sts, clock=clock, spawn=run_now)
    return Presigner(load_config(env), broker, clock=clock)


def query(url: str) -> dict[str, str]:
    return {name: values[0] for name, values in parse_qs(urlsplit(url).query).items()}


def signed_at(url: str) -> int:
    return calendar.timegm(dt.datetime.strptime(query(url)["X-Amz-Date"], "%Y%m%dT%H%M%SZ").timetuple())


def signer(url: str) -> str:
    return query(url)["X-Amz-Credential"].split("/")[0]


def epoch(iso: str) -> int:
    return calendar.timegm(dt.datetime.strptime(iso, "%Y-%m-%dT%H:%M:%SZ").timetuple())


def assert_honest(result, sts: Sts, clock: Clock) -> None:
    """The invariants every URL must satisfy, whatever the clock says."""
    url_expiry = signed_at(result.url) + int(query(result.url)["X-Amz-Expires"])
    assert signed_at(result.url) == int(clock())
    assert int(query(result.url)["X-Amz-Expires"]) == result.expires_in
    assert epoch(result.expires_at) == url_expiry
    session = sts.issued[signer(result.url)]
    assert url_expiry <= session.expires_at - EXPIRY_SAFETY_MARGIN_SECONDS
    assert result.expires_in >= 1


# --- effective_expiry -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("requested", "policy_max", "credentials_left", "expected"),
    [
        (900, 3600, 3540.0, (900, None)),
        (900, None, None, (900, None)),
        (3600, 3600, None, (3600, None)),  # equal to the policy: not capped
        (7200, 3600, None, (3600, CappedBy.POLICY)),
        (7200, 3600, 3540.0, (3540, CappedBy.CREDENTIALS)),
        (7200, 3600, 3600.0, (3600, CappedBy.POLICY)),  # credentials exactly enough
        (3000, 3600, 2999.9, (2999, CappedBy.CREDENTIALS)),  # rounded down, never up
        (MAX_PRESIGN + 1, None, None, (MAX_PRESIGN, CappedBy.S3_LIMIT)),
        (MAX_PRESIGN + 1, MAX_PRESIGN + 10, None, (MAX_PRESIGN, CappedBy.S3_LIMIT)),
        (MAX_PRESIGN + 1, MAX_PRESIGN + 10, 1000.0, (1000, CappedBy.CREDENTIALS)),
        (10**7, 86400, None, (86400, CappedBy.POLICY)),
        (MAX_PRESIGN, None, None, (MAX_PRESIGN, None)),
        (900, 3600, 0.5, (0, CappedBy.CREDENTIALS)),
    ],
)
def test_effective_expiry(requested, policy_max, credentials_left, expected):
    assert effective_expiry(requested, policy_max, credentials_left) == expected


@given(
    requested=st.integers(1, 2 * MAX_PRESIGN),
    policy_max=st.none() | st.integers(1, 2 * MAX_PRESIGN),
    credentials_left=st.none() | st.floats(0, 2 * MAX_PRESIGN, allow_nan=False),
)
def test_effective_expiry_is_the_smallest_limit_and_names_it(requested, policy_max, credentials_left):
    seconds, capped_by = effective_expiry(requested, policy_max, credentials_left)
    limits = {
        CappedBy.POLICY: policy_max,
        CappedBy.S3_LIMIT: MAX_PRESIGN,
        CappedBy.CREDENTIALS: None if credentials_left is None else int(credentials_left),
    }
    assert seconds == min([requested] + [limit for limit in limits.values() if limit is not None])
    if capped_by is None:
        assert seconds == requested
    else:
        assert limits[capped_by] == seconds < requested
    if credentials_left is not None:
        assert seconds <= credentials_left


# --- the presigner's expiry, for many clock positions ------------------------------------


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    lifetime=st.sampled_from([900, 1000, 3600, 7200, 43200]),
    # Where the clock lands relative to the first session's end: dense around
    # the refresh windows, and anywhere up to long after the session ended.
    seconds_left=st.integers(-60, 2 * ADVISORY_REFRESH_SECONDS) | st.integers(-2 * 43200, 43200),
    fraction=st.floats(0, 0.999),
    requested=st.integers(1, MAX_PRESIGN) | st.integers(1, 2 * ADVISORY_REFRESH_SECONDS),
    max_expires=st.integers(1, MAX_PRESIGN),
)
def test_no_url_outlives_its_credentials(lifetime, seconds_left, fraction, requested, max_expires):
    clock = Clock(T0 + fraction)  # a clock between seconds: URLs are dated by whole seconds
    sts = Sts(clock, lifetime)
    presigner = make_presigner(clock, sts, max_expires=max_expires)
    first = presigner.presign(KEY, expires_in=min(requested, max_expires))
    assert_honest(first, sts, clock)
    clock.now = max(clock.now, sts.issued[signer(first.url)].expires_at - seconds_left + fraction)
    result = presigner.presign(KEY, expires_in=requested)
    assert_honest(result, sts, clock)
    wanted = min(requested, max_expires)
    if result.expires_in < wanted:
        assert result.capped_by == CappedBy.CREDENTIALS
        # Refresh first: capped only by a session so young that a new one
        # would not add MIN_REFRESH_GAIN_SECONDS.
        session = sts.issued[signer(result.url)]
        assert int(clock()) - (session.expires_at - lifetime) < MIN_REFRESH_GAIN_SECONDS
    else:
        assert result.expires_in == wanted
        assert result.capped_by == (CappedBy.POLICY if max_expires < requested else None)


@pytest.mark.parametrize(
    "seconds_left", [ADVISORY_REFRESH_SECONDS + 1, ADVISORY_REFRESH_SECONDS, 700, MANDATORY_REFRESH_SECONDS, 61, 0, -5]
)
def test_windows_never_yield_a_url_past_its_credentials(seconds_left):
    clock = Clock()
    sts = Sts(clock)
    presigner = make_presigner(clock, sts)
    first = presigner.presign(KEY)
    clock.now = sts.issued[signer(first.url)].expires_at - seconds_left
    for expires_in in (1, 60, 900, 3600):
        assert_honest(presigner.presign(KEY, expires_in=expires_in), sts, clock)


# --- capped_by, case by case ------------------------------------------------------------


def test_request_within_every_limit_stands():
    clock = Clock()
    sts = Sts(clock)
    result = make_presigner(clock, sts).presign(KEY, expires_in=900)
    assert (result.expires_in, result.capped_by) == (900, None)


def test_policy_caps_the_request():
    clock = Clock()
    sts = Sts(clock)
    result = make_presigner(clock, sts, max_expires=1800).presign(KEY, expires_in=3000)
    assert (result.expires_in, result.capped_by) == (1800, CappedBy.POLICY)


def test_a_chained_session_caps_an_hour_long_request():
    """Role chaining gives one hour; an hour-long URL from a fresh session is
    capped by the session, minus the safety margin, and no refresh can help."""
    clock = Clock()
    sts = Sts(clock)
    result = make_presigner(clock, sts).presign(KEY, expires_in=3600)
    assert result.expires_in == SESSION_SECONDS - EXPIRY_SAFETY_MARGIN_SECONDS
    assert result.capped_by == CappedBy.CREDENTIALS
    assert sts.calls == 1


def test_expiry_beyond_sigv4_limit_is_refused_not_capped():
    clock = Clock()
    with pytest.raises(InvalidExpiry, match="604800"):
        make_presigner(clock, Sts(clock), max_expires=MAX_PRESIGN).presign(KEY, expires_in=MAX_PRESIGN + 1)


def test_source_credentials_without_expiry_allow_the_full_week():
    clock = Clock()
    result = make_presigner(clock, Sts(clock), max_expires=MAX_PRESIGN, role=False).presign(KEY, expires_in=MAX_PRESIGN)
    assert (result.expires_in, result.capped_by) == (MAX_PRESIGN, None)
    assert signer(result.url) == SOURCE.access_key_id


def test_source_credentials_with_an_expiry_cap_the_url():
    """No role: the function's own temporary credentials sign, and their
    AWS_CREDENTIAL_EXPIRATION bounds the URL."""
    clock = Clock()
    environ = {
        "AWS_ACCESS_KEY_ID": "ASIALAMBDA",
        "AWS_SECRET_ACCESS_KEY": "lambda-secret",
        "AWS_SESSION_TOKEN": "lambda-token",
        "AWS_CREDENTIAL_EXPIRATION": "2027-01-15T08:30:00Z",  # T0 + 1800
    }
    presigner = make_presigner(clock, Sts(clock), role=False, source=EnvironmentCredentials(environ))
    result = presigner.presign(KEY, expires_in=3600)
    assert (result.expires_in, result.capped_by) == (1800 - EXPIRY_SAFETY_MARGIN_SECONDS, CappedBy.CREDENTIALS)
    assert result.expires_at == "2027-01-15T08:29:00Z"


def test_a_grant_is_reused_only_for_the_same_inputs_within_its_second():
    """The last expiry decision serves again while bucket, expiry asked,
    credentials and clock second all match; anything else decides anew."""
    clock = Clock()
    presigner = make_presigner(clock, Sts(clock))
    bucket = presigner.config.bucket(None)
    first = presigner.grant(bucket, 600)
    clock.now += 0.9
    assert presigner.grant(bucket, 600) is first
    longer = presigner.grant(bucket, 900)
    assert longer.expires_in == 900 and longer.now == first.now
    clock.now += 0.1
    later = presigner.grant(bucket, 900)
    assert later.now == first.now + 1 and epoch(later.expires_at) == epoch(longer.expires_at) + 1
    clock.now += SESSION_SECONDS - MANDATORY_REFRESH_SECONDS  # the broker must renew the session
    renewed = presigner.grant(bucket, 900)
    assert renewed.credentials is not later.credentials
    assert presigner.grant(bucket, 900) is renewed


def test_credentials_with_no_time_left_are_refused_not_signed():
    """If STS ever handed out a session ending within the safety margin, the
    presigner answers 503 rather than a URL that is dead on arrival."""
    clock = Clock()
    sts = Sts(clock, lifetime=EXPIRY_SAFETY_MARGIN_SECONDS)
    with pytest.raises(StsUnavailable) as raised:
        make_presigner(clock, sts).presign(KEY)
    assert raised.value.status == 503 and raised.value.retry_after == 1


# --- refresh first when a refresh gives a longer expiry ------------------------------------


def test_refreshes_first_when_a_new_session_gives_a_longer_expiry():
    clock = Clock()
    sts = Sts(clock)
    presigner = make_presigner(clock, sts)
    first = presigner.presign(KEY)
    clock.now += 1000  # 2600 s left: a 3000 s URL needs a new session
    result = presigner.presign(KEY, expires_in=3000)
    assert sts.calls == 2 and signer(result.url) != signer(first.url)
    assert (result.expires_in, result.capped_by) == (3000, None)


def test_caps_instead_of_refreshing_for_a_small_gain():
    clock = Clock()
    sts = Sts(clock)
    presigner = make_presigner(clock, sts)
    first = presigner.presign(KEY)
    clock.now += MIN_REFRESH_GAIN_SECONDS - 100  # a new session would add only 200 s
    result = presigner.presign(KEY, expires_in=3600)
    assert sts.calls == 1 and signer(result.url) == signer(first.url)
    left = SESSION_SECONDS - (MIN_REFRESH_GAIN_SECONDS - 100)
    assert (result.expires_in, result.capped_by) == (left - EXPIRY_SAFETY_MARGIN_SECONDS, CappedBy.CREDENTIALS)


def test_no_refresh_when_the_cached_session_already_covers_the_request():
    """The margin is counted once: 3100 s left covers a 3000 s URL + 60 s."""
    clock = Clock()
    sts = Sts(clock)
    presigner = make_presigner(clock, sts)
    first = presigner.presign(KEY)
    clock.now += 500
    result = presigner.presign(KEY, expires_in=3000)
    assert (result.expires_in, result.capped_by) == (3000, None)
    assert sts.calls == 1 and signer(result.url) == signer(first.url)


def test_advisory_window_refreshes_first_when_the_request_needs_it():
    """800 s left, 900 asked: a new session gives the full 900, so it comes first."""
    clock = Clock()
    sts = Sts(clock)
    presigner = make_presigner(clock, sts)
    first = presigner.presign(KEY)
    clock.now = sts.issued[signer(first.url)].expires_at - 800  # advisory window
    result = presigner.presign(KEY, expires_in=900)
    assert (result.expires_in, result.capped_by) == (900, None)
    assert signer(result.url) != signer(first.url)


def test_advisory_window_serves_the_old_session_honestly_while_sts_fails():
    clock = Clock()
    sts = Sts(clock)
    presigner = make_presigner(clock, sts)
    first = presigner.presign(KEY)
    old = sts.issued[signer(first.url)]
    clock.now = old.expires_at - 800
    sts.error = StsUnavailable("STS failed with HTTP 503", retry_after=5)
    result = presigner.presign(KEY, expires_in=900)
    assert signer(result.url) == old.access_key_id
    assert (result.expires_in, result.capped_by) == (800 - EXPIRY_SAFETY_MARGIN_SECONDS, CappedBy.CREDENTIALS)
    assert epoch(result.expires_at) == old.expires_at - EXPIRY_SAFETY_MARGIN_SECONDS


def test_mandatory_window_signs_with_a_new_session_or_not_at_all():
    clock = Clock()
    sts = Sts(clock)
    presigner = make_presigner(clock, sts)
    first = presigner.presign(KEY)
    clock.now = sts.issued[signer(first.url)].expires_at - (MANDATORY_REFRESH_SECONDS - 1)
    sts.error = StsUnavailable("STS failed with HTTP 503", retry_after=5)
    with pytest.raises(StsUnavailable):
        presigner.presign(KEY, expires_in=60)  # even a short URL: the old session is not used
    clock.now += 1
    sts.error = None
    result = presigner.presign(KEY, expires_in=60)
    assert signer(result.url) != signer(first.url)
    assert (result.expires_in, result.capped_by) == (60, None)


# --- across UTC midnight, and across credentials -----------------------------------------


MIDNIGHT = calendar.timegm((2027, 1, 16, 0, 0, 0, 0, 0, 0))


_BOTOCORE = botocore.session.Session()  # one session: its loaded models make clients cheap


def botocore_url(credentials: Credentials, instant: int, expires_in: int, key: str = KEY) -> str:
    """The same URL from botocore with its clock frozen at ``instant``."""
    client = _BOTOCORE.create_client(
        "s3",
        region_name=REGION,
        aws_access_key_id=credentials.access_key_id,
        aws_secret_access_key=credentials.secret_access_key,
        aws_session_token=credentials.session_token,
        config=BotocoreConfig(signature_version="s3v4", s3={"addressing_style": "virtual"}),
    )
    frozen = dt.datetime.fromtimestamp(instant, dt.UTC).replace(tzinfo=None)
    with mock.patch("botocore.auth.get_current_datetime", return_value=frozen):
        return client.generate_presigned_url("get_object", Params={"Bucket": BUCKET, "Key": key}, ExpiresIn=expires_in)


def independent_signing_key(secret: str, date: str) -> bytes:
    key = ("AWS4" + secret).encode()
    for part in (date, REGION, "s3", "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key


def test_signing_across_utc_midnight_changes_scope_and_key():
    """One role session spans midnight; URLs signed a second apart carry
    different dates in their scope, are signed with different derived keys, and
    each is exactly what botocore signs at that instant."""
    clock = Clock(MIDNIGHT - 1800)
    sts = Sts(clock)
    presigner = make_presigner(clock, sts)
    presigner.presign(KEY)  # the session starts at 23:30
    urls = {}
    for instant in (MIDNIGHT - 1, MIDNIGHT, MIDNIGHT - 1):  # and back: the cache must not stick
        clock.now = instant
        result = presigner.presign(KEY, expires_in=900)
        assert_honest(result, sts, clock)
        session = sts.issued[signer(result.url)]
        assert result.url == botocore_url(session, instant, 900)
        urls[instant] = result.url
    assert sts.calls == 1  # one session across midnight: only the day changed
    before, after = urls[MIDNIGHT - 1], urls[MIDNIGHT]
    assert query(before)["X-Amz-Credential"].split("/")[1] == "20270115"
    assert query(after)["X-Amz-Credential"].split("/")[1] == "20270116"
    assert query(before)["X-Amz-Signature"] != query(after)["X-Amz-Signature"]
    secret = next(iter(sts.issued.values())).secret_access_key
    key_before = sigv4.signing_key(secret, "20270115", REGION, "s3")
    key_after = sigv4.signing_key(secret, "20270116", REGION, "s3")
    assert key_before != key_after
    assert (key_before, key_after) == (
        independent_signing_key(secret, "20270115"),
        independent_signing_key(secret, "20270116"),
    )


def test_new_credentials_change_the_signature_for_the_same_instant():
    """A rotated secret (same access key id, same instant) must not reuse the
    cached signing key; a new session token changes the URL too."""
    endpoint = resolve_bucket_endpoint(BUCKET, REGION)
    base = Credentials("ASIASAMEKEY", "secret-one", "token-one", MIDNIGHT + 3600)
    variants = [
        base,
        Credentials("ASIASAMEKEY", "secret-two", "token-one", MIDNIGHT + 3600),
        Credentials("ASIASAMEKEY", "secret-one", "token-two", MIDNIGHT + 3600),
    ]
    signatures = set()
    for credentials in variants:
        url = presign_s3_url(endpoint, KEY, credentials, expires_in=900, now=MIDNIGHT)
        assert url == botocore_url(credentials, MIDNIGHT, 900)
        signatures.add(query(url)["X-Amz-Signature"])
    assert len(signatures) == len(variants)
    # And back to the first: the same inputs still give the same URL.
    again = presign_s3_url(endpoint, KEY, base, expires_in=900, now=MIDNIGHT)
    assert query(again)["X-Amz-Signature"] in signatures
    assert again == botocore_url(base, MIDNIGHT, 900)


def test_a_refresh_at_midnight_signs_with_the_new_session_and_new_day():
    """The session ends just after midnight: the mandatory refresh and the
    day change arrive together; the URL uses both."""
    clock = Clock(MIDNIGHT - SESSION_SECONDS + MANDATORY_REFRESH_SECONDS - 1)
    sts = Sts(clock)
    presigner = make_presigner(clock, sts)
    first = presigner.presign(KEY)
    clock.now = MIDNIGHT  # the first session has 599 s left: mandatory
    result = presigner.presign(KEY, expires_in=900)
    assert sts.calls == 2 and signer(result.url) != signer(first.url)
    assert_honest(result, sts, clock)
    assert result.url == botocore_url(sts.issued[signer(result.url)], MIDNIGHT, 900)
    assert query(result.url)["X-Amz-Credential"].split("/")[1] == "20270116"
