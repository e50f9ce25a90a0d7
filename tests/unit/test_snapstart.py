"""SnapStart hooks: registered only when they mean something, and after a
restore nothing from the snapshot is reused: no session, no signing key, no
random state.

"Two restores give different values" is shown with fork(): a forked child
starts from the parent's memory, as an environment restored from a snapshot
does. CPython reseeds ``random`` in a forked child by itself (an at-fork
hook, which a snapshot restore does not run), so each child first puts back
the state the parent had, byte for byte, to model the restore faithfully;
the control run then shows two restores *without* the hook drawing the same
numbers.
"""

from __future__ import annotations

import json
import os
import random
import secrets
import sys

import pytest

from xpresign import presign, snapstart
from xpresign.credentials import CredentialBroker
from xpresign.s3 import resolve_bucket_endpoint
from xpresign.sts import StsClient
from xpresign.values import Credentials

snapshot_restore_py = pytest.importorskip("snapshot_restore_py")
SNAP_ENV = {"AWS_LAMBDA_INITIALIZATION_TYPE": "snap-start"}


class CountingSource:
    """A source whose every load is a new session, counted (an endpoint stand-in)."""

    refreshes = True

    def __init__(self):
        self.loads = 0

    def load(self, deadline=None) -> Credentials:
        self.loads += 1
        return Credentials(f"ASIACOUNTING{self.loads:08d}", secrets.token_hex(20), "token", 4_000_000_000.0)


@pytest.fixture
def registry():
    """snapshot_restore_py's registries, emptied after the test."""
    before, after = snapshot_restore_py.get_before_snapshot(), snapshot_restore_py.get_after_restore()
    saved = (list(before), list(after))
    yield before, after
    before[:], after[:] = saved


def test_nothing_is_registered_without_snap_start(registry):
    assert not snapstart.register(lambda: None, {"AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand"})
    assert not snapstart.register(lambda: None, {})
    assert registry == ([], [])


def test_without_snapshot_restore_py_nothing_is_registered_and_it_says_so(registry, monkeypatch, caplog):
    monkeypatch.setitem(sys.modules, "snapshot_restore_py", None)  # import fails
    assert not snapstart.register(lambda: None, SNAP_ENV)
    assert "snapshot_restore_py cannot be imported" in caplog.text


def test_under_snap_start_one_hook_each_side_of_the_snapshot(registry):
    assert snapstart.register(lambda: None, SNAP_ENV)
    before, after = registry
    assert [entry[0] for entry in before] == [snapstart.before_snapshot]
    assert [entry[0] for entry in after] == [snapstart.after_restore]


@pytest.mark.parametrize("hook", [snapstart.before_snapshot, snapstart.after_restore])
def test_each_hook_drops_the_sessions_and_the_signing_keys(hook):
    source = CountingSource()
    broker = CredentialBroker(source)
    first = broker.credentials(None)
    presign.signing_scope(first, "eu-west-1", "20270101")
    assert presign._SCOPES
    hook(lambda: broker)
    assert not presign._SCOPES
    assert broker.credentials(None).access_key_id != first.access_key_id and source.loads == 2
    hook(lambda: None)  # no app yet (a handler reset): nothing to drop, no error


def restored_child(write_end: int, parent_state: tuple, broker: CredentialBroker, *, hooks: bool) -> None:
    """One restored environment: the snapshot's memory, the hooks if any, then
    the values a request would draw. Runs in a forked child; never returns."""
    try:
        random.setstate(parent_state)  # undo CPython's at-fork reseed: a restore copies memory only
        if hooks:
            for function, args, kwargs in snapshot_restore_py.get_after_restore():
                function(*args, **kwargs)
        jitter = StsClient("eu-west-1")._jitter  # STS backoff's jitter source
        endpoint = resolve_bucket_endpoint("classic-movies", "eu-west-1")
        credentials = broker.credentials(None)
        url = presign.presign_s3_url(endpoint, "a.mp4", credentials, expires_in=60, now=1_800_000_000)
        report = {
            "random": [random.random() for _ in range(3)],  # noqa: S311 - the state under test
            "jitter": jitter(),
            "nonce": secrets.token_hex(16),
            "access_key": credentials.access_key_id,
            "url": url,
        }
        os.write(write_end, json.dumps(report).encode())
    finally:
        os._exit(0)


def restore_twice(broker: CredentialBroker, *, hooks: bool) -> list[dict]:
    state = random.getstate()
    reports = []
    for _ in range(2):
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(read_end)
            restored_child(write_end, state, broker, hooks=hooks)
        os.close(write_end)
        with os.fdopen(read_end, "rb") as pipe:
            data = pipe.read()
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0 and data, "the restored child failed"
        reports.append(json.loads(data))
    return reports


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork() to model a snapshot clone")
def test_two_restores_give_different_values_and_fresh_sessions(registry):
    source = CountingSource()
    broker = CredentialBroker(source)
    snapshot_session = broker.credentials(None)  # fetched during init: in the snapshot
    random.seed(20270115)  # the same state in the snapshot, whatever ran before
    assert snapstart.register(lambda: broker, SNAP_ENV)

    first, second = restore_twice(broker, hooks=True)
    assert first["random"] != second["random"] and first["jitter"] != second["jitter"]
    assert first["nonce"] != second["nonce"]
    # Each restored environment fetched a session of its own, not the snapshot's.
    assert snapshot_session.access_key_id not in (first["access_key"], second["access_key"])
    assert first["url"] != second["url"]


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork() to model a snapshot clone")
def test_without_the_hooks_two_restores_share_random_state_and_the_session(registry):
    """The control: what the hooks prevent. ``secrets`` differs anyway: it
    holds no state a snapshot could copy, which is why IDs come from it."""
    source = CountingSource()
    broker = CredentialBroker(source)
    snapshot_session = broker.credentials(None)
    random.seed(20270115)

    first, second = restore_twice(broker, hooks=False)
    assert first["random"] == second["random"] and first["jitter"] == second["jitter"]
    assert first["access_key"] == second["access_key"] == snapshot_session.access_key_id
    assert first["nonce"] != second["nonce"]
