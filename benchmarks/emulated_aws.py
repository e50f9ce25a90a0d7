"""The emulated AWS both handlers run against, and the environment they run in.

One moto server on loopback holds the two accounts of the scenario
(:func:`xpresign.emulator.create_two_accounts`). Both handlers run "as account
B's Lambda role": the environment carries that role's temporary credentials,
exactly as Lambda would set them. The xpresign handler reads its settings from
``XPRESIGN_*``; the guide's reads ``S3_BUCKET``; both reach the emulator through
``AWS_ENDPOINT_URL``, which boto3 honours too.
"""

from __future__ import annotations

import json
import logging
import os
import urllib.request
from collections import Counter
from dataclasses import dataclass

from xpresign.emulator import MotoServer, TwoAccounts, create_two_accounts

from .stats import ValidationFailed, expect

#: The Lambda function's name (the guide's Terraform calls it this).
FUNCTION_NAME = "presigned_url_generator"
#: xpresign's RoleSessionName; the guide's handler hard-codes its own.
XPRESIGN_SESSION_NAME = "xpresign-bench"
GUIDE_SESSION_NAME = "UniqueSessionName"
DOWNLOAD_TIMEOUT_SECONDS = 10
#: Variables that would point either side at real AWS or another setup.
_AMBIENT_PREFIXES = ("AWS_", "XPRESIGN_", "BOTO_")
_KEPT = frozenset({"AWS_CA_BUNDLE"})


def isolate_environment() -> None:
    """Forget any AWS settings of the machine: the benchmarks talk to the
    emulator only, and must never find real credentials."""
    for name in list(os.environ):
        if name.startswith(_AMBIENT_PREFIXES) and name not in _KEPT:
            del os.environ[name]
    os.environ["AWS_CONFIG_FILE"] = os.devnull
    os.environ["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull
    os.environ["AWS_EC2_METADATA_DISABLED"] = "true"
    # Cleared with the other BOTO_ variables above; the benchmarks and every
    # process they start measure botocore in pure Python (see benchmarks/__init__.py).
    os.environ["BOTO_DISABLE_CRT"] = "true"


def configure_logging_like_lambda() -> None:
    """Lambda's Python runtime: one handler on the root logger, which stands at
    WARNING. Log lines are written (to /dev/null here) so each side pays for the
    lines it really emits: xpresign one INFO line per request, the guide none
    (its ``logger.info`` of the URL is below the root logger's level)."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    sink = logging.StreamHandler(open(os.devnull, "w", encoding="utf-8"))  # noqa: SIM115 - lives as long as the run
    sink.setFormatter(logging.Formatter("[%(levelname)s]\t%(asctime)s\t%(message)s"))
    root.addHandler(sink)
    root.setLevel(logging.WARNING)


@dataclass
class World:
    moto: MotoServer
    accounts: TwoAccounts
    #: The Lambda function's environment, shared by both handlers.
    env: dict[str, str]

    @property
    def objects(self) -> dict[str, bytes]:
        return self.accounts.objects

    def apply(self) -> None:
        os.environ.update(self.env)

    def check_download(self, url: str, key: str, side: str) -> None:
        """``url`` must download exactly the bytes stored under ``key``."""
        expect(
            isinstance(url, str) and url.startswith(self.moto.endpoint_url),
            f"{side}: no URL for {key!r}: {str(url)[:80]!r}",
        )
        try:
            with urllib.request.urlopen(url, timeout=DOWNLOAD_TIMEOUT_SECONDS) as response:
                body = response.read()
        except OSError as exc:
            raise ValidationFailed(f"{side}: the URL for {key!r} did not download ({exc})") from None
        expect(body == self.objects[key], f"{side}: the URL for {key!r} downloaded the wrong bytes")

    def assume_role_counts(self) -> Counter:
        """AssumeRole calls into account A's role, per RoleSessionName, as the
        emulator recorded them: moto keeps one ``AssumedRole`` per call and
        lists them in its state dump."""
        with urllib.request.urlopen(f"{self.moto.endpoint_url}/moto-api/data.json", timeout=60) as response:
            state = json.load(response)
        sessions = state.get("sts", {}).get("AssumedRole", [])
        role = self.accounts.access_role_arn
        return Counter(s.get("session_name") for s in sessions if s.get("role_arn") == role)


def start_world() -> World:
    """Start moto and build the two accounts; the caller stops ``world.moto``."""
    moto = MotoServer().start()
    try:
        accounts = create_two_accounts(moto.endpoint_url)
        env = accounts.lambda_environment()
        env.update(
            {
                # botocore reads AWS_DEFAULT_REGION; xpresign reads either.
                "AWS_DEFAULT_REGION": accounts.region,
                "AWS_LAMBDA_FUNCTION_NAME": FUNCTION_NAME,
                "XPRESIGN_ROLE_SESSION_NAME": XPRESIGN_SESSION_NAME,
                # The guide's handler takes its bucket from here.
                "S3_BUCKET": accounts.bucket,
            }
        )
        return World(moto, accounts, env)
    except BaseException:
        moto.stop()
        raise
