"""Files that settings and commands name (xpresign.files): a CA bundle, a
configuration document, a list of keys. /dev/zero never ends and a FIFO
blocks its reader until a writer comes: each was a hang or a MemoryError
traceback at start-up; each is now one error that names the setting."""

from __future__ import annotations

import os
import threading

import pytest

from tests.unit.test_cli import assert_one_line_error, run
from tests.unit.test_cli import static_credentials as static_credentials
from xpresign import transport
from xpresign.cli.argparser import MAX_FROM_LINE_CHARS
from xpresign.cli.exit_codes import ExitCode
from xpresign.config import load_config
from xpresign.errors import ConfigError
from xpresign.files import Refused, read_regular
from xpresign.wiring import configure_tls

DEVICES = ["/dev/zero", "/dev/null"]


@pytest.fixture
def fifo(tmp_path):
    path = tmp_path / "fifo"
    os.mkfifo(path)
    return str(path)


def finishes(call, seconds: float = 5):
    """``call()``'s exception (or None), asserting it came back in time: a hang fails, not stalls."""
    outcome = []

    def target():
        try:
            call()
            outcome.append(None)
        except Exception as exc:
            outcome.append(exc)

    worker = threading.Thread(target=target, daemon=True)
    worker.start()
    worker.join(seconds)
    assert outcome, f"still reading after {seconds} s"
    return outcome[0]


def test_a_regular_file_is_read_whole_and_a_longer_one_refused(tmp_path):
    path = tmp_path / "f"
    path.write_bytes(b"x" * 10)
    assert read_regular(str(path), 10) == b"x" * 10
    with pytest.raises(Refused, match="larger than 9 bytes"):
        read_regular(str(path), 9)


@pytest.mark.parametrize("device", DEVICES)
def test_devices_and_directories_are_refused(device, tmp_path):
    with pytest.raises(Refused, match="not a regular file"):
        read_regular(device, 100)
    with pytest.raises(Refused, match="directory"):
        read_regular(str(tmp_path), 100)


def test_a_fifo_is_refused_without_waiting_for_a_writer(fifo):
    assert isinstance(finishes(lambda: read_regular(fifo, 100)), Refused)


@pytest.mark.parametrize("device", ["/dev/zero", "fifo"])
def test_a_ca_bundle_that_is_no_file_names_aws_ca_bundle(device, fifo):
    path = fifo if device == "fifo" else device
    try:
        error = finishes(lambda: configure_tls({"AWS_CA_BUNDLE": path}))
    finally:
        transport.set_ca_bundle(None)
    assert isinstance(error, ConfigError) and error.setting == "AWS_CA_BUNDLE", error
    assert "not a regular file" in str(error)


@pytest.mark.parametrize("device", ["/dev/zero", "fifo"])
def test_a_configuration_file_that_is_no_file_names_its_setting(device, fifo):
    path = fifo if device == "fifo" else device
    error = finishes(lambda: load_config({"XPRESIGN_CONFIG_FILE": path, "AWS_REGION": "us-east-1"}))
    assert isinstance(error, ConfigError) and error.setting == "XPRESIGN_CONFIG_FILE", error


def test_a_configuration_file_too_large_is_refused(tmp_path):
    path = tmp_path / "huge.json"
    path.write_text('{"buckets": {}, "pad": "' + "x" * (1024 * 1024) + '"}')
    with pytest.raises(ConfigError, match="larger than"):
        load_config({"XPRESIGN_CONFIG_FILE": str(path), "AWS_REGION": "us-east-1"})


def test_keys_from_dev_zero_are_one_bounded_line_error():
    code, out, err = run(["url", "--from", "/dev/zero", "--bucket", "b"])
    assert_one_line_error(code, out, err, ExitCode.USAGE, f"longer than {MAX_FROM_LINE_CHARS} characters")


@pytest.mark.usefixtures("static_credentials")
def test_keys_from_a_pipe_are_still_read():
    read_end, write_end = os.pipe()
    os.write(write_end, b"movies/a.mp4\nmovies/b.mp4\n")
    os.close(write_end)
    try:
        code, out, err = run(["url", "--from", f"/dev/fd/{read_end}", "--bucket", "classic-movies"])
    finally:
        os.close(read_end)
    assert code == ExitCode.OK, err
    assert [line.split("?")[0].rsplit("/", 1)[-1] for line in out.splitlines()] == ["a.mp4", "b.mp4"]


@pytest.mark.skipif(not os.path.exists("/proc/self/mem"), reason="needs Linux's /proc")
def test_a_read_error_in_the_middle_of_keys_names_the_option():
    code, out, err = run(["url", "--from", "/proc/self/mem", "--bucket", "b"])
    assert_one_line_error(code, out, err, ExitCode.USAGE, "--from: cannot read '/proc/self/mem'")
