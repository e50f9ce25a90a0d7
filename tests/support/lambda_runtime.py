"""A fidelity harness: a function package run by AWS's own runtime client.

``LambdaRuntime`` runs a deployment package (the zip ``xpresign build-lambda``
writes, or a directory) under ``awslambdaric``, the runtime interface client
that Lambda's Python runtimes and container images run, in a child process.
The child talks to ``RuntimeApiServer``, a Lambda Runtime API written here on
127.0.0.1. So "it works in Lambda" is tested through the code that really
calls the handler, marshals its answer and posts it, not by calling the
function directly::

    with LambdaRuntime(zip_path, env={...}) as runtime:
        result = runtime.invoke({"key": "movies/a.mp4"}, timeout_ms=3000, freeze_after=True)
        result.status   # "success", "error", "too-large", "timeout" or "init-error"
        result.json()   # the answer, as the caller would get it

What the server enforces, as Lambda does:

* **6 MB responses.** A response over ``MAX_RESPONSE_BYTES`` (6 MiB,
  6,291,456 bytes, the documented limit) is refused with 413 and the body
  Lambda's Runtime API sends (``RequestEntityTooLarge``). The invocation
  fails: the result carries what the caller gets,
  ``Function.ResponseSizeTooLarge``. awslambdaric raises on the 413 (it logs
  "Failed to post handler success response. Http response code: 413") and its
  process exits, so in Lambda the next invocation pays for a new environment.
  (Lambda's own messages name 6,291,556 bytes, 100 more: the harness holds
  code to the documented figure.) An event over ``MAX_REQUEST_BYTES`` is
  refused before it reaches the runtime, as the Invoke API refuses it.
* **The deadline.** ``Lambda-Runtime-Deadline-Ms`` is now + ``timeout_ms``,
  so ``context.get_remaining_time_in_millis()`` counts down as in Lambda. A
  function that has not answered by then gets ``Sandbox.Timedout`` and its
  process is killed, as Lambda ends a timed-out environment.
* **The freeze.** Lambda freezes the environment once the runtime asks for
  the next event after an answer. With ``freeze_after=True`` the harness
  waits for that request, then stops the process with SIGSTOP (every thread:
  it checks ``/proc``), optionally for ``frozen_for`` seconds, and continues
  it with SIGCONT before delivering the next event. A background thread
  really makes no progress meanwhile.
* **SnapStart.** With ``snap_start=True`` the runtime starts with
  ``AWS_LAMBDA_INITIALIZATION_TYPE=snap-start``. awslambdaric (4.2.2,
  ``bootstrap.on_init_complete``) then, after importing the handler's module:
  runs the ``snapshot_restore_py`` before-snapshot hooks, newest registration
  first; calls ``GET /2018-06-01/runtime/restore/next``, which Lambda answers
  only once the snapshot has been restored; runs the after-restore hooks in
  registration order; then polls ``invocation/next``. A failing
  before-snapshot hook (or restore/next) is posted to ``init/error`` with
  ``Lambda-Runtime-Function-Error-Type: Runtime.BeforeSnapshotError`` and the
  process exits 64; a failing after-restore hook goes to ``restore/error``
  (``Runtime.AfterRestoreError``) and it exits 65. The harness models the
  snapshot as a freeze between restore/next arriving and its answer.
* **Lambda's environment.** The variables Lambda sets (function name,
  ``AWS_EXECUTION_ENV``, ``LAMBDA_TASK_ROOT``, ``_HANDLER``, ``TZ``...), and
  nothing from the test process. The package's directory comes first on
  ``sys.path`` and no other copy of the handler's top-level package (an
  editable install, say) stays importable, so the code under test is the
  package's.

What it cannot model:

* **The read-only /var/task.** The package is unpacked into a writable
  temporary directory, and tests run as root here, so file modes would not
  stop a write either. ``PYTHONDONTWRITEBYTECODE=1`` at least keeps Python
  from caching bytecode there, which a read-only /var/task also prevents.
* **The 10 s init limit.** Initialisation is given ``START_TIMEOUT_SECONDS``
  instead: this machine's speed says nothing about Lambda's, and what Lambda
  does when init runs out of time (it retries init inside the first
  invocation, under the function's timeout) is not reproduced.
* **Memory and CPU scaling.** No memory limit (so no
  ``Runtime.OutOfMemory``) and no CPU share in proportion to the configured
  memory: timings here are not Lambda's.
* Also: one snapshot restored into many environments (a restore here
  continues the one process that took it, so "two restores differ" cannot be
  shown by restoring twice); the cgroup freezer itself (a SIGSTOP is visible
  to a parent process; the function has no child processes to notice);
  extensions, the Telemetry API's framed logs (logs go to stdout, as under
  the Runtime Interface Emulator), response streaming and multi-concurrency.

awslambdaric's JSON encoder and response sizes: ``Encoder`` in its
``lambda_runtime_marshaller.py`` (4.2.2; since its 2023-10-27 change
"Control unicode encoding behaviour based on execution environment") passes
``ensure_ascii=False`` to simplejson only when ``AWS_EXECUTION_ENV`` is
``AWS_Lambda_python3.12``, ``3.13``, ``3.14`` or ``3.15``; for any other value
(python3.11, or none) simplejson's default, ``ensure_ascii=True``, applies. So
on python3.11 a returned non-ASCII character costs 6 bytes (``\\u00e9``), or
12 outside the BMP (a surrogate pair), and on 3.12+ its 2 to 4 bytes of
UTF-8: the same answer has a different size on different runtimes. The switch
is the variable, not the interpreter: the harness sets ``AWS_EXECUTION_ENV``
from the Python running it, and ``env=`` can override it. (An HTTP front
door's ``body`` is a JSON string inside the JSON envelope, so its quotes and
escapes are escaped again on every runtime.) The same variable also decides
whether awslambdaric polls ``invocation/next`` from a helper thread (3.12+).
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
import zipfile
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Self

#: The documented limit on a synchronous invocation's response (6 MB).
MAX_RESPONSE_BYTES = 6 * 1024 * 1024
#: The documented limit on a synchronous invocation's event (6 MB).
MAX_REQUEST_BYTES = 6 * 1024 * 1024
API_PREFIX = "/2018-06-01/runtime"
ERROR_TYPE_HEADER = "Lambda-Runtime-Function-Error-Type"
DEFAULT_HANDLER = "xpresign.lambda_handler.handler"
DEFAULT_REGION = "us-east-1"
FUNCTION_NAME = "xpresign-fidelity"
ACCOUNT_ID = "123456789012"
#: Generous on 2 cores: Python, awslambdaric and the package must load.
START_TIMEOUT_SECONDS = 30.0
#: How long past the deadline a response may take to arrive (scheduling, not Lambda).
DEADLINE_GRACE_SECONDS = 0.25
#: How long the runtime may take to ask for the next event after answering.
IDLE_TIMEOUT_SECONDS = 5.0
#: How long a SIGSTOP may take to reach every thread.
FREEZE_CONFIRM_SECONDS = 2.0
STOP_TIMEOUT_SECONDS = 5.0
POLL_SECONDS = 0.01
#: How often the server checks for shutdown (http.server's default, 0.5 s, slows every stop).
SERVE_POLL_SECONDS = 0.05
LOG_TAIL_CHARS = 3000
#: The invocation results.
SUCCESS, ERROR, TOO_LARGE, TIMEOUT, INIT_ERROR = "success", "error", "too-large", "timeout", "init-error"

# Run in the child: Lambda's sys.path (the package first), then awslambdaric's
# own entry point. Kept to what must happen before awslambdaric takes over.
_BOOTSTRAP = """
import importlib.util, os, sys
task_root, handler = sys.argv[1], sys.argv[2]
top = handler.replace("/", ".").split(".")[0]
def provides(entry):
    base = os.path.join(entry, top)
    return os.path.isfile(os.path.join(base, "__init__.py")) or os.path.isfile(base + ".py")
sys.path[:] = [task_root] + [entry for entry in sys.path if entry and not provides(entry)]
spec = importlib.util.find_spec(top)
if spec is None or not os.path.realpath(spec.origin or "").startswith(os.path.realpath(task_root) + os.sep):
    sys.exit(f"harness: {top!r} does not resolve inside the package at {task_root}")
from awslambdaric.__main__ import main
main(["awslambdaric", handler])
"""


class RuntimeExitedError(RuntimeError):
    """The runtime process is gone (and not because its init failed)."""


@dataclass(frozen=True)
class Call:
    """One request the runtime made, for tests that check the protocol."""

    method: str
    path: str
    at: float  # time.time() on arrival


@dataclass(frozen=True)
class ReportedError:
    """An error the runtime posted (init/error, restore/error)."""

    error_type: str | None  # the Lambda-Runtime-Function-Error-Type header
    payload: dict

    @property
    def message(self) -> str:
        return str(self.payload.get("errorMessage", ""))


@dataclass(frozen=True)
class InvocationResult:
    """What one invocation came to, from the caller's side."""

    request_id: str
    status: str
    response: bytes | None  # what the runtime posted (also when refused as too large)
    error: dict | None  # the error payload the caller gets
    content_type: str | None = None
    deadline_ms: int = 0

    @property
    def size(self) -> int:
        return len(self.response or b"")

    def json(self) -> object:
        """The response, parsed (for a success)."""
        if self.status != SUCCESS:
            raise AssertionError(f"invocation {self.status}: {self.error}")
        return json.loads(self.response)


@dataclass
class _Invocation:
    request_id: str
    payload: bytes
    deadline_ms: int
    trace_id: str
    function_arn: str
    done: threading.Event = field(default_factory=threading.Event)
    status: str | None = None
    response: bytes | None = None
    error: dict | None = None
    content_type: str | None = None

    def finish(self, status: str, response: bytes | None, error: dict | None, content_type: str | None) -> bool:
        """Record the outcome once; False if it was already decided (a late post)."""
        if self.done.is_set():
            return False
        self.status, self.response, self.error, self.content_type = status, response, error, content_type
        self.done.set()
        return True

    def result(self) -> InvocationResult:
        return InvocationResult(
            self.request_id, self.status or TIMEOUT, self.response, self.error, self.content_type, self.deadline_ms
        )


class RuntimeApiServer:
    """The Runtime API on a free 127.0.0.1 port: the endpoints awslambdaric calls."""

    def __init__(self, max_response_bytes: int = MAX_RESPONSE_BYTES):
        self.max_response_bytes = max_response_bytes
        self.calls: list[Call] = []
        self.init_error: ReportedError | None = None
        self.restore_error: ReportedError | None = None
        self.ready = threading.Event()  # the runtime asked for its first event (or hit restore/next)
        self.idle = threading.Event()  # the runtime is waiting in invocation/next
        self.restore_requested = threading.Event()
        self.restore_released = threading.Event()
        self.restored_at: float | None = None
        self._pending: queue.Queue[_Invocation] = queue.Queue()
        self._invocations: dict[str, _Invocation] = {}
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _RuntimeApiHandler)
        self._httpd.daemon_threads = True
        self._httpd.api = self
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, args=(SERVE_POLL_SECONDS,), name="runtime-api", daemon=True
        )

    @property
    def address(self) -> str:
        """What AWS_LAMBDA_RUNTIME_API takes: host:port."""
        host, port = self._httpd.server_address[:2]
        return f"{host}:{port}"

    def start(self) -> RuntimeApiServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self.restore_released.set()
        if self._thread.is_alive():  # shutdown() would wait forever on a server that never served
            self._httpd.shutdown()
            self._thread.join(STOP_TIMEOUT_SECONDS)
        self._httpd.server_close()

    def deliver(self, invocation: _Invocation) -> None:
        """Queue an event for the runtime's next ``invocation/next``."""
        with self._lock:
            self._invocations[invocation.request_id] = invocation
        self._pending.put(invocation)

    def record(self, method: str, path: str) -> None:
        with self._lock:
            self.calls.append(Call(method, path, time.time()))

    def next_invocation(self) -> _Invocation | None:
        """Block until an event is queued; None when the server stops."""
        self.ready.set()
        self.idle.set()
        while not self._stopping.is_set():
            try:
                invocation = self._pending.get(timeout=0.05)
            except queue.Empty:
                continue
            self.idle.clear()
            return invocation
        return None

    def invocation(self, request_id: str) -> _Invocation | None:
        with self._lock:
            return self._invocations.get(request_id)


class _RuntimeApiHandler(BaseHTTPRequestHandler):
    """Routes the Runtime API's paths; every answer has a Content-Length."""

    protocol_version = "HTTP/1.1"  # keep-alive, as curl in awslambdaric expects

    @property
    def api(self) -> RuntimeApiServer:
        return self.server.api

    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass  # quiet: the tests read api.calls instead

    def do_GET(self):
        self.api.record("GET", self.path)
        if self.path == f"{API_PREFIX}/invocation/next":
            self._next()
        elif self.path == f"{API_PREFIX}/restore/next":
            self._restore_next()
        else:
            self._reply(HTTPStatus.NOT_FOUND, {"errorMessage": "not found", "errorType": "NotFound"})

    def do_POST(self):
        self.api.record("POST", self.path)
        body = self._read_body()
        parts = self.path.removeprefix(API_PREFIX + "/").split("/")
        if parts == ["init", "error"]:
            self.api.init_error = self._reported(body)
            self._accepted()
        elif parts == ["restore", "error"]:
            self.api.restore_error = self._reported(body)
            self._accepted()
        elif len(parts) == 3 and parts[0] == "invocation" and parts[2] in ("response", "error"):
            self._invocation_post(parts[1], parts[2], body)
        else:
            self._reply(HTTPStatus.NOT_FOUND, {"errorMessage": "not found", "errorType": "NotFound"})

    def _next(self) -> None:
        invocation = self.api.next_invocation()
        if invocation is None:
            self.close_connection = True
            return
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "application/json")
        self.send_header("Lambda-Runtime-Aws-Request-Id", invocation.request_id)
        self.send_header("Lambda-Runtime-Deadline-Ms", str(invocation.deadline_ms))
        self.send_header("Lambda-Runtime-Invoked-Function-Arn", invocation.function_arn)
        self.send_header("Lambda-Runtime-Trace-Id", invocation.trace_id)
        self.send_header("Content-Length", str(len(invocation.payload)))
        self.end_headers()
        self.wfile.write(invocation.payload)

    def _restore_next(self) -> None:
        """Held until the harness has taken (and restored) the snapshot."""
        self.api.ready.set()
        self.api.restore_requested.set()
        self.api.restore_released.wait()
        self.api.restored_at = time.time()
        self._reply(HTTPStatus.OK, {})

    def _invocation_post(self, request_id: str, kind: str, body: bytes) -> None:
        invocation = self.api.invocation(request_id)
        if invocation is None:
            self._reply(HTTPStatus.BAD_REQUEST, {"errorMessage": "Invalid request ID", "errorType": "InvalidRequestID"})
            return
        content_type = self.headers.get("Content-Type")
        if kind == "error":
            finished = invocation.finish(ERROR, None, _parse_error(body), content_type)
        elif len(body) > self.api.max_response_bytes:
            self._refuse_too_large(invocation, body, content_type)
            return
        else:
            finished = invocation.finish(SUCCESS, body, None, content_type)
        if finished:
            self._accepted()
        else:
            answered = {"errorMessage": "already answered", "errorType": "InvalidStateTransition"}
            self._reply(HTTPStatus.FORBIDDEN, answered)

    def _refuse_too_large(self, invocation: _Invocation, body: bytes, content_type: str | None) -> None:
        """Lambda's two sides of an oversized response: the runtime gets 413,
        the caller an error naming the size."""
        limit = self.api.max_response_bytes
        exceeded = f"maximum allowed payload size ({limit} bytes)."
        caller_error = {
            "errorMessage": f"Response payload size ({len(body)} bytes) exceeded {exceeded}",
            "errorType": "Function.ResponseSizeTooLarge",
        }
        invocation.finish(TOO_LARGE, body, caller_error, content_type)
        runtime_error = {"errorMessage": f"Exceeded {exceeded}", "errorType": "RequestEntityTooLarge"}
        self._reply(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, runtime_error)

    def _read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _reported(self, body: bytes) -> ReportedError:
        return ReportedError(self.headers.get(ERROR_TYPE_HEADER), _parse_error(body))

    def _accepted(self) -> None:
        self._reply(HTTPStatus.ACCEPTED, {"status": "OK"})

    def _reply(self, status: HTTPStatus, payload: dict) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def _parse_error(body: bytes) -> dict:
    """An error payload as JSON; anything else kept as text, so a test sees it."""
    try:
        parsed = json.loads(body)
    except ValueError:
        return {"errorMessage": body.decode("utf-8", "replace"), "errorType": None}
    return parsed if isinstance(parsed, dict) else {"errorMessage": parsed, "errorType": None}


def unpack(package: str | os.PathLike, workdir: Path) -> Path:
    """A directory holding the package: ``package`` itself, or the zip unpacked
    into ``workdir/task`` (Lambda unpacks into /var/task)."""
    package = Path(package)
    if package.is_dir():
        return package.resolve()
    task_root = workdir / "task"
    with zipfile.ZipFile(package) as archive:
        archive.extractall(task_root)
    return task_root


def lambda_environment(task_root: Path, handler: str, api_address: str, *, snap_start: bool) -> dict[str, str]:
    """The variables Lambda gives a function, for this interpreter's runtime."""
    runtime = f"python{sys.version_info.major}.{sys.version_info.minor}"
    return {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "LANG": "en_US.UTF-8",
        "TZ": ":UTC",
        "PYTHONDONTWRITEBYTECODE": "1",  # /var/task is read-only: no bytecode cache
        "LAMBDA_TASK_ROOT": str(task_root),
        "LAMBDA_RUNTIME_DIR": runtime_dir(),
        "_HANDLER": handler,
        "AWS_EXECUTION_ENV": f"AWS_Lambda_{runtime}",
        "AWS_LAMBDA_RUNTIME_API": api_address,
        "AWS_LAMBDA_INITIALIZATION_TYPE": "snap-start" if snap_start else "on-demand",
        "AWS_LAMBDA_FUNCTION_NAME": FUNCTION_NAME,
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256",
        "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{FUNCTION_NAME}",
        "AWS_LAMBDA_LOG_STREAM_NAME": "2026/01/01/[$LATEST]" + uuid.uuid4().hex,
        "AWS_REGION": DEFAULT_REGION,
        "AWS_DEFAULT_REGION": DEFAULT_REGION,
    }


def runtime_dir() -> str:
    """Where awslambdaric is installed: Lambda's /var/runtime."""
    spec = importlib.util.find_spec("awslambdaric")
    return str(Path(spec.origin).parent.parent) if spec and spec.origin else ""


def thread_states(pid: int) -> dict[int, str]:
    """``{thread id: state letter}`` from /proc ("T" is stopped); {} when gone."""
    states = {}
    with contextlib.suppress(FileNotFoundError, ProcessLookupError):
        for task in Path(f"/proc/{pid}/task").iterdir():
            with contextlib.suppress(FileNotFoundError, ProcessLookupError):
                stat = (task / "stat").read_text()
                # "tid (comm) S ...": comm may hold spaces and parentheses.
                states[int(task.name)] = stat[stat.rindex(")") + 2]
    return states


def _trace_id() -> str:
    return f"Root=1-{int(time.time()):08x}-{uuid.uuid4().hex[:24]};Parent={uuid.uuid4().hex[:16]};Sampled=0"


class LambdaRuntime:
    """One execution environment: awslambdaric in a child process, stopped by PID."""

    def __init__(
        self,
        package: str | os.PathLike,
        *,
        env: dict[str, str] | None = None,
        handler: str = DEFAULT_HANDLER,
        snap_start: bool = False,
        snapshot_frozen_for: float = 0.0,
        max_response_bytes: int = MAX_RESPONSE_BYTES,
        start_timeout: float = START_TIMEOUT_SECONDS,
    ):
        self.package = package
        self.handler = handler
        self.snap_start = snap_start
        self.snapshot_frozen_for = snapshot_frozen_for
        self.start_timeout = start_timeout
        self._user_env = dict(env or {})
        self.env: dict[str, str] = {}
        self.server = RuntimeApiServer(max_response_bytes)
        self.process: subprocess.Popen | None = None
        self.frozen = False
        self._workdir: Path | None = None
        self._log_path: Path | None = None

    # --- life cycle -------------------------------------------------------------------

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def start(self) -> Self:
        """Start the server and the runtime; return once the runtime waits for
        its first event, or its init failed."""
        self._workdir = Path(tempfile.mkdtemp(prefix="lambda-runtime-"))
        try:
            task_root = unpack(self.package, self._workdir)
            self.server.start()
            self.env = {
                **lambda_environment(task_root, self.handler, self.server.address, snap_start=self.snap_start),
                **self._user_env,
            }
            self.snap_start = self.env["AWS_LAMBDA_INITIALIZATION_TYPE"] == "snap-start"
            self._spawn(task_root)
            self._await_init()
            if self.snap_start and self.init_error is None:
                self._snapshot_and_restore()
        except BaseException:
            self.stop()
            raise
        return self

    def _spawn(self, task_root: Path) -> None:
        self._log_path = self._workdir / "runtime.log"
        with open(self._log_path, "wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-c", _BOOTSTRAP, str(task_root), self.handler],
                cwd=task_root,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # no terminal signal reaches it; only its PID is signalled
            )

    def _await_init(self) -> None:
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if self.server.ready.is_set():
                return
            if self.process.poll() is not None:
                self._await_exit()
                if self.init_error is None:
                    raise RuntimeExitedError(
                        f"the runtime exited at init ({self.process.returncode}):\n{self.log_tail()}"
                    )
                return
            time.sleep(POLL_SECONDS)
        raise TimeoutError(f"the runtime did not ask for an event within {self.start_timeout} s:\n{self.log_tail()}")

    def _await_exit(self) -> None:
        """After an init error: awslambdaric posts it, then exits."""
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(STOP_TIMEOUT_SECONDS)

    def _snapshot_and_restore(self) -> None:
        """restore/next has arrived: the snapshot is taken now (a freeze), and
        restored when it is answered."""
        if not self.server.restore_requested.wait(self.start_timeout):
            raise TimeoutError(f"the runtime never called restore/next:\n{self.log_tail()}")
        self.freeze()
        time.sleep(self.snapshot_frozen_for)
        self.thaw()
        self.server.restore_released.set()
        # Settle before any invoke: the first invocation/next, or the exit
        # that follows a failing after-restore hook.
        if not self._wait_idle(self.start_timeout):
            self._await_exit()

    def stop(self) -> None:
        """Stop the runtime by its PID, then the server; remove the unpacked package."""
        if self.process is not None and self.process.poll() is None:
            if self.frozen:
                self._signal(signal.SIGCONT)
            self._signal(signal.SIGTERM)
            try:
                self.process.wait(STOP_TIMEOUT_SECONDS)
            except subprocess.TimeoutExpired:
                self._signal(signal.SIGKILL)
                self.process.wait(STOP_TIMEOUT_SECONDS)
        self.frozen = False
        self.server.stop()
        if self._workdir is not None:
            shutil.rmtree(self._workdir, ignore_errors=True)
            self._workdir = None

    def _signal(self, signum: int) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.process.pid, signum)

    # --- what the runtime did ---------------------------------------------------------

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def exit_code(self) -> int | None:
        return self.process.poll() if self.process else None

    @property
    def init_error(self) -> ReportedError | None:
        return self.server.init_error

    @property
    def restore_error(self) -> ReportedError | None:
        return self.server.restore_error

    @property
    def calls(self) -> list[Call]:
        return list(self.server.calls)

    def paths(self) -> list[str]:
        """The Runtime API paths called, in order, without the version prefix."""
        return [f"{call.method} {call.path.removeprefix(API_PREFIX)}" for call in self.calls]

    def log(self) -> str:
        """Everything the runtime wrote (awslambdaric logs to stdout)."""
        if self._log_path is None or not self._log_path.exists():
            return ""
        return self._log_path.read_text("utf-8", "replace")

    def log_tail(self) -> str:
        return self.log()[-LOG_TAIL_CHARS:]

    # --- invocations ------------------------------------------------------------------

    def invoke(
        self,
        event: object,
        *,
        timeout_ms: int = 3000,
        freeze_after: bool = False,
        frozen_for: float = 0.0,
    ) -> InvocationResult:
        """Deliver ``event`` (JSON-encoded unless bytes) and wait for the outcome.

        ``freeze_after`` freezes the environment once the runtime is back in
        ``invocation/next``, for at least ``frozen_for`` seconds; the next
        invoke (or ``thaw``) continues it."""
        failed = self.init_error or self.restore_error
        if failed is not None:
            return InvocationResult("", INIT_ERROR, None, failed.payload)
        if self.exit_code is not None:
            raise RuntimeExitedError(f"the runtime has exited ({self.exit_code}):\n{self.log_tail()}")
        self.thaw()
        payload = event if isinstance(event, bytes) else json.dumps(event).encode()
        if len(payload) > MAX_REQUEST_BYTES:
            raise ValueError(f"a {len(payload)}-byte event is over Lambda's {MAX_REQUEST_BYTES}-byte invoke limit")
        invocation = self._invocation(payload, timeout_ms)
        self.server.deliver(invocation)
        self._await_outcome(invocation, timeout_ms)
        if freeze_after and invocation.status in (SUCCESS, ERROR):
            self._freeze_when_idle(frozen_for)
        return invocation.result()

    def _invocation(self, payload: bytes, timeout_ms: int) -> _Invocation:
        region = self.env.get("AWS_REGION", DEFAULT_REGION)
        return _Invocation(
            request_id=str(uuid.uuid4()),
            payload=payload,
            deadline_ms=int(time.time() * 1000) + timeout_ms,
            trace_id=_trace_id(),
            function_arn=f"arn:aws:lambda:{region}:{ACCOUNT_ID}:function:{FUNCTION_NAME}",
        )

    def _await_outcome(self, invocation: _Invocation, timeout_ms: int) -> None:
        """Wait until the runtime posts, dies, or runs past the deadline."""
        give_up = invocation.deadline_ms / 1000 + DEADLINE_GRACE_SECONDS
        while not invocation.done.wait(POLL_SECONDS):
            code = self.exit_code
            if code is not None:
                message = f"RequestId: {invocation.request_id} Error: Runtime exited with error: exit status {code}"
                invocation.finish(ERROR, None, {"errorMessage": message, "errorType": "Runtime.ExitError"}, None)
            elif time.time() > give_up:
                seconds = f"{timeout_ms / 1000:.2f}"
                message = f"RequestId: {invocation.request_id} Error: Task timed out after {seconds} seconds"
                if invocation.finish(TIMEOUT, None, {"errorMessage": message, "errorType": "Sandbox.Timedout"}, None):
                    self._kill()  # Lambda ends a timed-out environment

    def _kill(self) -> None:
        self._signal(signal.SIGKILL)
        self.process.wait(STOP_TIMEOUT_SECONDS)

    # --- the freeze -------------------------------------------------------------------

    def _freeze_when_idle(self, frozen_for: float) -> None:
        """Lambda freezes once the runtime asks for the next event."""
        if not self._wait_idle(IDLE_TIMEOUT_SECONDS):
            return  # it exited on the way: nothing to freeze
        self.freeze()
        time.sleep(frozen_for)

    def _wait_idle(self, timeout: float) -> bool:
        """True once the runtime waits in invocation/next; False if it exits first."""
        deadline = time.monotonic() + timeout
        while not self.server.idle.wait(POLL_SECONDS):
            if self.exit_code is not None:
                return False
            if time.monotonic() > deadline:
                raise TimeoutError(f"the runtime did not ask for its next event within {timeout} s:\n{self.log_tail()}")
        return True

    def freeze(self) -> None:
        """SIGSTOP the runtime and wait until /proc shows every thread stopped."""
        if self.frozen:
            return
        self._signal(signal.SIGSTOP)
        self.frozen = True
        deadline = time.monotonic() + FREEZE_CONFIRM_SECONDS
        while time.monotonic() < deadline:
            states = thread_states(self.pid)
            if states and all(state in "Tt" for state in states.values()):
                return
            time.sleep(POLL_SECONDS)
        raise RuntimeError(f"SIGSTOP did not stop every thread of {self.pid}: {thread_states(self.pid)}")

    def thaw(self) -> None:
        """SIGCONT a frozen runtime."""
        if self.frozen:
            self._signal(signal.SIGCONT)
            self.frozen = False
