"""One TLS context for every standard-library HTTPS client, honouring
AWS_CA_BUNDLE (and, in the CLI, a profile's ``ca_bundle``): what makes
xpresign work behind a TLS-inspecting proxy.

The fake STS speaks https with a self-signed certificate for 127.0.0.1: the
system's certificates do not trust it, the bundle does.
"""

from __future__ import annotations

import io

import pytest

from tests.support import fake_sts
from tests.support.fake_sts import FakeSts
from tests.support.tls import self_signed
from xpresign import transport
from xpresign.cli import ExitCode, main
from xpresign.errors import ConfigError, StsUnavailable
from xpresign.lambda_handler import build_app
from xpresign.sts import StsClient
from xpresign.values import Credentials, RoleSpec

SOURCE = Credentials("ASIALAMBDAROLE000001", "lambda-role-secret", "lambda-role-session-token")
ROLE_ARN = "arn:aws:iam::111111111111:role/s3_access_role"


@pytest.fixture
def https_sts(tmp_path):
    cert, context = self_signed(tmp_path)
    with FakeSts(tls=context) as sts:
        yield sts, cert
    transport.set_ca_bundle(None)


def test_an_unknown_certificate_is_refused(https_sts, caplog):
    sts, _ = https_sts
    transport.set_ca_bundle(None)
    client = StsClient(sts.region, sts.url, max_attempts=1)
    with caplog.at_level("INFO", logger="xpresign.sts"), pytest.raises(StsUnavailable):
        client.assume_role(RoleSpec(ROLE_ARN), SOURCE)
    assert "CERTIFICATE_VERIFY_FAILED" in caplog.text or "SSL" in caplog.text
    assert sts.count == 0  # the handshake failed: no request was sent


def test_the_ca_bundle_is_trusted_by_the_sts_client(https_sts):
    sts, cert = https_sts
    transport.set_ca_bundle(str(cert))
    credentials = StsClient(sts.region, sts.url).assume_role(RoleSpec(ROLE_ARN), SOURCE)
    assert credentials.access_key_id.startswith("ASIA") and sts.count == 1


def test_the_handler_reads_aws_ca_bundle(https_sts):
    sts, cert = https_sts
    env = {
        "AWS_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": SOURCE.access_key_id,
        "AWS_SECRET_ACCESS_KEY": SOURCE.secret_access_key,
        "AWS_SESSION_TOKEN": SOURCE.session_token,
        "AWS_ENDPOINT_URL_STS": sts.url,
        "AWS_CA_BUNDLE": str(cert),
        "XPRESIGN_BUCKET": "classic-movies",
        "XPRESIGN_ROLE_ARN": ROLE_ARN,
    }
    answer = build_app(env)({"key": "movies/a.mp4"})
    assert "url" in answer, answer
    assert sts.count == 1


@pytest.mark.parametrize("content", [None, b"not a certificate"], ids=["missing", "not-pem"])
def test_an_unusable_ca_bundle_fails_start_up_naming_it(tmp_path, content):
    path = tmp_path / "bundle.pem"
    if content is not None:
        path.write_bytes(content)
    env = {"AWS_REGION": "us-east-1", "XPRESIGN_BUCKET": "b-1", "AWS_CA_BUNDLE": str(path)}
    with pytest.raises(ConfigError, match=r"^AWS_CA_BUNDLE: "):
        build_app(env)


def test_the_cli_trusts_a_profiles_ca_bundle(https_sts, tmp_path, monkeypatch):
    sts, cert = https_sts
    config = tmp_path / "config"
    config.write_text(f"[profile proxied]\nregion = us-east-1\nca_bundle = {cert}\n")
    credentials = tmp_path / "credentials"
    credentials.write_text(
        f"[proxied]\naws_access_key_id = {SOURCE.access_key_id}\naws_secret_access_key = {SOURCE.secret_access_key}\n"
    )
    monkeypatch.delenv("AWS_CA_BUNDLE", raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(credentials))
    out, err = io.StringIO(), io.StringIO()
    argv = ["url", "s3://classic-movies/a.mp4", "--profile", "proxied", "--role-arn", ROLE_ARN]
    code = main([*argv, "--endpoint-url", sts.url], stdout=out, stderr=err)
    assert code == ExitCode.OK, err.getvalue()
    assert sts.count == 1
    assert fake_sts.signer_of(out.getvalue().strip()).startswith("ASIA")
