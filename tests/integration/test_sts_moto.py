"""xpresign's own STS client (urllib + xpresign.sigv4) against moto's STS,
over HTTP: the credentials it gets act in the role's account."""

from __future__ import annotations

import time

import pytest

from xpresign import emulator
from xpresign.credentials import CredentialBroker, Credentials, RoleSpec, StaticCredentials
from xpresign.emulator import ACCOUNT_A, free_port
from xpresign.errors import StsUnavailable
from xpresign.sts import MAX_ATTEMPTS, StsClient


@pytest.fixture
def lambda_role_credentials(two_accounts) -> Credentials:
    c = two_accounts.lambda_credentials()
    return Credentials(c["aws_access_key_id"], c["aws_secret_access_key"], c["aws_session_token"])


def test_assume_role_returns_credentials_that_act_in_account_a(two_accounts, lambda_role_credentials):
    sts = StsClient("us-east-1", two_accounts.endpoint_url)
    role = RoleSpec(two_accounts.access_role_arn, session_name="xpresign-test", duration_seconds=1800)

    creds = sts.assume_role(role, lambda_role_credentials)

    assert creds.access_key_id.startswith("ASIA") and creds.session_token
    assert 1700 < creds.expires_at - time.time() <= 1800 + 5
    as_role = {
        "aws_access_key_id": creds.access_key_id,
        "aws_secret_access_key": creds.secret_access_key,
        "aws_session_token": creds.session_token,
    }
    identity = emulator.client("sts", two_accounts.endpoint_url, as_role).get_caller_identity()
    assert identity["Account"] == ACCOUNT_A
    assert identity["Arn"].endswith(":assumed-role/s3_access_role/xpresign-test")
    key, data = next(iter(two_accounts.objects.items()))
    body = emulator.client("s3", two_accounts.endpoint_url, as_role).get_object(Bucket=two_accounts.bucket, Key=key)
    assert body["Body"].read() == data


def test_broker_caches_the_session_across_calls(two_accounts, lambda_role_credentials):
    sts = StsClient("us-east-1", two_accounts.endpoint_url)
    broker = CredentialBroker(StaticCredentials(lambda_role_credentials), sts.assume_role)
    role = RoleSpec(two_accounts.access_role_arn)
    first = broker.credentials(role)
    assert broker.credentials(role) is first
    other = broker.credentials(RoleSpec(two_accounts.access_role_arn, external_id="another-tenant"))
    assert other.access_key_id != first.access_key_id


def test_an_unreachable_sts_is_unavailable_after_bounded_retries(lambda_role_credentials):
    # moto refuses no AssumeRole (it checks no trust policy), so refusals are
    # proven against SeaweedFS and the scripted STS; here: nothing listening.
    sleeps = []
    sts = StsClient("us-east-1", f"http://127.0.0.1:{free_port()}", sleep=sleeps.append, timeout=1)
    with pytest.raises(StsUnavailable) as failed:
        sts.assume_role(RoleSpec("arn:aws:iam::111111111111:role/r"), lambda_role_credentials)
    assert failed.value.status == 503 and failed.value.retry_after
    assert len(sleeps) == MAX_ATTEMPTS - 1
