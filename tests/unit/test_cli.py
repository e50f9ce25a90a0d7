"""The `xpresign` command line, run in-process through `main(argv)`.

Signing is held to botocore: a URL the CLI prints must equal, byte for byte,
the one botocore generates for the same credentials, key and instant (botocore's
clock frozen at the URL's X-Amz-Date). Roles are assumed from a fake STS on
loopback (tests/support/fake_sts.py) that checks each request's signature.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import json
import os
import subprocess
import sys
import urllib.parse
from unittest import mock

import boto3
import pytest
from botocore.config import Config as BotoConfig

from tests.support.fake_sts import ACCESS_DENIED, SERVICE_UNAVAILABLE, FakeSts
from xpresign.cli import PROGRESS_THRESHOLD, ExitCode, main
from xpresign.credentials import EXPIRY_SAFETY_MARGIN_SECONDS

REGION = "eu-west-1"
AKID, SECRET, TOKEN = "AKIDEXAMPLECLI000001", "cli-secret-key-for-tests", "cli-session-token/+="


@pytest.fixture
def static_credentials(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", AKID)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    monkeypatch.setenv("AWS_REGION", REGION)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


def run(argv, stdin: str = "", stderr=None):
    out, err = io.StringIO(), stderr if stderr is not None else io.StringIO()
    code = main(argv, stdin=io.StringIO(stdin), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def assert_one_line_error(code, out, err, expected: ExitCode, *fragments: str):
    assert code == expected, err
    assert out == ""
    assert err.startswith("xpresign: error: ") and err.endswith("\n") and err.count("\n") == 1, err
    for fragment in fragments:
        assert fragment in err


@functools.cache
def s3_client(akid: str, secret: str, token: str | None):
    return boto3.session.Session(
        aws_access_key_id=akid, aws_secret_access_key=secret, aws_session_token=token, region_name=REGION
    ).client("s3", config=BotoConfig(signature_version="s3v4", s3={"addressing_style": "virtual"}))


def botocore_url(
    url: str, bucket: str, key: str, token: str | None = None, *, akid: str = AKID, secret: str = SECRET, **params
) -> str:
    """What botocore generates for the same request, at the URL's own X-Amz-Date."""
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))
    moment = dt.datetime.strptime(query["X-Amz-Date"], "%Y%m%dT%H%M%SZ")
    client = s3_client(akid, secret, token)
    with mock.patch("botocore.auth.get_current_datetime", return_value=moment):
        return client.generate_presigned_url(
            "get_object", Params={"Bucket": bucket, "Key": key, **params}, ExpiresIn=int(query["X-Amz-Expires"])
        )


# --- help, version, usage errors ---------------------------------------------------------------


@pytest.mark.parametrize("command", [[], ["url"], ["upload"], ["demo"], ["build-lambda"]])
def test_help_for_every_command_exits_0(command, capsys):
    assert main([*command, "--help"]) == ExitCode.OK
    printed = capsys.readouterr().out
    assert printed.startswith(f"usage: {' '.join(['xpresign', *command])}")


def test_version(capsys):
    assert main(["--version"]) == ExitCode.OK
    assert capsys.readouterr().out.startswith("xpresign ")


def test_python_dash_m_runs_the_same_program():
    done = subprocess.run(
        [sys.executable, "-m", "xpresign", "url", "not-a-uri"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == ExitCode.USAGE
    assert done.stderr.startswith("xpresign: error: not an s3:// URI") and done.stderr.count("\n") == 1
    assert "Traceback" not in done.stderr


def test_no_command_is_a_one_line_usage_error():
    assert_one_line_error(*run([]), ExitCode.USAGE, "COMMAND")


@pytest.mark.parametrize(
    ("uri", "fragment"),
    [
        ("movies/a.mp4", "not an s3:// URI"),
        ("https://bucket/key", "not an s3:// URI"),
        ("s3://", "names no bucket"),
        ("s3:///key", "names no bucket"),
        ("s3://bucket", "names no object key"),
        ("s3://bucket/", "names no object key"),
        ("s3://bad bucket!/key", "invalid bucket name"),
        ("s3://bucket/" + "k" * 1025, "S3 allows at most 1024"),
    ],
)
def test_a_bad_uri_is_a_usage_error(uri, fragment, static_credentials):
    assert_one_line_error(*run(["url", uri]), ExitCode.USAGE, fragment)


@pytest.mark.parametrize("value", ["0", "604801", "2h", "-5", "1.5"])
def test_a_bad_expiry_is_a_usage_error(value, static_credentials):
    assert_one_line_error(
        *run(["url", "s3://bucket/key", "--expires-in", value]), ExitCode.USAGE, "--expires-in", repr(value)
    )


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (["--external-id", "abc123"], "--external-id needs --role-arn"),
        (["--role-duration", "7200"], "--role-duration needs --role-arn"),
        (["--role-arn", "arn:aws:iam::12:role/x"], "--role-arn: 'arn:aws:iam::12:role/x' is not an IAM role ARN"),
        (["--role-arn", "arn:aws:iam::111111111111:role/r", "--external-id", "x"], "--external-id: must be 2 to 1224"),
        (["--region", "moon"], "--region: 'moon' is not an AWS region name"),
        (["--filename", "a\nb.txt"], "--filename must be non-empty printable text"),
        (["--no-such-option"], "unrecognized arguments"),
    ],
)
def test_bad_options_are_usage_errors(argv, fragment, static_credentials):
    assert_one_line_error(*run(["url", "s3://bucket/key", *argv]), ExitCode.USAGE, fragment)


def test_nothing_to_sign_is_a_usage_error(static_credentials):
    assert_one_line_error(*run(["url"]), ExitCode.USAGE, "nothing to sign")


def test_no_region_anywhere_is_a_usage_error(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", AKID)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    assert_one_line_error(*run(["url", "s3://bucket/key"]), ExitCode.USAGE, "no region", "--region")


def test_no_credentials_is_a_one_line_error(monkeypatch):
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")  # don't wait for an instance role
    assert_one_line_error(
        *run(["url", "s3://bucket/key", "--region", REGION]), ExitCode.NO_CREDENTIALS, "no credentials"
    )


def test_an_unknown_profile_is_a_one_line_error(static_credentials):
    assert_one_line_error(
        *run(["url", "s3://bucket/key", "--profile", "no-such-profile"]), ExitCode.NO_CREDENTIALS, "no-such-profile"
    )


# --- signing ------------------------------------------------------------------------------------


@pytest.mark.parametrize("token", [None, TOKEN])
@pytest.mark.parametrize("key", ["movies/metropolis.mp4", "movies/un chien andalou – 1929 (restored)+.mp4"])
def test_url_equals_botocores_for_the_same_instant(key, token, static_credentials, monkeypatch):
    if token:
        monkeypatch.setenv("AWS_SESSION_TOKEN", token)
    code, out, err = run(["url", f"s3://classic-movies/{key}", "--expires-in", "1234"])
    assert (code, err) == (ExitCode.OK, "")
    url = out.rstrip("\n")
    assert out.count("\n") == 1
    assert "X-Amz-Expires=1234" in url
    assert url == botocore_url(url, "classic-movies", key, token)


def test_filename_becomes_the_content_disposition(static_credentials):
    code, out, _ = run(["url", "s3://classic-movies/movies/m.mp4", "--filename", "Metropolis (1927).mp4"])
    url = out.strip()
    assert code == ExitCode.OK
    assert url == botocore_url(
        url, "classic-movies", "movies/m.mp4", ResponseContentDisposition='attachment; filename="Metropolis (1927).mp4"'
    )


def test_filename_with_many_keys_is_a_usage_error(static_credentials):
    argv = ["url", "s3://b-1/a", "s3://b-1/b", "--filename", "x.mp4"]
    assert_one_line_error(*run(argv), ExitCode.USAGE, "--filename", "2 were given")


def test_json_for_one_key_is_the_result_object(static_credentials):
    code, out, _ = run(["url", "s3://classic-movies/movies/a.mp4", "--json", "--expires-in", "900"])
    assert code == ExitCode.OK
    result = json.loads(out)
    assert set(result) == {"url", "bucket", "key", "expires_at", "expires_in", "capped_by"}
    assert (result["bucket"], result["key"], result["expires_in"], result["capped_by"]) == (
        "classic-movies", "movies/a.mp4", 900, None,
    )  # fmt: skip
    signed_at = dt.datetime.strptime(
        dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(result["url"]).query))["X-Amz-Date"], "%Y%m%dT%H%M%SZ"
    )
    assert result["expires_at"] == (signed_at + dt.timedelta(seconds=900)).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_from_stdin_mixes_uris_and_bare_keys_one_line_each(static_credentials):
    lines = "s3://other-bucket/x/1.bin\n\nmovies/a b.mp4\n   \nmovies/ü.mp4\r\ns3://classic-movies/z\n"
    code, out, err = run(["url", "s3://first/0", "--from", "-", "--bucket", "classic-movies", "--json"], stdin=lines)
    assert (code, err) == (ExitCode.OK, "")
    results = [json.loads(line) for line in out.splitlines()]
    assert [(r["bucket"], r["key"]) for r in results] == [
        ("first", "0"),
        ("other-bucket", "x/1.bin"),
        ("classic-movies", "movies/a b.mp4"),
        ("classic-movies", "movies/ü.mp4"),
        ("classic-movies", "z"),
    ]
    for r in results:
        assert r["url"] == botocore_url(r["url"], r["bucket"], r["key"])


def test_from_a_file_prints_one_url_per_key_in_order(static_credentials, tmp_path):
    keys = [f"movies/{i:04d}.mp4" for i in range(50)]
    listing = tmp_path / "keys.txt"
    listing.write_text("".join(f"s3://classic-movies/{key}\n" for key in keys), encoding="utf-8")
    code, out, _ = run(["url", "--from", str(listing)])
    urls = out.splitlines()
    assert code == ExitCode.OK and len(urls) == len(keys)
    assert [urllib.parse.unquote(urllib.parse.urlsplit(u).path) for u in urls] == [f"/{key}" for key in keys]


def test_a_bare_key_without_bucket_names_its_line(static_credentials):
    code, out, err = run(["url", "--from", "-"], stdin="s3://b-1/ok\n\nmovies/bare.mp4\n")
    assert_one_line_error(code, out, err, ExitCode.USAGE, "stdin line 3:", "--bucket")


def test_a_byte_order_mark_is_no_part_of_the_first_key(static_credentials, tmp_path):
    listing = tmp_path / "keys.txt"
    listing.write_bytes("a.txt\r\nb.txt\r\n".encode("utf-8-sig"))  # as Notepad saves it
    for argv, stdin in ((["--from", str(listing)], ""), (["--from", "-"], "\ufeffa.txt\nb.txt\n")):
        code, out, err = run(["url", *argv, "--bucket", "b-1", "--json"], stdin=stdin)
        assert (code, err) == (ExitCode.OK, "")
        assert [json.loads(line)["key"] for line in out.splitlines()] == ["a.txt", "b.txt"]


def test_an_unreadable_from_file_is_a_usage_error(static_credentials, tmp_path):
    assert_one_line_error(*run(["url", "--from", str(tmp_path / "missing.txt")]), ExitCode.USAGE, "cannot read")
    latin1 = tmp_path / "latin1.txt"
    latin1.write_bytes("s3://b-1/caf\xe9\n".encode("latin-1"))
    assert_one_line_error(*run(["url", "--from", str(latin1)]), ExitCode.USAGE, "not UTF-8")


@pytest.mark.parametrize(
    "argv",
    [
        ["url", "s3://b-1/k", "--role-arn", ""],
        ["url", "s3://b-1/k", "--region", ""],
        ["url", "s3://b-1/k", "--role-arn", "arn:aws:iam::111111111111:role/r", "--external-id", ""],
        ["url", "s3://b-1/k", "--profile", ""],
        ["upload", "f.bin", "s3://b-1/k", "--role-arn", ""],
        ["serve", "--host", ""],
    ],
    ids=["role-arn", "region", "external-id", "profile", "upload-role-arn", "serve-host"],
)
def test_an_empty_option_is_refused_not_ignored(argv, static_credentials):
    """`--role-arn "$ROLE"` with ROLE unset must not sign with the caller's own credentials."""
    option = argv[argv.index("") - 1]
    assert_one_line_error(*run(argv), ExitCode.USAGE, f"argument {option}: must not be empty")


def test_closed_stdout_is_one_line_on_stderr_and_both_closed_still_fail(static_credentials):
    """With a region and credentials, the URL is signed: its printing used to be a traceback."""
    command = [sys.executable, "-m", "xpresign", "url", "s3://b-1/a.txt"]
    for redirect, stderr in ((">&-", "xpresign: error: stdout is closed\n"), (">&- 2>&-", "")):
        shell = ["sh", "-c", f'exec "$@" {redirect}', "sh", *command]
        done = subprocess.run(shell, stderr=subprocess.PIPE, text=True, timeout=60)
        assert (done.returncode, done.stderr) == (ExitCode.ERROR, stderr)


def test_build_lambda_takes_only_the_runtimes_lambda_and_the_module_know(tmp_path):
    code, out, err = run(["build-lambda", "--runtime", "nonsense", "--output", str(tmp_path)])
    assert_one_line_error(code, out, err, ExitCode.USAGE, "--runtime", "invalid choice", "python3.13")
    assert list(tmp_path.iterdir()) == []


# --- url --method PUT ------------------------------------------------------------------------------


def test_a_put_over_5_gib_is_refused_by_its_option(static_credentials):
    argv = ["url", "s3://b-1/k", "--method", "PUT", "--content-length"]
    assert_one_line_error(
        *run([*argv, str(5 * 1024**3 + 1)]),
        ExitCode.USAGE,
        "--content-length: must be a whole number of bytes from 0 to 5368709120",
    )
    code, _, err = run([*argv, str(5 * 1024**3)])
    assert (code, err.count("\n")) == (ExitCode.OK, 1) and "Content-Length: 5368709120" in err


# --- upload: what FILE must be, and the part size ---------------------------------------------------


def test_upload_of_what_is_no_regular_file_is_a_usage_error(static_credentials, tmp_path):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)  # opened without waiting for a writer: refused at once
    for path in (tmp_path / "missing.bin", tmp_path, fifo, "/dev/null"):
        code, out, err = run(["upload", str(path), "s3://b-1/k"])
        assert_one_line_error(code, out, err, ExitCode.USAGE, f"FILE: cannot read {str(path)!r}: ")
        assert "regular file" in err or "directory" in err or "No such file" in err


@pytest.mark.parametrize("change", ["grows", "shrinks", "rewritten"])
def test_a_small_file_changed_after_its_size_was_taken_is_not_uploaded(
    change, static_credentials, tmp_path, monkeypatch
):
    from xpresign.cli import upload

    path = tmp_path / "small.bin"
    path.write_bytes(b"x" * 1000)
    real_open = upload._open_regular

    def open_then_change(name):
        opened = real_open(name)
        if change == "grows":
            path.write_bytes(b"x" * 2000)
        elif change == "shrinks":
            path.write_bytes(b"x" * 10)
        else:  # the same size, other bytes, a later modification time
            path.write_bytes(b"y" * 1000)
            os.utime(path, ns=(opened[1].st_atime_ns, opened[1].st_mtime_ns + 1_000_000_000))
        return opened

    monkeypatch.setattr(upload, "_open_regular", open_then_change)
    monkeypatch.setattr(upload, "_put", mock.Mock(side_effect=AssertionError("nothing may be sent")))
    assert_one_line_error(
        *run(["upload", str(path), "s3://b-1/k"]),
        ExitCode.ERROR,
        f"FILE {str(path)!r} changed during the upload; nothing was stored",
    )


def test_part_size_fits_any_object_s3_takes_in_10000_parts():
    from xpresign.cli.upload import MIB, part_size
    from xpresign.config_bucket import MAX_OBJECT_SIZE

    assert part_size(8 * MIB + 1) == 8 * MIB
    assert part_size(10_000 * 8 * MIB) == 8 * MIB
    assert part_size(10_000 * 8 * MIB + 1) == 9 * MIB
    assert part_size(MAX_OBJECT_SIZE) == 525 * MIB
    for size in (8 * MIB + 1, 78 * 1024 * MIB, 100 * 1024**3, 10_000 * 8 * MIB + 1, 1024**4 + 3, MAX_OBJECT_SIZE):
        each = part_size(size)
        assert each % MIB == 0 and 8 * MIB <= each <= 5 * 1024**3
        assert -(-size // each) <= 10_000


def test_a_file_larger_than_s3_takes_is_refused_before_anything_is_sent(static_credentials, tmp_path):
    from xpresign.config_bucket import MAX_OBJECT_SIZE

    path = tmp_path / "sparse.bin"
    with open(path, "wb") as handle:
        handle.truncate(MAX_OBJECT_SIZE + 1)  # sparse: no disk space used
    assert_one_line_error(
        *run(["upload", str(path), "s3://b-1/k"]), ExitCode.USAGE, "S3 objects are at most 5497558138880"
    )


# --- progress bar ------------------------------------------------------------------------------


class TerminalStderr(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(
    ("count", "terminal", "drawn"),
    [(PROGRESS_THRESHOLD + 1, True, True), (PROGRESS_THRESHOLD, True, False), (PROGRESS_THRESHOLD + 1, False, False)],
)
def test_progress_bar_only_on_a_terminal_above_the_threshold(count, terminal, drawn, static_credentials):
    stdin = "".join(f"k/{i}\n" for i in range(count))
    code, out, err = run(
        ["url", "--from", "-", "--bucket", "b-1"], stdin=stdin, stderr=TerminalStderr() if terminal else None
    )
    assert code == ExitCode.OK
    assert len(out.splitlines()) == count
    if drawn:
        assert f"\rsigning {count}/{count} [" in err and "100%" in err
        assert err.endswith("\r\x1b[K")  # erased when done
    else:
        assert err == ""


def test_no_progress_bar_when_the_urls_go_to_the_terminal_too(static_credentials):
    class TerminalStdout(io.StringIO):
        def isatty(self) -> bool:
            return True

    out, err = TerminalStdout(), TerminalStderr()
    stdin = io.StringIO("".join(f"k/{i}\n" for i in range(PROGRESS_THRESHOLD + 1)))
    assert main(["url", "--from", "-", "--bucket", "b-1"], stdin=stdin, stdout=out, stderr=err) == ExitCode.OK
    assert len(out.getvalue().splitlines()) == PROGRESS_THRESHOLD + 1 and err.getvalue() == ""


def test_a_line_written_while_the_bar_is_drawn_erases_it_first(static_credentials, monkeypatch):
    from xpresign.api import Api
    from xpresign.errors import NoSuchKey

    def check(self, download, grant, deadline):
        if download.key in ("k/150", "k/151"):
            raise NoSuchKey("no such object")

    monkeypatch.setattr(Api, "check", check)
    stdin = "".join(f"k/{i}\n" for i in range(PROGRESS_THRESHOLD + 1))
    code, _, err = run(["url", "--from", "-", "--bucket", "b-1", "--check"], stdin=stdin, stderr=TerminalStderr())
    assert code == ExitCode.NOT_FOUND
    # The bar was drawn before k/150: erased, then the line, then the bar again below it.
    assert "%\r\x1b[Kxpresign: error: s3://b-1/k/150: NoSuchKey: no such object\n" in err
    assert "\nxpresign: error: s3://b-1/k/151: NoSuchKey" in err  # no bar in between: none to erase
    assert err.endswith("\r\x1b[K")


# --- assuming a role, against a fake STS on loopback that checks the signature ---------------------

ROLE = "arn:aws:iam::111111111111:role/s3_access_role"


@pytest.fixture
def sts(static_credentials, monkeypatch):
    with FakeSts(region=REGION, secrets={AKID: SECRET}) as fake:
        monkeypatch.setenv("AWS_ENDPOINT_URL_STS", fake.url)
        yield fake


def test_role_urls_are_signed_by_one_assumed_session(sts):
    sts.session_seconds = 1800  # shorter than the expiry asked
    keys = [f"movies/{i:02d}.mp4" for i in range(40)]
    code, out, err = run(
        ["url", "--from", "-", "--bucket", "classic-movies", "--role-arn", ROLE, "--external-id", "ext-1", "--json"],
        stdin="\n".join(keys),
    )
    assert (code, err) == (ExitCode.OK, "")
    assert sts.count == 1  # one AssumeRole for every key
    request = sts.requests[0]
    assert request.problems == () and request.signature_checked
    assert (request.params["RoleArn"], request.params["RoleSessionName"], request.params["ExternalId"]) == (
        ROLE, "xpresign-cli", "ext-1",
    )  # fmt: skip
    session = sts.issued[0]
    results = [json.loads(line) for line in out.splitlines()]
    assert [r["key"] for r in results] == keys
    for r in results:
        # Honest expiry: the URL ends a safety margin before the session that signed it.
        assert r["capped_by"] == "credentials"
        assert 1800 - EXPIRY_SAFETY_MARGIN_SECONDS - 5 <= r["expires_in"] <= 1800 - EXPIRY_SAFETY_MARGIN_SECONDS
        expected = botocore_url(
            r["url"], "classic-movies", r["key"], session.session_token,
            akid=session.access_key_id, secret=session.secret_access_key,
        )  # fmt: skip
        assert r["url"] == expected


def test_a_role_duration_over_the_chaining_limit_is_retried_at_one_hour(sts):
    code, _, err = run(["url", "s3://classic-movies/k", "--role-arn", ROLE, "--role-duration", "7200"])
    assert code == ExitCode.OK
    assert [r.duration_seconds for r in sts.requests] == [7200, 3600]
    assert "xpresign: warning: STS refused DurationSeconds=7200" in err


def test_sts_refusing_the_role_is_one_line_access_denied(sts):
    sts.fail_with(ACCESS_DENIED)
    code, out, err = run(["url", "s3://classic-movies/movies/a.mp4", "--role-arn", ROLE])
    warning, error = err.splitlines()
    assert warning.startswith(f"xpresign: warning: STS refused AssumeRole of {ROLE}: AccessDenied")
    assert "not authorized" in warning
    assert_one_line_error(code, out, error + "\n", ExitCode.ACCESS_DENIED, "STS refused the AssumeRole")


def test_sts_failing_is_one_line_unavailable(sts):
    sts.fail_with(SERVICE_UNAVAILABLE)
    code, out, err = run(["url", "s3://classic-movies/movies/a.mp4", "--role-arn", ROLE])
    assert_one_line_error(code, out, err, ExitCode.UNAVAILABLE, "STS failed with HTTP 503")


# --- demo wiring (the demo itself runs in tests/integration/test_demo.py) ---------------------------


def test_demo_that_cannot_run_is_one_line_and_a_failed_check_has_its_own_code(monkeypatch):
    from xpresign import demo

    def cannot_run(out):
        raise demo.DemoError("the AWS emulator (moto server) did not start: port taken")

    monkeypatch.setattr(demo, "run_demo", cannot_run)
    assert_one_line_error(*run(["demo"]), ExitCode.ERROR, "moto server")
    monkeypatch.setattr(demo, "run_demo", lambda out: False)
    assert run(["demo"])[0] == ExitCode.CHECK_FAILED


@pytest.mark.parametrize(
    "argv",
    [
        ["url", "s3://classic-movies/k.mp4", "--version", "5"],  # signed versionId=5 as --version-id
        ["url", "s3://classic-movies/k.mp4", "--expires", "60"],  # --expires-in, abbreviated
    ],
)
def test_an_abbreviated_option_is_not_taken_for_a_longer_one(argv, static_credentials):
    code, out, err = run(argv)
    assert_one_line_error(code, out, err, ExitCode.USAGE, "unrecognized arguments")


def test_bad_environment_credentials_are_blamed_on_the_variables(static_credentials, monkeypatch):
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "wJal SECRET")
    code, _, err = run(["url", "s3://classic-movies/k.mp4"])
    assert code != ExitCode.OK and "AWS_SECRET_ACCESS_KEY" in err and "profile" not in err, err
    assert "wJal" not in err
