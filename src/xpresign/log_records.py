"""Log records for a runtime that handles one request at a time (Lambda's).

``LogRecord.__init__`` works out, for every record, what cannot change between
two lines of one logger in one process: the file and module (from the path, in
several Python-level calls), the process and its name. On a warm Function URL
GET that cost ~3.5 µs, about as much as the signature itself (measured,
benchmarks section 7). :class:`RecordMaker` has ``LogRecord`` make one record,
then copies its fields into each later one and sets afresh what does change:
the message, the level, the time and the thread.

A copy is what ``Logger.makeRecord`` would give only while logging is stock:

* the record factory is ``LogRecord`` and ``makeRecord`` is logging's own (a
  tracer that wraps it to add trace ids, a logger class that overrides it, get
  their records made by it, every time);
* ``logThreads``, ``logProcesses`` and ``logMultiprocessing`` are as they were
  for the first record (a change makes a new first record), and a forked child
  starts afresh;
* no asyncio task runs (Python 3.12 records a task's name): Lambda's runtime
  calls the handler outside any event loop, so only the Lambda handler copies
  records; ``xpresign serve`` keeps ``Logger.makeRecord``.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import types
import weakref

_MAKERS: weakref.WeakSet[RecordMaker] = weakref.WeakSet()


def _own_make_record():
    """``Logger.makeRecord`` if it is logging's own function (not a tracer's wrapper), else None."""
    make = logging.Logger.makeRecord
    if type(make) is types.FunctionType and make.__module__ == "logging" and make.__qualname__ == "Logger.makeRecord":
        return make
    return None


_MAKE_RECORD = _own_make_record()


class RecordMaker:
    """Records for one logger's lines, written from one ``func`` of one file."""

    def __init__(self, logger: logging.Logger, pathname: str, func: str):
        self._logger, self._pathname, self._func = logger, pathname, func
        self._template: dict | None = None
        self._flags = (logging.logThreads, logging.logProcesses, logging.logMultiprocessing)
        _MAKERS.add(self)

    def forget(self) -> None:
        """Start afresh: the next record is made by ``LogRecord`` (and a forked child's pid is its own)."""
        self._template = None

    def make(self, text: str, level: int) -> logging.LogRecord:
        logger = self._logger
        if not (
            _MAKE_RECORD is not None
            and type(logger).makeRecord is _MAKE_RECORD
            and logging.getLogRecordFactory() is logging.LogRecord
            and "makeRecord" not in logger.__dict__
        ):
            self._template = None
            return logger.makeRecord(logger.name, level, self._pathname, 0, text, (), None, self._func)
        template = self._template
        flags = (logging.logThreads, logging.logProcesses, logging.logMultiprocessing)
        if template is None or flags != self._flags:
            record = logging.LogRecord(logger.name, level, self._pathname, 0, text, (), None, self._func)
            self._template, self._flags = dict(record.__dict__), flags
            return record
        now = time.time()
        record = logging.LogRecord.__new__(logging.LogRecord)
        # The time as LogRecord.__init__ sets it up to Python 3.12, relative to
        # the first record's (3.13 starts from time_ns: a millisecond may differ).
        record.__dict__ = {
            **template,
            "msg": text,
            "levelno": level,
            "levelname": logging.getLevelName(level),
            "created": now,
            "msecs": int((now - int(now)) * 1000) + 0.0,
            "relativeCreated": template["relativeCreated"] + (now - template["created"]) * 1000,
        }
        if flags[0]:  # logging.logThreads
            record.thread = threading.get_ident()
            record.threadName = threading.current_thread().name
        return record


def _forget_all() -> None:
    for maker in list(_MAKERS):
        maker.forget()


os.register_at_fork(after_in_child=_forget_all)
