"""The S3 calls xpresign signs with headers (CreateMultipartUpload,
ListParts, CompleteMultipartUpload, AbortMultipartUpload), against a moto
server that checks their signatures.

S3 signs the object's path as it is sent, encoded once; other services encode
it a second time. SeaweedFS accepts either form, so it cannot tell the two
apart; moto, with its IAM check on, recomputes the signature as S3 does and
refuses the wrong one with SignatureDoesNotMatch. Keys with characters to
encode are the ones that differ.
"""

from __future__ import annotations

import hashlib
import json
import urllib.request
from types import SimpleNamespace

import boto3
import pytest

from xpresign.config import load_config
from xpresign.credentials import CredentialBroker, StaticCredentials
from xpresign.emulator import EMULATOR_CREDENTIALS, MotoServer
from xpresign.errors import InvalidPart, NoSuchUpload, UpstreamError
from xpresign.multipart import Multipart
from xpresign.presigner import Presigner
from xpresign.values import Credentials

BUCKET = "header-signed-calls"
REGION = "us-east-1"
KEYS = ["uploads/plain.bin", "uploads/Été 2026 (final) + notes.bin", "uploads/a%2Fb ~ [1].bin"]


@pytest.fixture(scope="module")
def stack() -> SimpleNamespace:
    """A moto server of its own (the check is process-wide), with an IAM user
    allowed everything, then the check switched on: the presigner signs as
    that user, and ``s3`` is a boto3 client of the same user."""
    with MotoServer() as moto:
        admin = {"endpoint_url": moto.endpoint_url, "region_name": REGION, **EMULATOR_CREDENTIALS}
        boto3.client("s3", **admin).create_bucket(Bucket=BUCKET)
        iam = boto3.client("iam", **admin)
        iam.create_user(UserName="uploader")
        everything = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
        iam.put_user_policy(UserName="uploader", PolicyName="all", PolicyDocument=json.dumps(everything))
        key = iam.create_access_key(UserName="uploader")["AccessKey"]
        check_on = urllib.request.Request(
            f"{moto.endpoint_url}/moto-api/reset-auth", data=b"0", method="POST", headers={"Content-Type": "text/plain"}
        )
        urllib.request.urlopen(check_on, timeout=10).close()
        env = {
            "XPRESIGN_BUCKET": BUCKET,
            "XPRESIGN_UPLOAD_PREFIXES": "uploads/",
            "AWS_REGION": REGION,
            "AWS_ENDPOINT_URL": moto.endpoint_url,
        }
        credentials = Credentials(key["AccessKeyId"], key["SecretAccessKey"])
        yield SimpleNamespace(
            presigner=Presigner(load_config(env), CredentialBroker(StaticCredentials(credentials))),
            s3=boto3.client(
                "s3",
                endpoint_url=moto.endpoint_url,
                region_name=REGION,
                aws_access_key_id=credentials.access_key_id,
                aws_secret_access_key=credentials.secret_access_key,
            ),
        )


@pytest.fixture
def presigner(stack) -> Presigner:
    return stack.presigner


@pytest.mark.parametrize("key", KEYS)
def test_create_list_and_abort_are_signed_as_s3_checks_them(presigner, key):
    bucket, multipart = presigner.config.bucket(), Multipart(presigner)
    upload_id, key = multipart.create(bucket, key, "video/mp4")
    assert multipart.list_parts(bucket, key, upload_id) == []
    multipart.abort(bucket, key, upload_id)
    with pytest.raises(NoSuchUpload):
        multipart.list_parts(bucket, key, upload_id)


def test_a_wrong_signature_is_refused_so_the_check_is_on(presigner):
    wrong = Presigner(
        presigner.config, CredentialBroker(StaticCredentials(Credentials("AKIAIOSFODNN7EXAMPLE", "not-the-secret")))
    )
    with pytest.raises(UpstreamError, match=r"S3 refused CreateMultipartUpload \(HTTP 403\)"):
        Multipart(wrong).create(wrong.config.bucket(), KEYS[0])


def test_complete_takes_only_the_etags_listparts_shows(stack):
    """Completing joins whatever part holds the named ETag when S3 runs it: an
    ETag that ListParts does not show (a bigger part uploaded under the same
    number since) is refused before S3 is asked, so the size check holds."""
    bucket, multipart = stack.presigner.config.bucket(), Multipart(stack.presigner)
    upload_id, key = multipart.create(bucket, "uploads/checked.bin")
    # Header-signed: with its IAM check on, moto cannot take a presigned PUT.
    etag = stack.s3.upload_part(Bucket=BUCKET, Key=key, UploadId=upload_id, PartNumber=1, Body=b"small")["ETag"]
    other = '"' + hashlib.md5(b"a bigger part, uploaded later", usedforsecurity=False).hexdigest() + '"'
    with pytest.raises(InvalidPart, match="part 1"):
        multipart.complete(bucket, key, upload_id, [{"part_number": 1, "etag": other}])
    with pytest.raises(InvalidPart, match="part 2"):
        multipart.complete(bucket, key, upload_id, [{"part_number": 2, "etag": etag}])
    # Quoted or not, as S3 takes it.
    assert multipart.complete(bucket, key, upload_id, [{"part_number": 1, "etag": etag.strip('"')}])
