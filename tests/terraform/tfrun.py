"""Running Terraform in tests: the provider mirror, a clean environment, and a
scratch copy of terraform/ so no test writes into the source tree."""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
TERRAFORM_DIR = REPO / "terraform"
MODULES = ("modules/bucket-access", "modules/presigner")
EXAMPLE = "examples/two-accounts"

AWS_PROVIDER = Path("registry.terraform.io") / "hashicorp" / "aws"
# The bounded search: where a mirror is usually unpacked by hand or by an
# image build, how deep below those roots its provider binary may sit (the
# unpacked layout puts it five levels below the mirror: HOSTNAME/NAMESPACE/
# TYPE/VERSION/OS_ARCH), and how many directories the search may visit.
SEARCH_ROOTS = (Path("/opt"), Path("/usr/local"), Path("/srv"), Path("/var/lib"), Path.home())
SEARCH_DEPTH = 8
SEARCH_BUDGET = 50_000


def implied_mirror_dirs() -> list[Path]:
    """Terraform's implied local mirror directories for this platform, in its order
    (https://developer.hashicorp.com/terraform/cli/config/config-file#implied-local-mirror-directories)."""
    home = Path.home()
    if sys.platform == "win32":
        appdata = Path(os.environ.get("APPDATA", home / "AppData" / "Roaming"))
        return [appdata / "terraform.d" / "plugins", appdata / "HashiCorp" / "Terraform" / "plugins"]
    dirs = [home / ".terraform.d" / "plugins"]
    if sys.platform == "darwin":
        support = Path("Library") / "Application Support" / "io.terraform" / "plugins"
        dirs += [home / support, Path("/") / support]
    data_home = os.environ.get("XDG_DATA_HOME") or str(home / ".local" / "share")
    data_dirs = (os.environ.get("XDG_DATA_DIRS") or "/usr/local/share:/usr/share").split(os.pathsep)
    dirs += [Path(d) / "terraform" / "plugins" for d in [data_home, *data_dirs] if d]
    return dirs


def _mirror_holding(binary: Path) -> Path | None:
    """The mirror directory above a provider binary (unpacked) or zip (packed)."""
    return next((parent for parent in binary.parents if (parent / AWS_PROVIDER).is_dir()), None)


def search_for_mirror(roots=SEARCH_ROOTS, depth: int = SEARCH_DEPTH, budget: int = SEARCH_BUDGET) -> Path | None:
    """Breadth-first, at most ``depth`` levels below each root and ``budget``
    directories in all, for a terraform-provider-aws_* file inside a mirror."""
    queue = [(root, 0) for root in roots if root.is_dir()]
    visited = 0
    while queue and visited < budget:
        directory, level = queue.pop(0)
        visited += 1
        try:
            entries = list(os.scandir(directory))
        except OSError:
            continue
        for entry in entries:
            try:
                if entry.is_file() and entry.name.startswith("terraform-provider-aws_"):
                    mirror = _mirror_holding(Path(entry.path))
                    if mirror is not None:
                        return mirror
                elif entry.is_dir(follow_symlinks=False) and level < depth and entry.name not in _SKIP_DIRS:
                    queue.append((Path(entry.path), level + 1))
            except OSError:
                continue
    return None


# Large trees that never hold a provider mirror.
_SKIP_DIRS = {"node_modules", "__pycache__", ".git", "site-packages", ".cache", "proc", "sys"}


@functools.cache
def _searched_mirror() -> Path | None:
    return search_for_mirror()


def find_plugin_dir() -> Path | None:
    """Where `terraform init -plugin-dir` finds hashicorp/aws, looked up in this
    order: TF_PLUGIN_DIR; Terraform's implied local mirror directories; a
    bounded search for a terraform-provider-aws_* file. None: Terraform
    downloads from the registry."""
    configured = os.environ.get("TF_PLUGIN_DIR")
    if configured:
        path = Path(configured)
        if not (path / AWS_PROVIDER).is_dir():
            # A wrong setting must not silently fall back to anything else.
            raise RuntimeError(f"TF_PLUGIN_DIR={configured} holds no {AWS_PROVIDER}")
        return path
    implied = next((d for d in implied_mirror_dirs() if (d / AWS_PROVIDER).is_dir()), None)
    return implied or _searched_mirror()


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
