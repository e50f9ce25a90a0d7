"""The Lambda's request path imports nothing outside the standard library and
xpresign: boto3 and botocore stay out of sys.modules after the handler's import
(Lambda's init) and warm invocations, with and without a role to assume.

Each check runs in a fresh interpreter: this test session has imported boto3
itself (moto, the oracles), so only a new process can tell.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

EVENTS = Path(__file__).resolve().parents[1] / "events"
FORBIDDEN = ("boto3", "botocore")
#: Modules the Lambda loads: the handler and everything it reaches.
LAMBDA_MODULES = [
    "xpresign",
    "xpresign.api",
    "xpresign.config",
    "xpresign.credentials",
    "xpresign.errors",
    "xpresign.events",
    "xpresign.lambda_handler",
    "xpresign.presign",
    "xpresign.s3",
    "xpresign.sigv4",
    "xpresign.sts",
]
STATIC_ENV = {
    "XPRESIGN_BUCKET": "classic-movies",
    "XPRESIGN_ALLOWED_PREFIXES": "movies/",
    "AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE",
    "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "AWS_REGION": "us-east-1",
}
# Lambda's runtime sets these; the handler module then builds its app at import.
LAMBDA_RUNTIME_ENV = {"AWS_LAMBDA_FUNCTION_NAME": "xpresign", "AWS_EXECUTION_ENV": "AWS_Lambda_python3.12"}

_LOADED = "sorted(m for m in sys.modules if m.split('.')[0] in FORBIDDEN)"
HANDLER_SCRIPT = f"""
import json, sys
FORBIDDEN = {FORBIDDEN!r}
before = {_LOADED}
import xpresign.lambda_handler as lambda_handler          # Lambda's init
after_import = {_LOADED}
events = json.loads(sys.stdin.read())
answers = []
for _ in range(2):                                          # cold, then warm
    for event in events:
        answers.append(lambda_handler.handler(event, None))
print(json.dumps({{"before": before, "after_import": after_import, "after_requests": {_LOADED},
                  "answers": answers}}))
"""


def run_python(script: str, env: dict[str, str], stdin: str = "") -> dict:
    # A clean environment: only what the function would have, plus how to find Python's packages.
    base = {name: os.environ[name] for name in ("PATH", "HOME", "SYSTEMROOT", "LANG") if name in os.environ}
    completed = subprocess.run(
        [sys.executable, "-c", script],
        input=stdin,
        env={**base, **env, "PYTHONNOUSERSITE": "1"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout.strip().splitlines()[-1])


def fixture_events() -> list[dict]:
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(EVENTS.glob("*.json"))]


def served_urls(answers: list[dict]) -> list[str]:
    urls = []
    for answer in answers:
        body = json.loads(answer["body"] or "{}") if "statusCode" in answer else answer
        urls += [r["url"] for r in body.get("results", [body]) if "url" in r]
    return urls


def assert_no_boto(report: dict) -> None:
    assert report["before"] == [], "boto3/botocore loaded at interpreter start: the check would prove nothing"
    assert report["after_import"] == []
    assert report["after_requests"] == []


def test_handler_with_static_credentials_never_imports_boto():
    events = fixture_events()
    report = run_python(HANDLER_SCRIPT, {**STATIC_ENV, **LAMBDA_RUNTIME_ENV}, json.dumps(events))
    assert_no_boto(report)
    # The requests were served (every front door, successes and errors alike), not refused wholesale.
    assert len(report["answers"]) == 2 * len(events)
    assert len(served_urls(report["answers"])) >= 2 * 10


def test_handler_assuming_a_role_over_sts_never_imports_boto(two_accounts):
    names = ("function_url_iam_post.json", "direct_invoke_batch.json")
    events = [json.loads((EVENTS / name).read_text(encoding="utf-8")) for name in names]
    report = run_python(HANDLER_SCRIPT, {**two_accounts.lambda_environment(), **LAMBDA_RUNTIME_ENV}, json.dumps(events))
    assert_no_boto(report)
    urls = served_urls(report["answers"])
    assert len(urls) == 2 * 4
    assert all("X-Amz-Security-Token=" in url for url in urls)  # signed by the assumed role's session


def test_library_modules_import_without_boto():
    script = (
        "import importlib, json, sys\n"
        f"FORBIDDEN = {FORBIDDEN!r}\n"
        f"before = {_LOADED}\n"
        f"for name in {LAMBDA_MODULES!r}:\n"
        "    importlib.import_module(name)\n"
        f"print(json.dumps({{'before': before, 'after_import': {_LOADED}, 'after_requests': []}}))\n"
    )
    assert_no_boto(run_python(script, {}))
