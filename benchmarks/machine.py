"""What the numbers were measured on: enough to judge and reproduce them."""

from __future__ import annotations

import datetime
import os
import platform
import ssl
import subprocess
from importlib import metadata
from pathlib import Path

LIBRARIES = ("xpresign", "boto3", "botocore", "awscrt", "awslambdaric", "moto", "matplotlib")
REPO_ROOT = Path(__file__).resolve().parents[1]


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


def load_average() -> str:
    try:
        return " / ".join(f"{value:.2f}" for value in os.getloadavg())
    except OSError:
        return "unknown"


def library_versions() -> dict[str, str]:
    versions = {}
    for name in LIBRARIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def _git(*args: str) -> str:
    done = subprocess.run(["git", *args], cwd=REPO_ROOT, capture_output=True, text=True, timeout=5, check=True)
    return done.stdout.strip()


def git_revision() -> str:
    try:
        head = _git("rev-parse", "--short", "HEAD")
        dirty = _git("status", "--porcelain", "--untracked-files=no")
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return f"{head} (with uncommitted changes)" if dirty else head


def describe() -> dict[str, str]:
    """The machine, interpreter and libraries, as label -> value."""
    info = {
        "Date (UTC)": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M:%S"),
        "CPU": f"{cpu_model()} ({os.cpu_count()} logical cores)",
        "OS": platform.platform(),
        "Python": f"{platform.python_implementation()} {platform.python_version()}",
        "OpenSSL": ssl.OPENSSL_VERSION,
        "Git revision": git_revision(),
        "Load average at start (1/5/15 min)": load_average(),
    }
    for name, version in library_versions().items():
        info[name] = version
    return info
