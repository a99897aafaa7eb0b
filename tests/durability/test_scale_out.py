"""Several servers on one PostgreSQL behind a load balancer (scripts/scale_out.py), under
load, one server at a time restarted:

- a crash: server-1 is killed (SIGKILL) and started again. The balancer answers 502 for the
  submissions server-1 had when it died (nginx never sends a POST twice), and each client
  sends its submission again, as a respondent would;
- a planned restart: server-2 is taken out of the balancer, stopped (SIGTERM), started and
  put back. No one gets an error.

All the while submissions go on being confirmed through the other server; every confirmed
submission is stored exactly once; each restarted server takes its share again. The clients
and their ledger are tests/durability/harness.py's.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.db import connection
from scripts.scale_out import AppServer, Site, scale_out, shared_env

from soundingboard.collect.models import Response
from tests import live_server
from tests.durability import harness
from tests.durability.harness import (
    Ledger,
    check_ledger,
    report,
    run_clients,
    tiny_consultation,
    wait_for,
)

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.slow,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="several servers share one database only on PostgreSQL (a SQLite file belongs "
        "to one machine): run under scripts/with-postgres.sh",
    ),
]

CLIENTS = 6
LIMIT = 60  # seconds for the clients, at most (they are stopped sooner)
CONFIRMED_POST = '"POST /-/feedback/intake/" 303'  # a confirmation, in a server's access log


@dataclass
class Outage:
    server: AppServer
    planned: bool
    down: float  # time.monotonic() when it was taken out or killed
    up: float  # ... and when it took requests again
    log_offset: int  # the size of its log then

    @property
    def name(self) -> str:
        return f"{self.server.name} ({'planned restart' if self.planned else 'SIGKILL'})"

    def confirmations_after(self) -> int:
        """Submissions this server confirmed since it came back."""
        with open(self.server.log, "rb") as log:
            log.seek(self.log_offset)
            return log.read().decode(errors="replace").count(CONFIRMED_POST)


def restart(site: Site, server: AppServer, *, planned: bool) -> Outage:
    down = time.monotonic()
    if planned:
        site.balancer.take_out(server.port)  # returns once its requests are answered
        server.stop()
    else:
        server.kill()
    server.start()
    if planned:
        site.balancer.put_back(server.port)
    return Outage(server, planned, down, time.monotonic(), server.log.stat().st_size)


def test_one_server_at_a_time_restarted_under_load(tmp_path: Path):
    live_server.ensure_nginx()
    folder = tiny_consultation(tmp_path / "consultation")
    env = {
        **shared_env(live_server.test_database_url(), harness.SECRET_KEY),
        "SOUNDINGBOARD_FORM_MIN_SECONDS": "0",
        # Every client is 127.0.0.1: a limit no client reaches, counted in the database all
        # the same, by both servers.
        "SOUNDINGBOARD_RATE_LIMIT": "100000/600",
    }
    ledger, stop = Ledger(), threading.Event()
    outages: list[Outage] = []
    with scale_out([folder], tmp_path / "site", env, workers=2) as site:
        started = time.monotonic()
        threads = run_clients(
            site.balancer.port,
            ledger,
            run="scale",
            clients=CLIENTS,
            per_client=10_000,
            stop=stop,
            deadline=started + LIMIT,
            returning=lambda i: i % 2 == 1,
        )
        for server, planned in zip(site.servers, (False, True), strict=True):
            target = len(ledger.confirmed()) + 30
            assert wait_for(lambda t=target: len(ledger.confirmed()) >= t, 15)
            outage = restart(site, server, planned=planned)
            outages.append(outage)
            # nginx leaves a failed server out for a few seconds, then tries it again.
            assert wait_for(lambda o=outage: o.confirmations_after() >= 5, 15), (
                f"{server.name} took no submissions after it came back"
            )
        stop.set()
        for thread in threads:
            thread.join(15)
    problems, counts = check_ledger(ledger, "scale", balanced=True)
    attempts = ledger.attempts()
    meanwhile = [
        Counter(
            "confirmed" if a.outcome.reference else str(a.outcome.status or a.outcome.error)
            for _, a in attempts
            if outage.down <= a.at <= outage.up
        )
        for outage in outages
    ]
    report(
        "Two servers behind nginx, one restarted at a time",
        counts,
        **{f"{o.name}: seconds out": round(o.up - o.down, 2) for o in outages},
        **{
            f"{o.name}: answers meanwhile": dict(m) for o, m in zip(outages, meanwhile, strict=True)
        },
        **{f"{o.name}: confirmed since": o.confirmations_after() for o in outages},
        seconds=round(time.monotonic() - started),
    )
    assert not problems, "\n".join(problems[:20])
    for outage, answers in zip(outages, meanwhile, strict=True):
        assert answers["confirmed"] >= 10, f"too few confirmations during {outage.name}"
        if outage.planned:
            assert set(answers) == {"confirmed"}, f"errors during {outage.name}: {answers}"
    assert not [key for key in counts if key.startswith("no answer")], (
        "the balancer left a client without an answer"
    )
    assert counts["confirmed"] >= 100, "too few submissions were confirmed to judge"
    # The servers share the key that signs form tokens: none was filed as spam.
    assert not Response.objects.filter(
        summary__startswith="durability scale ", status=Response.Status.SPAM
    ).exists()
