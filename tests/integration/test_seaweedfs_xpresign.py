"""xpresign's own STS client, broker, presigner and Lambda handler against a
server that checks what it is given: SeaweedFS (see tests/support/seaweedfs.py).

moto accepts any signature and any session token, so only a server like this
one can show that xpresign's URLs open the right object and nothing else. The
control group (test_seaweedfs_oracle.py) proves the same server accepts and
refuses boto3's URLs the same way; if it fails, read it first.

What SeaweedFS checks differently from AWS is listed in docs/security.md and
pinned by the ``test_quirk_*`` tests, so nobody reads more into this file than
it proves.
"""

from __future__ import annotations

import calendar
import hashlib
import json
import logging
import os
import re
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest

from tests.support.seaweedfs import ACCOUNT_ID
from xpresign.config import load_config
from xpresign.credentials import (
    EXPIRY_SAFETY_MARGIN_SECONDS,
    CredentialBroker,
    Credentials,
    RoleSpec,
    StaticCredentials,
)
from xpresign.errors import KeyNotAllowed, RoleNotAssumable
from xpresign.lambda_handler import build_app
from xpresign.presign import CappedBy, Presigner, presign_s3_url
from xpresign.s3 import content_disposition
from xpresign.sts import REFUSED_MESSAGE, StsClient

pytestmark = pytest.mark.seaweedfs

# Under their own sub-prefix so the control group's objects (allowed/plain.txt
# and friends, with other bodies) can never be mistaken for these.
SUB_PREFIX = "xpresign/"
KEY_NAMES = [
    "plain.txt",
    "with space.txt",
    "ünïcödé/ファイル.bin",
    "a+b~c.txt",
    "nested/deeper/x.bin",
    "percent%20literal.txt",
]
OBJECT_SIZE = 4096
#: Long enough that a test never races it, short enough to be obviously ours.
URL_SECONDS = 300
#: Extra wait after an expiry so the server's clock (the same machine's, read
#: a few milliseconds later) is surely past it.
EXPIRY_GRACE_SECONDS = 1.5
#: Tolerance when comparing an STS Expiration with "now + DurationSeconds":
#: both clocks are this machine's; this absorbs the request and whole seconds.
STS_CLOCK_TOLERANCE_SECONDS = 5


# --- helpers -----------------------------------------------------------------------


def fetch(url: str, method: str = "GET", data: bytes | None = None):
    """(status, body, headers, S3 error code or None), never raising for HTTP errors."""
    request = urllib.request.Request(url, data=data, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read(), response.headers, None
    except urllib.error.HTTPError as exc:
        with exc:
            body = exc.read()
        match = re.search(rb"<Code>([^<]+)</Code>", body)
        return exc.code, body, exc.headers, match.group(1).decode() if match else None


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def query_value(url: str, name: str) -> str:
    return urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)[name][0]


def replace_query(url: str, name: str, value: str | None) -> str:
    """`url` with one query parameter's raw value replaced (dropped if None),
    every other byte as signed."""
    head, _, query = url.partition("?")
    pairs = [pair.split("=", 1) for pair in query.split("&")]
    kept = [f"{k}={value if k == name else v}" for k, v in pairs if k != name or value is not None]
    assert len(kept) == len(pairs) - (value is None), f"{name} not in the URL"
    return f"{head}?{'&'.join(kept)}"


def xpresign_env(seaweedfs, **overrides: str | None) -> dict[str, str]:
    """The environment a deployment would set, pointed at SeaweedFS. An
    override of None removes the variable."""
    env = {
        "XPRESIGN_BUCKET": seaweedfs.bucket,
        "XPRESIGN_ROLE_ARN": seaweedfs.role_arn,
        "XPRESIGN_ALLOWED_PREFIXES": seaweedfs.allowed_prefix,
        "AWS_REGION": seaweedfs.region,
        "AWS_ENDPOINT_URL": seaweedfs.s3_endpoint_url,
    }
    env.update(overrides)
    return {k: v for k, v in env.items() if v is not None}


def endpoint_of(presigner: Presigner):
    return presigner.endpoint(presigner.config.bucket())


def caller(seaweedfs) -> Credentials:
    """The long-term keys that may only AssumeRole (a Lambda role's stand-in)."""
    return Credentials(*seaweedfs.caller_credentials)


def caller_source(seaweedfs) -> StaticCredentials:
    return StaticCredentials(caller(seaweedfs))


def minted(seaweedfs, ttl_seconds: float) -> Credentials:
    session = seaweedfs.mint_session_credentials(ttl_seconds)
    return Credentials(
        session["AccessKeyId"], session["SecretAccessKey"], session["SessionToken"], float(session["Expiration"])
    )


class CountingAssumeRole:
    """Wraps an ``assume_role`` callable and counts the STS calls made."""

    def __init__(self, assume_role):
        self._assume_role = assume_role
        self.calls = 0

    def __call__(self, role: RoleSpec, source: Credentials) -> Credentials:
        self.calls += 1
        return self._assume_role(role, source)


# --- fixtures ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def objects(seaweedfs) -> dict[str, bytes]:
    """Random bytes under every test key (uploaded as admin), so a download
    can only match by being the right object."""
    stored = {}
    for name in KEY_NAMES:
        key = seaweedfs.allowed_prefix + SUB_PREFIX + name
        stored[key] = os.urandom(OBJECT_SIZE)
        seaweedfs.put_object(key, stored[key])
    return stored


@pytest.fixture(scope="module")
def denied_key(seaweedfs) -> str:
    """An object that exists, outside the role's policy (admin can read it)."""
    key = seaweedfs.denied_prefix + SUB_PREFIX + "secret.bin"
    seaweedfs.put_object(key, b"must not leak " + os.urandom(32))
    return key


@pytest.fixture(scope="module")
def sts(seaweedfs) -> StsClient:
    return StsClient(region=seaweedfs.region, endpoint_url=seaweedfs.sts_endpoint_url)


@pytest.fixture(scope="module")
def broker(seaweedfs, sts) -> CredentialBroker:
    """One broker for the module, as in a warm Lambda: one AssumeRole, then cached."""
    return CredentialBroker(caller_source(seaweedfs), sts.assume_role)


@pytest.fixture(scope="module")
def presigner(seaweedfs, broker) -> Presigner:
    """Signs only under allowed/ (the role's policy too)."""
    return Presigner(load_config(xpresign_env(seaweedfs)), broker)


@pytest.fixture(scope="module")
def open_presigner(seaweedfs, broker) -> Presigner:
    """Signs any key: what the server refuses is then the role's policy alone."""
    return Presigner(load_config(xpresign_env(seaweedfs, XPRESIGN_ALLOWED_PREFIXES=None)), broker)


@pytest.fixture(scope="module")
def plain_key(objects) -> str:
    return next(iter(objects))


# --- xpresign's STS client against SeaweedFS's STS -----------------------------------


@pytest.mark.parametrize("duration", [900, 3600, 43200])
def test_sts_client_assumes_the_role(seaweedfs, sts, presigner, objects, plain_key, duration):
    # ExternalId omitted: PresignRole's trust policy has no condition on it.
    before = time.time()
    session = sts.assume_role(RoleSpec(seaweedfs.role_arn, "sts-client", duration), caller(seaweedfs))
    assert session.access_key_id.startswith("ASIA")
    assert session.session_token
    # SeaweedFS honours DurationSeconds across STS's whole range.
    assert abs(session.expires_at - (before + duration)) < STS_CLOCK_TOLERANCE_SECONDS
    # The session is real: it signs a URL the server accepts.
    url = presign_s3_url(endpoint_of(presigner), plain_key, session, expires_in=URL_SECONDS, now=time.time())
    status, body, _, _ = fetch(url)
    assert status == 200
    assert sha256(body) == sha256(objects[plain_key])


@pytest.mark.parametrize("duration", [899, 43201])
def test_sts_client_reports_a_refused_duration(seaweedfs, sts, duration):
    with pytest.raises(RoleNotAssumable) as caught:
        sts.assume_role(RoleSpec(seaweedfs.role_arn, "sts-client", duration), caller(seaweedfs))
    assert caught.value.sts_code == "InvalidParameterValue"
    assert caught.value.message == REFUSED_MESSAGE  # STS's text (naming DurationSeconds) stays in the log


@pytest.mark.parametrize(
    "who, expected_code",
    [
        ("wrong secret", "SignatureDoesNotMatch"),
        ("unknown access key", "InvalidAccessKeyId"),
        ("principal the trust policy does not name", "AccessDenied"),
    ],
)
def test_sts_client_surfaces_the_sts_refusal(seaweedfs, who, expected_code):
    akid, secret = seaweedfs.caller_credentials
    source = {
        "wrong secret": Credentials(akid, secret[:-1] + ("A" if secret[-1] != "A" else "B")),
        "unknown access key": Credentials("AKIA" + "X" * 16, secret),
        # outsider may call sts:AssumeRole; only the trust policy stands in its way.
        "principal the trust policy does not name": Credentials(*seaweedfs.outsider_credentials),
    }[who]
    sleeps: list[float] = []
    sts = StsClient(region=seaweedfs.region, endpoint_url=seaweedfs.sts_endpoint_url, sleep=sleeps.append)
    with pytest.raises(RoleNotAssumable) as caught:
        sts.assume_role(RoleSpec(seaweedfs.role_arn, "refused"), source)
    error = caught.value
    assert (error.status, error.code, error.sts_code) == (403, "RoleNotAssumable", expected_code)
    # Callers get a fixed sentence: STS's text, the role ARN and the account stay in the log.
    assert error.message == REFUSED_MESSAGE and seaweedfs.role_arn not in error.message
    assert sleeps == [], "a refusal is final: it must not be retried"


# --- presigned URLs from xpresign's Presigner ------------------------------------------


@pytest.mark.parametrize("name", KEY_NAMES)
def test_allowed_key_downloads_the_right_bytes(seaweedfs, presigner, objects, name):
    key = seaweedfs.allowed_prefix + SUB_PREFIX + name
    result = presigner.presign(key, expires_in=URL_SECONDS)
    assert (result.key, result.expires_in, result.capped_by) == (key, URL_SECONDS, None)
    status, body, _, code = fetch(result.url)
    assert (status, code) == (200, None)
    assert sha256(body) == sha256(objects[key])


@pytest.mark.parametrize("filename", ["Metropolis (1927).mp4", "Ünïcode — ok.mp4"])
def test_response_content_disposition_is_honoured(presigner, objects, plain_key, filename):
    result = presigner.presign(plain_key, expires_in=URL_SECONDS, filename=filename, content_type="video/mp4")
    status, body, headers, _ = fetch(result.url)
    assert status == 200
    assert sha256(body) == sha256(objects[plain_key])
    assert headers["Content-Disposition"] == content_disposition(filename)
    assert headers["Content-Type"] == "video/mp4"


def test_one_changed_signature_character_is_refused(presigner, plain_key):
    url = presigner.presign(plain_key, expires_in=URL_SECONDS).url
    signature = query_value(url, "X-Amz-Signature")
    flipped = signature[:-1] + ("0" if signature[-1] != "0" else "1")
    status, _, _, code = fetch(replace_query(url, "X-Amz-Signature", flipped))
    assert (status, code) == (403, "SignatureDoesNotMatch")


def test_url_for_one_key_does_not_open_another(presigner, objects):
    key, other = next(iter(objects)), list(objects)[4]
    url = presigner.presign(key, expires_in=URL_SECONDS).url
    other_url = presigner.presign(other, expires_in=URL_SECONDS).url
    # The other object is there and readable with its own URL ...
    assert fetch(other_url)[0] == 200
    # ... so refusing it with this URL's signature is the signature's doing.
    swapped = other_url.split("?")[0] + "?" + url.split("?")[1]
    status, _, _, code = fetch(swapped)
    assert (status, code) == (403, "SignatureDoesNotMatch")


@pytest.mark.parametrize("method", ["PUT", "DELETE", "HEAD"])
def test_get_url_is_refused_for_another_method(presigner, objects, plain_key, method):
    url = presigner.presign(plain_key, expires_in=URL_SECONDS).url
    status, _, _, code = fetch(url, method=method, data=b"overwritten" if method == "PUT" else None)
    assert status == 403
    # A HEAD answer has no body to carry the code.
    assert code == (None if method == "HEAD" else "SignatureDoesNotMatch")
    # And nothing happened to the object.
    assert sha256(fetch(url)[1]) == sha256(objects[plain_key])


def test_get_url_is_refused_for_post(presigner, objects, plain_key):
    # SeaweedFS answers a POST on an object path 405 before it looks at the
    # signature, so this proves the refusal and the untouched object, not
    # the status AWS would give.
    url = presigner.presign(plain_key, expires_in=URL_SECONDS).url
    assert fetch(url, method="POST", data=b"x")[0] == 405
    assert sha256(fetch(url)[1]) == sha256(objects[plain_key])


def test_head_url_is_refused_for_get(presigner, plain_key):
    url = presigner.presign(plain_key, expires_in=URL_SECONDS, method="HEAD").url
    assert fetch(url, method="HEAD")[0] == 200
    status, _, _, code = fetch(url)
    assert (status, code) == (403, "SignatureDoesNotMatch")


@pytest.mark.parametrize("change", ["removed", "altered"])
def test_url_without_its_session_token_is_refused(presigner, plain_key, change):
    url = presigner.presign(plain_key, expires_in=URL_SECONDS).url
    token = query_value(url, "X-Amz-Security-Token")
    if change == "removed":
        tampered = replace_query(url, "X-Amz-Security-Token", None)
    else:
        altered = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
        tampered = replace_query(url, "X-Amz-Security-Token", urllib.parse.quote(altered, safe=""))
    assert fetch(url)[0] == 200
    status, _, _, code = fetch(tampered)
    # SeaweedFS resolves a session's ASIA key only through a valid token.
    assert (status, code) == (403, "InvalidAccessKeyId")


def test_key_outside_the_role_policy_is_refused_by_the_server(seaweedfs, open_presigner, denied_key):
    # The object exists: the admin reads it.
    admin = seaweedfs.boto3_client("s3", seaweedfs.admin_credentials)
    assert admin.get_object(Bucket=seaweedfs.bucket, Key=denied_key)["Body"].read().startswith(b"must not leak")
    result = open_presigner.presign(denied_key, expires_in=URL_SECONDS)
    status, body, _, code = fetch(result.url)
    assert (status, code) == (403, "AccessDenied")
    assert b"must not leak" not in body


def test_key_outside_the_prefixes_is_refused_before_signing(seaweedfs, denied_key):
    assume_role = CountingAssumeRole(StsClient(seaweedfs.region, seaweedfs.sts_endpoint_url).assume_role)
    presigner = Presigner(load_config(xpresign_env(seaweedfs)), CredentialBroker(caller_source(seaweedfs), assume_role))
    with pytest.raises(KeyNotAllowed) as caught:
        presigner.presign(denied_key, expires_in=URL_SECONDS)
    assert caught.value.status == 403
    assert seaweedfs.allowed_prefix in caught.value.message
    # Refused before any credentials were even fetched, let alone a URL signed.
    assert assume_role.calls == 0


# --- expiry -----------------------------------------------------------------------------


def signed_at(url: str) -> int:
    """The URL's X-Amz-Date as epoch seconds."""
    return calendar.timegm(time.strptime(query_value(url, "X-Amz-Date"), "%Y%m%dT%H%M%SZ"))


def _sleep_until(epoch_seconds: float) -> None:
    time.sleep(max(0.0, epoch_seconds - time.time()))


@pytest.mark.slow
def test_url_with_expires_in_1_is_refused_after_it_expires(presigner, plain_key):
    presigner.presign(plain_key)  # the AssumeRole, if any, happens now, not in the second below
    # Sign just after a second starts: X-Amz-Date is whole seconds, so the URL
    # then has nearly its full second left for the first request.
    _sleep_until(int(time.time()) + 1.02)
    result = presigner.presign(plain_key, expires_in=1)
    assert (result.expires_in, query_value(result.url, "X-Amz-Expires")) == (1, "1")
    # Valid first, so the later refusal is the expiry and nothing else.
    assert fetch(result.url)[0] == 200
    _sleep_until(signed_at(result.url) + 1 + EXPIRY_GRACE_SECONDS)
    status, body, _, code = fetch(result.url)
    assert (status, code) == (403, "AccessDenied")
    assert b"Request has expired" in body


@pytest.mark.slow
def test_url_dies_with_the_credentials_that_signed_it(seaweedfs, presigner, plain_key):
    """The server-side half of "honest expiry": a URL is refused once its
    session has expired, however long X-Amz-Expires says it lasts.

    STS will not issue a session shorter than 900 s, so the session is minted
    (see SeaweedFS.mint_session_credentials) to live 3 s. The URL is signed
    with the library-level presign_s3_url, which signs whatever it is given,
    for an hour: Presigner would never do this (next test).
    """
    session = minted(seaweedfs, ttl_seconds=3)
    url = presign_s3_url(endpoint_of(presigner), plain_key, session, expires_in=3600, now=time.time())
    assert query_value(url, "X-Amz-Expires") == "3600"
    assert fetch(url)[0] == 200
    _sleep_until(session.expires_at + EXPIRY_GRACE_SECONDS)
    status, _, _, code = fetch(url)
    # SeaweedFS reports an expired session as an unknown key; AWS answers
    # ExpiredToken. Either way the URL is refused before X-Amz-Expires.
    assert (status, code) == (403, "InvalidAccessKeyId")


def test_presigner_caps_the_expiry_to_the_signing_session(seaweedfs, plain_key):
    """The client-side half: the Presigner never states an expiry beyond the
    session's end minus EXPIRY_SAFETY_MARGIN_SECONDS, and says why."""
    ttl = 120
    session = minted(seaweedfs, ttl_seconds=ttl)
    presigner = Presigner(
        load_config(xpresign_env(seaweedfs)),
        CredentialBroker(caller_source(seaweedfs), lambda role, source, deadline: session),
    )
    result = presigner.presign(plain_key, expires_in=3600)
    assert result.capped_by == CappedBy.CREDENTIALS
    # When the URL itself stops working, as the server reads it: X-Amz-Date
    # (whole seconds) plus X-Amz-Expires. It ends at most the margin before
    # the session does, and not a whole second earlier than it has to.
    url_ends = signed_at(result.url) + int(query_value(result.url, "X-Amz-Expires"))
    cap = session.expires_at - EXPIRY_SAFETY_MARGIN_SECONDS
    assert cap - 1 < url_ends <= cap
    assert query_value(result.url, "X-Amz-Expires") == str(result.expires_in)
    assert result.expires_at == time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(url_ends))
    assert fetch(result.url)[0] == 200


# --- the whole Lambda, wired from its environment -------------------------------------


def lambda_env(seaweedfs, **overrides: str | None) -> dict[str, str]:
    """What Lambda would give the function: the caller's keys stand in for the
    execution role's."""
    akid, secret = seaweedfs.caller_credentials
    return xpresign_env(seaweedfs, AWS_ACCESS_KEY_ID=akid, AWS_SECRET_ACCESS_KEY=secret, **overrides)


def function_url_post(body: dict) -> dict:
    return {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": "/",
        "rawQueryString": "",
        "headers": {"content-type": "application/json", "host": "abc123.lambda-url.us-east-1.on.aws"},
        "requestContext": {
            "domainName": "abc123.lambda-url.us-east-1.on.aws",
            "http": {"method": "POST", "path": "/", "protocol": "HTTP/1.1", "sourceIp": "192.0.2.1"},
            "requestId": "seaweedfs-e2e",
        },
        "body": json.dumps(body),
        "isBase64Encoded": False,
    }


def test_lambda_function_url_hands_out_a_working_url(seaweedfs, objects, caplog):
    key = seaweedfs.allowed_prefix + SUB_PREFIX + "ünïcödé/ファイル.bin"
    filename = "Ünïcode — ok.mp4"
    # Built inside at_level, which restores the "xpresign" logger's level
    # that build_app sets from XPRESIGN_LOG_LEVEL.
    with caplog.at_level(logging.DEBUG, logger="xpresign"):
        app = build_app(lambda_env(seaweedfs, XPRESIGN_LOG_LEVEL="DEBUG"))
        response = app(function_url_post({"key": key, "filename": filename, "expires_in": URL_SECONDS}))
    assert response["statusCode"] == 200, response["body"]
    assert response["headers"]["Cache-Control"] == "no-store"
    result = json.loads(response["body"])
    assert (result["key"], result["expires_in"], result["capped_by"]) == (key, URL_SECONDS, None)

    status, body, headers, _ = fetch(result["url"])
    assert status == 200
    assert sha256(body) == sha256(objects[key])
    assert headers["Content-Disposition"] == content_disposition(filename)

    # The request was logged, and nothing in the log could open the object.
    bearer_parts = {
        "signature": query_value(result["url"], "X-Amz-Signature"),
        "session token": query_value(result["url"], "X-Amz-Security-Token"),
        "caller's secret key": seaweedfs.caller_credentials[1],
        "query string": result["url"].split("?")[1],
    }
    logged = "\n".join(r.getMessage() + " " + json.dumps(r.__dict__, default=str) for r in caplog.records)
    assert "seaweedfs-e2e" in logged
    leaked = [
        name for name, value in bearer_parts.items() if value in logged or urllib.parse.quote(value, safe="") in logged
    ]
    assert leaked == []


def test_lambda_batch_check_reports_each_object(seaweedfs, objects, denied_key):
    # Prefixes open, so the denied key reaches the server and is refused by the
    # role's policy there (the HEAD of the existence check), not by xpresign.
    app = build_app(lambda_env(seaweedfs, XPRESIGN_ALLOWED_PREFIXES=None))
    present = seaweedfs.allowed_prefix + SUB_PREFIX + "nested/deeper/x.bin"
    missing = seaweedfs.allowed_prefix + SUB_PREFIX + "no-such-object.bin"
    response = app({"items": [present, missing, denied_key], "check": True, "expires_in": URL_SECONDS})
    found, absent, refused = response["results"]

    assert found["key"] == present
    status, body, _, _ = fetch(found["url"])
    assert (status, sha256(body)) == (200, sha256(objects[present]))
    # SeaweedFS lets the role see that an object under its prefix is missing
    # (404); AWS does too only when the role may also s3:ListBucket.
    assert absent == {"key": missing, "error": {"code": "NoSuchKey", "message": absent["error"]["message"]}}
    assert refused == {"key": denied_key, "error": {"code": "AccessDenied", "message": refused["error"]["message"]}}


# --- what SeaweedFS does not check the way AWS does (see docs/security.md) --------------


def test_quirk_sts_region_in_scope_is_not_checked(seaweedfs):
    # AWS would refuse an AssumeRole signed for eu-west-1 at a us-east-1
    # endpoint; SeaweedFS does not look. No test here may rely on it.
    sts = StsClient(region="eu-west-1", endpoint_url=seaweedfs.sts_endpoint_url)
    session = sts.assume_role(RoleSpec(seaweedfs.role_arn, "region"), caller(seaweedfs))
    assert session.access_key_id.startswith("ASIA")


def test_quirk_role_arn_account_is_not_checked(seaweedfs, sts):
    # Roles are looked up by name: the account in the ARN is ignored. With AWS
    # this ARN names another account's role. No test here may rely on it.
    elsewhere = seaweedfs.role_arn.replace(f":{ACCOUNT_ID}:", ":999999999999:")
    assert elsewhere != seaweedfs.role_arn
    session = sts.assume_role(RoleSpec(elsewhere, "account"), caller(seaweedfs))
    assert session.access_key_id.startswith("ASIA")


def test_quirk_external_id_is_not_evaluated(seaweedfs, sts):
    # With AWS, ExternalIdRole would admit the caller with the right
    # ExternalId. SeaweedFS 4.48 does not know the sts:ExternalId condition
    # key, so it refuses either way: ExternalId is NOT proven by this suite.
    for external_id in (None, seaweedfs.external_id):
        role = RoleSpec(seaweedfs.external_id_role_arn, "external-id", external_id=external_id)
        with pytest.raises(RoleNotAssumable) as caught:
            sts.assume_role(role, caller(seaweedfs))
        assert caught.value.sts_code == "AccessDenied"
