"""Who may call ``xpresign serve``: the static token, and users' JWTs checked
against a JWKS served on 127.0.0.1 with a test key."""

from __future__ import annotations

import threading
import time

import jwt
import pytest

from tests.support.serve_asgi import (
    AUDIENCE,
    ISSUER,
    KID,
    SERVICE_ENV,
    TOKEN,
    JwksServer,
    bearer,
    call,
    jwk,
    rsa_key,
    token_for,
)
from xpresign.errors import ConfigError, Forbidden, ServiceUnavailable, Unauthorized
from xpresign.serve_auth import Authenticator, InvalidToken, Jwks, JwtVerifier, load_token
from xpresign.serve_auth import bearer as read_bearer
from xpresign.serve_run import ServeOptions, build_app
from xpresign.values import Deadline

DEADLINE = Deadline.after(5)
KEY = rsa_key()
OTHER_KEY = rsa_key()


@pytest.fixture(scope="module")
def issuer():
    with JwksServer([jwk(KEY)]) as server:
        yield server


@pytest.fixture
def verifier(issuer):
    return JwtVerifier(ISSUER, [AUDIENCE], Jwks(issuer.url))


# --- the static token -----------------------------------------------------------------


def test_the_token_comes_from_the_file_or_the_variable_not_both(tmp_path):
    path = tmp_path / "token"
    path.write_text(TOKEN + "\n")
    assert load_token(str(path), {}) == TOKEN
    assert load_token(None, {"XPRESIGN_SERVE_TOKEN": TOKEN}) == TOKEN
    assert load_token(None, {}) is None
    with pytest.raises(ConfigError, match="--token-file: give --token-file or XPRESIGN_SERVE_TOKEN, not both"):
        load_token(str(path), {"XPRESIGN_SERVE_TOKEN": TOKEN})


@pytest.mark.parametrize(
    ("text", "problem"),
    [("short", "at least 16 characters"), ("a token with spaces in it", "may hold only"), ("é" * 20, "may hold only")],
)
def test_a_weak_or_unsendable_token_is_refused_without_quoting_it(tmp_path, text, problem):
    with pytest.raises(ConfigError, match=problem) as refused:
        load_token(None, {"XPRESIGN_SERVE_TOKEN": text})
    assert text not in str(refused.value)
    with pytest.raises(ConfigError, match="--token-file: cannot read"):
        load_token(str(tmp_path / "missing"), {})


def test_bearer_reads_only_the_bearer_scheme():
    assert read_bearer({"authorization": f"Bearer {TOKEN}"}) == TOKEN
    assert read_bearer({"authorization": f"bearer   {TOKEN} "}) == TOKEN
    assert read_bearer({"authorization": f"Basic {TOKEN}"}) is None
    assert read_bearer({"authorization": "Bearer"}) is None
    assert read_bearer({}) is None


def test_the_static_token_reaches_everything_and_nothing_else_does():
    gate = Authenticator(TOKEN)
    assert gate.caller({"authorization": f"Bearer {TOKEN}"}, "/", DEADLINE) == "token"
    assert gate.caller({"authorization": f"Bearer {TOKEN}"}, "/s3/params", DEADLINE) == "token"
    with pytest.raises(Unauthorized) as missing:
        gate.caller({}, "/", DEADLINE)
    assert not isinstance(missing.value, InvalidToken)
    for wrong in (TOKEN[:-1], TOKEN + "0", "é" * 40, TOKEN.upper()):
        with pytest.raises(InvalidToken):
            gate.caller({"authorization": f"Bearer {wrong}"}, "/", DEADLINE)


def test_401_carries_the_bearer_challenge():
    app = build_app({**SERVICE_ENV, "XPRESIGN_SERVE_TOKEN": TOKEN}, ServeOptions())
    missing = call(app, query=b"key=a.mp4")
    assert (missing.status, missing.code, missing.headers["www-authenticate"]) == (401, "Unauthorized", "Bearer")
    wrong = call(app, query=b"key=a.mp4", headers=[bearer("0123456789abcdef-wrong")])
    assert wrong.headers["www-authenticate"] == 'Bearer error="invalid_token"'


# --- JWTs -----------------------------------------------------------------------------


def test_a_valid_jwt_is_accepted(verifier):
    assert verifier.verify(token_for(KEY), DEADLINE)["sub"] == "user-42"


def test_a_cognito_access_token_matches_by_client_id(verifier):
    assert verifier.verify(token_for(KEY, aud=None, client_id=AUDIENCE), DEADLINE)["client_id"] == AUDIENCE
    with pytest.raises(InvalidToken, match="audience"):
        verifier.verify(token_for(KEY, aud=None, client_id="someone-else"), DEADLINE)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: token_for(KEY, exp=1_000_000_000), "expired"),
        (lambda: token_for(KEY, iss="https://elsewhere.example.test"), "issuer"),
        (lambda: token_for(KEY, aud="another-app"), "audience"),
        (lambda: token_for(KEY, exp=None), "required claim"),
        (lambda: token_for(OTHER_KEY), "signature"),
        (lambda: token_for(KEY, kid="unknown-kid"), "kid"),
        (
            lambda: jwt.encode(
                {"iss": ISSUER, "aud": AUDIENCE, "exp": 2**40}, None, algorithm="none", headers={"kid": KID}
            ),
            "algorithm",
        ),
        (lambda: "not.a.jwt", "not a valid JWT"),
    ],
    ids=["expired", "wrong-issuer", "wrong-audience", "no-exp", "bad-signature", "unknown-kid", "alg-none", "garbage"],
)
def test_invalid_jwts_are_refused_with_a_reason_and_no_echo(verifier, make, message):
    token = make()
    with pytest.raises(InvalidToken, match=message) as refused:
        verifier.verify(token, DEADLINE)
    assert token not in refused.value.message


def test_the_public_key_cannot_be_used_as_an_hmac_secret(verifier, issuer):
    """Algorithm confusion: HS256 "signed" with the JWKS's public key (made by hand: PyJWT refuses to)."""
    import base64
    import hashlib
    import hmac
    import json

    from cryptography.hazmat.primitives import serialization

    def part(value: dict) -> bytes:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=")

    public_pem = KEY.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    signing_input = (
        part({"alg": "HS256", "typ": "JWT", "kid": KID}) + b"." + part({"iss": ISSUER, "aud": AUDIENCE, "exp": 2**40})
    )
    signature = base64.urlsafe_b64encode(hmac.digest(public_pem, signing_input, hashlib.sha256)).rstrip(b"=")
    with pytest.raises(InvalidToken, match="algorithm"):
        verifier.verify((signing_input + b"." + signature).decode(), DEADLINE)


def test_unknown_kids_refetch_the_jwks_at_most_once_per_interval():
    with JwksServer([jwk(KEY)]) as server:
        verifier = JwtVerifier(ISSUER, [AUDIENCE], Jwks(server.url))
        verifier.verify(token_for(KEY), DEADLINE)
        for n in range(5):
            with pytest.raises(InvalidToken):
                verifier.verify(token_for(KEY, kid=f"made-up-{n}"), DEADLINE)
        assert server.fetches == 1  # the first fetch was just now: no refetch yet


def test_a_rotated_key_is_found_by_one_refetch():
    clock = [0.0]
    with JwksServer([jwk(KEY)]) as server:
        verifier = JwtVerifier(ISSUER, [AUDIENCE], Jwks(server.url, clock=lambda: clock[0]))
        verifier.verify(token_for(KEY), DEADLINE)
        server.keys = [jwk(KEY), jwk(OTHER_KEY, kid="rotated")]
        clock[0] = 60.0
        assert verifier.verify(token_for(OTHER_KEY, kid="rotated"), DEADLINE)["sub"] == "user-42"
        assert server.fetches == 2


def test_an_unreachable_jwks_is_503_not_the_callers_fault():
    verifier = JwtVerifier(ISSUER, [AUDIENCE], Jwks("http://127.0.0.1:9/jwks"))
    with pytest.raises(ServiceUnavailable) as refused:
        verifier.verify(token_for(KEY), DEADLINE)
    assert refused.value.retry_after
    # The socket's or TLS library's own words stay in this host's log.
    assert refused.value.message == "the issuer's key set (JWKS) could not be fetched"


@pytest.mark.parametrize("body", ["[" * 100_000 + "]" * 100_000, '{"keys": 7}', "not json"])
def test_a_jwks_that_is_not_a_key_set_is_502_not_a_500(body):
    from tests.support.credential_endpoints import FakeContainerEndpoint, raw
    from xpresign.errors import UpstreamError

    with FakeContainerEndpoint() as endpoint:
        endpoint.fail_with(raw(200, body, "application/json"))
        verifier = JwtVerifier(ISSUER, [AUDIENCE], Jwks(endpoint.url))
        with pytest.raises(UpstreamError, match="not a usable key set"):
            verifier.verify(token_for(KEY), DEADLINE)


def test_a_jwt_reaches_only_the_upload_routes_and_the_token_still_reaches_all(issuer):
    gate = Authenticator(TOKEN, JwtVerifier(ISSUER, [AUDIENCE], Jwks(issuer.url)))
    user = {"authorization": f"Bearer {token_for(KEY)}"}
    assert gate.caller(user, "/s3/params", DEADLINE) == "jwt:user-42"
    assert gate.caller(user, "/prod/s3/multipart/abc/1", DEADLINE) == "jwt:user-42"
    with pytest.raises(Forbidden):
        gate.caller(user, "/", DEADLINE)
    assert gate.caller({"authorization": f"Bearer {TOKEN}"}, "/", DEADLINE) == "token"


def test_through_the_app_a_jwt_gets_403_on_the_json_api_and_passes_the_gate_on_s3_routes(issuer):
    options = ServeOptions(jwt_issuer=ISSUER, jwt_audiences=(AUDIENCE,), jwks_url=issuer.url)
    app = build_app({**SERVICE_ENV, "XPRESIGN_SERVE_TOKEN": TOKEN}, options)
    user = bearer(token_for(KEY))
    forbidden = call(app, query=b"key=a.mp4", headers=[user])
    assert (forbidden.status, forbidden.code) == (403, "Forbidden")
    upload = call(app, path="/s3/params", query=b"filename=a.mp4&type=video/mp4", headers=[user])
    assert upload.status not in (401, 403)  # past the gate: the router answers (its Uppy routes)
    expired = call(app, path="/s3/params", headers=[bearer(token_for(KEY, exp=1_000_000_000))])
    assert (expired.status, expired.headers["www-authenticate"]) == (401, 'Bearer error="invalid_token"')


@pytest.mark.parametrize(
    ("options", "problem"),
    [
        ({"jwt_issuer": ISSUER}, "--jwt-audience: is needed too"),
        ({"jwt_issuer": ISSUER, "jwt_audiences": (AUDIENCE,)}, "--jwks-url: is needed too"),
        (
            {"jwt_issuer": ISSUER, "jwt_audiences": (AUDIENCE,), "jwks_url": "http://issuer.example.test/jwks"},
            "--jwks-url: plain http",
        ),
        (
            {"jwt_issuer": ISSUER, "jwt_audiences": (" ",), "jwks_url": "https://issuer.example.test/jwks"},
            "--jwt-audience: must not be empty",
        ),
    ],
)
def test_jwt_options_are_checked_at_start_naming_the_option(options, problem):
    with pytest.raises(ConfigError, match=problem):
        build_app(SERVICE_ENV, ServeOptions(**options))


def test_a_token_file_is_read_bounded(tmp_path):
    """--token-file /dev/zero grew the process to 24 GB before the kernel killed it."""
    with pytest.raises(ConfigError, match=r"^--token-file: the token must have at most 4096 characters"):
        load_token("/dev/zero", {})
    long = tmp_path / "token"
    long.write_text("a" * 5000)
    with pytest.raises(ConfigError, match="at most 4096"):
        load_token(str(long), {})
    long.write_text("a" * 4096 + "\n")
    assert load_token(str(long), {}) == "a" * 4096


def test_a_trickled_answer_is_cut_off_at_the_exchanges_timeout():
    """A socket timeout starts again with every byte: a JWKS sent a byte a second never ended."""
    from xpresign.transport import TransportError, request

    with JwksServer([jwk(KEY)]) as server:
        server.trickle = 0.05  # ~500 bytes: about 25 s in all
        started = time.monotonic()
        with pytest.raises(TransportError) as cut:
            request("GET", server.url, timeout=1)
        assert cut.value.timed_out and time.monotonic() - started < 2


def test_while_a_refresh_crawls_the_keys_fetched_before_keep_serving():
    clock = [0.0]
    with JwksServer([jwk(KEY)]) as server:
        verifier = JwtVerifier(ISSUER, [AUDIENCE], Jwks(server.url, clock=lambda: clock[0]))
        verifier.verify(token_for(KEY), DEADLINE)
        server.trickle, clock[0] = 0.05, 1_000.0  # the cache has expired; the issuer has slowed to a crawl
        refreshing = threading.Thread(target=lambda: verifier.verify(token_for(KEY), Deadline.after(3)), daemon=True)
        refreshing.start()
        while server.fetches < 2:
            time.sleep(0.01)
        started = time.monotonic()
        for _ in range(5):
            assert verifier.verify(token_for(KEY), DEADLINE)["sub"] == "user-42"
        assert time.monotonic() - started < 1
        refreshing.join(5)
        assert not refreshing.is_alive()  # cut off at its own deadline, then served by the old keys


def test_without_keys_a_second_caller_waits_no_longer_than_its_deadline():
    with JwksServer([jwk(KEY)]) as server:
        server.trickle = 0.05
        verifier = JwtVerifier(ISSUER, [AUDIENCE], Jwks(server.url))
        outcomes = []

        def first_caller():
            try:
                verifier.verify(token_for(KEY), Deadline.after(3))
            except ServiceUnavailable as exc:
                outcomes.append(exc)

        first = threading.Thread(target=first_caller, daemon=True)
        first.start()
        while server.fetches < 1:
            time.sleep(0.01)
        started = time.monotonic()
        with pytest.raises(ServiceUnavailable, match="in time"):
            verifier.verify(token_for(KEY), Deadline.after(0.3))
        assert time.monotonic() - started < 1
        first.join(5)
        assert not first.is_alive() and len(outcomes) == 1  # the fetch itself was cut off at its deadline


def test_critical_header_extensions_are_refused(verifier):
    token = jwt.encode(
        {"iss": ISSUER, "aud": AUDIENCE, "exp": 2**40, "sub": "u"},
        KEY,
        algorithm="RS256",
        headers={"kid": KID, "crit": ["exp-ext"], "exp-ext": 1},
    )
    with pytest.raises(InvalidToken):  # by PyJWT since 2.12, by xpresign's own check before
        verifier.verify(token, DEADLINE)


def test_a_key_set_with_a_key_pyjwt_cannot_use_is_502_not_a_500():
    from xpresign.errors import UpstreamError

    with (
        JwksServer([jwk(KEY), {**jwk(OTHER_KEY, kid="odd"), "alg": "none"}]) as server,
        pytest.raises(UpstreamError, match="not a usable key set"),
    ):
        JwtVerifier(ISSUER, [AUDIENCE], Jwks(server.url)).verify(token_for(KEY), DEADLINE)
