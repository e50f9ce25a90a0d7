"""The STS call: its SigV4 header signature against botocore's SigV4Auth, its
form body, and the parsing of STS answers."""

from __future__ import annotations

import calendar

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials as BotocoreCredentials
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.support.botocore_oracle import frozen_clock
from xpresign import sigv4
from xpresign.credentials import Credentials, RoleSpec
from xpresign.errors import UpstreamError
from xpresign.sts import assume_role_body, default_endpoint, parse_assume_role_response, parse_error

names = st.text(
    alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+=,.@_-", min_size=2, max_size=64
)
roles = st.builds(
    RoleSpec,
    role_arn=st.from_regex(r"\Aarn:aws:iam::\d{12}:role/[A-Za-z0-9+=,.@_/-]{1,40}\Z"),
    session_name=names,
    duration_seconds=st.integers(min_value=900, max_value=43200),
    external_id=st.one_of(st.none(), names),
    source_identity=st.one_of(st.none(), names),
    tags=st.lists(st.tuples(names, st.text(max_size=30)), max_size=3).map(tuple),
)
credentials = st.builds(
    Credentials,
    access_key_id=st.from_regex(r"\A(AKIA|ASIA)[A-Z0-9]{16}\Z"),
    secret_access_key=st.text(
        alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/", min_size=40, max_size=40
    ),
    session_token=st.one_of(
        st.none(),
        st.text(
            alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=", min_size=20, max_size=600
        ),
    ),
)
regions = st.sampled_from(["us-east-1", "eu-west-1", "ap-northeast-1", "cn-north-1"])
endpoints = st.one_of(st.none(), st.sampled_from(["http://127.0.0.1:4566", "https://sts.example.internal:8443/"]))


@settings(max_examples=200, deadline=None)
@given(
    role=roles, source=credentials, region=regions, endpoint=endpoints, now=st.integers(1_500_000_000, 2_000_000_000)
)
def test_header_signature_matches_botocore_sigv4auth(role, source, region, endpoint, now):
    url = (endpoint or default_endpoint(region)).rstrip("/") + "/"
    body = assume_role_body(role, role.duration_seconds)
    content_type = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}

    ours = sigv4.sign_headers(
        method="POST", url=url, headers=content_type, body=body,
        credentials=source, region=region, service="sts", now=now,
    )  # fmt: skip

    request = AWSRequest(method="POST", url=url, data=body, headers=dict(content_type))
    with frozen_clock(now):
        SigV4Auth(
            BotocoreCredentials(source.access_key_id, source.secret_access_key, source.session_token), "sts", region
        ).add_auth(request)
    assert ours["Authorization"] == request.headers["Authorization"]
    assert ours["X-Amz-Date"] == request.headers["X-Amz-Date"]
    assert ours.get("X-Amz-Security-Token") == request.headers.get("X-Amz-Security-Token")


def test_sign_headers_returns_new_headers_and_leaves_the_input_alone():
    headers = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
    signed = sigv4.sign_headers(
        method="POST", url="https://sts.eu-west-1.amazonaws.com/", headers=headers, body=b"Action=AssumeRole",
        credentials=Credentials("AKIDEXAMPLE", "secret"), region="eu-west-1", service="sts", now=1_700_000_000,
    )  # fmt: skip
    assert headers == {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
    assert signed["Host"] == "sts.eu-west-1.amazonaws.com"
    assert signed["Authorization"].startswith(
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20231114/eu-west-1/sts/aws4_request, "
        "SignedHeaders=content-type;host;x-amz-date, Signature="
    )


def test_assume_role_body_carries_every_option_in_the_sts_query_format():
    role = RoleSpec(
        role_arn="arn:aws:iam::111111111111:role/s3_access_role",
        session_name="presigner",
        duration_seconds=3600,
        external_id="ext-1",
        source_identity="alice@example.com",
        tags=(("team", "video"), ("cost center", "42/b")),
    )
    assert assume_role_body(role, 3600).decode() == (
        "Action=AssumeRole&Version=2011-06-15"
        "&RoleArn=arn%3Aaws%3Aiam%3A%3A111111111111%3Arole%2Fs3_access_role"
        "&RoleSessionName=presigner&DurationSeconds=3600&ExternalId=ext-1"
        "&SourceIdentity=alice%40example.com"
        "&Tags.member.1.Key=team&Tags.member.1.Value=video"
        "&Tags.member.2.Key=cost+center&Tags.member.2.Value=42%2Fb"
    )


def test_optional_fields_are_left_out_when_unset():
    body = assume_role_body(RoleSpec("arn:aws:iam::111111111111:role/r"), 900).decode()
    assert "ExternalId" not in body and "SourceIdentity" not in body and "Tags" not in body
    assert "DurationSeconds=900" in body


@pytest.mark.parametrize(
    ("region", "endpoint"),
    [("eu-west-1", "https://sts.eu-west-1.amazonaws.com"), ("cn-north-1", "https://sts.cn-north-1.amazonaws.com.cn")],
)
def test_default_endpoint_is_regional(region, endpoint):
    assert default_endpoint(region) == endpoint


STS_ANSWER = b"""<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleResult>
    <AssumedRoleUser><Arn>arn:aws:sts::111111111111:assumed-role/r/s</Arn><AssumedRoleId>AROA:s</AssumedRoleId></AssumedRoleUser>
    <Credentials>
      <AccessKeyId>ASIAEXAMPLE</AccessKeyId>
      <SecretAccessKey>secret</SecretAccessKey>
      <SessionToken>token+/=</SessionToken>
      <Expiration>2026-11-30T03:00:00Z</Expiration>
    </Credentials>
  </AssumeRoleResult>
  <ResponseMetadata><RequestId>c6104cbe</RequestId></ResponseMetadata>
</AssumeRoleResponse>"""


def test_parses_the_credentials_and_their_expiry():
    creds = parse_assume_role_response(STS_ANSWER)
    assert (creds.access_key_id, creds.secret_access_key, creds.session_token) == ("ASIAEXAMPLE", "secret", "token+/=")
    assert creds.expires_at == calendar.timegm((2026, 11, 30, 3, 0, 0))


def test_fractional_expiry_and_no_namespace_are_accepted():
    answer = STS_ANSWER.replace(b' xmlns="https://sts.amazonaws.com/doc/2011-06-15/"', b"").replace(
        b"03:00:00Z", b"03:00:00.123Z"
    )
    assert parse_assume_role_response(answer).expires_at == pytest.approx(
        calendar.timegm((2026, 11, 30, 3, 0, 0)) + 0.123
    )


@pytest.mark.parametrize(
    "payload",
    [b"not xml", b"<AssumeRoleResponse/>", STS_ANSWER.replace(b"2026-11-30T03:00:00Z", b"tomorrow")],
)
def test_unreadable_answers_are_upstream_errors(payload):
    with pytest.raises(UpstreamError):
        parse_assume_role_response(payload)


def test_error_code_and_message_are_read_from_an_error_response():
    payload = b"""<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type>
    <Code>AccessDenied</Code><Message>User is not authorized to perform: sts:AssumeRole</Message></Error>
    <RequestId>x</RequestId></ErrorResponse>"""
    assert parse_error(payload) == ("AccessDenied", "User is not authorized to perform: sts:AssumeRole")
    assert parse_error(b"<html>gateway timeout</html>") == ("", "")
