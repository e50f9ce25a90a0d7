"""Log records for a runtime that handles one request at a time (Lambda's).

``LogRecord.__init__`` works out, for every record, what cannot change between
two lines of one logger in one process: the file and module (from the path, in
several Python-level calls), the process and its name. On a warm Function URL
GET that cost ~3.5 µs, about as much as the signature itself (measured,
benchmarks section 7). :class:`RecordMaker` makes the first record of a process
with ``LogRecord``, then copies its fields into each later one and sets afresh
what does change: the message, the level, the time and the thread.

The copy holds only where nothing else differs from record to record: one
logger, no caller information, no asyncio task (Python 3.12 records a task's
name), one process. So it serves Lambda's runtime, whose loop handles one
invocation at a time outside any event loop; a process that installs its own
record factory gets that factory's records, and a forked child starts afresh.
``xpresign serve`` (an event loop) keeps ``Logger.makeRecord``.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import weakref

#: Levels the request log writes: INFO, and WARNING for a 5xx.
_LEVEL_NAMES = {level: logging.getLevelName(level) for level in (logging.INFO, logging.WARNING)}
_MAKERS: weakref.WeakSet[RecordMaker] = weakref.WeakSet()


class RecordMaker:
    """Records for one logger's lines, written from one ``func`` of one file."""

    def __init__(self, logger: logging.Logger, pathname: str, func: str):
        self._logger, self._pathname, self._func = logger, pathname, func
        self._template: dict | None = None
        _MAKERS.add(self)

    def forget(self) -> None:
        """Start afresh: the next record is made by ``LogRecord`` (and a forked child's pid is its own)."""
        self._template = None

    def make(self, text: str, level: int) -> logging.LogRecord:
        logger = self._logger
        template = self._template
        if template is None or logging.getLogRecordFactory() is not logging.LogRecord:
            record = logger.makeRecord(logger.name, level, self._pathname, 0, text, (), None, self._func)
            if type(record) is logging.LogRecord:
                self._template = dict(record.__dict__)
            return record
        now = time.time()
        record = logging.LogRecord.__new__(logging.LogRecord)
        # As LogRecord.__init__ sets them, the time relative to the first record's.
        record.__dict__ = {
            **template,
            "msg": text,
            "levelno": level,
            "levelname": _LEVEL_NAMES.get(level) or logging.getLevelName(level),
            "created": now,
            "msecs": int((now - int(now)) * 1000) + 0.0,
            "relativeCreated": template["relativeCreated"] + (now - template["created"]) * 1000,
        }
        if template["thread"] is not None:  # logging.logThreads
            record.thread = threading.get_ident()
            record.threadName = threading.current_thread().name
        return record


def _forget_all() -> None:
    for maker in list(_MAKERS):
        maker.forget()


os.register_at_fork(after_in_child=_forget_all)
