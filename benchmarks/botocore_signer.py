"""botocore as contender and oracle, in pure Python.

``benchmarks/__init__.py`` sets ``BOTO_DISABLE_CRT=true`` before anything
imports botocore; this module refuses to load if botocore switched to awscrt
anyway, since its frozen clock would not reach the CRT signer and the
comparison would change with what is installed.
"""

from __future__ import annotations

import datetime
from unittest import mock

import botocore.compat
import botocore.session
from botocore.config import Config

from xpresign.values import Credentials

from .signing_inputs import BUCKET, EXPIRES_IN, REGION

if botocore.compat.HAS_CRT:
    raise RuntimeError("botocore would sign with awscrt: set BOTO_DISABLE_CRT=true before botocore is imported")

_SESSION = None


def client(credentials: Credentials, *, endpoint_url: str | None = None, addressing_style: str = "virtual"):
    """One S3 client, built once per side: s3v4, virtual addressing, the regional
    us-east-1 endpoint. Without ``endpoint_url`` it addresses AWS itself, whatever
    ``AWS_ENDPOINT_URL`` says (the emulator's, while benchmarks 2-4 run)."""
    global _SESSION
    if _SESSION is None:  # a session loads the service models once, for every client
        _SESSION = botocore.session.get_session()
    return _SESSION.create_client(
        "s3",
        region_name=REGION,
        endpoint_url=endpoint_url,
        aws_access_key_id=credentials.access_key_id,
        aws_secret_access_key=credentials.secret_access_key,
        aws_session_token=credentials.session_token,
        config=Config(
            signature_version="s3v4",
            s3={"addressing_style": addressing_style, "us_east_1_regional_endpoint": "regional"},
            ignore_configured_endpoint_urls=endpoint_url is None,
        ),
    )


def frozen_clock(epoch_seconds: int):
    """botocore reads the signing time through ``botocore.auth.get_current_datetime`` (naive UTC)."""
    moment = datetime.datetime.fromtimestamp(epoch_seconds, datetime.UTC).replace(tzinfo=None)
    return mock.patch("botocore.auth.get_current_datetime", return_value=moment)


def params(key: str, *, disposition: str | None = None, content_type: str | None = None, version_id: str | None = None):
    """``generate_presigned_url``'s ``Params`` for one download."""
    found = {"Bucket": BUCKET, "Key": key}
    if disposition is not None:
        found["ResponseContentDisposition"] = disposition
    if content_type is not None:
        found["ResponseContentType"] = content_type
    if version_id is not None:
        found["VersionId"] = version_id
    return found


def presign_at(s3, epoch_seconds: int, key: str, *, expires_in: int = EXPIRES_IN, **overrides) -> str:
    """botocore's URL for ``key`` signed at ``epoch_seconds``: the oracle."""
    with frozen_clock(epoch_seconds):
        return s3.generate_presigned_url("get_object", Params=params(key, **overrides), ExpiresIn=expires_in)


def amz_epoch(url: str) -> int:
    """The signing instant of a presigned URL, from its ``X-Amz-Date``."""
    start = url.index("X-Amz-Date=") + len("X-Amz-Date=")
    moment = datetime.datetime.strptime(url[start : start + 16], "%Y%m%dT%H%M%SZ")
    return int(moment.replace(tzinfo=datetime.UTC).timestamp())
