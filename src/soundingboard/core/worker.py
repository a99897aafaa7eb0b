"""The worker: runs what the outbox holds (sending email), beside the web server or alone.

The outbox is django-tasks' database backend; this runs its worker (the loop behind
`manage db_worker`) on every queue, looking for due tasks every `interval` seconds. A task
that fails never stops it: the backend records the failure, and sending email handles its own
retries (core.email_delivery). `soundingboard serve` starts it as a child process beside
gunicorn and nginx; `soundingboard worker` runs it alone, for a server of its own.
"""

from __future__ import annotations

import logging
import os
import socket
import time

from django.db import InterfaceError, OperationalError, connections
from django_tasks_db.management.commands.db_worker import Worker

DEFAULT_INTERVAL = 2.0  # seconds between looks at the outbox when it is empty
MAX_WAIT_SECONDS = 30.0  # the longest wait for a database that does not answer
logger = logging.getLogger(__name__)


def make_worker(*, batch: bool = False, interval: float = DEFAULT_INTERVAL) -> Worker:
    """A worker for every queue; with `batch`, one that stops when nothing is due."""
    return Worker(
        queue_names=["*"],
        interval=interval,
        batch=batch,
        backend_name="default",
        startup_delay=not batch,
        max_tasks=None,
        worker_id=f"{socket.gethostname()}-{os.getpid()}"[:64],
        excluded_queue_names=[],
    )


def run_worker(*, interval: float = DEFAULT_INTERVAL) -> None:
    """Run until SIGTERM or SIGINT; the task in hand, if any, is finished first.

    A database that stops answering (PostgreSQL restarted, a network cut) does not stop it:
    it waits, longer each time up to MAX_WAIT_SECONDS, and looks again. Stopping would stop
    `serve` with it, the site included."""
    logging.getLogger("django_tasks_db").setLevel(logging.WARNING)
    worker = make_worker(interval=interval)
    worker.configure_signals()
    wait = interval
    while worker.running:
        try:
            worker.run()
        except (OperationalError, InterfaceError) as error:
            logger.warning("The outbox's database did not answer (%s); looking again", error)
            connections.close_all()
            time.sleep(wait)
            wait = min(wait * 2, MAX_WAIT_SECONDS)


def run_due_tasks() -> None:
    """Run every task that is due now, then return (for tests and one-off use)."""
    make_worker(batch=True).run()
