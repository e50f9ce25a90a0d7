"""``xpresign demo --serve``: the demo's two accounts, served by ``xpresign serve``.

Starts moto and the two accounts as ``xpresign demo`` does, then runs
``xpresign serve`` on a free loopback port as account B's service (B's role
credentials and the demo's configuration in its environment), prints the curl
commands to try once it answers ``/healthz``, and keeps both running until
Ctrl-C (or SIGTERM). It binds 127.0.0.1 only, so it needs no token.
"""

from __future__ import annotations

import os
import shlex
import threading
import time
import urllib.request
from typing import TextIO

from .demo import DemoError, _one_line, _require, isolated_environment
from .emulator import MotoServer, create_two_accounts, free_port

#: How long the server may take to answer /healthz before the demo says so.
READY_TIMEOUT_SECONDS = 30.0
POLL_SECONDS = 0.1


def run_demo_serve(out: TextIO) -> None:
    """Serve until interrupted. Raises :class:`DemoError` when it cannot start."""
    _require("boto3", "moto", "granian")
    from .serve_run import ServeSettings, serve  # noqa: PLC0415 - the serve extra

    with isolated_environment():
        server = MotoServer()
        try:
            server.start()
        except (RuntimeError, OSError) as exc:
            raise DemoError(f"the AWS emulator (moto server) did not start: {_one_line(exc)}") from None
        try:
            try:
                accounts = create_two_accounts(server.endpoint_url)
            except Exception as exc:  # noqa: BLE001 - botocore's errors: the emulator misbehaved
                raise DemoError(f"setting up the two accounts on moto failed: {_one_line(exc)}") from None
            os.environ.update(accounts.lambda_environment())
            settings = ServeSettings(port=free_port())
            base = f"http://{settings.host}:{settings.port}"
            out.write(
                f"xpresign demo --serve: moto at {server.endpoint_url}, bucket {accounts.bucket} "
                f"(account A), signing as account B's service through {accounts.access_role_arn}\n"
            )
            out.flush()
            announce = threading.Thread(
                target=_announce, args=(out, base, sorted(accounts.objects)), name="xpresign-demo-ready", daemon=True
            )
            announce.start()
            serve(settings)
        finally:
            server.stop()
    out.write("xpresign demo --serve: stopped the server and the emulator\n")


def curl_commands(base: str, keys: list[str]) -> list[str]:
    """A GET for one key and a POST batch of two, as a user would type them."""
    batch = '{"items": [%s], "expires_in": 600}' % ", ".join(f'"{k}"' for k in keys[:2])  # noqa: UP031 - JSON braces
    return [
        f"curl -s {shlex.quote(f'{base}/?key={keys[0]}')}",
        f"curl -s -H 'content-type: application/json' --data {shlex.quote(batch)} {base}/",
        f"curl -s {base}/healthz",
    ]


def _announce(out: TextIO, base: str, keys: list[str]) -> None:
    """Once the server answers, print what to try (after its own start-up lines)."""
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=1):  # noqa: S310 - our own loopback server
                break
        except OSError:
            time.sleep(POLL_SECONDS)
    else:
        out.write(
            f"xpresign demo --serve: the server did not answer {base}/healthz within {READY_TIMEOUT_SECONDS:g} s\n"
        )
        out.flush()
        return
    lines = ["", f"xpresign serve is ready at {base} (Ctrl-C stops it and the emulator). Try:", ""]
    lines += [f"  {command}" for command in curl_commands(base, keys)]
    lines += ["", "Each answer holds a presigned URL of moto's bucket: download it with curl too.", ""]
    out.write("\n".join(lines) + "\n")
    out.flush()
