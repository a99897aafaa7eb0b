"""One writer at a time, across processes, for SQLite: a queue instead of a busy loop.

SQLite lets one connection write at a time. When several gunicorn workers want to write at
once, the ones that find the write lock taken wait in SQLite's busy handler, which sleeps and
polls (1, 2, 5, 10, 15, 20, 25, 25, 25, 50, 50, 100 ms ...): a writer may sleep 25 ms for a
lock that was free after 1 ms, which is where the long tail latencies under contention come
from. `sqlite_write_lock()` makes writers queue on an advisory lock on a file beside the
database instead (`flock(2)`); the kernel wakes the next waiter as soon as the holder lets
go, so by the time a writer runs `BEGIN IMMEDIATE` the SQLite lock is normally free.

- It is taken only for SQLite databases stored in a file; for PostgreSQL (or an in-memory
  SQLite database) it does nothing.
- It is taken only around the outermost transaction: inside a transaction that is already
  open the SQLite write lock may already be held, and taking this lock after it could make
  two processes wait for each other. Nested use in one thread is therefore a no-op too.
- Threads of one process share the file descriptor, and `flock` does not keep them apart,
  so a `threading.Lock` queues them first.
- The descriptor is opened once per process, on first use, and again after a fork (a
  descriptor inherited across `fork` shares its lock with the parent and would not keep the
  processes apart). A process that dies, even by SIGKILL, lets go of the lock at once.
- Writers that do not take this lock (migrations, the admin, imports) still work: they wait
  for SQLite's own lock with `busy_timeout`, as before. The lock file holds no data and may
  be deleted while nothing runs.

Setting `SOUNDINGBOARD_SQLITE_WRITE_LOCK=0` turns the lock off, to measure it against plain
`BEGIN IMMEDIATE` + `busy_timeout` (see docs/performance.md).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING, cast

from django.db import DEFAULT_DB_ALIAS, connections

if TYPE_CHECKING:
    from django.db.backends.sqlite3.base import DatabaseWrapper as SQLiteDatabaseWrapper

LOCK_SUFFIX = ".write-lock"
SWITCH = "SOUNDINGBOARD_SQLITE_WRITE_LOCK"

_thread_lock = threading.Lock()
_held = threading.local()  # .depth: how many sqlite_write_lock() blocks this thread is in
_descriptors: dict[str, int] = {}  # lock file path -> descriptor, for the process in _pid
_pid = 0


def enabled() -> bool:
    return os.environ.get(SWITCH, "1").strip().lower() not in ("0", "off", "false", "no")


def lock_file_for(using: str = DEFAULT_DB_ALIAS) -> str | None:
    """The lock file for a database: beside it, or None when no lock is needed."""
    connection = connections[using]
    # A connection whose vendor is "sqlite" is Django's SQLite wrapper.
    sqlite = cast("SQLiteDatabaseWrapper", connection)
    if connection.vendor != "sqlite" or sqlite.is_in_memory_db():
        return None
    return str(connection.settings_dict["NAME"]) + LOCK_SUFFIX


def _descriptor(path: str) -> int:
    global _pid
    if _pid != os.getpid():  # first use, or a forked child: never use the parent's
        _descriptors.clear()
        _pid = os.getpid()
    if path not in _descriptors:
        _descriptors[path] = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    return _descriptors[path]


@contextlib.contextmanager
def sqlite_write_lock(using: str = DEFAULT_DB_ALIAS) -> Iterator[None]:
    """Hold the writer lock around a write transaction (see the module's description).

    Use it outside `transaction.atomic()`: `with sqlite_write_lock(), transaction.atomic():`.
    """
    path = lock_file_for(using)
    if (
        path is None
        or getattr(_held, "depth", 0) > 0
        or connections[using].in_atomic_block
        or not enabled()
    ):
        yield
        return
    with _thread_lock:
        descriptor = _descriptor(path)
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        _held.depth = 1
        try:
            yield
        finally:
            _held.depth = 0
            fcntl.flock(descriptor, fcntl.LOCK_UN)
