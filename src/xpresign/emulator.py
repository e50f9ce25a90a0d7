"""An embedded two-account AWS on moto server, for the demo and the tests.

``MotoServer`` runs moto's HTTP server as a child process on a free loopback
port and stops it by PID. ``create_two_accounts`` builds the cross-account
pattern on it the way Terraform would in real accounts:

* account A (``ACCOUNT_A``) owns the bucket and the role ``s3_access_role``,
  whose trust policy names account B's Lambda role and whose permissions allow
  ``s3:GetObject`` under the allowed prefix only;
* account B (``ACCOUNT_B``) owns the presigner's Lambda execution role, allowed
  to assume A's role and nothing else.

moto stores each account's resources apart: credentials from an AssumeRole
into ``arn:aws:iam::ACCOUNT:role/...`` act in that account. It does not check
signatures, expiry or trust policies, so nothing here proves security; the
SeaweedFS suite does that.

boto3 is imported lazily: this module serves the CLI, not the Lambda.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field

ACCOUNT_A = "111111111111"
ACCOUNT_B = "222222222222"
REGION = "us-east-1"
BUCKET = "classic-movies"
ACCESS_ROLE_NAME = "s3_access_role"
LAMBDA_ROLE_NAME = "presigner-lambda"
ALLOWED_PREFIX = "movies/"
#: moto accepts any credentials; these only have to look like keys.
EMULATOR_CREDENTIALS = {"aws_access_key_id": "AKIAEMULATOREXAMPLE1", "aws_secret_access_key": "emulator-secret"}
READY_TIMEOUT_SECONDS = 30.0
STOP_TIMEOUT_SECONDS = 5.0


def free_port() -> int:
    """A port free on the loopback interface right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class MotoServer:
    """``with MotoServer() as moto: moto.endpoint_url``: moto on 127.0.0.1."""

    def __init__(self, port: int | None = None):
        self.port = port or free_port()
        self.endpoint_url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None
        self._log = None

    def start(self) -> MotoServer:
        self._log = tempfile.NamedTemporaryFile(prefix="moto-", suffix=".log", delete=False)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)],
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, stopped as one
        )
        deadline = time.monotonic() + READY_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"moto server exited at start:\n{self._log_tail()}")
            try:
                # The dashboard page: static, unlike data.json, which can fail
                # on some resources' serialisation.
                with urllib.request.urlopen(f"{self.endpoint_url}/moto-api/", timeout=1):
                    return self
            except (urllib.error.URLError, OSError):
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"moto server not ready after {READY_TIMEOUT_SECONDS:.0f} s:\n{self._log_tail()}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
                self.process.wait(STOP_TIMEOUT_SECONDS)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
            except ProcessLookupError:
                pass
        self.process = None
        if self._log is not None:
            self._log.close()
            os.unlink(self._log.name)
            self._log = None

    def reset(self) -> None:
        """Empty every account (moto's reset API)."""
        request = urllib.request.Request(f"{self.endpoint_url}/moto-api/reset", method="POST")
        with urllib.request.urlopen(request, timeout=10):
            pass

    def _log_tail(self) -> str:
        if self._log is None:
            return ""
        self._log.flush()
        with open(self._log.name, encoding="utf-8", errors="replace") as handle:
            return handle.read()[-2000:]

    def __enter__(self) -> MotoServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def client(service: str, endpoint_url: str, credentials: dict | None = None, region: str = REGION):
    """A boto3 client for ``service`` on the emulator, with explicit credentials
    (boto3's keyword names) so nothing is read from the machine's AWS setup."""
    import boto3  # noqa: PLC0415 - the CLI's dependency, not the Lambda's

    session = boto3.session.Session(region_name=region, **(credentials or EMULATOR_CREDENTIALS))
    return session.client(service, endpoint_url=endpoint_url)


def assume(endpoint_url: str, role_arn: str, session_name: str = "setup", credentials: dict | None = None) -> dict:
    """AssumeRole through moto: the returned credentials act in the role's account."""
    sts = client("sts", endpoint_url, credentials)
    c = sts.assume_role(RoleArn=role_arn, RoleSessionName=session_name)["Credentials"]
    return {
        "aws_access_key_id": c["AccessKeyId"],
        "aws_secret_access_key": c["SecretAccessKey"],
        "aws_session_token": c["SessionToken"],
    }


def demo_objects() -> dict[str, bytes]:
    """A few small files with awkward names, generated so every run is the same."""
    names = [
        "movies/metropolis-1927.mp4",
        "movies/nosferatu (1922).mp4",
        "movies/the general+1926~restored.mp4",
        "movies/un chien andalou – 1929.mp4",
        "movies/silent/sunrise 1927.mp4",
    ]
    objects = {}
    for index, name in enumerate(names):
        seed = hashlib.sha256(name.encode()).digest()
        size = 2048 + 1024 * index
        blocks = (hashlib.sha256(seed + i.to_bytes(4, "big")).digest() for i in range(size // 32 + 1))
        objects[name] = b"".join(blocks)[:size]
    return objects


@dataclass
class TwoAccounts:
    endpoint_url: str
    region: str
    bucket: str
    allowed_prefix: str
    access_role_arn: str  # account A's role the presigner assumes
    lambda_role_arn: str  # account B's Lambda execution role
    external_id: str | None
    objects: dict[str, bytes] = field(default_factory=dict)
    _lambda_credentials: dict | None = field(default=None, repr=False)

    def lambda_credentials(self) -> dict:
        """Credentials of B's Lambda role, as Lambda would put them in the
        environment: one session, reused (Lambda too keeps one per environment)."""
        if self._lambda_credentials is None:
            self._lambda_credentials = assume(self.endpoint_url, self.lambda_role_arn, "presigner-lambda")
        return dict(self._lambda_credentials)

    def lambda_environment(self) -> dict[str, str]:
        """The Lambda's environment: its role's credentials and xpresign's configuration."""
        creds = self.lambda_credentials()
        env = {
            "AWS_ACCESS_KEY_ID": creds["aws_access_key_id"],
            "AWS_SECRET_ACCESS_KEY": creds["aws_secret_access_key"],
            "AWS_SESSION_TOKEN": creds["aws_session_token"],
            "AWS_REGION": self.region,
            "AWS_ENDPOINT_URL": self.endpoint_url,
            "XPRESIGN_BUCKET": self.bucket,
            "XPRESIGN_ROLE_ARN": self.access_role_arn,
            "XPRESIGN_ALLOWED_PREFIXES": self.allowed_prefix,
        }
        if self.external_id:
            env["XPRESIGN_EXTERNAL_ID"] = self.external_id
        return env


def create_two_accounts(
    endpoint_url: str,
    *,
    objects: dict[str, bytes] | None = None,
    bucket: str = BUCKET,
    allowed_prefix: str = ALLOWED_PREFIX,
    external_id: str | None = None,
    region: str = REGION,
) -> TwoAccounts:
    objects = demo_objects() if objects is None else objects
    access_role_arn = f"arn:aws:iam::{ACCOUNT_A}:role/{ACCESS_ROLE_NAME}"
    lambda_role_arn = f"arn:aws:iam::{ACCOUNT_B}:role/{LAMBDA_ROLE_NAME}"

    # Account B: the Lambda's execution role, allowed to assume A's role only.
    iam_b = client("iam", endpoint_url, assume(endpoint_url, f"arn:aws:iam::{ACCOUNT_B}:role/admin"), region)
    iam_b.create_role(
        RoleName=LAMBDA_ROLE_NAME,
        AssumeRolePolicyDocument=_policy(
            {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole",
             "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT_B}}}
        ),
    )  # fmt: skip
    iam_b.put_role_policy(
        RoleName=LAMBDA_ROLE_NAME,
        PolicyName="assume-bucket-access-role",
        PolicyDocument=_policy({"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": access_role_arn}),
    )

    # Account A: the bucket, its objects, and the role B's Lambda may assume.
    admin_a = assume(endpoint_url, f"arn:aws:iam::{ACCOUNT_A}:role/admin")
    iam_a = client("iam", endpoint_url, admin_a, region)
    trust: dict = {"Effect": "Allow", "Principal": {"AWS": lambda_role_arn}, "Action": "sts:AssumeRole"}
    if external_id:
        trust["Condition"] = {"StringEquals": {"sts:ExternalId": external_id}}
    iam_a.create_role(RoleName=ACCESS_ROLE_NAME, AssumeRolePolicyDocument=_policy(trust), MaxSessionDuration=3600)
    iam_a.put_role_policy(
        RoleName=ACCESS_ROLE_NAME,
        PolicyName="get-objects-under-prefix",
        PolicyDocument=_policy(
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{bucket}/{allowed_prefix}*"}
        ),
    )
    s3_a = client("s3", endpoint_url, admin_a, region)
    s3_a.create_bucket(Bucket=bucket)
    for key, data in objects.items():
        s3_a.put_object(Bucket=bucket, Key=key, Body=data)
    return TwoAccounts(
        endpoint_url, region, bucket, allowed_prefix, access_role_arn, lambda_role_arn, external_id, dict(objects)
    )


def _policy(*statements: dict) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})
