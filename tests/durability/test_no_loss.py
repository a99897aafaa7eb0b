"""The promise: every accepted submission is committed before the respondent sees a
confirmation, and nothing already accepted is ever lost.

- The whole server (master and workers) is SIGKILLed at random moments under load and
  started again on the same database: every confirmed reference is stored exactly once.
- A full disk (SQLite's SQLITE_FULL) gets the answers back with a message, never a
  confirmation; the next submission after space is freed is stored.
- PostgreSQL stopped and started under load: clean 503 pages while it is away, never a 500
  or a confirmation without a row, and the same workers store submissions again once it is
  back.

Each test prints what happened (run pytest with -s to see it).
"""

from __future__ import annotations

import logging
import os
import random
import shlex
import subprocess
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
from django.db import OperationalError, connection, transaction

from soundingboard.collect.models import Response
from soundingboard.publish.settings_schema import DEFAULT_ROLES
from tests.durability.harness import (
    PAGE,
    Ledger,
    check_ledger,
    killable_server,
    report,
    run_clients,
    tiny_consultation,
    wait_for,
)
from tests.live_server import hidden_fields

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

SEED = 20261122
CLIENTS = 8
PER_CLIENT = 50  # 400 submissions
KILLS = 3
LIMIT = 60  # seconds for the clients, at most


def assert_sqlite_intact() -> None:
    if connection.vendor != "sqlite":
        return  # PostgreSQL has no equivalent cheap check; its WAL replay is its own
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA integrity_check")
        assert cursor.fetchall() == [("ok",)]
        cursor.execute("PRAGMA foreign_key_check")
        assert cursor.fetchall() == []


def test_every_confirmed_submission_survives_sigkill_of_the_whole_server(tmp_path: Path):
    rng = random.Random(SEED)
    folder = tiny_consultation(tmp_path / "consultation")
    ledger, stop = Ledger(), threading.Event()
    total = CLIENTS * PER_CLIENT
    kill_points = sorted(rng.sample(range(total // 10, total * 8 // 10), KILLS))
    downtimes = []
    started = time.monotonic()
    with killable_server(folder, tmp_path, workers=3) as server:
        threads = run_clients(
            server.port,
            ledger,
            run="kill",
            clients=CLIENTS,
            per_client=PER_CLIENT,
            stop=stop,
            deadline=started + LIMIT,
            returning=lambda i: i % 2 == 1,
            gives_up=lambda i: i % 4 == 0,
        )
        for point in kill_points:
            assert wait_for(lambda p=point: len(ledger.submissions) >= p, LIMIT / 2)
            time.sleep(rng.uniform(0, 0.05))
            down = time.monotonic()
            server.kill()
            time.sleep(rng.uniform(0, 0.3))
            server.start()
            downtimes.append(round(time.monotonic() - down, 2))
        for thread in threads:
            thread.join(max(0.1, started + LIMIT - time.monotonic()))
        stop.set()
    problems, counts = check_ledger(ledger, "kill")
    report(
        "SIGKILL of the whole server",
        counts,
        kills=KILLS,
        **{"seconds down each time": downtimes, "seconds": round(time.monotonic() - started)},
    )
    assert not problems, "\n".join(problems[:20])
    assert counts["confirmed"] >= total / 2, "too few submissions were confirmed to judge"
    assert_sqlite_intact()


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's SQLITE_FULL")
def test_a_full_disk_gives_the_answers_back_and_no_confirmation(
    client, use_consultations, tmp_path: Path, caplog
):
    use_consultations(tiny_consultation(tmp_path / "consultation"))
    fields = {
        **hidden_fields(client.get(f"/-/feedback/{PAGE}").content.decode()),
        "about_you": "1",
        "role": DEFAULT_ROLES[0],
        "summary": "Sent when the disk was full",
        "details": "Kept for the respondent. " * 300,  # needs new pages (overflow) to store
    }
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA page_count")
        (pages,) = cursor.fetchone()
        try:
            cursor.execute(f"PRAGMA max_page_count = {pages}")
            for number in range(10_000):  # use up the free pages
                try:
                    with transaction.atomic():
                        Response.objects.create(
                            reference=f"FILL-{number}", consultation="filler", details="x" * 3000
                        )
                except OperationalError as error:
                    assert "database or disk is full" in str(error)
                    break
            else:
                pytest.fail("the database never filled up")

            with caplog.at_level(logging.ERROR, logger="soundingboard.collect.feedback"):
                reply = client.post(f"/-/feedback/{PAGE}", fields)
            html = reply.content.decode()
            assert reply.status_code == 503
            assert "Feedback received" not in html and "SB-" not in html
            assert "Sent when the disk was full" in html  # the answers, kept
            assert not Response.objects.filter(summary="Sent when the disk was full").exists()
            [record] = [r for r in caplog.records if r.exc_info]
            cause = record.exc_info[1].__cause__
            assert getattr(cause, "sqlite_errorname", None) == "SQLITE_FULL", repr(cause)
        finally:
            cursor.execute("PRAGMA max_page_count = 1073741823")

    reply = client.post(f"/-/feedback/{PAGE}", fields)  # sent again from the page kept
    assert reply.status_code == 303
    stored = Response.objects.get(summary="Sent when the disk was full")
    assert stored.reference in client.get(reply["Location"]).content.decode()
    assert_sqlite_intact()


PG_CTL = os.environ.get("SOUNDINGBOARD_PG_CTL", "")


def pg_ctl(*arguments: str) -> None:
    subprocess.run([*shlex.split(PG_CTL), *arguments], check=True, capture_output=True, timeout=60)


@pytest.mark.skipif(
    connection.vendor != "postgresql" or not PG_CTL,
    reason="needs PostgreSQL started by scripts/with-postgres.sh (SOUNDINGBOARD_PG_CTL)",
)
@pytest.mark.parametrize(
    "returning",
    [
        pytest.param(False, id="new-respondents"),
        pytest.param(True, id="returning-respondents"),
    ],
)
def test_postgresql_going_away_gives_clean_errors_and_the_server_recovers(
    tmp_path: Path, returning: bool
):
    folder = tiny_consultation(tmp_path / "consultation")
    ledger, stop = Ledger(), threading.Event()
    started = time.monotonic()
    with killable_server(folder, tmp_path, workers=3) as server:
        threads = run_clients(
            server.port,
            ledger,
            run="pg",
            clients=CLIENTS,
            per_client=PER_CLIENT,
            stop=stop,
            deadline=started + LIMIT,
            retry_pause=0.2,
            returning=lambda i: returning and i % 2 == 1,
        )
        assert wait_for(lambda: len(ledger.submissions) >= 80, LIMIT / 2)
        went = time.monotonic()
        try:
            pg_ctl("stop", "-m", "fast", "-w")
            time.sleep(1.5)  # long enough for every client to meet the outage
        finally:
            pg_ctl("start", "-w")
        back = time.monotonic()
        for thread in threads:
            thread.join(max(0.1, started + LIMIT - time.monotonic()))
        stop.set()
        assert server.starts == 1 and server.process and server.process.poll() is None
    problems, counts = check_ledger(ledger, "pg")
    during = Counter(
        "confirmed" if a.outcome.reference else str(a.outcome.status or a.outcome.error)
        for _, a in ledger.attempts()
        if went <= a.at <= back
    )
    recovered = min((a.at for _, a in ledger.attempts() if a.at > back and a.outcome.reference))
    report(
        "PostgreSQL stopped for 1.5 s under load",
        counts,
        **{
            "answers while it was away": dict(during),
            "seconds from its return to the next confirmation": round(recovered - back, 2),
        },
    )
    assert not problems, "\n".join(problems[:20])
    assert during["503"] > 0, "no request met the outage; the test proved nothing"
    assert recovered - back < 10
    assert counts["confirmed"] >= CLIENTS * PER_CLIENT * 0.9
