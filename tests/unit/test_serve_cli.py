"""``xpresign serve``'s command line: what it refuses before binding a port,
and the settings it hands to the server."""

from __future__ import annotations

import io

import pytest

from tests.support.serve_asgi import SERVICE_ENV, TOKEN
from xpresign.cli import main
from xpresign.cli.core import parse_args
from xpresign.cli.serve import serve_settings
from xpresign.serve_run import ServeOptions, ServeSettings, prepare

#: Compared and refused, never bound: these tests bind nothing.
ALL_INTERFACES = "0.0.0.0"  # noqa: S104


def run_cli(argv: list[str], monkeypatch, env: dict[str, str]) -> tuple[int, str]:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    started = []
    monkeypatch.setattr("xpresign.cli.serve.serve", lambda settings: started.append(settings) or prepare(settings, env))
    err = io.StringIO()
    code = main(argv, stdout=io.StringIO(), stderr=err)
    return code, err.getvalue()


def test_off_loopback_without_a_token_it_refuses_naming_the_options(monkeypatch):
    code, err = run_cli(["serve", "--host", ALL_INTERFACES], monkeypatch, SERVICE_ENV)
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("xpresign: error: --host: 0.0.0.0 is not a loopback address")
    assert "--token-file" in err and "XPRESIGN_SERVE_TOKEN" in err and "--allow-unauthenticated" in err


@pytest.mark.parametrize(
    ("argv", "env"),
    [
        (["serve"], {}),
        (["serve", "--host", "localhost"], {}),
        (["serve", "--host", "::1"], {}),
        (["serve", "--host", ALL_INTERFACES], {"XPRESIGN_SERVE_TOKEN": TOKEN}),
        (["serve", "--host", ALL_INTERFACES, "--allow-unauthenticated"], {}),
    ],
)
def test_it_starts_on_loopback_or_with_a_token_or_when_told(monkeypatch, argv, env):
    code, err = run_cli(argv, monkeypatch, {**SERVICE_ENV, **env})
    assert (code, err) == (0, "")


def test_a_host_that_is_no_address_is_one_line_naming_it(monkeypatch):
    """granian binds addresses: a name failed with a traceback from inside it."""
    code, err = run_cli(["serve", "--host", "nosuch.invalid", "--allow-unauthenticated"], monkeypatch, SERVICE_ENV)
    assert code == 2 and err.count("\n") == 1
    assert err.startswith("xpresign: error: --host: must be an IP address")


def test_a_port_in_use_is_one_line_naming_it():
    import socket

    from xpresign.errors import ConfigError
    from xpresign.serve_run import bind_address, check_port_free

    assert bind_address("localhost") == "127.0.0.1" and bind_address("::1") == "::1"
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        with pytest.raises(ConfigError, match=rf"^--port: cannot listen on 127.0.0.1 port {port}: "):
            check_port_free("127.0.0.1", port)
    check_port_free("127.0.0.1", port)  # free again


def test_a_bad_service_setting_fails_before_the_server_starts(monkeypatch):
    code, err = run_cli(["serve"], monkeypatch, {**SERVICE_ENV, "XPRESIGN_MAX_EXPIRES": "2h"})
    assert code == 2 and err.startswith("xpresign: error: XPRESIGN_MAX_EXPIRES:")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["serve", "--port", "0"], "--port"),
        (["serve", "--workers", "0"], "--workers"),
        (["serve", "--request-timeout", "0"], "--request-timeout"),
        (["serve", "--jwt-issuer", "https://issuer.example.test"], "--jwt-audience"),
        (["serve", "--token-file", "/nonexistent/token"], "--token-file"),
    ],
)
def test_every_bad_option_is_one_line_naming_it(monkeypatch, argv, message):
    code, err = run_cli(argv, monkeypatch, SERVICE_ENV)
    assert code == 2
    assert err.count("\n") == 1 and message in err


def test_container_variables_give_host_port_and_workers_and_options_win():
    env = {"XPRESIGN_SERVE_HOST": ALL_INTERFACES, "XPRESIGN_SERVE_PORT": "9000", "XPRESIGN_SERVE_WORKERS": "3"}
    settings = serve_settings(parse_args(["serve"]), env)
    assert (settings.host, settings.port, settings.workers) == (ALL_INTERFACES, 9000, 3)
    settings = serve_settings(parse_args(["serve", "--host", "127.0.0.1", "--port", "8081"]), env)
    assert (settings.host, settings.port) == ("127.0.0.1", 8081)
    defaults = serve_settings(parse_args(["serve"]), {})
    assert defaults == ServeSettings()


def test_a_bad_port_variable_is_named(monkeypatch):
    code, err = run_cli(["serve"], monkeypatch, {**SERVICE_ENV, "XPRESIGN_SERVE_PORT": "http"})
    assert code == 2 and "XPRESIGN_SERVE_PORT" in err


def test_the_workers_get_every_option_through_one_variable():
    options = ServeOptions(timeout=12, token_file="/run/t", jwt_issuer="i", jwt_audiences=("a", "b"), jwks_url="u")
    assert ServeOptions.from_json(options.to_json()) == options
    assert ServeOptions.from_json(None) == ServeOptions()


def test_demo_takes_serve():
    assert parse_args(["demo", "--serve"]).serve is True
    assert parse_args(["demo"]).serve is False
