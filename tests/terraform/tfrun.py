"""Running Terraform in tests: the provider mirror, a clean environment, and a
scratch copy of terraform/ so no test writes into the source tree."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
TERRAFORM_DIR = REPO / "terraform"
MODULES = ("modules/bucket-access", "modules/presigner")
EXAMPLE = "examples/two-accounts"

# Where a filesystem mirror of the providers is usually unpacked (the
# "unpacked layout": HOSTNAME/NAMESPACE/TYPE/VERSION/OS_ARCH). The first that
# holds hashicorp/aws wins; none means Terraform downloads from the registry.
PLUGIN_DIR_CANDIDATES = (
    Path("/opt/tf-plugins"),
    Path.home() / ".terraform.d" / "plugins",
    Path(os.environ.get("XDG_DATA_HOME", Path.home() / ".local" / "share")) / "terraform" / "plugins",
    Path("/usr/local/share/terraform/plugins"),
    Path("/usr/share/terraform/plugins"),
)
AWS_PROVIDER = Path("registry.terraform.io") / "hashicorp" / "aws"


def find_plugin_dir() -> Path | None:
    """TF_PLUGIN_DIR if set, else the first candidate mirror holding the AWS provider."""
    configured = os.environ.get("TF_PLUGIN_DIR")
    if configured:
        path = Path(configured)
        if not (path / AWS_PROVIDER).is_dir():
            # A wrong setting must not silently fall back to the registry.
            raise RuntimeError(f"TF_PLUGIN_DIR={configured} holds no {AWS_PROVIDER}")
        return path
    return next((root for root in PLUGIN_DIR_CANDIDATES if (root / AWS_PROVIDER).is_dir()), None)


def terraform_environment(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The machine's environment without AWS or xpresign settings (a profile or
    real credentials must never reach a test run), plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "XPRESIGN_")) or k == "AWS_CA_BUNDLE"}
    env.update(
        TF_IN_AUTOMATION="1",
        TF_INPUT="0",
        # No version check against checkpoint-api.hashicorp.com: tests run offline.
        CHECKPOINT_DISABLE="1",
    )
    env.update(extra or {})
    return env


def run_terraform(
    terraform: str,
    workdir: Path,
    *args: str,
    env: dict[str, str] | None = None,
    check: bool = True,
    timeout: float = 300,
) -> subprocess.CompletedProcess:
    """``terraform -chdir=workdir args...``; on failure, the error names the command and shows its output."""
    command = [terraform, f"-chdir={workdir}", *args]
    result = subprocess.run(
        command, env=env or terraform_environment(), capture_output=True, text=True, timeout=timeout, check=False
    )
    if check and result.returncode != 0:
        raise AssertionError(
            f"{' '.join(args[:1])} in {workdir} exited {result.returncode}\n"
            f"--- stdout ---\n{result.stdout[-6000:]}\n--- stderr ---\n{result.stderr[-6000:]}"
        )
    return result


def terraform_init(terraform: str, workdir: Path, *extra: str, env: dict[str, str] | None = None) -> None:
    plugin_dir = find_plugin_dir()
    args = ["init", "-input=false", "-no-color", *extra]
    if plugin_dir is not None:
        args.append(f"-plugin-dir={plugin_dir}")
    run_terraform(terraform, workdir, *args, env=env)


def copy_terraform_tree(destination: Path) -> Path:
    """terraform/ without anything a local run may have left in it."""
    shutil.copytree(
        TERRAFORM_DIR,
        destination,
        ignore=shutil.ignore_patterns(".terraform", ".terraform.lock.hcl", "terraform.tfstate*", "*.tfplan"),
    )
    return destination
