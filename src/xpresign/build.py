"""The Lambda deployment package: a deterministic zip of what the handler imports.

What goes in: ``xpresign/__init__.py`` and every module of the package that
``xpresign.lambda_handler`` imports, directly or not, found by reading the
import statements (lazy ones inside functions included). The CLI, the demo,
the emulator and this builder are left out: the function never runs them, they
exist to drive boto3 and moto, and a smaller package is less to review and
faster to load. Nothing third-party goes in, because the handler needs only the
standard library (the tests import it from the zip with ``python -S``).

Bytecode: Lambda's ``/var/task`` is read-only, so Python cannot cache what it
compiles and every cold start compiles the package again (measured: ~40 ms of
a ~170 ms cold start here). When the interpreter running the build is the
target runtime's (``--runtime``, default ``python3.13``, the Terraform
module's), the zip also carries ``__pycache__/*.pyc`` in the unchecked-hash
form (PEP 552: no timestamps, so deterministic, and trusted without reading
the source again). Built by another Python, the zip holds source only: a
``.pyc`` for the wrong version would be ignored anyway.

Determinism, so that an unchanged source gives the same bytes and Terraform
sees no change: entries sorted by path, every timestamp 1980-01-01 00:00:00
(the earliest a zip can hold), permissions 0644, the Unix "made by" system,
DEFLATE at a fixed level, and no ``__pycache__`` copied from the source tree
(only the bytecode compiled for the zip). The file is named after its
SHA-256 (``xpresign-lambda-<12 hex>.zip``) and a ``sha256sum`` sidecar
(``<name>.sha256``) carries the whole digest.
"""

from __future__ import annotations

import ast
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from .values import LAMBDA_RUNTIMES

PACKAGE = "xpresign"
ENTRY_MODULE = "lambda_handler"
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
FILE_MODE = 0o644
#: ``ZipInfo.create_system`` for Unix, so the mode bits above are honoured.
UNIX_SYSTEM = 3
COMPRESS_LEVEL = 9
HASH_PREFIX_LENGTH = 12
NAME_PREFIX = "xpresign-lambda-"
#: The Lambda runtime the zip is for: the Terraform presigner module's default.
DEFAULT_RUNTIME = LAMBDA_RUNTIMES[-1]
#: Where Lambda unpacks the zip: the file names tracebacks show.
TASK_ROOT = "/var/task"


def this_runtime() -> str:
    """The Lambda runtime name of the interpreter running this build."""
    return f"python{sys.version_info.major}.{sys.version_info.minor}"


class BuildError(Exception):
    """The package cannot be built (a missing module, an unwritable directory)."""


@dataclass(frozen=True)
class LambdaZip:
    path: Path
    sha256: str
    modules: tuple[str, ...]  # archive names, in archive order
    bytecode: bool = False  # whether __pycache__ for the runtime is inside


def package_dir() -> Path:
    """The package as installed (an editable install points at ``src/xpresign``)."""
    return Path(__file__).resolve().parent


def _module_file(root: Path, dotted: str) -> Path | None:
    """``""`` → ``root/__init__.py``; ``config`` → ``root/config.py``;
    ``sub.mod`` → ``root/sub/mod.py`` (or ``root/sub/mod/__init__.py``)."""
    base = root.joinpath(*dotted.split(".")) if dotted else root
    candidates = (base / "__init__.py",) if not dotted else (base.with_suffix(".py"), base / "__init__.py")
    return next((c for c in candidates if c.is_file()), None)


def _imports(root: Path, dotted: str, path: Path) -> set[str]:
    """Package-relative names of the package's modules that ``path`` imports."""
    tree = ast.parse(path.read_bytes(), filename=str(path))
    parts = dotted.split(".") if dotted else []
    package_parts = parts if path.name == "__init__.py" else parts[:-1]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                up = node.level - 1
                if up > len(package_parts):
                    continue  # above the package: not ours (and an error at import anyway)
                anchor = package_parts[: len(package_parts) - up]
                base = ".".join([*anchor, *(node.module.split(".") if node.module else [])])
            elif node.module == PACKAGE or (node.module or "").startswith(PACKAGE + "."):
                base = node.module[len(PACKAGE) + 1 :]
            else:
                continue
            found.add(base)
            # `from . import sigv4` names a module, `from .s3 import x` an attribute.
            for alias in node.names:
                name = f"{base}.{alias.name}" if base else alias.name
                if _module_file(root, name) is not None:
                    found.add(name)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith(PACKAGE + "."):
                    found.add(alias.name[len(PACKAGE) + 1 :])
    return found


def handler_modules(root: Path | None = None) -> list[Path]:
    """The files the handler needs: its import closure within the package,
    plus every ``__init__.py`` on the way."""
    root = package_dir() if root is None else Path(root)
    pending, seen = [ENTRY_MODULE, ""], set()
    files: set[Path] = set()
    while pending:
        dotted = pending.pop()
        if dotted in seen:
            continue
        seen.add(dotted)
        path = _module_file(root, dotted)
        if path is None:
            raise BuildError(f"{PACKAGE}.{dotted} is imported by the handler but {root} has no such module")
        files.add(path)
        parents = dotted.split(".")[:-1]
        pending += [".".join(parents[:i]) for i in range(len(parents) + 1)]
        pending += sorted(_imports(root, dotted, path) - seen)
    return sorted(files)


def _entry(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=ZIP_EPOCH)
    info.create_system = UNIX_SYSTEM
    info.external_attr = (0o100000 | FILE_MODE) << 16  # a regular file, rw-r--r--
    info.compress_type = zipfile.ZIP_DEFLATED
    return info


# Run in a fresh, isolated interpreter with a fixed hash seed: marshal's
# output depends on the process (string reference counts decide which objects
# it shares), so compiling in the caller's process would not be reproducible.
_COMPILE = """
import importlib.util, json, sys
from importlib._bootstrap_external import _code_to_hash_pyc  # what py_compile writes with
jobs = json.load(sys.stdin)
for name, path, target in jobs:
    with open(path, "rb") as handle:
        source = handle.read()
    code = compile(source, name, "exec", dont_inherit=True)
    with open(target, "wb") as handle:
        handle.write(_code_to_hash_pyc(code, importlib.util.source_hash(source), checked=False))
"""


def compile_bytecode(sources: dict[str, Path], workdir: Path) -> dict[str, bytes]:
    """Unchecked-hash ``.pyc`` files for ``{archive name: source path}``, by
    this interpreter: ``{archive name of the .pyc: its bytes}``."""
    jobs, names = [], {}
    for index, (name, path) in enumerate(sorted(sources.items())):
        folder, _, file = name.rpartition("/")
        names[f"{folder}/__pycache__/{file[:-3]}.{sys.implementation.cache_tag}.pyc"] = workdir / f"{index}.pyc"
        jobs.append((f"{TASK_ROOT}/{name}", str(path), str(workdir / f"{index}.pyc")))
    done = subprocess.run(  # noqa: S603 - this interpreter, a fixed script
        [sys.executable, "-I", "-S", "-c", _COMPILE],
        input=json.dumps(jobs), text=True, capture_output=True, env={"PYTHONHASHSEED": "0"}, timeout=120,
    )  # fmt: skip
    if done.returncode != 0:
        raise BuildError(f"cannot compile the bytecode: {done.stderr.strip().splitlines()[-1]}")
    return {name: target.read_bytes() for name, target in names.items()}


def write_zip(destination: Path, root: Path, files: list[Path], *, with_bytecode: bool = False) -> tuple[str, ...]:
    sources = {f"{PACKAGE}/{path.relative_to(root).as_posix()}": path for path in files}
    entries = {name: path.read_bytes() for name, path in sources.items()}
    if with_bytecode:
        with tempfile.TemporaryDirectory() as workdir:
            entries |= compile_bytecode(sources, Path(workdir))
    with zipfile.ZipFile(destination, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=COMPRESS_LEVEL) as archive:
        for name in sorted(entries):
            archive.writestr(_entry(name), entries[name], compresslevel=COMPRESS_LEVEL)
    return tuple(sorted(name for name in entries if name.endswith(".py")))


def build(
    output_dir: str | os.PathLike, root: str | os.PathLike | None = None, *, runtime: str = DEFAULT_RUNTIME
) -> LambdaZip:
    """Write the zip and its sidecar into ``output_dir``; ``root`` is the
    package directory to package (default: this one). Bytecode goes in when
    this interpreter is ``runtime``'s."""
    root = package_dir() if root is None else Path(root).resolve()
    with_bytecode = runtime == this_runtime()
    output = Path(output_dir)
    try:
        output.mkdir(parents=True, exist_ok=True)
        files = handler_modules(root)
        handle, temporary = tempfile.mkstemp(prefix=".xpresign-lambda-", suffix=".zip", dir=output)
        os.close(handle)
        try:
            modules = write_zip(Path(temporary), root, files, with_bytecode=with_bytecode)
            digest = hashlib.sha256(Path(temporary).read_bytes()).hexdigest()
            final = output / f"{NAME_PREFIX}{digest[:HASH_PREFIX_LENGTH]}.zip"
            os.chmod(temporary, FILE_MODE)
            os.replace(temporary, final)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        # sha256sum's format, so `sha256sum -c NAME.sha256` verifies it.
        Path(f"{final}.sha256").write_text(f"{digest}  {final.name}\n", encoding="ascii")
    except OSError as exc:
        raise BuildError(f"cannot write the Lambda zip in {str(output)!r}: {exc.strerror or exc}") from None
    except SyntaxError as exc:
        raise BuildError(f"cannot read {exc.filename}: {exc.msg} (line {exc.lineno})") from None
    return LambdaZip(final, digest, modules, with_bytecode)


def build_lambda_zip(output_dir: str | os.PathLike, runtime: str = DEFAULT_RUNTIME) -> Path:
    """Build the package of this installation into ``output_dir``; its path."""
    return build(output_dir, runtime=runtime).path
