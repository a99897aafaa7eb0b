"""The outbox's worker keeps going when the database stops answering (core.worker)."""

from __future__ import annotations

from django.db import OperationalError

from soundingboard.core import worker as worker_module


def test_a_database_that_does_not_answer_does_not_stop_the_worker(monkeypatch):
    runs: list[str] = []
    slept: list[float] = []

    class FlakyWorker:
        running = True

        def configure_signals(self) -> None:
            pass

        def run(self) -> None:
            runs.append("run")
            if len(runs) < 3:
                raise OperationalError("server closed the connection unexpectedly")
            self.running = False  # as SIGTERM leaves it

    monkeypatch.setattr(worker_module, "make_worker", lambda **options: FlakyWorker())
    monkeypatch.setattr(worker_module.time, "sleep", slept.append)
    worker_module.run_worker(interval=2.0)
    assert runs == ["run", "run", "run"]
    assert slept == [2.0, 4.0]  # waiting longer each time
