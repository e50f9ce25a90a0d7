"""`xpresign upload` when FILE changes under it, on moto: the size taken up
front is the size uploaded, or the upload is aborted and nothing is stored.
(The part-size rule and what FILE may be are in tests/unit/test_cli.py.)"""

from __future__ import annotations

import io
import os

import pytest

from tests.integration.test_cli_moto import admin_s3, as_lambda_role, fail_the_second_put  # noqa: F401 - a fixture
from xpresign.cli import ExitCode, main

# The shell of someone holding B's Lambda-role credentials, aimed at moto.
pytestmark = pytest.mark.usefixtures("as_lambda_role")

MIB = 1024 * 1024
SIZE = 17 * MIB  # three parts: 8 + 8 + 1 MiB


class TerminalStderr(io.StringIO):
    def isatty(self) -> bool:
        return True


def upload(two_accounts, path, key, stderr=None, *options: str):
    out, err = io.StringIO(), stderr if stderr is not None else io.StringIO()
    argv = ["upload", str(path), f"s3://{two_accounts.bucket}/{key}", "--role-arn", two_accounts.access_role_arn]
    argv += options
    code = main(argv, stdin=io.StringIO(), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def assert_nothing_stored(two_accounts, key):
    s3 = admin_s3(two_accounts)
    assert s3.list_multipart_uploads(Bucket=two_accounts.bucket, Prefix=key).get("Uploads", []) == []
    assert s3.list_objects_v2(Bucket=two_accounts.bucket, Prefix=key).get("KeyCount") == 0


def change(path, how: str, before: os.stat_result) -> None:
    if how == "grows":  # a log still being written: it used to upload a mix and exit 0
        with open(path, "ab") as handle:
            handle.write(os.urandom(6 * MIB))
    elif how == "shrinks":  # it used to end in S3's "EntityTooSmall"
        os.truncate(path, 12 * MIB)
    else:  # rewritten in place, the same size: only its modification time tells
        with open(path, "r+b") as handle:
            handle.write(os.urandom(MIB))
        os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns + 1_000_000_000))


@pytest.mark.parametrize("how", ["grows", "shrinks", "rewritten"])
def test_a_file_changed_during_a_multipart_upload_is_aborted(how, two_accounts, tmp_path, monkeypatch):
    from xpresign.cli import upload as program

    path = tmp_path / "big.bin"
    path.write_bytes(os.urandom(SIZE))
    before = os.stat(path)
    key = f"uploads/cli/changed-{how}.bin"
    real_put, sent = program._put, []

    def put_then_change(url, data, headers):
        sent.append(len(data))
        if len(sent) == 1:  # after the first part is read, while it is sent
            change(path, how, before)
        return real_put(url, data, headers)

    monkeypatch.setattr(program, "_put", put_then_change)
    code, out, err = upload(two_accounts, path, key)
    assert (code, out) == (ExitCode.ERROR, "")
    assert err == f"xpresign: error: FILE {str(path)!r} changed during the upload; it was aborted\n"
    assert_nothing_stored(two_accounts, key)


def test_the_bar_is_erased_before_the_abort_warning(two_accounts, tmp_path, monkeypatch):
    path = tmp_path / "big.bin"
    path.write_bytes(os.urandom(SIZE))
    key = "uploads/cli/bar-then-warning.bin"
    fail_the_second_put(monkeypatch)
    code, _, err = upload(two_accounts, path, key, stderr=TerminalStderr())
    assert code == ExitCode.ERROR
    drawn = f"\ruploading {8 * MIB}/{SIZE} ["
    assert drawn in err
    warning = "\r\x1b[Kxpresign: warning: the upload failed; its parts were deleted (aborted)\n"
    assert err.index(drawn) < err.index(warning)
    assert err.endswith(warning + "xpresign: error: cut\n")
    assert_nothing_stored(two_accounts, key)


def test_an_unchanged_file_still_uploads_in_its_parts(two_accounts, tmp_path):
    """The checks cost nothing on the happy path: the same bytes, the same parts."""
    data = os.urandom(SIZE)
    path = tmp_path / "big.bin"
    path.write_bytes(data)
    key = "uploads/cli/unchanged.bin"
    code, out, err = upload(two_accounts, path, key)
    assert (code, out.strip()) == (ExitCode.OK, f"s3://{two_accounts.bucket}/{key}")
    assert err == f"xpresign: uploaded {SIZE} bytes in 3 parts\n"
    assert admin_s3(two_accounts).get_object(Bucket=two_accounts.bucket, Key=key)["Body"].read() == data


def test_quiet_draws_no_bar_even_on_a_terminal(two_accounts, tmp_path):
    path = tmp_path / "big.bin"
    path.write_bytes(os.urandom(SIZE))
    code, out, err = upload(two_accounts, path, "uploads/cli/quiet.bin", TerminalStderr(), "--quiet")
    assert (code, err) == (ExitCode.OK, "")
    assert out.strip() == f"s3://{two_accounts.bucket}/uploads/cli/quiet.bin"


def test_a_key_that_would_drive_the_terminal_is_shown_escaped(two_accounts, tmp_path):
    path = tmp_path / "small.bin"
    path.write_bytes(b"data")
    key = "uploads/cli/a\x1b[2Jb.bin"
    code, out, err = upload(two_accounts, path, key)
    assert code == ExitCode.OK, err
    assert "\x1b" not in out and out.count("\n") == 1 and "\\x1b[2Jb.bin" in out, repr(out)
    assert admin_s3(two_accounts).get_object(Bucket=two_accounts.bucket, Key=key)["Body"].read() == b"data"


@pytest.mark.parametrize("slow", [False, True], ids=["fast link", "slow link"])
def test_parts_are_signed_again_before_their_urls_could_expire(slow, two_accounts, tmp_path, monkeypatch):
    """100 parts are signed at a time; on a slow link the last of them reached
    S3 after their URLs had expired (403), and the upload was aborted. A part
    that might arrive after its signing ends is signed again first."""
    from xpresign.cli import upload as program
    from xpresign.multipart import Multipart

    if slow:  # every part might take longer than any signing lasts
        monkeypatch.setattr(program, "PART_TIMEOUT_SECONDS", 10.0**9)
    signings = []
    real_sign = Multipart.sign_parts

    def counted(self, bucket, key, upload, numbers, **options):
        signings.append(list(numbers))
        return real_sign(self, bucket, key, upload, numbers, **options)

    monkeypatch.setattr(Multipart, "sign_parts", counted)
    path = tmp_path / "three-parts.bin"
    data = os.urandom(SIZE)
    path.write_bytes(data)
    key = f"uploads/cli/resigned-{slow}.bin"
    code, _, err = upload(two_accounts, path, key)
    assert code == ExitCode.OK, err
    assert signings == ([[1, 2, 3], [2, 3], [3]] if slow else [[1, 2, 3]])
    assert admin_s3(two_accounts).get_object(Bucket=two_accounts.bucket, Key=key)["Body"].read() == data
