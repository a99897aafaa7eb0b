"""What a generator yields, made in a forked process and received here in order.

An import of a large file reads and checks its rows in a second process while the first
stores them (`row_import`). `forked(produce)` forks a process that runs `produce()` and sends
each item it yields through a pipe; iterating the returned `ForkedStream` receives them.

- The forked process works ahead: it keeps up to `AHEAD` items that the pipe has no room for
  yet, writing them as room is made between items, and waits for room only beyond that, so
  memory stays bounded. It has no thread for this: a thread sending while the main one works
  waits for Python's global lock after every write the pipe takes (tried: in an import of
  100,000 rows the storing process's wait for rows rose from about 1.2 s to 3.3–4.2 s;
  docs/performance.md, the sixth pass).
- The reader can be given work to do while the next item has not come
  (`ForkedStream.while_waiting`): an import puts the rows it stored in the search index
  meanwhile.
- An exception raised in `produce()` is raised here, as itself when it can be pickled, else
  as a RuntimeError with its name and message; a process that dies is reported with its exit
  status.
- `close()` stops the process, however the reading ends (one that sent its last message is
  given a moment to end by itself first). The process never waits for a reader that is
  gone: its next write fails and it ends. It ignores Ctrl+C, which reaches the whole process
  group: the reader's process stops it.
- It needs `fork` (Linux, macOS): `can_fork()` says whether this machine has it.
"""

from __future__ import annotations

import collections
import multiprocessing
import os
import pickle
import select
import signal
import struct
from collections.abc import Callable, Iterable, Iterator
from typing import Any

# Items the forked process may hold that the pipe has no room for yet.
AHEAD = 12
_LENGTH = struct.Struct("!Q")  # each message: its length, then the pickled (kind, value)
_PIPE_BYTES = 1 << 20  # the pipe's buffer asked for (Linux): a batch of rows in one write
_ENDING_SECONDS = 5.0  # how long a process that sent its last message is given to end


def can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


class ForkedStream:
    """The items as they come; `close()` stops the process.

    `while_waiting`, when set, is called whenever the next item has not all come yet, again
    and again until it returns False (nothing more to do) or the item has come: work the
    reader can do meanwhile instead of waiting."""

    def __init__(self, worker: multiprocessing.process.BaseProcess, descriptor: int):
        self.worker, self.descriptor = worker, descriptor
        self.received = bytearray()  # read from the pipe, not yet taken as messages
        self.ended = False  # the process sent its last message: it is ending by itself
        self.closed = False
        self.while_waiting: Callable[[], bool] | None = None
        self.incoming = select.poll()  # says whether the pipe has more (poll: any descriptor)
        self.incoming.register(descriptor, select.POLLIN)

    def __iter__(self) -> Iterator[Any]:
        while True:
            kind, value = pickle.loads(self._message())
            if kind == "item":
                yield value
                continue
            self.ended = True
            if kind == "error":
                raise value
            return

    def _message(self) -> bytearray:
        """The next message's body, read from the pipe as it comes."""
        busy = self.while_waiting
        while True:
            received = self.received
            if len(received) >= _LENGTH.size:
                end = _LENGTH.size + _LENGTH.unpack_from(received)[0]
                if len(received) >= end:
                    body = received[_LENGTH.size : end]
                    del received[:end]  # from the front of a bytearray: no copy of the rest
                    return body
            if busy is not None and not self.incoming.poll(0):
                if busy():
                    continue
                busy = None  # nothing more to do meanwhile: wait
            chunk = os.read(self.descriptor, _PIPE_BYTES)
            if not chunk:  # the pipe ended, in a message or between two
                self.worker.join()
                raise RuntimeError(
                    f"the process {self.worker.name} stopped (exit status {self.worker.exitcode})"
                )
            received += chunk

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            os.close(self.descriptor)
        if self.ended:
            self.worker.join(timeout=_ENDING_SECONDS)
        if self.worker.is_alive():
            self.worker.terminate()
        self.worker.join()


def forked(produce: Callable[[], Iterable[Any]], *, name: str) -> ForkedStream:
    """Fork a process that runs `produce()` and sends what it yields; call before starting any
    thread (a process forked with threads running is unsafe)."""
    reading, writing = os.pipe()
    try:
        import fcntl

        fcntl.fcntl(writing, fcntl.F_SETPIPE_SZ, _PIPE_BYTES)
    except (ImportError, AttributeError, OSError):
        pass  # not Linux, or not allowed: the default buffer works, with more writes
    try:
        worker = multiprocessing.get_context("fork").Process(
            target=_run, args=(produce, reading, writing), name=name, daemon=True
        )
        worker.start()
    except BaseException:
        os.close(reading)
        raise
    finally:
        os.close(writing)
    return ForkedStream(worker, reading)


def _run(produce: Callable[[], Iterable[Any]], reading: int, writing: int) -> None:
    """The forked process."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    os.close(reading)
    outbox = _Outbox(writing)
    try:
        for item in produce():
            outbox.put("item", item)
        outbox.put("done", None)
    except BrokenPipeError:
        return  # the reader is gone
    except BaseException as error:
        try:
            outbox.put("error", error)
        except BrokenPipeError:
            return
    try:
        outbox.flush()
    except BrokenPipeError:
        pass
    finally:
        os.close(writing)


class _Outbox:
    """Messages written to the pipe as it takes them, up to `AHEAD` held meanwhile."""

    def __init__(self, descriptor: int):
        self.descriptor = descriptor
        self.waiting: collections.deque[memoryview] = collections.deque()
        self.room = select.poll()  # says when the pipe takes more
        self.room.register(descriptor, select.POLLOUT)
        os.set_blocking(descriptor, False)

    def put(self, kind: str, value: Any) -> None:
        try:
            body = pickle.dumps((kind, value), protocol=pickle.HIGHEST_PROTOCOL)
        except Exception:
            if kind != "error":
                raise
            # An error that cannot be pickled: its name and message, then.
            failed = RuntimeError(f"{type(value).__name__}: {value}")
            body = pickle.dumps((kind, failed), protocol=pickle.HIGHEST_PROTOCOL)
        self.waiting.append(memoryview(_LENGTH.pack(len(body)) + body))
        self._write(wait=False)
        while len(self.waiting) > AHEAD:
            self._write(wait=True)

    def flush(self) -> None:
        while self.waiting:
            self._write(wait=True)

    def _write(self, *, wait: bool) -> None:
        """Write what the pipe takes now; with `wait`, first wait until it takes something."""
        if wait:
            self.room.poll()
        while self.waiting:
            try:
                written = os.write(self.descriptor, self.waiting[0])
            except BlockingIOError:
                return
            if written == len(self.waiting[0]):
                self.waiting.popleft()
            else:
                self.waiting[0] = self.waiting[0][written:]
