"""Control group: boto3-made presigned URLs against SeaweedFS.

These prove the fixture is a real oracle (it accepts what AWS would accept and
refuses what AWS would refuse) before xpresign's own presigner and STS client
are held to it. If one of these fails, the fixture or SeaweedFS changed, not
xpresign.
"""

from __future__ import annotations

import datetime as dt
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from xml.etree import ElementTree

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

pytestmark = pytest.mark.seaweedfs

KEYS = [
    "plain.txt",
    "with space.txt",
    "ünïcödé ✓.txt",
    "a+b=c.txt",
    "tilde~name.txt",
    "deep/nested/prefix/file.bin",
]


def fetch(url: str, method: str = "GET") -> tuple[int, bytes, dict[str, str], str | None]:
    """(status, body, headers, S3 error code or None) without raising."""
    req = urllib.request.Request(url, method=method)
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, resp.read(), dict(resp.headers), None
    except urllib.error.HTTPError as e:
        body = e.read()
        m = re.search(rb"<Code>([^<]+)</Code>", body)
        return e.code, body, dict(e.headers), m.group(1).decode() if m else None


def presign(seaweedfs, credentials, key: str, expires: int = 300, region: str | None = None, **params) -> str:
    client = seaweedfs.boto3_client("s3", credentials, region=region)
    return client.generate_presigned_url(
        "get_object", Params={"Bucket": seaweedfs.bucket, "Key": key, **params}, ExpiresIn=expires
    )


def replace_query(url: str, name: str, value: str | None) -> str:
    """The URL with one query parameter replaced (or dropped if value is None),
    everything else byte-for-byte as signed."""
    parts = urllib.parse.urlsplit(url)
    pairs = [p.split("=", 1) for p in parts.query.split("&")]
    out = [
        f"{k}={urllib.parse.quote(value, safe='') if k == name else v}"
        for k, v in pairs
        if k != name or value is not None
    ]
    return urllib.parse.urlunsplit(parts._replace(query="&".join(out)))


@pytest.fixture(scope="module")
def role_creds(seaweedfs):
    return seaweedfs.assume_role(session_name="oracle")


@pytest.fixture(scope="module")
def objects(seaweedfs):
    allowed = {seaweedfs.allowed_prefix + k: f"body of {k}".encode() for k in KEYS}
    for key, data in allowed.items():
        seaweedfs.put_object(key, data)
    denied = seaweedfs.denied_prefix + "secret.txt"
    seaweedfs.put_object(denied, b"must not leak")
    return allowed, denied


@pytest.mark.parametrize("name", KEYS)
def test_allowed_key_downloads(seaweedfs, role_creds, objects, name):
    key = seaweedfs.allowed_prefix + name
    status, body, _, code = fetch(presign(seaweedfs, role_creds, key))
    assert (status, code) == (200, None)
    assert body == objects[0][key]


def test_response_content_disposition_is_honoured(seaweedfs, role_creds, objects):
    disposition = 'attachment; filename="report final.txt"'
    url = presign(seaweedfs, role_creds, seaweedfs.allowed_prefix + "plain.txt", ResponseContentDisposition=disposition)
    status, _, headers, _ = fetch(url)
    assert status == 200
    assert headers["Content-Disposition"] == disposition


def test_tampered_signature_is_refused(seaweedfs, role_creds, objects):
    url = presign(seaweedfs, role_creds, seaweedfs.allowed_prefix + "plain.txt")
    sig = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)["X-Amz-Signature"][0]
    flipped = sig[:-1] + ("0" if sig[-1] != "0" else "1")
    status, _, _, code = fetch(replace_query(url, "X-Amz-Signature", flipped))
    assert (status, code) == (403, "SignatureDoesNotMatch")


def test_url_for_one_key_does_not_open_another(seaweedfs, role_creds, objects):
    url = presign(seaweedfs, role_creds, seaweedfs.allowed_prefix + "plain.txt")
    other = url.replace("/plain.txt?", "/tilde~name.txt?")
    assert other != url
    status, _, _, code = fetch(other)
    assert (status, code) == (403, "SignatureDoesNotMatch")


def test_get_url_is_refused_for_put(seaweedfs, role_creds, objects):
    url = presign(seaweedfs, role_creds, seaweedfs.allowed_prefix + "plain.txt")
    status, _, _, code = fetch(url, method="PUT")
    assert (status, code) == (403, "SignatureDoesNotMatch")


def test_key_outside_role_policy_is_refused(seaweedfs, role_creds, objects):
    denied = objects[1]
    # The object exists (admin can read it), so the 403 is the role's policy.
    assert fetch(presign(seaweedfs, seaweedfs.admin_credentials, denied))[0] == 200
    status, body, _, code = fetch(presign(seaweedfs, role_creds, denied))
    assert (status, code) == (403, "AccessDenied")
    assert b"must not leak" not in body


def test_callers_own_keys_cannot_read(seaweedfs, objects):
    # Only the assumed role grants s3:GetObject; the caller may only AssumeRole.
    url = presign(seaweedfs, seaweedfs.caller_credentials, seaweedfs.allowed_prefix + "plain.txt")
    status, _, _, code = fetch(url)
    assert (status, code) == (403, "AccessDenied")


@pytest.mark.parametrize("token", [None, "altered"])
def test_session_token_removed_or_altered_is_refused(seaweedfs, role_creds, objects, token):
    url = presign(seaweedfs, role_creds, seaweedfs.allowed_prefix + "plain.txt")
    if token == "altered":
        original = role_creds["SessionToken"]
        token = original[:-4] + ("AAAA" if not original.endswith("AAAA") else "BBBB")
    status, _, _, code = fetch(replace_query(url, "X-Amz-Security-Token", token))
    # SeaweedFS resolves an ASIA key only through a valid session token.
    assert (status, code) == (403, "InvalidAccessKeyId")


@pytest.mark.slow
def test_expired_url_is_refused(seaweedfs, role_creds, objects):
    url = presign(seaweedfs, role_creds, seaweedfs.allowed_prefix + "plain.txt", expires=3)
    # Valid first, so the later refusal is the expiry and nothing else.
    assert fetch(url)[0] == 200
    time.sleep(4.5)
    status, body, _, code = fetch(url)
    assert (status, code) == (403, "AccessDenied")
    assert b"Request has expired" in body


def test_minted_session_is_accepted_until_it_expires(seaweedfs, objects):
    key = seaweedfs.allowed_prefix + "plain.txt"
    # Guards the helper: if SeaweedFS's token format changes, this fails here
    # instead of letting "expired" tests pass for the wrong reason.
    live = seaweedfs.mint_session_credentials(ttl_seconds=600)
    assert fetch(presign(seaweedfs, live, key))[0] == 200
    # The minted role session keeps the role's policy.
    assert fetch(presign(seaweedfs, live, objects[1]))[3] == "AccessDenied"
    expired = seaweedfs.mint_session_credentials(ttl_seconds=-10)
    status, _, _, code = fetch(presign(seaweedfs, expired, key))
    # An expired STS session reads as an unknown key, as with AWS.
    assert (status, code) == (403, "InvalidAccessKeyId")


def test_quirk_region_in_scope_is_not_checked(seaweedfs, role_creds, objects):
    # Pinned so nobody relies on SeaweedFS to catch a wrong region: it
    # accepts any region in the credential scope. If this starts failing,
    # SeaweedFS began checking it and region tests become possible.
    url = presign(seaweedfs, role_creds, seaweedfs.allowed_prefix + "plain.txt", region="eu-west-1")
    assert "%2Feu-west-1%2Fs3%2F" in url
    assert fetch(url)[0] == 200


def test_assume_role_form_post_with_sigv4_header_auth(seaweedfs):
    """The request shape xpresign's STS client sends: a form-encoded POST to
    "/" signed with SigV4 header auth for service "sts"."""
    body = urllib.parse.urlencode(
        {
            "Action": "AssumeRole",
            "Version": "2011-06-15",
            "RoleArn": seaweedfs.role_arn,
            "RoleSessionName": "form-post",
            "DurationSeconds": "900",
        }
    )
    request = AWSRequest(
        method="POST",
        url=seaweedfs.sts_endpoint_url + "/",
        data=body,
        headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
    )
    SigV4Auth(Credentials(*seaweedfs.caller_credentials), "sts", seaweedfs.region).add_auth(request)
    prepared = request.prepare()
    before = dt.datetime.now(dt.UTC)
    req = urllib.request.Request(prepared.url, data=body.encode(), method="POST", headers=dict(prepared.headers))
    with urllib.request.urlopen(req, timeout=10) as resp:
        assert resp.status == 200
        xml = resp.read()
    ns = {"sts": "https://sts.amazonaws.com/doc/2011-06-15/"}
    creds = ElementTree.fromstring(xml).find("sts:AssumeRoleResult/sts:Credentials", ns)
    assert creds is not None, xml
    fields = {child.tag.split("}")[1]: child.text for child in creds}
    assert fields["AccessKeyId"].startswith("ASIA")
    assert fields["SecretAccessKey"] and fields["SessionToken"]
    # RFC 3339 with a Z, whole seconds; DurationSeconds is honoured.
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", fields["Expiration"])
    expiration = dt.datetime.strptime(fields["Expiration"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)
    assert abs((expiration - before).total_seconds() - 900) < 30
    # And the credentials work.
    role = {k: fields[k] for k in ("AccessKeyId", "SecretAccessKey", "SessionToken")}
    seaweedfs.put_object(seaweedfs.allowed_prefix + "form-post.txt", b"via form post")
    assert fetch(presign(seaweedfs, role, seaweedfs.allowed_prefix + "form-post.txt"))[1] == b"via form post"
