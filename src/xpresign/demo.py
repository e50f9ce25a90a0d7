"""``xpresign demo``: the whole cross-account flow, end to end, on one machine.

1. Start moto on a free loopback port and build the two accounts on it
   (:func:`xpresign.emulator.create_two_accounts`): A owns the bucket and the
   role; B owns the Lambda's execution role, which may assume A's role.
2. Run the real handler in-process, as B's Lambda (B's role credentials and
   xpresign's configuration in the environment it is built from), with the
   events Lambda would deliver: a Function URL POST for one key, a direct
   invocation with a batch of every key, a Function URL GET for a key outside
   the allowed prefix.
3. Download every URL over HTTP and compare its SHA-256 with what was uploaded.

Passes only if every download matches and the outside key was refused. URLs are
shown without their query string: a presigned URL is a bearer token.

moto does not check signatures, expiry or IAM policies, so this shows the flow
works, not that it is secure; the SeaweedFS suite checks signatures.
"""

from __future__ import annotations

import hashlib
import json
import os
import textwrap
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from importlib.util import find_spec
from typing import TextIO

from . import emulator
from .demo_events import FUNCTION_NAME, function_url_event, lambda_context
from .emulator import ACCOUNT_A, ACCOUNT_B, MotoServer, TwoAccounts, create_two_accounts
from .errors import XpresignError
from .lambda_handler import App, build_app
from .values import EXPIRY_SAFETY_MARGIN_SECONDS

#: The expiry asked for the single key: within every limit, so not capped.
SINGLE_EXPIRES = 900
#: The expiry asked for the batch: beyond the bucket's maximum and the role
#: session's life, to show the cap and its reason.
BATCH_EXPIRES = 7200
REFUSED_KEY = "private/budget.xlsx"
DOWNLOAD_TIMEOUT_SECONDS = 10
#: Environment variables that must not reach the log: credentials.
SECRET_VARIABLES = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")
ELLIPSIS = "?…"
LINE_WIDTH = 100

CAPPED_BY_MEANING = {
    "policy": "the bucket's max_expires (XPRESIGN_MAX_EXPIRES, 3600 s by default)",
    "credentials": (
        "the role session that signed it ends sooner (role chaining caps it at one hour), and a URL "
        f"dies with its credentials: it is stated to expire {EXPIRY_SAFETY_MARGIN_SECONDS} s before they do"
    ),
    "s3-limit": "SigV4's 7-day maximum",
}


class DemoError(Exception):
    """The demo could not run (missing dependency, emulator failure): one line."""


@dataclass
class Download:
    via: str
    key: str
    size: int | None
    expires_in: int
    capped_by: str | None
    ok: bool
    problem: str = ""


# --- helpers ----------------------------------------------------------------------------------


def redact(url: str) -> str:
    """The URL without its query string (which holds the signature and token)."""
    return url.split("?", 1)[0] + ELLIPSIS


def download(url: str) -> tuple[bytes | None, str]:
    """``(body, "")``, or ``(None, what went wrong)``."""
    try:
        with urllib.request.urlopen(url, timeout=DOWNLOAD_TIMEOUT_SECONDS) as response:
            return response.read(), ""
    except urllib.error.HTTPError as exc:
        exc.close()
        return None, f"HTTP {exc.code}"
    except (urllib.error.URLError, OSError) as exc:
        return None, str(getattr(exc, "reason", exc))


def verify(via: str, result: Mapping, objects: Mapping[str, bytes]) -> Download:
    key = result["key"]
    body, problem = download(result["url"])
    expected = objects.get(key)
    ok = body is not None and expected is not None and _sha256(body) == _sha256(expected)
    if body is not None and not ok:
        problem = "SHA-256 differs from the upload"
    size = None if body is None else len(body)
    return Download(via, key, size, result["expires_in"], result["capped_by"], ok, problem)


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def table(rows: list[list[str]], right: set[int]) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [
        "  ".join(cell.rjust(widths[i]) if i in right else cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip()
        for row in rows
    ]


@contextmanager
def isolated_environment() -> Iterator[None]:
    """Keep the machine's AWS settings (a profile, a config file, a proxy) away
    from the emulator: the demo talks to 127.0.0.1 only."""
    saved = dict(os.environ)
    for name in [n for n in os.environ if n.startswith("AWS_")]:
        del os.environ[name]
    os.environ.update(
        AWS_CONFIG_FILE=os.devnull,
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
        AWS_EC2_METADATA_DISABLED="true",
    )
    for name in ("no_proxy", "NO_PROXY"):
        os.environ[name] = ",".join(filter(None, [os.environ.get(name), "127.0.0.1"]))
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def _require(*modules: str) -> None:
    missing = [m for m in modules if find_spec(m) is None]
    if missing:
        raise DemoError(f"the demo needs {' and '.join(missing)}: pip install -e '.[dev]' (or run 'make demo')")


def _one_line(error: BaseException) -> str:
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    return " … ".join(dict.fromkeys([lines[0], lines[-1]])) if lines else type(error).__name__


# --- the demo --------------------------------------------------------------------------------


@contextmanager
def emulated_accounts() -> Iterator[tuple[MotoServer, TwoAccounts]]:
    """moto on loopback with the two accounts, away from the machine's AWS
    settings; stopped on the way out. Raises :class:`DemoError` when it
    cannot start."""
    with isolated_environment():
        server = MotoServer()
        try:
            server.start()
        except (RuntimeError, OSError) as exc:
            raise DemoError(f"the AWS emulator (moto server) did not start: {_one_line(exc)}") from None
        try:
            try:
                accounts = create_two_accounts(server.endpoint_url)
            except Exception as exc:  # botocore's errors: the emulator misbehaved
                raise DemoError(f"setting up the two accounts on moto failed: {_one_line(exc)}") from None
            yield server, accounts
        finally:
            server.stop()


def run_demo(out: TextIO) -> bool:
    """Run the demo, writing its report to ``out``; True when every check passed.
    Raises :class:`DemoError` when it cannot run."""
    _require("boto3", "moto")
    with emulated_accounts() as (server, accounts):
        # Lambda sets the function's name; xpresign names its role sessions after it.
        env = {**accounts.lambda_environment(), "AWS_LAMBDA_FUNCTION_NAME": FUNCTION_NAME}
        return _run(accounts, env, server.endpoint_url, out)


def _run(accounts: TwoAccounts, env: Mapping[str, str], endpoint_url: str, out: TextIO) -> bool:
    def say(line: str = "") -> None:
        out.write(line + "\n")

    objects = accounts.objects
    keys = list(objects)
    say("xpresign demo: presigned URLs across two AWS accounts, on an embedded emulator")
    say()
    say(f"  emulator   moto server at {endpoint_url} (started for this run, stopped at the end)")
    say(f"  account A  {ACCOUNT_A}: bucket {accounts.bucket}, {len(keys)} files under {accounts.allowed_prefix}")
    say(f"             role {accounts.access_role_arn}")
    say(f"             trusts B's Lambda role; may s3:GetObject on {accounts.bucket}/{accounts.allowed_prefix}* only")
    say(f"  account B  {ACCOUNT_B}: the presigner Lambda's execution role")
    say(f"             role {accounts.lambda_role_arn}")
    say("             may sts:AssumeRole on A's role, nothing else")
    say()
    say("The real handler (xpresign.lambda_handler) runs in this process, built from the")
    say("environment Lambda would give it in account B:")
    for name in sorted(env):
        if name not in SECRET_VARIABLES:
            say(f"  {name}={env[name]}")
    say(f"  {', '.join(SECRET_VARIABLES)}: B's Lambda role session (not shown)")
    say()

    try:
        app = build_app(env)
    except XpresignError as exc:
        raise DemoError(f"the handler refused its configuration: {exc.message}") from None

    single, batch, refused, passed = _invoke(app, keys, say)
    signer = _signing_identity(app, endpoint_url)
    if signer:
        say()
        say(f"The URLs are signed as {signer}:")
        say("account A's role session (one AssumeRole, cached for the next requests), not B's own role.")
    say()

    downloads = [verify("function-url", single, objects)] if single else []
    downloads += [verify("batch", result, objects) for result in batch if "url" in result]
    _report(downloads, say)

    verified = sum(d.ok for d in downloads)
    expected = 1 + len(keys)
    passed = passed and verified == len(downloads) == expected
    say()
    say("moto does not check signatures, expiry or IAM policies: this run shows the flow and the bytes,")
    say("not the security; the SeaweedFS test suite holds the signatures to a real S3 implementation.")
    say()
    outside = f"the key outside {accounts.allowed_prefix}"
    refusal = f"{outside} was refused" if refused else f"{outside} was NOT refused"
    verdict = "PASS" if passed else "FAIL"
    say(f"{verdict}: {verified}/{expected} downloads verified by SHA-256; {refusal}.")
    return passed


def _invoke(app: App, keys: list[str], say) -> tuple[dict | None, list[dict], bool, bool]:
    """The three invocations; ``(single result, batch results, refused?, all as expected?)``."""
    ok = True

    say(f'1. Function URL, POST (IAM auth), body {{"key": "{keys[0]}", "expires_in": {SINGLE_EXPIRES}}}')
    response = app(
        function_url_event("POST", body={"key": keys[0], "expires_in": SINGLE_EXPIRES}, request_id="demo-1"),
        lambda_context("demo-1"),
    )
    body = json.loads(response["body"])
    single = body if response["statusCode"] == 200 and "url" in body else None
    if single:
        say(f"   -> {response['statusCode']}  {redact(single['url'])}")
        cap = "as asked" if single["capped_by"] is None else f"capped_by {single['capped_by']}"
        say(f"      expires_in {single['expires_in']} ({cap}), expires_at {single['expires_at']}")
    else:
        ok = False
        say(f"   -> {response['statusCode']}  {json.dumps(body.get('error', body))}   UNEXPECTED")

    say(f'2. Direct invocation, a batch: {{"items": [{len(keys)} keys], "expires_in": {BATCH_EXPIRES}}}')
    answer = app({"items": keys, "expires_in": BATCH_EXPIRES}, lambda_context("demo-2"))
    batch = answer.get("results", [])
    signed = [r for r in batch if "url" in r]
    capped = sorted({str(r["capped_by"]) for r in signed})
    say(f"   -> {len(signed)}/{len(keys)} URLs, expires_in {min((r['expires_in'] for r in signed), default='-')}, "
        f"capped_by {', '.join(capped) or '-'}")  # fmt: skip
    if len(signed) != len(keys):
        ok = False
        say(f"      UNEXPECTED: {json.dumps(answer.get('error') or [r for r in batch if 'url' not in r])}")

    say(f"3. Function URL, GET ?key={REFUSED_KEY} (outside {', '.join(app.config.bucket().allowed_prefixes)})")
    response = app(function_url_event("GET", query={"key": REFUSED_KEY}, request_id="demo-3"), lambda_context("demo-3"))
    error = json.loads(response["body"]).get("error", {})
    refused = response["statusCode"] == 403 and error.get("code") == "KeyNotAllowed"
    say(f"   -> {response['statusCode']}  {error.get('code')}: {error.get('message')}")
    say("      refused before anything was signed" if refused else "      UNEXPECTED: it should be 403 KeyNotAllowed")
    return single, batch, refused, ok and refused


def _signing_identity(app: App, endpoint_url: str) -> str | None:
    """Who the URLs are signed as: STS GetCallerIdentity with the handler's cached session."""
    try:
        credentials = app.api.presigner.broker.credentials(app.config.bucket().role)
        sts = emulator.client(
            "sts",
            endpoint_url,
            {
                "aws_access_key_id": credentials.access_key_id,
                "aws_secret_access_key": credentials.secret_access_key,
                "aws_session_token": credentials.session_token,
            },
        )
        return sts.get_caller_identity()["Arn"]
    except Exception:  # an explanation, not a check: the downloads are the proof
        return None


def _report(downloads: list[Download], say) -> None:
    say("Downloads: every URL fetched over HTTP, its SHA-256 compared with the uploaded file's")
    say()
    rows = [["via", "key", "size", "expires_in", "capped_by", "checksum"]]
    for d in downloads:
        rows.append([
            d.via, d.key, "-" if d.size is None else str(d.size), str(d.expires_in), d.capped_by or "-",
            "OK" if d.ok else f"FAILED ({d.problem})",
        ])  # fmt: skip
    for line in table(rows, right={2, 3}):
        say(f"  {line}")
    reasons = sorted({d.capped_by for d in downloads if d.capped_by})
    if reasons:
        say()
    for reason in reasons:
        lines = textwrap.wrap(f"capped_by {reason}: {CAPPED_BY_MEANING.get(reason, reason)}", LINE_WIDTH)
        say("  " + "\n    ".join(lines))
