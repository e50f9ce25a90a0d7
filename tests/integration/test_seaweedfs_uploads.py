"""Uploads proven on a real S3 that checks signatures (SeaweedFS): presigned
PUTs whose signed headers S3 enforces, POST policies with a size range, and
multipart uploads whose create, complete, abort and list calls xpresign makes
itself with the role's session."""

from __future__ import annotations

import base64
import hashlib
import http.client
import json
import os
import re
import time
import urllib.parse
import uuid

import pytest

from tests.integration.test_seaweedfs_xpresign import caller_source
from xpresign.api import Api
from xpresign.config import load_config
from xpresign.credentials import CredentialBroker
from xpresign.errors import NoSuchUpload, UploadTooLarge
from xpresign.multipart import Multipart
from xpresign.presigner import Presigner
from xpresign.sts import StsClient
from xpresign.uploads import Uploader

pytestmark = pytest.mark.seaweedfs

MIB = 1024 * 1024


def send(url: str, method: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes, dict[str, str]]:
    """One request with exactly these headers (no library adds or drops any)."""
    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        connection.request(
            method, f"{parts.path}?{parts.query}" if parts.query else parts.path, body=body, headers=headers
        )
        response = connection.getresponse()
        return response.status, response.read(), {k.lower(): v for k, v in response.getheaders()}
    finally:
        connection.close()


def code_of(body: bytes) -> str | None:
    match = re.search(rb"<Code>([^<]+)</Code>", body)
    return match.group(1).decode() if match else None


@pytest.fixture(scope="module")
def presigner(seaweedfs) -> Presigner:
    env = {
        "XPRESIGN_BUCKET": seaweedfs.bucket,
        "XPRESIGN_ROLE_ARN": seaweedfs.role_arn,
        "XPRESIGN_UPLOAD_PREFIXES": seaweedfs.upload_prefix,
        "XPRESIGN_MAX_UPLOAD_SIZE": str(12 * MIB),
        "AWS_REGION": seaweedfs.region,
        "AWS_ENDPOINT_URL": seaweedfs.s3_endpoint_url,
    }
    config = load_config(env)
    sts = StsClient(seaweedfs.region, seaweedfs.sts_endpoint_url)
    return Presigner(config, CredentialBroker(caller_source(seaweedfs), sts.assume_role))


def stored(seaweedfs, key: str) -> bytes | None:
    s3 = seaweedfs.boto3_client("s3", seaweedfs.admin_credentials)
    try:
        return s3.get_object(Bucket=seaweedfs.bucket, Key=key)["Body"].read()
    except s3.exceptions.NoSuchKey:
        return None


def new_key(name: str) -> str:
    return f"uploads/{uuid.uuid4().hex}/{name}"


# --- PUT -----------------------------------------------------------------------------------


def put(presigner, key: str, data: bytes, **options):
    return Uploader(presigner).put(presigner.config.bucket(), key, content_length=len(data), requested=300, **options)


def test_a_put_with_the_signed_headers_uploads_the_bytes(seaweedfs, presigner):
    data, key = os.urandom(3000), new_key("a.bin")
    checksum = base64.b64encode(hashlib.sha256(data).digest()).decode()
    signed = put(presigner, key, data, content_type="video/mp4", checksum=checksum)
    status, body, _ = send(signed.url, "PUT", data, signed.headers)
    assert status == 200, body
    assert stored(seaweedfs, key) == data


@pytest.mark.parametrize(
    "change",
    ["content type", "length", "checksum", "missing header"],
)
def test_a_put_that_does_not_match_its_signature_is_refused(seaweedfs, presigner, change):
    data, key = os.urandom(2000), new_key("b.bin")
    checksum = base64.b64encode(hashlib.sha256(data).digest()).decode()
    signed = put(presigner, key, data, content_type="video/mp4", checksum=checksum)
    headers, body = dict(signed.headers), data
    if change == "content type":
        headers["Content-Type"] = "text/html"
    elif change == "length":
        body = data + b"more"
        headers["Content-Length"] = str(len(body))
    elif change == "checksum":
        body = os.urandom(len(data))  # same length, other bytes: the signed checksum no longer matches
    else:
        del headers["x-amz-checksum-sha256"]
    status, answer, _ = send(signed.url, "PUT", body, headers)
    assert status in (400, 403), (status, answer)
    assert stored(seaweedfs, key) is None


@pytest.mark.slow
def test_an_expired_put_url_is_refused(seaweedfs, presigner):
    data, key = b"late", new_key("late.bin")
    signed = Uploader(presigner).put(presigner.config.bucket(), key, content_length=len(data), requested=1)
    time.sleep(2.5)
    status, answer, _ = send(signed.url, "PUT", data, signed.headers)
    assert status == 403, answer
    assert stored(seaweedfs, key) is None


# --- POST ----------------------------------------------------------------------------------


def multipart_form(fields: dict[str, str], data: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode() for k, v in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="f"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n".encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


@pytest.fixture(scope="module")
def static_presigner(seaweedfs) -> Presigner:
    """SeaweedFS enforces a POST policy's conditions only for its static
    identities (a POST signed by an STS session gets InvalidAccessKeyId):
    POST is proven with the uploader's static keys, the session-token field
    by parity with botocore (tests/unit/test_upload_oracle.py)."""
    from xpresign.credentials import StaticCredentials
    from xpresign.values import Credentials

    env = {
        "XPRESIGN_BUCKET": seaweedfs.bucket,
        "XPRESIGN_UPLOAD_PREFIXES": seaweedfs.upload_prefix,
        "AWS_REGION": seaweedfs.region,
        "AWS_ENDPOINT_URL": seaweedfs.s3_endpoint_url,
    }
    return Presigner(
        load_config(env), CredentialBroker(StaticCredentials(Credentials(*seaweedfs.uploader_credentials)))
    )


def test_a_post_within_its_size_range_uploads(seaweedfs, static_presigner):
    data, key = os.urandom(500), new_key("form.bin")
    post = Uploader(static_presigner).post(static_presigner.config.bucket(), key, max_size=1000, requested=300)
    body, content_type = multipart_form(post.fields, data)
    status, answer, _ = send(post.url, "POST", body, {"Content-Type": content_type})
    assert status in (200, 204), answer
    assert stored(seaweedfs, key) == data


def test_a_post_over_max_size_is_refused(seaweedfs, static_presigner):
    data, key = os.urandom(2000), new_key("big-form.bin")
    post = Uploader(static_presigner).post(static_presigner.config.bucket(), key, max_size=1000, requested=300)
    body, content_type = multipart_form(post.fields, data)
    status, answer, _ = send(post.url, "POST", body, {"Content-Type": content_type})
    assert status == 400 and code_of(answer) == "EntityTooLarge", answer
    assert stored(seaweedfs, key) is None


def test_quirk_a_post_signed_by_a_session_is_refused(seaweedfs, presigner):
    """SeaweedFS (4.x) refuses a POST policy signed with STS session
    credentials (InvalidAccessKeyId); AWS accepts it. Pinned so a change
    upstream is noticed and this proof can be tightened."""
    data, key = b"x", new_key("session-form.bin")
    post = Uploader(presigner).post(presigner.config.bucket(), key, requested=300)
    body, content_type = multipart_form(post.fields, data)
    status, answer, _ = send(post.url, "POST", body, {"Content-Type": content_type})
    assert status == 403 and code_of(answer) == "InvalidAccessKeyId", answer


# --- multipart -----------------------------------------------------------------------------


def test_a_multipart_upload_of_three_parts_assembles_the_exact_bytes(seaweedfs, presigner):
    bucket, multipart = presigner.config.bucket(), Multipart(presigner)
    data = os.urandom(5 * MIB) + os.urandom(5 * MIB) + os.urandom(1234)
    chunks = [data[: 5 * MIB], data[5 * MIB : 10 * MIB], data[10 * MIB :]]
    upload_id, key = multipart.create(bucket, new_key("movie.mp4"), "video/mp4")
    _, urls = multipart.sign_parts(bucket, key, upload_id, [1, 2, 3], requested=300, most=1000)
    etags = []
    for (number, url), chunk in zip(urls, chunks, strict=True):
        status, answer, headers = send(url, "PUT", chunk, {})
        assert status == 200, answer
        etags.append({"part_number": number, "etag": headers["etag"]})
    listed = multipart.list_parts(bucket, key, upload_id)
    assert [(p.part_number, p.size) for p in listed] == [(1, 5 * MIB), (2, 5 * MIB), (3, 1234)]
    etag = multipart.complete(bucket, key, upload_id, etags)
    assert etag
    assert stored(seaweedfs, key) == data


def test_an_abort_leaves_nothing_behind(seaweedfs, presigner):
    bucket, multipart = presigner.config.bucket(), Multipart(presigner)
    upload_id, key = multipart.create(bucket, new_key("abandoned.bin"))
    _, [(_, url)] = multipart.sign_parts(bucket, key, upload_id, [1], requested=300, most=1000)
    assert send(url, "PUT", os.urandom(1000), {})[0] == 200
    multipart.abort(bucket, key, upload_id)
    with pytest.raises(NoSuchUpload):
        multipart.list_parts(bucket, key, upload_id)
    s3 = seaweedfs.boto3_client("s3", seaweedfs.admin_credentials)
    uploads = s3.list_multipart_uploads(Bucket=seaweedfs.bucket, Prefix=key).get("Uploads", [])
    assert uploads == [] and stored(seaweedfs, key) is None


def test_completing_more_than_max_upload_size_aborts_it(seaweedfs, presigner):
    bucket, multipart = presigner.config.bucket()._replace(max_upload_size=6 * MIB), Multipart(presigner)
    upload_id, key = multipart.create(bucket, new_key("too-big.bin"))
    _, urls = multipart.sign_parts(bucket, key, upload_id, [1, 2], requested=300, most=1000)
    etags = []
    for number, url in urls:
        status, _, headers = send(url, "PUT", os.urandom(5 * MIB), {})
        assert status == 200
        etags.append({"part_number": number, "etag": headers["etag"]})
    with pytest.raises(UploadTooLarge, match="aborted"):
        multipart.complete(bucket, key, upload_id, etags)
    with pytest.raises(NoSuchUpload):
        multipart.list_parts(bucket, key, upload_id)
    assert stored(seaweedfs, key) is None


def test_the_api_answers_the_multipart_steps(seaweedfs, presigner):
    api = Api(presigner)
    created = api.handle({"action": "create_multipart", "key": new_key("api.bin")}).body
    upload_id, key = created["upload_id"], created["key"]
    signed = api.handle({"action": "sign_parts", "key": key, "upload_id": upload_id, "part_numbers": [1]}).body
    status, _, headers = send(signed["parts"][0]["url"], "PUT", b"only part", {})
    assert status == 200
    listed = api.handle({"action": "list_parts", "key": key, "upload_id": upload_id}).body
    assert listed["parts"] == [{"part_number": 1, "etag": headers["etag"], "size": 9}]
    done = api.handle(
        {"action": "complete_multipart", "key": key, "upload_id": upload_id,
         "parts": [{"part_number": 1, "etag": headers["etag"]}]}
    )  # fmt: skip
    assert done.status == 200 and done.body["etag"], done.body
    assert stored(seaweedfs, key) == b"only part"
    gone = api.handle({"action": "list_parts", "key": key, "upload_id": upload_id})
    assert (gone.status, gone.body["error"]["code"]) == (404, "NoSuchUpload")


def test_an_unknown_upload_is_404_no_such_upload(seaweedfs, presigner):
    answer = Api(presigner).handle({"action": "abort_multipart", "key": new_key("never.bin"), "upload_id": "0" * 16})
    assert (answer.status, answer.body["error"]["code"]) == (404, "NoSuchUpload")
    assert "never created" in answer.body["error"]["message"]  # xpresign's words, not S3's


# --- Uppy's routes, through the Lambda handler ------------------------------------------------


def test_uppys_multipart_routes_upload_through_the_handler(seaweedfs):
    from tests.unit.test_companion import http_api
    from xpresign.lambda_handler import build_app

    env = {
        "XPRESIGN_BUCKET": seaweedfs.bucket,
        "XPRESIGN_ROLE_ARN": seaweedfs.role_arn,
        "XPRESIGN_UPLOAD_PREFIXES": seaweedfs.upload_prefix,
        "XPRESIGN_COMPANION_BUCKET": seaweedfs.bucket,
        "AWS_REGION": seaweedfs.region,
        "AWS_ENDPOINT_URL": seaweedfs.s3_endpoint_url,
        "AWS_ACCESS_KEY_ID": seaweedfs.caller_credentials[0],
        "AWS_SECRET_ACCESS_KEY": seaweedfs.caller_credentials[1],
    }
    app = build_app(env)

    def call(method, path, query=None, body=None):
        answer = app(http_api(method, "/prod" + path, query, body))
        return answer["statusCode"], json.loads(answer["body"])

    data = os.urandom(5 * MIB) + b"tail"
    status, created = call("POST", "/s3/multipart", body={"filename": "clip one.mp4", "type": "video/mp4"})
    assert status == 200, created
    upload_id, key = created["uploadId"], created["key"]
    assert key.startswith("uploads/") and key.endswith("/clip_one.mp4")
    quoted = urllib.parse.quote(upload_id, safe="")
    etags = []
    for number, chunk in ((1, data[: 5 * MIB]), (2, data[5 * MIB :])):
        status, signed = call("GET", f"/s3/multipart/{quoted}/{number}", {"key": key})
        assert status == 200, signed
        put_status, _, headers = send(signed["url"], "PUT", chunk, {})
        assert put_status == 200
        etags.append({"ETag": headers["etag"], "PartNumber": number})
    status, listed = call("GET", f"/s3/multipart/{quoted}", {"key": key})
    assert [(p["PartNumber"], p["Size"]) for p in listed] == [(1, 5 * MIB), (2, 4)]
    status, done = call("POST", f"/s3/multipart/{quoted}/complete", {"key": key}, {"parts": etags})
    assert status == 200 and done["location"].endswith(urllib.parse.quote(key)), done
    assert stored(seaweedfs, key) == data

    status, other = call("POST", "/s3/multipart", body={"filename": "dropped.bin"})
    quoted = urllib.parse.quote(other["uploadId"], safe="")
    status, aborted = call("DELETE", f"/s3/multipart/{quoted}", {"key": other["key"]})
    assert (status, aborted) == (200, {})
