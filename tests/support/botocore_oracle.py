"""botocore as the oracle: the URLs and signatures xpresign must reproduce byte for byte."""

from __future__ import annotations

import datetime
from unittest import mock

import boto3
import botocore.compat
from botocore.config import Config

# tests/conftest.py sets BOTO_DISABLE_CRT before botocore loads: the oracle is
# botocore's pure-Python signer, whatever else is installed.
assert not botocore.compat.HAS_CRT, "botocore would sign with awscrt: set BOTO_DISABLE_CRT=true before importing it"


def naive_utc(epoch_seconds: int) -> datetime.datetime:
    """The instant as botocore's clock gives it: naive UTC."""
    return datetime.datetime.fromtimestamp(epoch_seconds, datetime.UTC).replace(tzinfo=None)


def iso8601(epoch_seconds: int) -> str:
    """botocore's ISO 8601 form (a POST policy's expiration)."""
    return naive_utc(epoch_seconds).strftime("%Y-%m-%dT%H:%M:%SZ")


def frozen_clock(epoch_seconds: int):
    """Freeze botocore's signing clock at ``epoch_seconds`` (botocore reads the
    time through ``botocore.auth.get_current_datetime``, naive UTC)."""
    return mock.patch("botocore.auth.get_current_datetime", return_value=naive_utc(epoch_seconds))


def s3_client(
    region: str,
    *,
    access_key_id: str,
    secret_access_key: str,
    session_token: str | None = None,
    endpoint_url: str | None = None,
    addressing_style: str = "virtual",
    us_east_1_regional_endpoint: str = "regional",
):
    """The S3 client the issue names: s3v4, virtual addressing, regional endpoint."""
    config = Config(
        signature_version="s3v4",
        s3={"addressing_style": addressing_style, "us_east_1_regional_endpoint": us_east_1_regional_endpoint},
    )
    return _session().client(
        "s3",
        region_name=region,
        endpoint_url=endpoint_url,
        aws_access_key_id=access_key_id,
        aws_secret_access_key=secret_access_key,
        aws_session_token=session_token,
        config=config,
    )


_SESSION = None


def _session():
    """One boto3 session for all oracle clients: a session loads the service
    models, which costs ~0.2 s; a client from a warm session ~0.02 s."""
    global _SESSION
    if _SESSION is None:
        _SESSION = boto3.session.Session()
    return _SESSION


def presigned_url(client, epoch_seconds: int, *, method: str = "get_object", expires_in: int, **params) -> str:
    with frozen_clock(epoch_seconds):
        return client.generate_presigned_url(method, Params=params, ExpiresIn=expires_in)
