"""The Dockerfile, without Docker: no image can be built or pulled here (no
daemon, no registry), so its exact entry command runs outside a container,
with its ENV, and its HEALTHCHECK command checks it."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
from pathlib import Path

import pytest

from tests.support.serve_asgi import SERVICE_ENV, TOKEN
from tests.support.serve_process import XPRESIGN, ServeProcess, get
from xpresign.emulator import free_port

DOCKERFILE = Path(__file__).resolve().parents[2] / "Dockerfile"


def instructions() -> list[tuple[str, str]]:
    """``(INSTRUCTION, arguments)``, continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n\s*", " ", DOCKERFILE.read_text(encoding="utf-8"))
    found = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            found.append((word.upper(), rest.strip()))
    return found


def exec_form(arguments: str) -> list[str]:
    value = json.loads(arguments)
    assert isinstance(value, list) and all(isinstance(v, str) for v in value), f"not exec form: {arguments}"
    return value


def entry_command() -> list[str]:
    """ENTRYPOINT + CMD, as Docker runs them."""
    found = dict(instructions())
    return exec_form(found["ENTRYPOINT"]) + (exec_form(found["CMD"]) if "CMD" in found else [])


def image_environment() -> dict[str, str]:
    env = {}
    for word, arguments in instructions():
        if word == "ENV":
            env.update(pair.split("=", 1) for pair in shlex.split(arguments))
    return env


def healthcheck_command() -> list[str]:
    arguments = dict(instructions())["HEALTHCHECK"]
    return exec_form(arguments[arguments.index("CMD") + len("CMD") :].strip())


def test_the_image_is_slim_runs_as_a_user_and_installs_the_serve_extra():
    found = instructions()
    assert re.fullmatch(r"python:3\.\d+-slim", dict(found)["FROM"])
    users = [arguments for word, arguments in found if word == "USER"]
    assert users and users[-1].split(":")[0] not in ("0", "root")
    assert any(word == "RUN" and "pip install '.[serve]'" in arguments for word, arguments in found)
    assert entry_command()[:2] == ["xpresign", "serve"]


def run_entry_command(env: dict[str, str], port: int) -> ServeProcess:
    command = [XPRESIGN if part == "xpresign" else part for part in entry_command()]
    return ServeProcess(command, {**os.environ, **env}, port)


@pytest.mark.slow
def test_the_entry_command_serves_and_the_healthcheck_passes():
    port = free_port()
    # The image's ENV, but loopback: tests bind 127.0.0.1 only.
    env = {**image_environment(), "XPRESIGN_SERVE_HOST": "127.0.0.1", "XPRESIGN_SERVE_PORT": str(port)}
    with run_entry_command({**env, **SERVICE_ENV, "XPRESIGN_SERVE_TOKEN": TOKEN}, port) as server:
        assert get(f"{server.base}/healthz")[0] == 200
        status, body, _ = get(f"{server.base}/?key=movies/metropolis.mp4", TOKEN)
        assert status == 200 and "url" in body
        check = subprocess.run(healthcheck_command(), env={**os.environ, **env}, capture_output=True, timeout=10)
        assert check.returncode == 0, check.stderr


def test_the_entry_command_refuses_to_start_off_loopback_without_a_token():
    env = {**image_environment(), **SERVICE_ENV}
    assert env["XPRESIGN_SERVE_HOST"] == "0.0.0.0"  # noqa: S104 - the image's; refused before binding
    command = [XPRESIGN if part == "xpresign" else part for part in entry_command()]
    done = subprocess.run(command, env={**os.environ, **env}, capture_output=True, text=True, timeout=30)
    assert done.returncode == 2
    assert done.stderr.startswith("xpresign: error: --host: 0.0.0.0 is not a loopback address")
    assert "XPRESIGN_SERVE_TOKEN" in done.stderr
