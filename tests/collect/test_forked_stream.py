"""`forked_stream`: what a generator yields in a forked process, received in order; it works
ahead while nobody reads, up to a bound; errors and a dying process are raised here; closing
stops it."""

from __future__ import annotations

import multiprocessing
import os
import pickle
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from soundingboard.collect import forked_stream

pytestmark = pytest.mark.skipif(not forked_stream.can_fork(), reason="no fork() here")


def wait_for(condition, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_items_arrive_in_order_whatever_their_size():
    items = [{"n": n, "text": "x" * (n * 50_000)} for n in range(30)]  # up to 1.5 MB each
    stream = forked_stream.forked(lambda: iter(items), name="test-order")
    try:
        assert list(stream) == items
    finally:
        stream.close()
    assert stream.worker.exitcode == 0


def test_it_works_ahead_while_nobody_reads_up_to_a_bound(tmp_path: Path, monkeypatch):
    monkeypatch.setattr(forked_stream, "AHEAD", 5)
    made = tmp_path / "made"

    def produce():
        for n in range(1000):
            # Written whole, then renamed: the reader never sees it half written.
            (tmp_path / "making").write_text(str(n + 1))
            (tmp_path / "making").replace(made)
            yield "y" * 300_000  # larger than the pipe's buffer holds a few of

    stream = forked_stream.forked(produce, name="test-ahead")
    try:
        wait_for(lambda: made.exists() and int(made.read_text()) >= 5)
        time.sleep(0.5)  # given time, it goes no further than the bound
        ahead = int(made.read_text())
        assert 5 <= ahead < 20
        assert sum(1 for _ in stream) == 1000
    finally:
        stream.close()


class Odd(Exception):
    def __reduce__(self):
        raise TypeError("cannot be pickled")


@pytest.mark.parametrize(
    ("error", "raised", "message"),
    [
        (ValueError("bad row"), ValueError, "bad row"),
        (Odd("strange"), RuntimeError, "Odd: strange"),
    ],
)
def test_an_error_in_the_process_is_raised_here_after_what_came_before(error, raised, message):
    def produce():
        yield 1
        yield 2
        raise error

    stream = forked_stream.forked(produce, name="test-error")
    received = []
    with pytest.raises(raised, match=message):
        for item in stream:
            received.append(item)
    stream.close()
    assert received == [1, 2]


def test_a_process_that_dies_is_reported_with_its_exit_status():
    def produce():
        yield 1
        os._exit(3)

    stream = forked_stream.forked(produce, name="test-dies")
    with pytest.raises(RuntimeError, match=r"test-dies stopped \(exit status 3\)"):
        list(stream)
    stream.close()


def test_closing_early_stops_the_process():
    stream = forked_stream.forked(lambda: iter(range(10**9)), name="test-close")
    first = next(iter(stream))
    stream.close()
    assert first == 0
    assert not stream.worker.is_alive()


def test_a_reader_that_is_gone_ends_the_process(tmp_path: Path):
    """Without close(): the pipe's reading end closed, the process ends at its next write
    rather than wait for room for ever."""
    stream = forked_stream.forked(lambda: ("z" * 100_000 for _ in range(10**6)), name="test-gone")
    next(iter(stream))
    os.close(stream.descriptor)
    stream.worker.join(timeout=10)
    assert stream.worker.exitcode == 0


def test_a_message_cut_short_is_reported_as_the_process_stopping():
    """A process killed while writing leaves part of a message in the pipe."""
    worker = multiprocessing.get_context("fork").Process(target=os._exit, args=(9,), name="cut")
    worker.start()
    worker.join()
    body = pickle.dumps(("item", "x" * 1000))
    reading, writing = os.pipe()
    os.write(writing, forked_stream._LENGTH.pack(len(body)) + body[:100])
    os.close(writing)
    stream = forked_stream.ForkedStream(worker, reading)
    with pytest.raises(RuntimeError, match=r"cut stopped \(exit status 9\)"):
        list(stream)
    stream.close()


def test_work_is_done_while_waiting_for_the_next_item():
    """`while_waiting` is called while an item has not come, again and again until it says it
    has nothing more to do (for this item); the items still come in order, each once."""

    def slow() -> Iterator[int]:
        for number in range(3):
            time.sleep(0.2)
            yield number

    stream = forked_stream.forked(slow, name="test-waiting")
    calls: list[int] = []
    received: list[int] = []

    def some_work() -> bool:
        calls.append(len(received))
        time.sleep(0.01)
        return len(calls) < 5  # then nothing more to do: the stream waits

    stream.while_waiting = some_work
    try:
        for item in stream:
            received.append(item)
    finally:
        stream.close()
    assert received == [0, 1, 2]
    # Five calls while the first item was on its way (it takes 0.2 s; they 0.05 s), then
    # one for each later item (and perhaps for the end), which says there is nothing to do.
    assert calls[:7] == [0, 0, 0, 0, 0, 1, 2] and set(calls[7:]) <= {3}
