"""The SQLite writer lock: one writer at a time across processes and threads, never twice
in one thread, nothing at all for PostgreSQL."""

from __future__ import annotations

import fcntl
import os
import threading
import time

import pytest
from django.db import connection, transaction

from soundingboard.collect import write_lock
from soundingboard.collect.storage import store_response

pytestmark = pytest.mark.django_db(transaction=True)
sqlite_only = pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's writer lock")


@pytest.mark.skipif(connection.vendor == "sqlite", reason="PostgreSQL needs no lock")
def test_there_is_no_lock_for_postgresql():
    assert write_lock.lock_file_for() is None


@sqlite_only
def test_the_lock_file_is_beside_the_database():
    assert write_lock.lock_file_for() == str(connection.settings_dict["NAME"]) + ".write-lock"


def _locked_elsewhere(path: str) -> bool:
    """Whether another process (a fork of this one) finds the lock taken."""
    child = os.fork()
    if child == 0:  # pragma: no cover - the child reports through its exit status
        try:
            descriptor = write_lock._descriptor(path)  # must not be the parent's descriptor
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os._exit(1)
        except BaseException:
            os._exit(2)
        os._exit(0)
    _, status = os.waitpid(child, 0)
    assert os.WEXITSTATUS(status) in (0, 1), "the child failed"
    return os.WEXITSTATUS(status) == 1


@sqlite_only
def test_another_process_waits_while_one_writes_even_after_a_fork():
    path = write_lock.lock_file_for()
    assert path
    write_lock._descriptor(path)  # opened before the fork, as in a preloaded gunicorn master
    with write_lock.sqlite_write_lock():
        assert _locked_elsewhere(path)
    assert not _locked_elsewhere(path)


@sqlite_only
def test_threads_take_turns():
    inside: list[str] = []
    entered = threading.Event()

    def first() -> None:
        with write_lock.sqlite_write_lock():
            inside.append("first in")
            entered.set()
            time.sleep(0.2)
            inside.append("first out")

    def second() -> None:
        entered.wait(5)
        with write_lock.sqlite_write_lock():
            inside.append("second in")

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert inside == ["first in", "first out", "second in"]


@sqlite_only
def test_nested_use_and_use_inside_a_transaction_do_not_wait_for_themselves():
    path = write_lock.lock_file_for()
    assert path
    with write_lock.sqlite_write_lock(), write_lock.sqlite_write_lock():
        assert _locked_elsewhere(path)
    with transaction.atomic():  # the SQLite lock may be held already: never wait after it
        store_response({"consultation": "c", "summary": "inside a transaction"}, token="t1")
        assert not _locked_elsewhere(path)


@sqlite_only
def test_it_can_be_switched_off_for_measurements(monkeypatch):
    path = write_lock.lock_file_for()
    assert path
    monkeypatch.setenv(write_lock.SWITCH, "0")
    with write_lock.sqlite_write_lock():
        assert not _locked_elsewhere(path)
