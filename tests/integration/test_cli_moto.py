"""`xpresign url --role-arn` end to end on moto: the CLI, holding account B's
Lambda-role credentials, assumes account A's role through STS and prints URLs
that download the right bytes from A's bucket."""

from __future__ import annotations

import hashlib
import io
import json
import os
import urllib.parse
import urllib.request

import pytest

from xpresign.cli import ExitCode, main
from xpresign.credentials import EXPIRY_SAFETY_MARGIN_SECONDS
from xpresign.emulator import assume
from xpresign.sts import ROLE_CHAINING_MAX_SECONDS


@pytest.fixture
def as_lambda_role(two_accounts, monkeypatch):
    """The shell of someone holding B's Lambda-role credentials, aimed at moto."""
    creds = two_accounts.lambda_credentials()
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", creds["aws_access_key_id"])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", creds["aws_secret_access_key"])
    monkeypatch.setenv("AWS_SESSION_TOKEN", creds["aws_session_token"])
    monkeypatch.setenv("AWS_REGION", two_accounts.region)
    monkeypatch.setenv("AWS_ENDPOINT_URL", two_accounts.endpoint_url)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    return creds


def run(argv, stdin: str = ""):
    out, err = io.StringIO(), io.StringIO()
    code = main(argv, stdin=io.StringIO(stdin), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def sha256_of(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as response:
        return hashlib.sha256(response.read()).hexdigest()


def test_assumed_role_urls_download_the_right_bytes(two_accounts, as_lambda_role):
    keys = list(two_accounts.objects)
    uris = [f"s3://{two_accounts.bucket}/{key}" for key in keys]
    code, out, err = run(["url", *uris, "--role-arn", two_accounts.access_role_arn, "--expires-in", "600"])
    assert (code, err) == (ExitCode.OK, "")
    urls = out.splitlines()
    assert len(urls) == len(keys)
    for key, url in zip(keys, urls, strict=True):
        query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))
        # Signed by A's role session, not with the caller's own B credentials.
        assert not query["X-Amz-Credential"].startswith(as_lambda_role["aws_access_key_id"] + "/")
        assert query["X-Amz-Security-Token"] != as_lambda_role["aws_session_token"]
        assert sha256_of(url) == hashlib.sha256(two_accounts.objects[key]).hexdigest()


def test_expiry_beyond_the_role_session_is_capped_and_says_so(two_accounts, as_lambda_role):
    lines = "".join(f"{key}\n" for key in two_accounts.objects)
    code, out, err = run(
        ["url", "--from", "-", "--bucket", two_accounts.bucket, "--role-arn", two_accounts.access_role_arn,
         "--expires-in", "7200", "--json"],
        stdin=lines,
    )  # fmt: skip
    assert (code, err) == (ExitCode.OK, "")
    results = [json.loads(line) for line in out.splitlines()]
    assert [r["key"] for r in results] == list(two_accounts.objects)
    for result in results:
        assert result["capped_by"] == "credentials"
        assert result["expires_in"] <= ROLE_CHAINING_MAX_SECONDS - EXPIRY_SAFETY_MARGIN_SECONDS
        assert f"X-Amz-Expires={result['expires_in']}&" in result["url"]
    assert sha256_of(results[-1]["url"]) == hashlib.sha256(two_accounts.objects[results[-1]["key"]]).hexdigest()


def test_check_maps_s3_answers_to_exit_codes(two_accounts, as_lambda_role):
    """--check HEADs each object with the signing credentials: every URL is
    still printed for the objects that exist, each missing one is one line on
    stderr, and the run exits 7 (NOT_FOUND)."""
    present = next(iter(two_accounts.objects))
    base = f"s3://{two_accounts.bucket}/"
    code, out, err = run(["url", base + present, base + "movies/missing.mp4", "--role-arn",
                          two_accounts.access_role_arn, "--check", "--expires-in", "600"])  # fmt: skip
    assert code == ExitCode.NOT_FOUND
    assert (
        len(out.splitlines()) == 1
        and sha256_of(out.strip()) == hashlib.sha256(two_accounts.objects[present]).hexdigest()
    )
    assert (
        err
        == f"xpresign: error: {base}movies/missing.mp4: NoSuchKey: no such object (checked with the bucket owner's role)\n"
    )


def test_check_shows_a_key_with_control_characters_escaped(two_accounts, as_lambda_role):
    """A missing key with a newline and a terminal escape (OSC: set the window
    title) is reported on one line, escaped: nothing reaches the terminal raw."""
    key = "movies/evil\n\x1b]0;pwned\x07.mp4"
    code, out, err = run(["url", f"s3://{two_accounts.bucket}/{key}", "--role-arn", two_accounts.access_role_arn,
                          "--check"])  # fmt: skip
    assert code == ExitCode.NOT_FOUND and out == ""
    assert err.count("\n") == 1 and "\x1b" not in err and "\x07" not in err
    assert err.startswith(
        f"xpresign: error: 's3://{two_accounts.bucket}/movies/evil\\n\\x1b]0;pwned\\x07.mp4': NoSuchKey"
    )


def test_check_in_json_mode_reports_each_key(two_accounts, as_lambda_role):
    base = f"s3://{two_accounts.bucket}/"
    code, out, err = run(["url", base + "movies/missing.mp4", "--role-arn", two_accounts.access_role_arn, "--check",
                          "--json"])  # fmt: skip
    assert (code, err) == (ExitCode.NOT_FOUND, "")
    (line,) = out.splitlines()
    assert json.loads(line)["error"]["code"] == "NoSuchKey"


# --- uploads ---------------------------------------------------------------------------------


def admin_s3(two_accounts):
    from xpresign.emulator import ACCOUNT_A, client

    return client(
        "s3", two_accounts.endpoint_url, assume(two_accounts.endpoint_url, f"arn:aws:iam::{ACCOUNT_A}:role/admin")
    )


def test_url_with_method_put_prints_the_url_and_the_headers_to_send(two_accounts, as_lambda_role):
    body = b"uploaded by the CLI"
    key = "uploads/cli/put.txt"
    code, out, err = run(["url", f"s3://{two_accounts.bucket}/{key}", "--method", "PUT", "--content-length",
                          str(len(body)), "--content-type", "text/plain", "--role-arn", two_accounts.access_role_arn,
                          "--expires-in", "600"])  # fmt: skip
    assert code == ExitCode.OK, err
    assert err == f"xpresign: send these headers with the PUT: Content-Type: text/plain, Content-Length: {len(body)}\n"
    request = urllib.request.Request(
        out.strip(), data=body, method="PUT", headers={"Content-Type": "text/plain", "Content-Length": str(len(body))}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200
    stored = admin_s3(two_accounts).get_object(Bucket=two_accounts.bucket, Key=key)
    assert stored["Body"].read() == body and stored["ContentType"] == "text/plain"


@pytest.mark.parametrize("argv", [["--method", "PUT"], ["--content-length", "5"], ["--method", "PUT", "--content-length",
                                   "5", "--filename", "x"]])  # fmt: skip
def test_url_put_options_are_checked(argv, as_lambda_role):
    code, _, err = run(["url", "s3://b-1/k", *argv])
    assert code == ExitCode.USAGE and err.startswith("xpresign: error: --")


@pytest.mark.parametrize("size", [1000, 20 * 1024 * 1024 + 17], ids=["single-put", "multipart"])
def test_upload_stores_the_exact_bytes(two_accounts, as_lambda_role, tmp_path, size):
    data = os.urandom(size)
    path = tmp_path / "file.bin"
    path.write_bytes(data)
    key = f"uploads/cli/{size}.bin"
    code, out, err = run(["upload", str(path), f"s3://{two_accounts.bucket}/{key}", "--role-arn",
                          two_accounts.access_role_arn, "--json"])  # fmt: skip
    assert code == ExitCode.OK, err
    result = json.loads(out)
    assert (result["size"], result["parts"]) == (size, 1 if size < 8 * 1024 * 1024 else 3)
    stored = admin_s3(two_accounts).get_object(Bucket=two_accounts.bucket, Key=key)["Body"].read()
    assert hashlib.sha256(stored).digest() == hashlib.sha256(data).digest()


def fail_the_second_put(monkeypatch, failure: type[BaseException] = OSError) -> None:
    """The CLI's second PUT (the second part of a multipart upload) fails with ``failure``."""
    from xpresign.cli import upload

    real_put, calls = upload._put, []

    def failing_put(url, data, headers):
        calls.append(url)
        if len(calls) == 2:
            raise failure("cut")
        return real_put(url, data, headers)

    monkeypatch.setattr(upload, "_put", failing_put)


@pytest.mark.parametrize("failure", [KeyboardInterrupt, OSError], ids=["ctrl-c", "network"])
def test_a_failed_multipart_upload_is_aborted(two_accounts, as_lambda_role, tmp_path, monkeypatch, failure):

    path = tmp_path / "big.bin"
    path.write_bytes(os.urandom(17 * 1024 * 1024))
    key = f"uploads/cli/aborted-{failure.__name__}.bin"
    fail_the_second_put(monkeypatch, failure)
    code, _, err = run(
        ["upload", str(path), f"s3://{two_accounts.bucket}/{key}", "--role-arn", two_accounts.access_role_arn]
    )
    assert code in (ExitCode.INTERRUPTED, ExitCode.ERROR), err
    assert "parts were deleted (aborted)" in err
    uploads = admin_s3(two_accounts).list_multipart_uploads(Bucket=two_accounts.bucket, Prefix=key).get("Uploads", [])
    assert uploads == []
