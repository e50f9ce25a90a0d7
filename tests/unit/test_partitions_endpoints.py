"""Regions, partitions and endpoints: what start-up accepts, and what it refuses
with a message that names the setting."""

from __future__ import annotations

import pytest

from xpresign.config import load_config
from xpresign.endpoints import Endpoints
from xpresign.errors import ConfigError
from xpresign.partitions import UnsupportedRegion, dns_suffix, partition_of
from xpresign.s3 import resolve_bucket_endpoint
from xpresign.sts import default_endpoint

ROLE = "arn:aws:iam::111111111111:role/r"


@pytest.mark.parametrize(
    ("region", "partition", "sts", "s3"),
    [
        ("eu-west-1", "aws", "https://sts.eu-west-1.amazonaws.com", "b-1.s3.eu-west-1.amazonaws.com"),
        ("mx-central-1", "aws", "https://sts.mx-central-1.amazonaws.com", "b-1.s3.mx-central-1.amazonaws.com"),
        ("cn-north-1", "aws-cn", "https://sts.cn-north-1.amazonaws.com.cn", "b-1.s3.cn-north-1.amazonaws.com.cn"),
        (
            "us-gov-west-1",
            "aws-us-gov",
            "https://sts.us-gov-west-1.amazonaws.com",
            "b-1.s3.us-gov-west-1.amazonaws.com",
        ),
    ],
)
def test_supported_partitions_and_their_hosts(region, partition, sts, s3):
    assert partition_of(region).name == partition
    assert default_endpoint(region) == sts
    assert resolve_bucket_endpoint("b-1", region).host == s3
    assert dns_suffix(region) in s3


@pytest.mark.parametrize(
    ("region", "named"),
    [("us-iso-east-1", "aws-iso"), ("us-isob-east-1", "aws-iso-b"), ("eu-isoe-west-1", "aws-iso-e"),
     ("us-isof-south-1", "aws-iso-f"), ("eusc-de-east-1", "aws-eusc")],
)  # fmt: skip
def test_isolated_partitions_are_refused_at_start_up(region, named):
    with pytest.raises(UnsupportedRegion, match=named):
        partition_of(region)
    with pytest.raises(ConfigError, match=rf"^XPRESIGN_BUCKET_REGION: .*{named} partition"):
        load_config({"XPRESIGN_BUCKET": "b-1", "XPRESIGN_BUCKET_REGION": region})


@pytest.mark.parametrize("region", ["eu-west-1\n", " eu-west-1", "EU-WEST-1", "moon", "eu-west-1a"])
def test_malformed_regions_are_refused(region):
    with pytest.raises(ConfigError, match=r"^XPRESIGN_BUCKET_REGION: .*not an AWS region"):
        load_config({"XPRESIGN_BUCKET": "b-1", "XPRESIGN_BUCKET_REGION": region.replace(" ", "\t")})


def test_a_role_outside_the_partition_where_sts_is_called_is_refused():
    """STS is called in the default region; a China bucket's role cannot be
    assumed from us-east-1, however well it matches its bucket."""
    env = {
        "XPRESIGN_BUCKET": "b-1",
        "XPRESIGN_BUCKET_REGION": "cn-north-1",
        "XPRESIGN_ROLE_ARN": "arn:aws-cn:iam::111111111111:role/r",
    }
    with pytest.raises(ConfigError, match=r"^XPRESIGN_ROLE_ARN: .*AWS_REGION.*is in aws$"):
        load_config({**env, "AWS_REGION": "us-east-1"})
    assert load_config({**env, "AWS_REGION": "cn-northwest-1"}).region == "cn-northwest-1"


@pytest.mark.parametrize(
    ("setting", "value"),
    [("XPRESIGN_ROLE_ARN", "arn:aws:iam::111111111111:role/café"), ("XPRESIGN_ROLE_SESSION_NAME", "café"),
     ("XPRESIGN_EXTERNAL_ID", "café-42"), ("XPRESIGN_SOURCE_IDENTITY", "café")],
)  # fmt: skip
def test_sts_names_are_ascii_as_sts_takes_them(setting, value):
    env = {"XPRESIGN_BUCKET": "b-1", "AWS_REGION": "us-east-1", "XPRESIGN_ROLE_ARN": ROLE, setting: value}
    with pytest.raises(ConfigError, match=rf"^{setting}: "):
        load_config(env)


@pytest.mark.parametrize("variable", ["AWS_REGION", "AWS_DEFAULT_REGION"])
@pytest.mark.parametrize("region", ["us-iso-east-1", "eu-west-1\n", "moon"])
@pytest.mark.parametrize("document", [False, True])
def test_the_default_region_is_checked_even_when_every_bucket_names_its_own(variable, region, document):
    """It is STS's region too: left unchecked, it failed on every request instead."""
    if document:
        env = {"XPRESIGN_CONFIG": '{"buckets": {"m": {"bucket": "b-1", "region": "us-east-1"}}}'}
    else:
        env = {"XPRESIGN_BUCKET": "b-1", "XPRESIGN_BUCKET_REGION": "us-east-1"}
    with pytest.raises(ConfigError, match=rf"^{variable}: "):
        load_config({**env, variable: region})


@pytest.mark.parametrize(
    ("region", "arn"),
    [("cn-north-1", ROLE), ("eu-west-1", "arn:aws-cn:iam::111111111111:role/r"),
     ("us-gov-west-1", "arn:aws:iam::111111111111:role/r")],
)  # fmt: skip
def test_a_role_in_another_partition_than_its_bucket_is_refused(region, arn):
    env = {"XPRESIGN_BUCKET": "b-1", "XPRESIGN_BUCKET_REGION": region, "XPRESIGN_ROLE_ARN": arn}
    with pytest.raises(ConfigError, match=r"^XPRESIGN_ROLE_ARN: is in the .* partition, but the bucket's region"):
        load_config(env)


def test_a_role_in_the_buckets_partition_is_accepted():
    env = {"XPRESIGN_BUCKET": "b-1", "XPRESIGN_BUCKET_REGION": "cn-north-1"}
    assert load_config({**env, "XPRESIGN_ROLE_ARN": "arn:aws-cn:iam::111111111111:role/r"}).bucket().role


# --- endpoints -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("variable", "url", "complaint"),
    [
        ("AWS_ENDPOINT_URL_STS", "ftp://sts.example.com", "http:// or https://"),
        ("AWS_ENDPOINT_URL_STS", "garbage", "http:// or https://"),
        ("AWS_ENDPOINT_URL_STS", "https://", "names no host"),
        ("AWS_ENDPOINT_URL_S3", "https://s3.example.com:99999", "invalid port"),
        ("AWS_ENDPOINT_URL_S3", "https://s3.example.com:x", "invalid port"),
        ("AWS_ENDPOINT_URL_S3", "https://user:hunter2@s3.example.com", "user:password@"),
        ("AWS_ENDPOINT_URL", "https://s3.example.com/?a=b", "query string"),
        ("AWS_ENDPOINT_URL_STS", "http://sts.example.com", "in clear"),
        ("AWS_ENDPOINT_URL_S3", "http://10.0.0.5:9000", "in clear"),
        ("AWS_ENDPOINT_URL_S3", "http://[::1", "not a URL"),  # urlsplit's ValueError was a traceback
        ("AWS_ENDPOINT_URL_STS", "https://[::1:4566/", "not a URL"),
        ("AWS_ENDPOINT_URL_S3", "http://127.0.0.1:0", "invalid port"),
        ("AWS_ENDPOINT_URL", "http://local host:4566", "no spaces"),  # it went into every URL
        ("AWS_ENDPOINT_URL_S3", "http://127.0.0.1:4566/\xff", "visible ASCII"),
        ("AWS_ENDPOINT_URL_S3", "https://bücher.example", "xn--"),
    ],
)
def test_bad_endpoints_fail_start_up_naming_the_variable(variable, url, complaint):
    with pytest.raises(ConfigError) as raised:
        Endpoints.from_environ({variable: url})
    assert raised.value.setting == variable and complaint in raised.value.message
    assert "hunter2" not in raised.value.message  # a password in an endpoint is never echoed


def test_plain_http_is_allowed_to_loopback_or_when_asked():
    assert Endpoints.from_environ({"AWS_ENDPOINT_URL": "http://localhost:4566"}).sts == "http://localhost:4566"
    allowed = {"AWS_ENDPOINT_URL_S3": "http://10.0.0.5:9000", "XPRESIGN_ALLOW_HTTP_ENDPOINTS": "true"}
    assert Endpoints.from_environ(allowed).s3 == "http://10.0.0.5:9000"
    with pytest.raises(ConfigError, match=r"^XPRESIGN_ALLOW_HTTP_ENDPOINTS: must be true or false"):
        Endpoints.from_environ({"XPRESIGN_ALLOW_HTTP_ENDPOINTS": "sometimes"})


def test_endpoint_errors_stop_the_configuration():
    with pytest.raises(ConfigError, match=r"^AWS_ENDPOINT_URL_STS: "):
        load_config({"XPRESIGN_BUCKET": "b-1", "AWS_REGION": "eu-west-1", "AWS_ENDPOINT_URL_STS": "ftp://x"})
