"""Lambda SnapStart: what a snapshot must not carry into the environments restored from it.

With SnapStart (python3.12 and later runtimes), Lambda runs the function's
init once, snapshots the memory, and resumes many execution environments
from that one snapshot, each possibly hours later. Whatever init left in
memory is then shared by all of them:

* **cached sessions**: the broker's source and role credentials, fetched
  before the snapshot, perhaps near their end, and now one session in many
  environments;
* **signing caches**: derived signing keys (:func:`xpresign.presign.clear_caches`);
* **random state**: ``random``'s Mersenne Twister (STS backoff jitter uses
  it) would give every restored environment the same sequence.

So :func:`register` adds two hooks with ``snapshot_restore_py``, the module
Lambda's runtimes ship (awslambdaric runs the hooks and calls
``restore/next`` itself): before the snapshot, drop the sessions and caches,
so no credential is written into it; after each restore, drop them again
(in case anything ran between) and reseed ``random`` from the OS.

Anything that must be unique per environment (IDs, nonces) comes from
:mod:`secrets`, which asks the OS every time and so holds no state a
snapshot could copy. ``expiry.iso8601``'s one-entry cache is left alone:
it maps a second to its text and holds nothing secret or unique.

``snapshot_restore_py`` is not a dependency: without it, or without
``AWS_LAMBDA_INITIALIZATION_TYPE=snap-start``, nothing is registered.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Mapping
from typing import Protocol

logger = logging.getLogger(__name__)

INIT_TYPE_VARIABLE = "AWS_LAMBDA_INITIALIZATION_TYPE"
SNAP_START = "snap-start"


class Forgetful(Protocol):
    def forget(self) -> None: ...


#: Returns what holds the cached sessions (the broker), or None when there is
#: none yet. A getter, so the hooks act on whatever the handler holds then.
BrokerGetter = Callable[[], Forgetful | None]


def enabled(environ: Mapping[str, str] | None = None) -> bool:
    env = os.environ if environ is None else environ
    return env.get(INIT_TYPE_VARIABLE) == SNAP_START


def register(broker: BrokerGetter, environ: Mapping[str, str] | None = None) -> bool:
    """Register the hooks when SnapStart is on and ``snapshot_restore_py`` is
    importable; True when they were registered."""
    if not enabled(environ):
        return False
    try:
        import snapshot_restore_py  # noqa: PLC0415 - in Lambda's runtimes, not ours to depend on
    except ImportError:
        logger.warning(
            "SnapStart is on but snapshot_restore_py cannot be imported: cached sessions "
            "and random state would be shared by every environment restored from the snapshot"
        )
        return False
    snapshot_restore_py.register_before_snapshot(before_snapshot, broker)
    snapshot_restore_py.register_after_restore(after_restore, broker)
    return True


def before_snapshot(broker: BrokerGetter) -> None:
    """Keep credentials out of the snapshot."""
    drop_caches(broker)
    logger.info("SnapStart: cached sessions dropped before the snapshot")


def after_restore(broker: BrokerGetter) -> None:
    """Make this environment its own: no session or key from the snapshot,
    and a random state of its own."""
    drop_caches(broker)
    # Loaded by the STS client's first retry; importing it now would seed it afresh anyway.
    import random  # noqa: PLC0415

    random.seed()  # from os.urandom: differs in every restored environment
    logger.info("SnapStart: restored; cached sessions dropped and random reseeded")


def drop_caches(broker: BrokerGetter) -> None:
    from .presign import clear_caches  # noqa: PLC0415 - loaded already, when there is anything to clear

    holder = broker()
    if holder is not None:
        holder.forget()
    clear_caches()
