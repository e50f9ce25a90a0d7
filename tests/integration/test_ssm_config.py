"""XPRESIGN_CONFIG_SSM_PARAMETER: the configuration document from Parameter
Store, read once at start-up with a call signed by xpresign's own signer,
against moto's SSM (issue 12, item 3)."""

from __future__ import annotations

import json

import pytest

from xpresign.emulator import client
from xpresign.errors import ConfigError
from xpresign.lambda_handler import build_app

DOCUMENT = {"buckets": {"movies": {"bucket": "classic-movies", "allowed_prefixes": ["movies/"]}}, "max_batch": 50}


@pytest.fixture
def parameter(moto_server):
    ssm = client("ssm", moto_server.endpoint_url)
    name = "/xpresign/test/config"
    ssm.put_parameter(Name=name, Value=json.dumps(DOCUMENT), Type="SecureString", Overwrite=True)
    yield name
    ssm.delete_parameter(Name=name)


def environment(moto_server, name: str) -> dict[str, str]:
    return {
        "AWS_ACCESS_KEY_ID": "AKIAEMULATOREXAMPLE1",
        "AWS_SECRET_ACCESS_KEY": "emulator-secret",
        "AWS_REGION": "us-east-1",
        "AWS_ENDPOINT_URL": moto_server.endpoint_url,
        "XPRESIGN_CONFIG_SSM_PARAMETER": name,
    }


def test_the_document_comes_from_the_parameter(moto_server, parameter):
    app = build_app(environment(moto_server, parameter))
    assert app.config.max_batch == 50 and app.config.bucket("movies").name == "classic-movies"
    assert "url" in app({"key": "movies/a.mp4"})


def test_a_versioned_name_is_passed_through(moto_server, parameter):
    app = build_app(environment(moto_server, f"{parameter}:1"))
    assert app.config.max_batch == 50


def test_a_missing_parameter_fails_start_up_naming_the_setting(moto_server):
    with pytest.raises(ConfigError, match=r"^XPRESIGN_CONFIG_SSM_PARAMETER: no such parameter"):
        build_app(environment(moto_server, "/xpresign/absent"))


def test_it_is_one_document_source_among_three(moto_server, parameter):
    env = {**environment(moto_server, parameter), "XPRESIGN_CONFIG": json.dumps(DOCUMENT)}
    with pytest.raises(ConfigError, match="set only one of"):
        build_app(env)


def test_an_error_type_stuffed_with_text_is_masked_and_bounded(caplog):
    """SSM's ``__type`` is upstream text: the start-up error and the log keep
    a masked excerpt of it, never a token it might echo."""
    from tests.support.credential_endpoints import FakeContainerEndpoint, raw
    from xpresign.ssm import SsmParameterReader
    from xpresign.values import Credentials

    token = "IQoJb3JpZ2luX2VjEXAMPLESESSIONTOKENEXAMPLESESSIONTOKEN"
    stuffed = json.dumps({"__type": "Leaked" + token + "z" * 3000, "message": "no"})
    with FakeContainerEndpoint() as endpoint:
        endpoint.fail_with(raw(400, stuffed, "application/x-amz-json-1.1"))
        reader = SsmParameterReader("us-east-1", endpoint.base_url, Credentials("AKIA1", "s", token))
        with pytest.raises(ConfigError) as caught:
            reader("/xpresign/config")
    assert token not in caught.value.message and len(caught.value.message) < 200, caught.value.message
    logged = [r.getMessage() for r in caplog.records if r.name.startswith("xpresign")]
    assert logged and all(token not in line and len(line) < 600 for line in logged), logged
