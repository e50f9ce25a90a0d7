"""Upload signatures, byte for byte against botocore (and awscrt for PUT):
presigned PUT and UploadPart URLs, and POST policy fields."""

from __future__ import annotations

import base64
import hashlib
from unittest import mock

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.support import botocore_oracle
from tests.support.awscrt_oracle import presigned_query, query_of
from tests.unit.test_presign_oracle import AKID, REGIONS, SECRET, dns_buckets, instants, keys, tokens
from xpresign.post_policy import signed_fields
from xpresign.presign import amz_date, presign_s3_request, signing_scope
from xpresign.s3 import resolve_bucket_endpoint
from xpresign.values import Credentials

content_types = st.sampled_from(["application/octet-stream", "video/mp4", "text/plain; charset=utf-8", "image/png"])
lengths = st.integers(min_value=0, max_value=5 * 1024**3)
checksums = st.one_of(
    st.none(), st.binary(max_size=64).map(lambda b: base64.b64encode(hashlib.sha256(b).digest()).decode())
)


def put_headers(content_type, length, checksum) -> dict[str, str]:
    headers = {"Content-Type": content_type, "Content-Length": str(length)}
    if checksum:
        headers["x-amz-checksum-sha256"] = checksum
    return headers


@settings(max_examples=150, deadline=None)
@given(bucket=dns_buckets, key=keys, region=st.sampled_from(REGIONS), token=tokens, now=instants,
       content_type=content_types, length=lengths, checksum=checksums, expires=st.integers(1, 604800))  # fmt: skip
def test_put_urls_match_botocore(bucket, key, region, token, now, content_type, length, checksum, expires):
    endpoint = resolve_bucket_endpoint(bucket, region)
    ours = presign_s3_request(
        endpoint, key, Credentials(AKID, SECRET, token), method="PUT", expires_in=expires, now=now,
        headers=put_headers(content_type, length, checksum),
    )  # fmt: skip
    client = botocore_oracle.s3_client(region, access_key_id=AKID, secret_access_key=SECRET, session_token=token)
    params = {"Bucket": bucket, "Key": key, "ContentType": content_type, "ContentLength": length}
    if checksum:
        params["ChecksumSHA256"] = checksum
    theirs = botocore_oracle.presigned_url(client, now, method="put_object", expires_in=expires, **params)
    assert ours == theirs


def test_no_checksum_is_signed_unless_asked():
    endpoint = resolve_bucket_endpoint("b-1", "eu-west-1")
    url = presign_s3_request(
        endpoint, "k", Credentials(AKID, SECRET), method="PUT", expires_in=60, now=1_767_225_600,
        headers=put_headers("video/mp4", 5, None),
    )  # fmt: skip
    assert query_of(url)["X-Amz-SignedHeaders"] == "content-length;content-type;host"


@settings(max_examples=60, deadline=None)
@given(key=keys, token=tokens, now=instants, length=lengths, checksum=checksums)
def test_put_urls_match_awscrt(key, token, now, length, checksum):
    endpoint = resolve_bucket_endpoint("classic-movies", "eu-west-1")
    headers = put_headers("video/mp4", length, checksum)
    url = presign_s3_request(
        endpoint, key, Credentials(AKID, SECRET, token), method="PUT", expires_in=900, now=now, headers=headers
    )
    crt = presigned_query(
        method="PUT", host=endpoint.host, path=url.split("?", 1)[0].split(endpoint.netloc, 1)[1],
        headers=headers, region="eu-west-1", access_key_id=AKID, secret_access_key=SECRET,
        session_token=token, epoch_seconds=now, expires_in=900,
    )  # fmt: skip
    assert query_of(url) == crt


@settings(max_examples=100, deadline=None)
@given(key=keys, token=tokens, now=instants, part=st.integers(1, 10000),
       upload=st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEF0123456789._~+/=-", min_size=1, max_size=120))  # fmt: skip
def test_upload_part_urls_match_botocore(key, token, now, part, upload):
    endpoint = resolve_bucket_endpoint("classic-movies", "us-east-1")
    ours = presign_s3_request(
        endpoint, key, Credentials(AKID, SECRET, token), method="PUT", expires_in=900, now=now,
        params=(("partNumber", str(part)), ("uploadId", upload)),
    )  # fmt: skip
    client = botocore_oracle.s3_client("us-east-1", access_key_id=AKID, secret_access_key=SECRET, session_token=token)
    theirs = botocore_oracle.presigned_url(
        client,
        now,
        method="upload_part",
        expires_in=900,
        Bucket="classic-movies",
        Key=key,
        PartNumber=part,
        UploadId=upload,
    )
    assert ours == theirs


@settings(max_examples=60, deadline=None)
@given(key=keys.filter(lambda k: not k.endswith("${filename}")), token=tokens, now=instants,
       region=st.sampled_from(REGIONS), content_type=content_types, low=st.integers(0, 100),
       high=st.integers(100, 5 * 1024**3), expires=st.integers(1, 604800), path=st.booleans())  # fmt: skip
def test_post_fields_match_botocore(key, token, now, region, content_type, low, high, expires, path):
    bucket = "classic-movies"
    endpoint = resolve_bucket_endpoint(bucket, region, addressing_style="path" if path else "auto")
    credentials = Credentials(AKID, SECRET, token)
    amz = amz_date(now)
    conditions = [{"Content-Type": content_type}, ["content-length-range", low, high]]
    ours = signed_fields(
        bucket=bucket, key=key, scope=signing_scope(credentials, region, amz[:8]), amz_date=amz,
        session_token=token, expiration=botocore_oracle.iso8601(now + expires), conditions=conditions,
        fields={"Content-Type": content_type},
    )  # fmt: skip
    client = botocore_oracle.s3_client(
        region, access_key_id=AKID, secret_access_key=SECRET, session_token=token,
        addressing_style="path" if path else "virtual",
    )  # fmt: skip
    moment = botocore_oracle.naive_utc(now)
    with botocore_oracle.frozen_clock(now), mock.patch("botocore.signers.get_current_datetime", return_value=moment):
        theirs = client.generate_presigned_post(
            bucket, key, Fields={"Content-Type": content_type}, Conditions=conditions, ExpiresIn=expires
        )
    assert ours == theirs["fields"]
    post_url = endpoint.object_url("")[: -1 if endpoint.path_prefix else None]
    assert post_url == theirs["url"]


@settings(max_examples=150, deadline=None)
@given(bucket=dns_buckets, key=keys, region=st.sampled_from(REGIONS), token=tokens, now=instants)
def test_header_signed_s3_calls_match_botocore_s3sigv4auth(bucket, key, region, token, now):
    """The multipart calls (create, list, complete, abort) sign the object's
    path as sent: S3 takes no second encoding, unlike STS or SSM."""
    from botocore.auth import S3SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials as BotocoreCredentials

    from xpresign import sigv4

    url = resolve_bucket_endpoint(bucket, region).object_url(key) + "?uploads"
    content_type = {"Content-Type": "video/mp4"}
    credentials = Credentials(AKID, SECRET, token)
    ours = sigv4.sign_headers(
        method="POST", url=url, headers=content_type, body=b"", credentials=credentials,
        region=region, service="s3", now=now, sign_payload_header=True,
    )  # fmt: skip
    request = AWSRequest(method="POST", url=url, data=b"", headers=dict(content_type))
    with botocore_oracle.frozen_clock(now):
        S3SigV4Auth(BotocoreCredentials(AKID, SECRET, token), "s3", region).add_auth(request)
    assert ours["Authorization"] == request.headers["Authorization"]
