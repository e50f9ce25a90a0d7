"""The CLI's honesty and its options: a capped expiry is said on stderr, --json
is always JSON lines, every option is checked before a region or credentials
are looked for, and the API's download options are on the command line."""

from __future__ import annotations

import json

import pytest

from tests.support.fake_sts import FakeSts
from tests.unit.test_cli import AKID, REGION, SECRET, assert_one_line_error, botocore_url, run
from xpresign.cli import ExitCode

ROLE = "arn:aws:iam::111111111111:role/s3_access_role"
PUT = ["--method", "PUT", "--content-length", "3"]


@pytest.fixture
def static_credentials(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", AKID)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    monkeypatch.setenv("AWS_REGION", REGION)


@pytest.fixture
def sts(static_credentials, monkeypatch):
    with FakeSts(region=REGION, secrets={AKID: SECRET}) as fake:
        monkeypatch.setenv("AWS_ENDPOINT_URL_STS", fake.url)
        yield fake


def test_a_capped_expiry_is_a_warning_on_stderr(sts):
    code, out, err = run(["url", "s3://classic-movies/a.mp4", "s3://classic-movies/b.mp4", "--role-arn", ROLE,
                          "--expires-in", "7200"])  # fmt: skip
    assert code == ExitCode.OK and len(out.splitlines()) == 2
    # One warning for the run, not one per URL; the URL's own X-Amz-Expires agrees.
    assert err == "xpresign: warning: expiry capped to 3540 s (credentials)\n"
    assert "X-Amz-Expires=3540&" in out


def test_quiet_silences_the_warning(sts):
    code, _out, err = run(["url", "s3://classic-movies/a.mp4", "--role-arn", ROLE, "--expires-in", "7200", "--quiet"])
    assert (code, err) == (ExitCode.OK, "")


def test_json_carries_the_cap_and_stderr_stays_quiet(sts):
    code, out, err = run(["url", "s3://classic-movies/a.mp4", "--role-arn", ROLE, "--expires-in", "7200", "--json"])
    assert (code, err) == (ExitCode.OK, "")
    (line,) = out.splitlines()  # one key: still one JSON object on one line
    assert json.loads(line)["capped_by"] == "credentials"


def test_an_uncapped_url_warns_nothing(static_credentials):
    assert run(["url", "s3://classic-movies/a.mp4", "--expires-in", "60"])[2] == ""


def test_unknown_options_point_to_the_subcommands_help(static_credentials):
    assert_one_line_error(
        *run(["url", "s3://b-1/k", "--no-such"]), ExitCode.USAGE, "--no-such", "see 'xpresign url --help'"
    )


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (["--expires-in", "2h"], "--expires-in: must be a whole number of seconds from 1 to 604800"),
        (["--version-id", "a\tb"], "--version-id must be non-empty printable text"),
        (["--response-content-type", "x" * 300], "--response-content-type must be at most 256 bytes"),
        (["--endpoint-url", "ftp://x"], "--endpoint-url: must be an http:// or https:// URL"),
        (["--endpoint-url", "https://u:p@x"], "--endpoint-url: must not hold user:password@"),
        (["--external-id", "abc"], "--external-id needs --role-arn"),
        (["--filename", "a\nb"], "--filename must be non-empty printable text, got 'a\\nb'"),
        (["--response-content-type", "garbage"], "--response-content-type: 'garbage' is not a media type"),
        (["--response-content-type", "video/mp4; x=é"], "--response-content-type must be an ASCII media type"),
        ([*PUT, "--content-type", "garbage"], "--content-type: 'garbage' is not a media type"),
        ([*PUT, "--content-type", "text/plain; x=é"], "--content-type must be an ASCII media type"),
        ([*PUT, "--checksum-sha256", "notbase64"], "--checksum-sha256 must be a SHA-256 digest in base64"),
        (["--role-arn", "arn:aws:iam::12:role/x"], "--role-arn: 'arn:aws:iam::12:role/x' is not an IAM role ARN"),
        (["--role-arn", ROLE, "--external-id", "x"], "--external-id: must be 2 to 1224"),
    ],
)
def test_options_are_checked_before_region_or_credentials(argv, fragment, monkeypatch):
    """No region and no credentials anywhere: the option's own mistake is what is reported."""
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.delenv(name, raising=False)
    assert_one_line_error(*run(["url", "s3://b-1/k", *argv]), ExitCode.USAGE, fragment)


def test_upload_checks_its_content_type_before_region_or_credentials(monkeypatch, tmp_path):
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.delenv(name, raising=False)
    path = tmp_path / "f.txt"
    path.write_text("x")
    assert_one_line_error(
        *run(["upload", str(path), "s3://b-1/k", "--content-type", "garbage"]),
        ExitCode.USAGE,
        "--content-type: 'garbage' is not a media type",
    )


def test_a_named_active_type_is_still_the_users_to_name(static_credentials):
    code, _, err = run(["url", "s3://b-1/k", *PUT, "--content-type", "text/html; charset=utf-8"])
    assert (code, err.count("\n")) == (ExitCode.OK, 1) and "Content-Type: text/html; charset=utf-8" in err


def test_version_id_and_response_type_are_signed_as_botocore_does(static_credentials):
    code, out, _ = run(["url", "s3://classic-movies/movies/a.mp4", "--version-id", "v1+x",
                        "--response-content-type", "video/mp4"])  # fmt: skip
    assert code == ExitCode.OK
    url = out.strip()
    # botocore writes operation parameters in the order they are given.
    expected = botocore_url(url, "classic-movies", "movies/a.mp4", ResponseContentType="video/mp4", VersionId="v1+x")
    assert url == expected


def test_version_id_names_one_object(static_credentials):
    assert_one_line_error(
        *run(["url", "s3://b-1/a", "s3://b-1/b", "--version-id", "v1"]), ExitCode.USAGE, "--version-id names one object"
    )


def test_endpoint_url_points_s3_and_sts_at_one_place(sts, monkeypatch):
    monkeypatch.delenv("AWS_ENDPOINT_URL_STS")
    code, out, err = run(["url", "s3://classic-movies/a.mp4", "--role-arn", ROLE, "--endpoint-url", sts.url])
    assert code == ExitCode.OK, err
    assert out.startswith(f"{sts.url}/classic-movies/a.mp4?")  # path style on the endpoint
    assert sts.count == 1  # STS was asked there too


@pytest.mark.parametrize(
    ("error", "code"),
    [("NoSuchKey", ExitCode.NOT_FOUND), ("AccessDenied", ExitCode.ACCESS_DENIED),
     ("RoleNotAssumable", ExitCode.ACCESS_DENIED), ("ServiceUnavailable", ExitCode.UNAVAILABLE),
     ("StsThrottled", ExitCode.UNAVAILABLE), ("UpstreamError", ExitCode.ERROR), ("InvalidKey", ExitCode.USAGE),
     ("UploadTooLarge", ExitCode.USAGE)],
)  # fmt: skip
def test_errors_map_to_one_exit_code_each(error, code):
    from xpresign import errors
    from xpresign.cli.exit_codes import exit_code_for

    assert exit_code_for(getattr(errors, error)("x")) == code


def test_a_cap_is_warned_about_once_though_the_credentials_cap_shrinks_each_second():
    import argparse
    import io

    from xpresign.cli.streams import Streams
    from xpresign.cli.url import _print_result
    from xpresign.presigner import PresignedUrl

    err = io.StringIO()
    streams = Streams(io.StringIO(), io.StringIO(), err)
    args, warned = argparse.Namespace(json=False, quiet=False), set()
    for left in (3540, 3539, 3538):
        _print_result(streams, args, PresignedUrl("https://h/k?q", "b", "k", "t", left, "credentials"), warned)
    _print_result(streams, args, PresignedUrl("https://h/k?q", "b", "k", "t", 600, "policy"), warned)
    assert err.getvalue() == (
        "xpresign: warning: expiry capped to 3540 s (credentials)\nxpresign: warning: expiry capped to 600 s (policy)\n"
    )
