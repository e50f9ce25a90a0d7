"""The standard-library credential sources and their order, against loopback
fakes that behave like the real endpoints (tests/support/credential_endpoints.py).

* the chain: botocore's order (environment, web identity, container, IMDS),
  chosen from the variables alone, and a clear start-up error when nothing
  is configured where IMDS cannot answer;
* the container endpoint: botocore's host rule, the token (file first, read
  again each call), JSON answers and error bodies, retries, timeouts;
* IMDS: v2 only (a refused token PUT is an error, never a v1 GET), the five
  variables checked at start-up naming themselves;
* web identity: an unsigned AssumeRoleWithWebIdentity, the token file read
  again each call, STS's refusals mapped to 502/503.

Every failure a caller could meet is a 502 or a 503 with Retry-After, never a
500, and never carries the endpoint's own text or a token.
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import time
from urllib.parse import parse_qs

import pytest

from tests.support.credential_endpoints import (
    FakeContainerEndpoint,
    FakeImds,
    FakeWebIdentitySts,
    hang,
    json_error,
    raw,
    redirect,
    sts_error,
)
from tests.support.log_capture import remember_secret
from tests.support.tls import self_signed
from xpresign import container_credentials, imds, transport
from xpresign.container_credentials import ContainerCredentials
from xpresign.credential_http import CredentialsUnavailable
from xpresign.errors import ConfigError, NoCredentials, ServiceUnavailable, StsThrottled, UpstreamError
from xpresign.imds import ImdsSettings, InstanceMetadataCredentials, imds_settings
from xpresign.sources import EnvironmentCredentials, credential_source
from xpresign.sts import StsClient
from xpresign.values import Deadline
from xpresign.web_identity import WebIdentityCredentials
from xpresign.wiring import presigner_from_environ

CONTAINER_TOKEN = "container-auth-token-that-must-never-be-logged-0001"
WEB_IDENTITY_TOKEN = "eyJhbGciOiJSUzI1NiJ9.web-identity-token-never-logged.c2lnbmF0dXJl"
ROLE_ARN = "arn:aws:iam::111111111111:role/presigner-irsa"
KEYS = {"AWS_ACCESS_KEY_ID": "AKIAENVIRONMENT00001", "AWS_SECRET_ACCESS_KEY": "environment-secret"}
#: A short deadline: a hanging endpoint must cost no more than this.
SHORT = 0.3

remember_secret(CONTAINER_TOKEN, WEB_IDENTITY_TOKEN)


def no_sleep(_seconds: float) -> None:
    pass


@pytest.fixture
def container():
    with FakeContainerEndpoint(token=CONTAINER_TOKEN) as fake:
        yield fake


@pytest.fixture
def instance_metadata():
    with FakeImds() as fake:
        yield fake


@pytest.fixture
def sts():
    with FakeWebIdentitySts(accepted={WEB_IDENTITY_TOKEN}) as fake:
        yield fake


@pytest.fixture
def token_file(tmp_path):
    path = tmp_path / "token"
    path.write_text(WEB_IDENTITY_TOKEN + "\n")
    return path


def web_identity_env(token_file, sts, **extra) -> dict[str, str]:
    return {
        "AWS_WEB_IDENTITY_TOKEN_FILE": str(token_file),
        "AWS_ROLE_ARN": ROLE_ARN,
        "AWS_REGION": "us-east-1",
        "AWS_ENDPOINT_URL_STS": sts.base_url,
        **extra,
    }


def remember_issued(fake) -> None:
    for issued in fake.issued:
        remember_secret(issued.secret_access_key, issued.token)


# --- the chain ---------------------------------------------------------------------------


def test_the_chain_takes_environment_keys_first(tmp_path, token_file):
    everything = {
        **KEYS,
        "AWS_WEB_IDENTITY_TOKEN_FILE": str(token_file),
        "AWS_ROLE_ARN": ROLE_ARN,
        "AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://127.0.0.1:1/creds",
    }
    source = credential_source(everything)
    assert isinstance(source, EnvironmentCredentials) and not source.refreshes


def test_then_web_identity_then_the_container_then_imds(token_file):
    container_env = {"AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://127.0.0.1:1/creds"}
    web_env = {"AWS_WEB_IDENTITY_TOKEN_FILE": str(token_file), "AWS_ROLE_ARN": ROLE_ARN, "AWS_REGION": "eu-west-1"}
    assert isinstance(credential_source({**web_env, **container_env}), WebIdentityCredentials)
    assert isinstance(credential_source(container_env), ContainerCredentials)
    last = credential_source({})
    assert isinstance(last, InstanceMetadataCredentials)
    assert last.settings == ImdsSettings("http://169.254.169.254", 1, 1)
    assert all(source.refreshes for source in (credential_source(web_env), credential_source(container_env), last))


@pytest.mark.parametrize(("present", "missing"), [tuple(KEYS), tuple(KEYS)[::-1]])
def test_half_a_key_pair_stops_the_start_naming_the_missing_half(present, missing):
    with pytest.raises(ConfigError) as caught:
        credential_source({present: KEYS[present]})
    assert caught.value.setting == missing


@pytest.mark.parametrize("variable", ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"])
@pytest.mark.parametrize("stray", ["\n", "\r\n", " ", "\t", "é"])
def test_a_key_no_http_header_can_carry_stops_the_start_naming_it_not_quoting_it(variable, stray):
    """A trailing newline from an env file or a Kubernetes secret reached
    http.client, whose refusal quoted the whole token into the log."""
    env = {**KEYS, "AWS_SESSION_TOKEN": "IQoJb3JpZ2luX2VjEXAMPLETOKEN"}
    env[variable] = env[variable] + stray
    with pytest.raises(ConfigError) as caught:
        credential_source(env)
    assert caught.value.setting == variable
    assert "trailing newline" in caught.value.message and env[variable].strip() not in caught.value.message


def test_keys_changed_after_the_start_are_checked_again_when_they_expire():
    env = {**KEYS, "AWS_CREDENTIAL_EXPIRATION": "2099-01-01T00:00:00Z"}
    source = EnvironmentCredentials(env)
    env["AWS_SESSION_TOKEN"] = "renewed-token\n"
    with pytest.raises(NoCredentials, match="AWS_SESSION_TOKEN must be visible ASCII") as caught:
        source.load()
    assert "renewed-token" not in caught.value.message


def test_issued_credentials_no_http_header_can_carry_are_an_upstream_error():
    from xpresign.credential_http import parse_credentials as endpoint_credentials
    from xpresign.sts import parse_credentials as sts_credentials

    token = "IQoJb3JpZ2luX2Vj\nEXAMPLE"  # inside the value: stripping cannot mend it
    answer = (
        "<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>ASIAEXAMPLE0000001</AccessKeyId>"
        f"<SecretAccessKey>secret</SecretAccessKey><SessionToken>{token}</SessionToken>"
        "<Expiration>2099-01-01T00:00:00Z</Expiration></Credentials></AssumeRoleResult></AssumeRoleResponse>"
    )
    with pytest.raises(UpstreamError, match="^STS answered credentials that no HTTP header can carry$"):
        sts_credentials(answer.encode())
    document = {"AccessKeyId": "ASIA1", "SecretAccessKey": "s", "Token": token, "Expiration": "2099-01-01T00:00:00Z"}
    with pytest.raises(UpstreamError, match="^the container endpoint answered credentials that no HTTP header"):
        endpoint_credentials("container endpoint", json.dumps(document).encode())
    # Surrounding whitespace is only stripped, as before.
    document["Token"] = " IQoJb3JpZ2luX2VjEXAMPLE\n"
    assert endpoint_credentials("container endpoint", json.dumps(document).encode()).session_token == (
        "IQoJb3JpZ2luX2VjEXAMPLE"
    )


def test_nothing_configured_in_lambda_fails_at_start_up_saying_what_was_looked_for():
    """Lambda has no IMDS: a function with no credentials would answer 503
    forever, so it fails its init instead, naming the variables."""
    with pytest.raises(NoCredentials) as caught:
        credential_source({"AWS_LAMBDA_FUNCTION_NAME": "presigner"})
    for variable in ("AWS_ACCESS_KEY_ID", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"):
        assert variable in caught.value.message


def test_nothing_configured_and_imds_disabled_fails_at_start_up():
    with pytest.raises(NoCredentials, match="AWS_EC2_METADATA_DISABLED"):
        credential_source({"AWS_EC2_METADATA_DISABLED": "true"})


def test_environment_keys_load_none_of_the_network_sources():
    """The cold start with environment keys pays for no other source."""
    script = (
        "import sys, json\n"
        "from xpresign.wiring import presigner_from_environ\n"
        "presigner_from_environ({'AWS_ACCESS_KEY_ID': 'AKIA0000000000000001', 'AWS_SECRET_ACCESS_KEY': 's',"
        " 'AWS_REGION': 'eu-west-1', 'XPRESIGN_BUCKET': 'b-1'})\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith('xpresign'))))"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    loaded = set(json.loads(done.stdout))
    assert "xpresign.sources" in loaded
    unused = {"xpresign.container_credentials", "xpresign.imds", "xpresign.web_identity", "xpresign.credential_http"}
    assert not loaded & unused, loaded & unused


# --- the container endpoint: configuration ------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/creds",
        "http://127.9.9.9/creds",
        "http://[::1]:8080/creds",
        "http://localhost/creds",
        "http://LOCALHOST/creds",
        "http://169.254.170.2/v2/credentials/abc",
        "http://169.254.170.23/v1/credentials",
        "http://[fd00:ec2::23]/v1/credentials",
        "http://[fd00:ec2:0:0::23]/v1/credentials",
        "https://credentials.example.com/creds?id=1",
    ],
)
def test_the_container_endpoint_accepts_botocores_hosts(url):
    assert ContainerCredentials.from_environ({"AWS_CONTAINER_CREDENTIALS_FULL_URI": url}).url == url


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data/",  # IMDS is not a container endpoint
        "http://credentials.example.com/creds",
        "http://10.0.0.1/creds",
        "http://localhost.example.com/creds",
        "http://[fd00:ec2::24]/creds",
        "ftp://127.0.0.1/creds",
        "http://user:hunter2@127.0.0.1/creds",
        "http://127.0.0.1:99999/creds",
        "/v2/credentials",
    ],
)
def test_the_container_endpoint_refuses_other_hosts_naming_the_variable(url):
    with pytest.raises(ConfigError) as caught:
        ContainerCredentials.from_environ({"AWS_CONTAINER_CREDENTIALS_FULL_URI": url})
    assert caught.value.setting == "AWS_CONTAINER_CREDENTIALS_FULL_URI"
    assert "hunter2" not in caught.value.message


def test_a_relative_uri_is_a_path_on_ecs_and_wins_over_a_full_uri():
    source = ContainerCredentials.from_environ(
        {
            "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "/v2/credentials/1b2c",
            "AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://127.0.0.1/creds",
        }
    )
    assert source.url == "http://169.254.170.2/v2/credentials/1b2c"


@pytest.mark.parametrize("relative", ["@evil.example/creds", "v2/credentials", "/v2/cred entials", "/v2\n/x"])
def test_a_relative_uri_that_is_not_a_path_is_refused(relative):
    with pytest.raises(ConfigError) as caught:
        ContainerCredentials.from_environ({"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": relative})
    assert caught.value.setting == "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"


def test_token_problems_stop_the_start_naming_the_variable(tmp_path):
    url = {"AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://127.0.0.1/creds"}
    with pytest.raises(ConfigError) as caught:
        ContainerCredentials.from_environ({**url, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": str(tmp_path / "absent")})
    assert caught.value.setting == "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"
    with pytest.raises(ConfigError) as caught:  # a header injection
        ContainerCredentials.from_environ({**url, "AWS_CONTAINER_AUTHORIZATION_TOKEN": "abc\r\nX-Evil: 1"})
    assert caught.value.setting == "AWS_CONTAINER_AUTHORIZATION_TOKEN"
    (tmp_path / "empty").write_text("\n")
    with pytest.raises(ConfigError, match="empty"):
        ContainerCredentials.from_environ({**url, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": str(tmp_path / "empty")})


# --- the container endpoint: answers -------------------------------------------------------


def test_the_container_endpoint_gives_expiring_credentials(container):
    source = ContainerCredentials.from_environ(
        {"AWS_CONTAINER_CREDENTIALS_FULL_URI": container.url, "AWS_CONTAINER_AUTHORIZATION_TOKEN": CONTAINER_TOKEN}
    )
    credentials = source.load(Deadline.after(5))
    issued = container.issued[0]
    assert credentials.access_key_id == issued.access_key_id
    assert (credentials.secret_access_key, credentials.session_token) == (issued.secret_access_key, issued.token)
    assert credentials.expires_at == issued.expires_at
    (seen,) = container.requests
    assert (seen.method, seen.headers["authorization"], seen.headers["accept"]) == (
        "GET",
        CONTAINER_TOKEN,
        "application/json",
    )
    remember_issued(container)


def test_the_token_file_wins_and_is_read_again_for_every_call(container, tmp_path):
    token_file = tmp_path / "eks-pod-identity-token"
    token_file.write_text(CONTAINER_TOKEN)
    source = ContainerCredentials.from_environ(
        {
            "AWS_CONTAINER_CREDENTIALS_FULL_URI": container.url,
            "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": str(token_file),
            "AWS_CONTAINER_AUTHORIZATION_TOKEN": "the-variable-loses",
        }
    )
    source.load()
    rotated = CONTAINER_TOKEN.replace("0001", "0002")
    remember_secret(rotated)
    token_file.write_text(rotated + "\n")
    container.token = rotated
    source.load()
    assert [seen.headers["authorization"] for seen in container.requests] == [CONTAINER_TOKEN, rotated]
    remember_issued(container)


def test_a_token_file_gone_at_request_time_is_a_503(container, tmp_path, caplog):
    token_file = tmp_path / "token"
    token_file.write_text(CONTAINER_TOKEN)
    source = ContainerCredentials.from_environ(
        {"AWS_CONTAINER_CREDENTIALS_FULL_URI": container.url, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": str(token_file)}
    )
    token_file.unlink()
    with pytest.raises(CredentialsUnavailable) as caught:
        source.load()
    assert (caught.value.status, caught.value.retry_after) == (503, 2)
    assert container.count == 0 and "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE" in caplog.text


@pytest.mark.parametrize(
    ("reply", "error", "status"),
    [
        (json_error(401, "AccessDeniedException", "token ASIAABCDEFGHIJKLMNOP is not valid here"), UpstreamError, 502),
        (json_error(400, "InvalidIdQueryParameter", "no task for this id"), UpstreamError, 502),
        (raw(200, "<html>captive portal</html>", "text/html"), UpstreamError, 502),
        (raw(200, json.dumps({"AccessKeyId": "ASIA1", "SecretAccessKey": "s", "Expiration": "2030-01-01T00:00:00Z"})),
         UpstreamError, 502),
        (raw(200, json.dumps({"AccessKeyId": "ASIA1", "SecretAccessKey": "s", "Token": "t", "Expiration": "tomorrow"})),
         UpstreamError, 502),
        (raw(200, json.dumps({"AccessKeyId": "ASIA1", "SecretAccessKey": "s", "Token": "t",
                              "Expiration": "2030-01-01T00:00:00"})), UpstreamError, 502),  # no zone: not guessed
        (raw(200, b"\xff\xfe not utf-8"), UpstreamError, 502),
        (redirect("http://169.254.169.254/latest/meta-data/"), UpstreamError, 502),
    ],
)  # fmt: skip
def test_refusals_and_unreadable_answers_are_502_with_a_fixed_message(container, reply, error, status, caplog):
    container.fail_with(reply)
    source = ContainerCredentials(container.url, token=CONTAINER_TOKEN, sleep=no_sleep)
    with caplog.at_level(logging.INFO, logger="xpresign"), pytest.raises(error) as caught:
        source.load(Deadline.after(5))
    assert caught.value.status == status
    assert container.count == 1  # a refusal is not retried; a redirect is not followed
    assert "ASIAABCDEFGHIJKLMNOP" not in caught.value.message and "portal" not in caught.value.message
    assert "ASIAABCDEFGHIJKLMNOP" not in caplog.text and CONTAINER_TOKEN not in caplog.text


def test_a_refusal_is_logged_with_the_endpoints_code(container, caplog):
    container.fail_with(json_error(401, "AccessDeniedException", "token is not valid"))
    with pytest.raises(UpstreamError):
        ContainerCredentials(container.url, token="wrong-token").load()
    assert "HTTP 401 AccessDeniedException token is not valid" in caplog.text


def test_5xx_and_429_are_retried_three_times_then_503(container, caplog):
    container.fail_with(json_error(500, "InternalError", "agent restarting"))
    source = ContainerCredentials(container.url, token=CONTAINER_TOKEN, sleep=no_sleep)
    with caplog.at_level(logging.INFO, logger="xpresign"), pytest.raises(CredentialsUnavailable) as caught:
        source.load(Deadline.after(5))
    assert container.count == container_credentials.ATTEMPTS == 3
    assert (caught.value.status, caught.value.code, caught.value.retry_after) == (503, "ServiceUnavailable", 2)
    assert "agent restarting" not in caught.value.message and "agent restarting" in caplog.text

    container.recover()
    container.script(json_error(429, "TooManyRequests", "slow down"), json_error(503, "Unavailable", "later"))
    assert source.load(Deadline.after(5)).access_key_id == container.issued[-1].access_key_id
    assert container.count == 6
    remember_issued(container)


def test_a_hanging_endpoint_costs_no_more_than_the_deadline(container):
    container.fail_with(hang(5))
    source = ContainerCredentials(container.url, token=CONTAINER_TOKEN, sleep=no_sleep)
    started = time.monotonic()
    with pytest.raises(CredentialsUnavailable):
        source.load(Deadline.after(SHORT))
    assert time.monotonic() - started < SHORT + 0.25


def test_an_endpoint_that_is_down_is_a_503():
    with FakeContainerEndpoint() as fake:
        url = fake.url
    with pytest.raises(CredentialsUnavailable):
        ContainerCredentials(url, sleep=no_sleep).load(Deadline.after(2))


# --- IMDS ----------------------------------------------------------------------------------


def test_imds_settings_default_to_botocores():
    assert imds_settings({}) == ImdsSettings("http://169.254.169.254", 1, 1)
    assert imds_settings({"AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE": "IPv6"}).endpoint == "http://[fd00:ec2::254]"
    both = {"AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE": "IPv6", "AWS_EC2_METADATA_SERVICE_ENDPOINT": "http://10.1.2.3/"}
    assert imds_settings(both).endpoint == "http://10.1.2.3"  # the endpoint wins, as in botocore
    custom = {"AWS_METADATA_SERVICE_TIMEOUT": "3", "AWS_METADATA_SERVICE_NUM_ATTEMPTS": "4"}
    assert imds_settings(custom)[1:] == (3, 4)
    assert imds_settings({"AWS_EC2_METADATA_DISABLED": "true"}) is None
    assert imds_settings({"AWS_EC2_METADATA_DISABLED": "false"}) is not None


@pytest.mark.parametrize(
    ("variable", "value", "words"),
    [
        ("AWS_EC2_METADATA_DISABLED", "maybe", "true or false"),
        ("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", "IPv5", "IPv4 or IPv6"),
        ("AWS_EC2_METADATA_SERVICE_ENDPOINT", "169.254.169.254", "http"),
        ("AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://user:pw@169.254.169.254", "user:password"),
        ("AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://169.254.169.254:0x50", "port"),
        ("AWS_METADATA_SERVICE_TIMEOUT", "1.5", "whole number of seconds"),
        ("AWS_METADATA_SERVICE_TIMEOUT", "0", "whole number of seconds"),
        ("AWS_METADATA_SERVICE_NUM_ATTEMPTS", "0", "whole number"),
        ("AWS_METADATA_SERVICE_NUM_ATTEMPTS", "many", "whole number"),
    ],
)
def test_imds_settings_are_checked_at_start_up_naming_the_variable(variable, value, words):
    with pytest.raises(ConfigError) as caught:
        credential_source({variable: value})
    assert caught.value.setting == variable and words in caught.value.message
    assert "pw" not in caught.value.message


def imds_source(fake, **settings) -> InstanceMetadataCredentials:
    return InstanceMetadataCredentials(
        ImdsSettings(fake.base_url, settings.get("timeout", 1), settings.get("attempts", 1))
    )


def test_imds_v2_token_then_role_then_credentials(instance_metadata):
    credentials = imds_source(instance_metadata).load(Deadline.after(5))
    issued = instance_metadata.issued[0]
    assert (credentials.access_key_id, credentials.expires_at) == (issued.access_key_id, issued.expires_at)
    put, role, creds = instance_metadata.requests
    assert (put.method, put.path) == ("PUT", "/latest/api/token")
    assert put.headers["x-aws-ec2-metadata-token-ttl-seconds"] == str(imds.TOKEN_TTL_SECONDS)
    assert (role.method, role.path) == ("GET", "/latest/meta-data/iam/security-credentials/")
    assert creds.path == "/latest/meta-data/iam/security-credentials/xpresign-instance-role"
    token = role.headers["x-aws-ec2-metadata-token"]
    assert token and creds.headers["x-aws-ec2-metadata-token"] == token
    assert "x-forwarded-for" not in put.headers
    remember_issued(instance_metadata)


@pytest.mark.parametrize("status", [403, 404, 405])
def test_a_refused_token_is_an_error_never_a_v1_fallback(status, caplog):
    """botocore would GET without a token after these; xpresign stops."""
    with FakeImds(v1_allowed=True) as fake:
        fake.script(raw(status, ""))
        with pytest.raises(UpstreamError, match="IMDSv2"):
            imds_source(fake).load()
    assert [seen.method for seen in fake.requests] == ["PUT"]
    assert f"HTTP {status}" in caplog.text


def test_no_instance_profile_is_a_502_saying_so():
    with FakeImds(role=None) as fake, pytest.raises(UpstreamError, match="no instance profile"):
        imds_source(fake).load()


@pytest.mark.parametrize(
    "document",
    [
        {"Code": "AssumeRoleUnauthorizedAccess", "Message": "EC2 cannot assume the role", "LastUpdated": "x"},
        {"Code": "Success", "AccessKeyId": "ASIA1", "SecretAccessKey": "s", "Token": "t", "Expiration": "soon"},
    ],
)
def test_imds_answers_that_are_not_credentials_are_502(instance_metadata, document, caplog):
    role_path = "/latest/meta-data/iam/security-credentials/xpresign-instance-role"
    original = instance_metadata.answer

    def answer(seen):
        return raw(200, json.dumps(document)) if seen.path == role_path else original(seen)

    instance_metadata.answer = answer
    with pytest.raises(UpstreamError):
        imds_source(instance_metadata).load()
    if "Message" in document:
        assert "AssumeRoleUnauthorizedAccess" in caplog.text


def test_imds_attempts_follow_the_variable(instance_metadata):
    instance_metadata.script(raw(500, "Internal Server Error"))
    with pytest.raises(CredentialsUnavailable):
        imds_source(instance_metadata, attempts=1).load()
    instance_metadata.script(raw(500, "Internal Server Error"))
    assert imds_source(instance_metadata, attempts=2).load().access_key_id.startswith("ASIAFAKE")
    assert [seen.method for seen in instance_metadata.requests] == ["PUT", "PUT", "PUT", "GET", "GET"]
    remember_issued(instance_metadata)


def test_a_hanging_imds_costs_no_more_than_the_deadline(instance_metadata):
    instance_metadata.fail_with(hang(5))
    started = time.monotonic()
    with pytest.raises(CredentialsUnavailable):
        imds_source(instance_metadata, attempts=3).load(Deadline.after(SHORT))
    assert time.monotonic() - started < SHORT + 0.25


# --- web identity ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "variable"),
    [
        ({"AWS_ROLE_ARN": ""}, "AWS_ROLE_ARN"),
        ({"AWS_ROLE_ARN": "presigner-irsa"}, "AWS_ROLE_ARN"),
        ({"AWS_ROLE_SESSION_NAME": "a session"}, "AWS_ROLE_SESSION_NAME"),
        ({"AWS_WEB_IDENTITY_TOKEN_FILE": "/nonexistent/token"}, "AWS_WEB_IDENTITY_TOKEN_FILE"),
        ({"AWS_REGION": ""}, "AWS_REGION"),
        ({"AWS_ENDPOINT_URL_STS": "ftp://sts"}, "AWS_ENDPOINT_URL_STS"),
    ],
)
def test_web_identity_settings_are_checked_at_start_up(token_file, sts, change, variable):
    with pytest.raises(ConfigError) as caught:
        credential_source({**web_identity_env(token_file, sts), **change})
    assert caught.value.setting == variable
    assert WEB_IDENTITY_TOKEN not in caught.value.message


def test_web_identity_is_an_unsigned_call_with_the_token_read_each_time(token_file, sts, caplog):
    source = credential_source(web_identity_env(token_file, sts, AWS_ROLE_SESSION_NAME="pod-7"))
    with caplog.at_level(logging.DEBUG, logger="xpresign"):
        first = source.load(Deadline.after(5))
        rotated = WEB_IDENTITY_TOKEN.replace("never", "still-never")
        remember_secret(rotated)
        token_file.write_text(rotated)
        sts.accepted = {rotated}
        second = source.load(Deadline.after(5))
    assert (first.access_key_id, second.access_key_id) == tuple(i.access_key_id for i in sts.issued)
    assert first.expires_at == sts.issued[0].expires_at
    sent = [parse_qs(seen.body.decode()) for seen in sts.requests]
    assert [params["WebIdentityToken"] for params in sent] == [[WEB_IDENTITY_TOKEN], [rotated]]
    assert sent[0]["RoleArn"] == [ROLE_ARN] and sent[0]["RoleSessionName"] == ["pod-7"]
    assert sent[0]["Action"] == ["AssumeRoleWithWebIdentity"] and sent[0]["Version"] == ["2011-06-15"]
    for seen in sts.requests:  # unsigned: there are no credentials yet to sign with
        assert not {"authorization", "x-amz-security-token", "x-amz-date"} & seen.headers.keys()
    assert WEB_IDENTITY_TOKEN not in caplog.text and rotated not in caplog.text
    remember_issued(sts)


def test_an_unnamed_web_identity_session_is_named_after_the_time(token_file, sts):
    source = credential_source(web_identity_env(token_file, sts))
    before = int(time.time())
    source.load()
    name = parse_qs(sts.requests[0].body.decode())["RoleSessionName"][0]
    assert name.startswith("xpresign-") and before <= int(name.removeprefix("xpresign-")) <= time.time()
    remember_issued(sts)


@pytest.mark.parametrize(
    ("reply", "error", "status"),
    [
        (sts_error(400, "InvalidIdentityToken", "token for sub system:serviceaccount:x was rejected"), UpstreamError, 502),
        (sts_error(403, "AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity"), UpstreamError, 502),
        (sts_error(400, "IDPCommunicationError", "the OIDC provider did not answer"), ServiceUnavailable, 503),
        (sts_error(400, "ExpiredTokenException", "Token expired"), ServiceUnavailable, 503),
        (sts_error(400, "Throttling", "Rate exceeded"), StsThrottled, 429),
        (sts_error(500, "InternalFailure", "oops", "Receiver"), ServiceUnavailable, 503),
        (raw(200, "<not-xml"), UpstreamError, 502),
    ],
)  # fmt: skip
def test_sts_refusals_of_the_web_identity_token(token_file, sts, reply, error, status, caplog):
    sts.fail_with(reply)
    source = WebIdentityCredentials(str(token_file), ROLE_ARN, StsClient("us-east-1", sts.base_url, sleep=no_sleep))
    with caplog.at_level(logging.INFO, logger="xpresign"), pytest.raises(error) as caught:
        source.load(Deadline.after(5))
    assert caught.value.status == status and caught.value.retry_after in (None, 5)
    assert "serviceaccount" not in caught.value.message and "OIDC" not in caught.value.message
    assert WEB_IDENTITY_TOKEN not in caplog.text


def test_a_web_identity_token_file_gone_at_request_time_is_a_503(token_file, sts):
    source = credential_source(web_identity_env(token_file, sts))
    token_file.unlink()
    with pytest.raises(CredentialsUnavailable):
        source.load()
    assert sts.count == 0


def test_an_https_container_endpoint_is_checked_with_aws_ca_bundle(tmp_path):
    """The shared TLS context: an unknown certificate is refused before the
    token is sent; AWS_CA_BUNDLE makes it trusted."""
    cert, server_context = self_signed(tmp_path)
    try:
        with FakeContainerEndpoint(token=CONTAINER_TOKEN, tls=server_context) as fake:
            transport.set_ca_bundle(None)
            with pytest.raises(CredentialsUnavailable):
                ContainerCredentials(fake.url, token=CONTAINER_TOKEN, attempts=1).load(Deadline.after(5))
            assert fake.count == 0  # the handshake failed: the token never left
            env = {
                "AWS_CA_BUNDLE": str(cert),
                "AWS_REGION": "eu-west-1",
                "XPRESIGN_BUCKET": "classic-movies",
                "AWS_CONTAINER_CREDENTIALS_FULL_URI": fake.url,
                "AWS_CONTAINER_AUTHORIZATION_TOKEN": CONTAINER_TOKEN,
            }
            link = presigner_from_environ(env).presign("movies/a.mp4", expires_in=60)
        assert fake.url.startswith("https://") and fake.count == 1
        assert fake.issued[0].access_key_id in link.url
        remember_issued(fake)
    finally:
        transport.set_ca_bundle(None)


def test_botocores_failures_reach_the_cli_masked_and_bounded(monkeypatch, tmp_path):
    """The CLI's chain is botocore's; its errors quote what an endpoint
    answered, which can hold anything, a token included."""
    from tests.support.credential_endpoints import FakeContainerEndpoint, json_error
    from xpresign.sources import BotocoreCredentials

    leaked = "IQoJb3JpZ2luX2VjUPSTREAMTOKENUPSTREAMTOKENUPSTREAMTOKEN"
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    with FakeContainerEndpoint() as endpoint:
        endpoint.fail_with(json_error(400, "Denied", f"internal host db-7, token={leaked}" + " pad" * 500))
        monkeypatch.setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", endpoint.url)
        with pytest.raises(NoCredentials) as caught:
            BotocoreCredentials().load()
    assert caught.value.message.startswith("botocore could not")
    assert leaked not in caught.value.message and len(caught.value.message) < 400, caught.value.message


def test_botocores_credentials_are_held_to_the_header_rule_and_its_odd_failures_are_one_line(monkeypatch, tmp_path):
    from xpresign.sources import BotocoreCredentials

    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    config = tmp_path / "config"
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    # A credential_process that prints a line before its JSON: botocore lets a JSONDecodeError out.
    config.write_text(f"[default]\ncredential_process = {sys.executable} -c \"print('Refreshing...')\"\n")
    with pytest.raises(NoCredentials, match="^botocore could not load credentials"):
        BotocoreCredentials().load()
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAENVIRONMENT00001")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "environment-secret")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "SECRETTOKEN123\nX")
    with pytest.raises(NoCredentials, match="must be visible ASCII") as caught:
        BotocoreCredentials().load()
    assert "SECRETTOKEN123" not in caught.value.message
