"""``xpresign demo --serve``: the demo's two accounts, served by ``xpresign serve``.

Starts moto and the two accounts as ``xpresign demo`` does, then runs
``xpresign serve`` on a free loopback port as account B's service (B's role
credentials and the demo's configuration in its environment), prints the curl
commands to try once it answers ``/healthz``, and keeps both running until
Ctrl-C (or SIGTERM). It binds 127.0.0.1 only, so it needs no token.

It also serves a web page, ``/demo/`` (:mod:`xpresign.demo_page`, wrapped
around the server's application; ``xpresign serve`` itself has no such
route): the bucket's movies as links that fetch a presigned URL when clicked,
and an Uppy dashboard that uploads into ``uploads/`` through the server's Uppy
routes. For that, the demo's bucket gets an upload prefix (also readable, so
the page can link each upload back), it is the ``companion_bucket``, account
A's role may upload there, and the bucket's CORS lets the page's origin PUT
and POST and read ``ETag`` (without it, Uppy never finishes an upload).
"""

from __future__ import annotations

import json
import os
import shlex
import threading
import time
import urllib.request
from typing import TextIO

from .demo import DemoError, _one_line, _require, emulated_accounts
from .emulator import ACCOUNT_A, TwoAccounts, assume, client, free_port

#: How long the server may take to answer /healthz before the demo says so.
READY_TIMEOUT_SECONDS = 30.0
POLL_SECONDS = 0.1
#: Where the page's uploads go (the bucket's upload prefix and Uppy's).
UPLOAD_PREFIX = "uploads/"


def run_demo_serve(out: TextIO) -> None:
    """Serve until interrupted. Raises :class:`DemoError` when it cannot start."""
    _require("boto3", "moto", "granian")
    from .demo_page import APP_FACTORY, CONFIG_VARIABLE, PAGE_PATH, page_config  # noqa: PLC0415 - the serve extra
    from .serve_run import ServeSettings, serve  # noqa: PLC0415 - the serve extra

    with emulated_accounts() as (server, accounts):
        settings = ServeSettings(port=free_port())
        base = f"http://{settings.host}:{settings.port}"
        try:
            open_uploads(accounts, base)
        except Exception as exc:  # noqa: BLE001 - botocore's errors: the emulator misbehaved
            raise DemoError(f"setting up uploads on moto failed: {_one_line(exc)}") from None
        os.environ.update(service_environment(accounts))
        config = page_config(
            bucket=accounts.bucket,
            movies=list(accounts.objects),
            upload_prefix=UPLOAD_PREFIX,
            s3_endpoint=accounts.endpoint_url,
        )
        os.environ[CONFIG_VARIABLE] = json.dumps(config)
        out.write(
            f"xpresign demo --serve: moto at {server.endpoint_url}, bucket {accounts.bucket} "
            f"(account A), signing as account B's service through {accounts.access_role_arn}\n"
        )
        out.flush()
        announce = threading.Thread(
            target=_announce,
            args=(out, base, sorted(accounts.objects), base + PAGE_PATH),
            name="xpresign-demo-ready",
            daemon=True,
        )
        announce.start()
        serve(settings, app_factory=APP_FACTORY)
    out.write("xpresign demo --serve: stopped the server and the emulator\n")


def service_environment(accounts: TwoAccounts) -> dict[str, str]:
    """B's service, as ``xpresign demo`` runs it, plus uploads: into
    ``uploads/`` (readable too, so the page can link each upload back), and
    Uppy's routes on the demo bucket."""
    return {
        **accounts.lambda_environment(),
        "XPRESIGN_ALLOWED_PREFIXES": f"{accounts.allowed_prefix},{UPLOAD_PREFIX}",
        "XPRESIGN_UPLOAD_PREFIXES": UPLOAD_PREFIX,
        "XPRESIGN_COMPANION_BUCKET": accounts.bucket,
    }


def open_uploads(accounts: TwoAccounts, origin: str) -> None:
    """In account A: the role may upload to (and read) ``uploads/``, and the
    bucket's CORS lets the page at ``origin`` upload from a browser.

    moto enforces no IAM policy here: the policy is what the ``bucket-access``
    Terraform module grants, written so the demo's account looks like a real
    one. The CORS rule is enforced: without one, moto's own blanket CORS lets
    every origin in but hides ``ETag`` from the page, and Uppy waits for it
    forever. (The page sends every file multipart: moto answers a form POST
    with no ``ETag`` at all, see ``static/demo/demo.js``.)"""
    admin = assume(accounts.endpoint_url, f"arn:aws:iam::{ACCOUNT_A}:role/admin", "demo-uploads")
    objects = f"arn:aws:s3:::{accounts.bucket}/{UPLOAD_PREFIX}*"
    client("iam", accounts.endpoint_url, admin, accounts.region).put_role_policy(
        RoleName=accounts.access_role_arn.rsplit("/", 1)[1],
        PolicyName="upload-under-prefix",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Action": [
                            "s3:GetObject",
                            "s3:PutObject",
                            "s3:AbortMultipartUpload",
                            "s3:ListMultipartUploadParts",
                        ],
                        "Resource": objects,
                    }
                ],
            }
        ),
    )
    client("s3", accounts.endpoint_url, admin, accounts.region).put_bucket_cors(
        Bucket=accounts.bucket,
        CORSConfiguration={
            "CORSRules": [
                {
                    "AllowedOrigins": [origin],
                    "AllowedMethods": ["GET", "PUT", "POST"],
                    "AllowedHeaders": ["content-type", "x-amz-checksum-sha256"],
                    "ExposeHeaders": ["ETag", "Location"],
                    "MaxAgeSeconds": 600,
                }
            ]
        },
    )


def curl_commands(base: str, keys: list[str]) -> list[str]:
    """A GET for one key and a POST batch of two, as a user would type them."""
    batch = '{"items": [%s], "expires_in": 600}' % ", ".join(f'"{k}"' for k in keys[:2])  # noqa: UP031 - JSON braces
    return [
        f"curl -s {shlex.quote(f'{base}/?key={keys[0]}')}",
        f"curl -s -H 'content-type: application/json' --data {shlex.quote(batch)} {base}/",
        f"curl -s {base}/healthz",
    ]


def _announce(out: TextIO, base: str, keys: list[str], page: str) -> None:
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
    lines += [f"Or open the demo page in a browser: {page}", ""]
    out.write("\n".join(lines) + "\n")
    out.flush()
