"""Slow and idle clients cannot take the site down.

bench/slow_clients.py's attack (idle connections, a header line or a body byte every 5 s,
each from a loopback address of its own, opened again whenever the server closes them) at a
smaller scale, while a probe asks for a page once a second: against `soundingboard serve`,
with its nginx in front of two sync workers, every probe is answered within 1 s; against the
two sync workers alone (`--no-proxy`), the same attack with a handful of connections leaves
the probe unanswered, so the test does reproduce the attack. Also: the client's own address
reaches Django through nginx, whatever address headers the client sends.
"""

from __future__ import annotations

import asyncio
import http.client
import json

import pytest
from bench.slow_clients import Attack, attack_and_probe

from tests.conftest import EXAMPLE
from tests.live_server import running_server

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def _post_from(port: int, source: str, forged: str) -> int:
    """An intake post from `source`, claiming to be `forged` in every address header."""
    connection = http.client.HTTPConnection("127.0.0.1", port, source_address=(source, 0))
    headers = {
        "Content-Type": "application/json",
        "X-Forwarded-For": forged,
        "X-Real-IP": forged,
        "Forwarded": f"for={forged}",
    }
    connection.request("POST", "/-/api/intake", body=json.dumps({}), headers=headers)
    status = connection.getresponse().status
    connection.close()
    return status


def test_serve_answers_through_the_attack_and_sees_each_client(tmp_path):
    # Two submissions per client address (counted in the database, across both workers).
    env = {"SOUNDINGBOARD_RATE_LIMIT": "2/600", "SOUNDINGBOARD_RATE_LIMIT_STORE": "database"}
    attack = Attack(idle=60, slow_header=20, slow_body=20, interval=5, hold=15)
    with running_server([EXAMPLE], tmp_path, workers=2, extra_env=env) as server:
        port = int(server.url.rsplit(":", 1)[1])
        result = asyncio.run(attack_and_probe(port, attack))

        # The third submission from one address is refused, whatever address it claims to
        # be, and another address is still let through: Django counts the address nginx saw.
        first = [_post_from(port, "127.0.0.2", f"10.9.9.{i}") for i in range(3)]
        other = _post_from(port, "127.0.0.3", "127.0.0.2")
        log = (tmp_path / "server.log").read_text()

    assert len(result.probes) >= 10, result.row()
    assert result.within_1s == len(result.probes), result.row()
    assert result.opened >= 100  # every attack connection was open at once
    assert 429 not in first[:2] and first[2] == 429, first
    assert other != 429
    assert "127.1." not in log and "127.0.0.2" not in log  # no client address in the log


def test_the_same_attack_stops_gunicorn_alone(tmp_path):
    attack = Attack(idle=2, slow_header=2, slow_body=2, interval=5, hold=1, probe_timeout=2)
    with running_server([EXAMPLE], tmp_path, workers=2, proxy=False) as server:
        result = asyncio.run(attack_and_probe(int(server.url.rsplit(":", 1)[1]), attack))
    assert result.probes and result.within_1s == 0, result.row()
