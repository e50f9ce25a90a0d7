"""The processes of the cold-start benchmark (4): their task directories, their
environments, how one is spawned and timed, and the checks of its answer.

Each side runs from its own directory holding only the child script and the
handler's code, with bytecode writing off, as on Lambda's read-only
``/var/task``: xpresign's zip from ``xpresign build-lambda`` unpacked (built by
the Python that runs it, so it carries its bytecode, as ``build-lambda
--runtime`` does when run by the runtime's Python); the guide's module,
compiled at every start as Lambda would. boto3 and the standard library come
precompiled, as the Lambda runtime provides them.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

from xpresign import build

from . import botocore_signer, function_url, signing_inputs
from .emulated_aws import World
from .stats import ValidationFailed, expect

CHILD_TIMEOUT_SECONDS = 120
CHILD_SCRIPT = Path(__file__).with_name("cold_start_child.py")
GUIDE_MODULE = Path(__file__).with_name("guide_handler.py")
#: The object every cold start asks for.
KEY = "movies/metropolis-1927.mp4"


@dataclass(frozen=True)
class Side:
    name: str  # also the child's SIDE argument
    label: str
    code: str  # "none", "zip", "zip-source", "guide"
    credentials: str  # "environment" (no role, no network) or "role" (AssumeRole on moto)


SIDES = (
    Side("baseline", "baseline (interpreter, no handler)", "none", "environment"),
    Side("xpresign", "xpresign, environment credentials", "zip", "environment"),
    Side("boto3", "boto3: client + generate_presigned_url", "none", "environment"),
    Side("xpresign-role", "xpresign, AssumeRole", "zip", "role"),
    Side("guide", "guide's handler (AssumeRole)", "guide", "role"),
    Side("xpresign-role-source", "(xpresign, AssumeRole, from source only)", "zip-source", "role"),
)


def build_task_dirs(root: Path) -> dict[str, Path]:
    """One directory per side, laid out like Lambda's /var/task."""
    package = build.build(root / "dist", runtime=build.this_runtime())
    dirs = {}
    for side in SIDES:
        task = root / side.name
        task.mkdir()
        shutil.copy(CHILD_SCRIPT, task / CHILD_SCRIPT.name)
        if side.code.startswith("zip"):
            with zipfile.ZipFile(package.path) as archive:
                archive.extractall(task)
        if side.code == "zip-source":
            for cache in (task / "xpresign").rglob("__pycache__"):
                shutil.rmtree(cache)
        if side.code == "guide":
            shutil.copy(GUIDE_MODULE, task / GUIDE_MODULE.name)
        dirs[side.name] = task
    return dirs


def environments(world: World) -> dict[str, dict[str, str]]:
    """Per kind of credentials, the function's whole environment."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "XPRESIGN_"))}
    base.pop("PYTHONPATH", None)  # the task directory and site-packages only, as on Lambda
    base.update(
        {
            # Lambda sets these; with them xpresign builds its app at import (Lambda's init phase).
            "AWS_EXECUTION_ENV": "AWS_Lambda_python3.11",
            "PYTHONDONTWRITEBYTECODE": "1",
            "BOTO_DISABLE_CRT": "true",
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            "AWS_EC2_METADATA_DISABLED": "true",
        }
    )
    return {"environment": {**base, **signing_inputs.environment()}, "role": {**base, **world.env}}


def spawn(side: Side, task: Path, env: dict[str, str], *, profile: bool = False) -> tuple[int, dict]:
    """Run one child; return (nanoseconds from spawn to its answer, its report)."""
    event = function_url.guide_event(KEY) if side.name == "guide" else function_url.get_event(KEY)
    command = [sys.executable, CHILD_SCRIPT.name, side.name, json.dumps(event)] + (["--profile"] if profile else [])
    start = time.perf_counter_ns()
    child = subprocess.Popen(command, cwd=task, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = child.stdout.readline()
    elapsed = time.perf_counter_ns() - start
    try:
        _, errors = child.communicate(timeout=CHILD_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        child.kill()
        child.communicate()
        raise ValidationFailed(f"{side.name} cold start did not exit within {CHILD_TIMEOUT_SECONDS} s") from None
    if child.returncode != 0 or not line:
        raise ValidationFailed(f"{side.name} cold start failed (exit {child.returncode}):\n{errors[-2000:]}")
    return elapsed, json.loads(line)


class Checker:
    """Checks every start's answer: a URL that downloads the object from moto
    (AssumeRole sides), or byte-identical to pure-Python botocore's at the
    URL's own instant (environment-credential sides, which make no call)."""

    def __init__(self, world: World):
        self.world = world
        self.oracle = botocore_signer.client(signing_inputs.session_credentials())

    def __call__(self, side: Side, report: dict, task: Path) -> None:
        if side.name == "baseline":
            return
        if side.name == "boto3":
            expect(
                "site-packages" in (report["module"] or ""), f"boto3 came from {report['module']}, not site-packages"
            )
        else:
            expect(
                report["module"] and Path(report["module"]).resolve().is_relative_to(task.resolve()),
                f"{side.name} cold start imported its handler from {report['module']}, not its task directory",
            )
        expect(not report["awscrt_imported"], f"the {side.name} cold start imported awscrt")
        response = report["response"]
        url = function_url.response_url(response) if side.name.startswith("xpresign") else response
        if side.name.startswith("xpresign"):
            expect(not report["boto3_imported"], f"the {side.name} cold start imported boto3")
        if side.credentials == "role":
            self.world.check_download(url, KEY, f"{side.name} cold start")
            return
        expect(isinstance(url, str) and "X-Amz-Date=" in url, f"{side.name}: no presigned URL: {str(response)[:200]}")
        theirs = botocore_signer.presign_at(self.oracle, botocore_signer.amz_epoch(url), KEY)
        expect(url == theirs, f"{side.name} cold start: the URL differs from botocore's")
