"""The request line's records (xpresign.log_records): what LogRecord would
make, for every field a formatter can name, made more cheaply."""

from __future__ import annotations

import logging
import os
import threading
import time

import pytest

from xpresign.log_records import RecordMaker

LOGGER = logging.getLogger("xpresign.test-records")
#: Every field a formatter's %(name)s can read: LogRecord's own, on this Python.
FIELDS = set(vars(logging.LogRecord("n", logging.INFO, __file__, 0, "m", (), None, "f")))
#: What may differ from one record to the next.
FRESH = {"msg", "levelno", "levelname", "created", "msecs", "relativeCreated", "thread", "threadName"}


def reference(text: str, level: int) -> logging.LogRecord:
    return LOGGER.makeRecord(LOGGER.name, level, __file__, 0, text, (), None, "write")


@pytest.fixture
def maker():
    maker = RecordMaker(LOGGER, __file__, "write")
    maker.make("first", logging.INFO)  # the one LogRecord makes
    return maker


@pytest.mark.parametrize("level", [logging.INFO, logging.WARNING, logging.ERROR])
def test_a_copied_record_has_what_logrecord_gives(maker, level):
    before = time.time()
    copied = vars(maker.make("a line", level))
    ours, theirs = copied, vars(reference("a line", level))
    assert set(ours) == FIELDS
    assert {k: v for k, v in ours.items() if k not in ("created", "msecs", "relativeCreated")} == {
        k: v for k, v in theirs.items() if k not in ("created", "msecs", "relativeCreated")
    }
    assert before <= ours["created"] <= time.time()
    assert ours["msecs"] == int((ours["created"] - int(ours["created"])) * 1000)
    # relativeCreated follows created as LogRecord's does (same start, same clock).
    assert ours["relativeCreated"] - theirs["relativeCreated"] == pytest.approx(
        (ours["created"] - theirs["created"]) * 1000, abs=1e-3
    )


def test_each_record_is_its_own(maker):
    one, two = maker.make("one", logging.INFO), maker.make("two", logging.WARNING)
    assert (one.getMessage(), one.levelname, two.getMessage(), two.levelname) == ("one", "INFO", "two", "WARNING")
    assert two.created >= one.created
    one.extra_field = 1
    assert not hasattr(two, "extra_field")


def test_the_runtimes_formatter_writes_the_same_line(maker):
    """awslambdaric's text format, from a copied record and from LogRecord's at one instant."""
    formatter = logging.Formatter(
        "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(process)d %(threadName)s %(module)s\t%(message)s\n",
        "%Y-%m-%dT%H:%M:%S",
    )
    ours, theirs = maker.make('{"key": "k"}', logging.INFO), reference('{"key": "k"}', logging.INFO)
    for field in ("created", "msecs", "relativeCreated"):
        setattr(ours, field, getattr(theirs, field))
    assert formatter.format(ours) == formatter.format(theirs)


def test_a_record_made_in_another_thread_names_that_thread(maker):
    made = []
    worker = threading.Thread(target=lambda: made.append(maker.make("x", logging.INFO)), name="worker-7")
    worker.start()
    worker.join()
    assert (made[0].threadName, made[0].thread) == ("worker-7", worker.ident)


def test_a_record_factory_of_the_process_is_honoured(maker):
    class Tagged(logging.LogRecord):
        tag = "mine"

    saved = logging.getLogRecordFactory()
    logging.setLogRecordFactory(Tagged)
    try:
        assert type(maker.make("x", logging.INFO)) is Tagged
    finally:
        logging.setLogRecordFactory(saved)
    assert type(maker.make("x", logging.INFO)) is logging.LogRecord


@pytest.mark.skipif(not hasattr(os, "fork"), reason="os.fork is POSIX only")
def test_a_forked_child_records_its_own_process(maker):
    read_end, write_end = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - the child reports through the pipe
        try:
            os.write(write_end, str(maker.make("x", logging.INFO).process).encode())
        finally:
            os._exit(0)
    os.close(write_end)
    reported = os.read(read_end, 64).decode()
    os.close(read_end)
    os.waitpid(child, 0)
    assert reported == str(child)
    assert maker.make("x", logging.INFO).process == os.getpid()


def test_a_wrapped_make_record_is_called_for_every_record(maker, monkeypatch):
    """A tracer (ddtrace's log injection, say) wraps Logger.makeRecord to stamp each record."""
    stamps = iter(["trace-2", "trace-3"])
    make = logging.Logger.makeRecord

    def stamped(self, *args, **kwargs):
        record = make(self, *args, **kwargs)
        record.trace_id = next(stamps)
        return record

    monkeypatch.setattr(logging.Logger, "makeRecord", stamped)
    assert [maker.make("x", logging.INFO).trace_id for _ in range(2)] == ["trace-2", "trace-3"]


def test_a_logger_that_makes_its_own_records_makes_them(monkeypatch):
    made = []
    record = logging.LogRecord(LOGGER.name, logging.INFO, __file__, 0, "x", (), None)
    monkeypatch.setattr(LOGGER, "makeRecord", lambda *args: made.append(args) or record)
    maker = RecordMaker(LOGGER, __file__, "write")
    maker.make("x", logging.INFO)
    maker.make("y", logging.INFO)
    assert len(made) == 2


def test_nothing_of_a_removed_factory_stays_on_later_records(maker):
    class Tagged(logging.LogRecord):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.user = "alice"

    saved = logging.getLogRecordFactory()
    logging.setLogRecordFactory(Tagged)
    try:
        assert maker.make("x", logging.INFO).user == "alice"
    finally:
        logging.setLogRecordFactory(saved)
    assert [hasattr(maker.make("x", logging.INFO), "user") for _ in range(2)] == [False, False]


def test_level_names_and_logging_switches_are_read_for_every_record(maker, monkeypatch):
    monkeypatch.setitem(logging._levelToName, logging.INFO, "INF")  # what addLevelName does, undone after
    assert maker.make("x", logging.INFO).levelname == "INF"
    monkeypatch.setattr(logging, "logThreads", False)
    monkeypatch.setattr(logging, "logProcesses", False)
    record = maker.make("x", logging.INFO)
    assert (record.thread, record.threadName, record.process) == (None, None, None)
    assert maker.make("y", logging.INFO).thread is None  # from a new first record, copied
