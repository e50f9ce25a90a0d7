"""Where the tests find the AWS provider: TF_PLUGIN_DIR, then Terraform's
implied local mirror directories, then a bounded search. No path of one
machine is written down."""

from __future__ import annotations

from pathlib import Path

import pytest
import tfrun


def _unpacked_mirror(root: Path) -> Path:
    binary = root / tfrun.AWS_PROVIDER / "5.100.0" / "linux_amd64" / "terraform-provider-aws_v5.100.0_x5"
    binary.parent.mkdir(parents=True)
    binary.write_bytes(b"")
    return root


@pytest.fixture
def no_machine_mirrors(monkeypatch, tmp_path):
    """Nothing from this machine: an empty home, XDG dirs and search roots."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.delenv("TF_PLUGIN_DIR", raising=False)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-home"))
    monkeypatch.setenv("XDG_DATA_DIRS", str(tmp_path / "xdg-a") + ":" + str(tmp_path / "xdg-b"))
    monkeypatch.setattr(tfrun, "SEARCH_ROOTS", (tmp_path / "search",))
    monkeypatch.setattr(tfrun, "_searched_mirror", lambda: tfrun.search_for_mirror(tfrun.SEARCH_ROOTS))
    return tmp_path


def test_tf_plugin_dir_comes_first(no_machine_mirrors, monkeypatch):
    configured = _unpacked_mirror(no_machine_mirrors / "configured")
    _unpacked_mirror(no_machine_mirrors / "xdg-home" / "terraform" / "plugins")
    monkeypatch.setenv("TF_PLUGIN_DIR", str(configured))
    assert tfrun.find_plugin_dir() == configured


def test_a_wrong_tf_plugin_dir_is_an_error(no_machine_mirrors, monkeypatch):
    monkeypatch.setenv("TF_PLUGIN_DIR", str(no_machine_mirrors / "nothing-here"))
    with pytest.raises(RuntimeError, match="TF_PLUGIN_DIR"):
        tfrun.find_plugin_dir()


def test_implied_mirror_directories_in_terraforms_order(no_machine_mirrors):
    second = _unpacked_mirror(no_machine_mirrors / "xdg-b" / "terraform" / "plugins")
    _unpacked_mirror(no_machine_mirrors / "search" / "opt" / "plugins")
    assert tfrun.find_plugin_dir() == second
    first = _unpacked_mirror(no_machine_mirrors / "xdg-home" / "terraform" / "plugins")
    assert tfrun.find_plugin_dir() == first


def test_bounded_search_finds_unpacked_and_packed_mirrors(no_machine_mirrors):
    assert tfrun.find_plugin_dir() is None
    unpacked = _unpacked_mirror(no_machine_mirrors / "search" / "tf-plugins")
    assert tfrun.find_plugin_dir() == unpacked

    packed = no_machine_mirrors / "packed"
    archive = packed / "mirror" / tfrun.AWS_PROVIDER / "terraform-provider-aws_5.100.0_linux_amd64.zip"
    archive.parent.mkdir(parents=True)
    archive.write_bytes(b"")
    assert tfrun.search_for_mirror((packed,)) == packed / "mirror"


def test_bounded_search_stops_at_its_depth(no_machine_mirrors):
    deep = no_machine_mirrors / "search" / "a" / "b" / "c" / "d"
    _unpacked_mirror(deep)
    # The binary sits five levels below the mirror, so nine below the root here.
    assert tfrun.search_for_mirror((no_machine_mirrors / "search",), depth=8) is None
    assert tfrun.search_for_mirror((no_machine_mirrors / "search",), depth=9) == deep


def test_no_fixed_mirror_path_in_the_source():
    source = Path(tfrun.__file__).read_text(encoding="utf-8")
    assert "tf-plugins" not in source
