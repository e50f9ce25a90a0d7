"""Configuration: what is read from where, and errors that name the setting."""

from __future__ import annotations

import json

import pytest

from xpresign.config import DEFAULT_EXPIRES, DEFAULT_MAX_BATCH, DEFAULT_MAX_EXPIRES, Endpoints, load_config
from xpresign.errors import ConfigError, UnknownBucket
from xpresign.sts import ROLE_CHAINING_MAX_SECONDS

ROLE = "arn:aws:iam::111111111111:role/s3_access_role"


def test_single_bucket_from_variables_with_defaults():
    config = load_config({"XPRESIGN_BUCKET": "classic-movies", "AWS_REGION": "eu-west-1"})
    bucket = config.bucket()
    assert (bucket.alias, bucket.name, bucket.region) == ("classic-movies", "classic-movies", "eu-west-1")
    assert bucket.role is None
    assert (bucket.max_expires, bucket.default_expires) == (DEFAULT_MAX_EXPIRES, DEFAULT_EXPIRES)
    assert bucket.allows("anything/at/all")
    assert config.max_batch == DEFAULT_MAX_BATCH and config.cors_allow_origins == ()


def test_every_variable_is_read():
    config = load_config(
        {
            "AWS_DEFAULT_REGION": "us-west-2",
            "XPRESIGN_BUCKET": "classic-movies",
            "XPRESIGN_BUCKET_REGION": "eu-central-1",
            "XPRESIGN_ROLE_ARN": ROLE,
            "XPRESIGN_EXTERNAL_ID": "tenant-42",
            "XPRESIGN_SOURCE_IDENTITY": "alice",
            "XPRESIGN_SESSION_TAGS": "team=video, env = prod",
            "XPRESIGN_ROLE_SESSION_NAME": "presigner",
            "XPRESIGN_ROLE_DURATION": "1800",
            "XPRESIGN_ALLOWED_PREFIXES": "movies/, trailers/",
            "XPRESIGN_MAX_EXPIRES": "1200",
            "XPRESIGN_DEFAULT_EXPIRES": "300",
            "XPRESIGN_ADDRESSING_STYLE": "path",
            "XPRESIGN_USE_GLOBAL_ENDPOINT": "true",
            "XPRESIGN_MAX_BATCH": "50",
            "XPRESIGN_CORS_ALLOW_ORIGINS": "https://app.example.com,http://localhost:3000",
        }
    )
    bucket = config.bucket("classic-movies")
    assert bucket.region == "eu-central-1" and config.region == "us-west-2"
    assert bucket.role.role_arn == ROLE and bucket.role.external_id == "tenant-42"
    assert bucket.role.source_identity == "alice" and bucket.role.session_name == "presigner"
    assert bucket.role.tags == (("team", "video"), ("env", "prod"))
    assert bucket.role.duration_seconds == 1800
    assert bucket.allowed_prefixes == ("movies/", "trailers/")
    assert bucket.allows("trailers/x.mp4") and not bucket.allows("private/x")
    assert (bucket.max_expires, bucket.default_expires) == (1200, 300)
    assert bucket.addressing_style == "path" and bucket.use_global_endpoint is True
    assert config.max_batch == 50
    assert config.cors_allow_origins == ("https://app.example.com", "http://localhost:3000")


def test_role_defaults_to_the_chaining_cap_and_the_function_name():
    config = load_config(
        {
            "XPRESIGN_BUCKET": "b-1",
            "AWS_REGION": "eu-west-1",
            "XPRESIGN_ROLE_ARN": ROLE,
            "AWS_LAMBDA_FUNCTION_NAME": "presigner-prod",
        }
    )
    role = config.bucket().role
    assert role.duration_seconds == ROLE_CHAINING_MAX_SECONDS
    assert role.session_name == "presigner-prod"


def test_default_expiry_follows_a_lower_maximum():
    config = load_config({"XPRESIGN_BUCKET": "b-1", "AWS_REGION": "eu-west-1", "XPRESIGN_MAX_EXPIRES": "600"})
    assert config.bucket().default_expires == 600


DOCUMENT = {
    "buckets": {
        "movies": {
            "bucket": "classic-movies",
            "region": "us-east-1",
            "role_arn": ROLE,
            "external_id": None,  # Terraform's jsonencode writes unset optionals as null
            "allowed_prefixes": ["movies/"],
            "max_expires": 3600,
            "default_expires": 900,
        },
        "reports": {"role_arn": "arn:aws:iam::333333333333:role/reports", "session_tags": {"team": "finance"}},
    },
    "max_batch": 200,
    "cors_allow_origins": ["*"],
}


def test_many_buckets_from_a_json_document():
    config = load_config({"XPRESIGN_CONFIG": json.dumps(DOCUMENT), "AWS_REGION": "eu-west-1"})
    assert set(config.buckets) == {"movies", "reports"}
    assert config.bucket("movies").name == "classic-movies"
    assert config.bucket("classic-movies").alias == "movies"  # by real name too
    assert config.bucket("reports").name == "reports" and config.bucket("reports").region == "eu-west-1"
    assert config.bucket("reports").role.tags == (("team", "finance"),)
    assert config.max_batch == 200 and config.cors_allow_origins == ("*",)
    with pytest.raises(UnknownBucket, match="movies, reports"):
        config.bucket()  # two buckets: the request must name one
    with pytest.raises(UnknownBucket, match="unknown bucket 'nope'"):
        config.bucket("nope")


def test_toml_file(tmp_path):
    path = tmp_path / "xpresign.toml"
    path.write_text(
        'max_batch = 10\n[buckets.movies]\nbucket = "classic-movies"\nregion = "us-east-1"\n'
        f'role_arn = "{ROLE}"\nallowed_prefixes = ["movies/"]\n'
    )
    config = load_config({"XPRESIGN_CONFIG_FILE": str(path)})
    assert config.bucket().name == "classic-movies" and config.max_batch == 10


@pytest.mark.parametrize(
    ("environ", "setting", "fragment"),
    [
        ({}, "XPRESIGN_BUCKET", "not set"),
        ({"XPRESIGN_BUCKET": "b-1"}, "XPRESIGN_BUCKET_REGION", "AWS_REGION"),
        ({"XPRESIGN_BUCKET": "bad bucket!", "AWS_REGION": "eu-west-1"}, "XPRESIGN_BUCKET", "invalid bucket name"),
        ({"XPRESIGN_BUCKET": "b-1", "AWS_REGION": "Europe"}, "AWS_REGION", "not an AWS region"),
        (
            {"XPRESIGN_BUCKET": "b-1", "AWS_REGION": "eu-west-1", "XPRESIGN_MAX_EXPIRES": "2h"},
            "XPRESIGN_MAX_EXPIRES",
            "'2h'",
        ),
        (
            {"XPRESIGN_BUCKET": "b-1", "AWS_REGION": "eu-west-1", "XPRESIGN_MAX_EXPIRES": "604801"},
            "XPRESIGN_MAX_EXPIRES",
            "604800",
        ),
        (
            {
                "XPRESIGN_BUCKET": "b-1",
                "AWS_REGION": "eu-west-1",
                "XPRESIGN_MAX_EXPIRES": "600",
                "XPRESIGN_DEFAULT_EXPIRES": "900",
            },
            "XPRESIGN_DEFAULT_EXPIRES",
            "from 1 to 600",
        ),
        (
            {"XPRESIGN_BUCKET": "b-1", "AWS_REGION": "eu-west-1", "XPRESIGN_ROLE_ARN": "arn:aws:iam::1:user/x"},
            "XPRESIGN_ROLE_ARN",
            "not an IAM role ARN",
        ),
        (
            {"XPRESIGN_BUCKET": "b-1", "AWS_REGION": "eu-west-1", "XPRESIGN_EXTERNAL_ID": "x-1"},
            "XPRESIGN_EXTERNAL_ID",
            "set role_arn",
        ),
        (
            {
                "XPRESIGN_BUCKET": "b-1",
                "AWS_REGION": "eu-west-1",
                "XPRESIGN_ROLE_ARN": ROLE,
                "XPRESIGN_ROLE_DURATION": "60",
            },
            "XPRESIGN_ROLE_DURATION",
            "900",
        ),
        (
            {
                "XPRESIGN_BUCKET": "b-1",
                "AWS_REGION": "eu-west-1",
                "XPRESIGN_ROLE_ARN": ROLE,
                "XPRESIGN_SESSION_TAGS": "team",
            },
            "XPRESIGN_SESSION_TAGS",
            "key=value",
        ),
        (
            {"XPRESIGN_BUCKET": "b-1", "AWS_REGION": "eu-west-1", "XPRESIGN_ADDRESSING_STYLE": "dns"},
            "XPRESIGN_ADDRESSING_STYLE",
            "auto",
        ),
        (
            {"XPRESIGN_BUCKET": "b.1", "AWS_REGION": "eu-west-1", "XPRESIGN_ADDRESSING_STYLE": "virtual"},
            "XPRESIGN_ADDRESSING_STYLE",
            "DNS-compatible",
        ),
        (
            {"XPRESIGN_BUCKET": "b-1", "AWS_REGION": "eu-west-1", "XPRESIGN_USE_GLOBAL_ENDPOINT": "maybe"},
            "XPRESIGN_USE_GLOBAL_ENDPOINT",
            "true or false",
        ),
        (
            {"XPRESIGN_BUCKET": "b-1", "AWS_REGION": "eu-west-1", "XPRESIGN_MAX_BATCH": "0"},
            "XPRESIGN_MAX_BATCH",
            "from 1 to 10000",
        ),
        (
            {"XPRESIGN_BUCKET": "b-1", "AWS_REGION": "eu-west-1", "XPRESIGN_CORS_ALLOW_ORIGINS": "app.example.com"},
            "XPRESIGN_CORS_ALLOW_ORIGINS",
            "origin",
        ),
        ({"XPRESIGN_BUCKET": "b-1", "XPRESIGN_CONFIG": "{}"}, "XPRESIGN_CONFIG", "not both"),
        ({"XPRESIGN_CONFIG": "{}", "XPRESIGN_CONFIG_FILE": "/x"}, "XPRESIGN_CONFIG", "set only one of"),
        ({"XPRESIGN_CONFIG": "{not json"}, "XPRESIGN_CONFIG", "not valid JSON or TOML"),
        ({"XPRESIGN_CONFIG": "[1, 2]"}, "XPRESIGN_CONFIG", "not valid JSON or TOML"),
        ({"XPRESIGN_CONFIG": '{"buckets": {}}'}, "XPRESIGN_CONFIG: buckets", "at least one"),
        ({"XPRESIGN_CONFIG": '{"bucket": {}}'}, "XPRESIGN_CONFIG: bucket", "unknown setting"),
        (
            {"XPRESIGN_CONFIG": '{"buckets": {"m": {"max_expire": 5}}}', "AWS_REGION": "eu-west-1"},
            "XPRESIGN_CONFIG: buckets.m.max_expire",
            "typo",
        ),
        (
            {"XPRESIGN_CONFIG": '{"buckets": {"m": {"allowed_prefixes": [1]}}}', "AWS_REGION": "eu-west-1"},
            "XPRESIGN_CONFIG: buckets.m.allowed_prefixes",
            "list of strings",
        ),
        (
            {
                "XPRESIGN_CONFIG": '{"buckets": {"m": {}}, "max_batch": 5}',
                "XPRESIGN_MAX_BATCH": "6",
                "AWS_REGION": "eu-west-1",
            },
            "XPRESIGN_MAX_BATCH",
            "one place",
        ),
        ({"XPRESIGN_CONFIG_FILE": "/nonexistent/xpresign.json"}, "XPRESIGN_CONFIG_FILE", "cannot read"),
    ],
)
def test_invalid_configuration_names_the_setting(environ, setting, fragment):
    with pytest.raises(ConfigError) as error:
        load_config(environ)
    assert error.value.setting == setting
    assert str(error.value).startswith(f"{setting}: ")
    assert fragment in str(error.value)


def test_endpoints_follow_the_sdk_variables():
    x, s3, sts = "http://127.0.0.1:1", "https://s3.example:2", "http://[::1]:3"
    assert Endpoints.from_environ({"AWS_ENDPOINT_URL": x}) == Endpoints(x, x, x)
    assert Endpoints.from_environ(
        {"AWS_ENDPOINT_URL": x, "AWS_ENDPOINT_URL_S3": s3, "AWS_ENDPOINT_URL_STS": sts}
    ) == Endpoints(s3, sts, x)
    assert Endpoints.from_environ({"AWS_ENDPOINT_URL": x, "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true"}) == Endpoints()
