"""Prepared INSERTs against the ORM's create(): what they save per submission, in one process.

`store_response` writes a submission's rows with INSERT statements made before the SQLite
write lock is taken (collect/prepared_insert.py), where it used to call `objects.create()` and
`bulk_create()` inside the lock. This stores submissions one after another, taking turns
between the two (the ORM's way is put in place of `prepare()` in `collect.storage`, so the
rest of the path is the same), and reports for each way the median per submission of

- its CPU time, all of it (for `--through api`, the whole request through the WSGI
  application: middleware, JSON, checks, storing, the reply), and
- the time the write lock (the transaction) is held, as wall time and as CPU time.

Taking turns submission by submission means both ways meet the same machine speed; each
round swaps which goes first. The spread is the range of the rounds' medians.

    python bench/prepared_insert_gain.py                                  # SQLite
    python bench/prepared_insert_gain.py --through store,api --rounds 7 -n 1000
    bash scripts/with-postgres.sh python bench/prepared_insert_gain.py    # PostgreSQL
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
import warnings
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from write_lock_contention import machine_busy_seconds

WAYS = ("prepared", "orm")
CONSULTATION_YML = "title: Gain\nslug: gain\npages:\n  - index.md\n"
DETAILS = (
    "Our team would use this if the data standards were agreed first, and would say so "
    "in the review; please say who will own the shared data model."
)


def _setup(data_dir: Path) -> None:
    folder = data_dir / "consultation"
    folder.mkdir()
    (folder / "consultation.yml").write_text(CONSULTATION_YML)
    (folder / "index.md").write_text("# Gain\n\nThe page whose feedback is sent.\n")
    os.environ.update(
        SOUNDINGBOARD_DATA_DIR=str(data_dir),
        SOUNDINGBOARD_CONSULTATIONS=str(folder),
        SOUNDINGBOARD_RATE_LIMIT="0",  # every request comes from one address
        SOUNDINGBOARD_FORM_MIN_SECONDS="0",
        DJANGO_SETTINGS_MODULE="soundingboard.settings",
    )
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


class OrmInsert:
    """The ORM's way, with prepare()'s interface: `create()` (save with force_insert) for one
    row and `bulk_create()` for several, run inside the lock as store_response did before."""

    def __init__(self, instances: Sequence[Any], *, later: Sequence[str] = (), using: str):
        self.instances, self.using = instances, using

    def run(self, **later: Any) -> None:
        for name, value in later.items():
            for instance in self.instances:
                setattr(instance, name, value)
        if len(self.instances) == 1:
            self.instances[0].save(force_insert=True, using=self.using)
        else:
            type(self.instances[0])._default_manager.using(self.using).bulk_create(self.instances)


def orm_prepare(instances: Sequence[Any], *, later: Sequence[str] = (), using: str = "default"):
    return OrmInsert(instances, later=later, using=using)


held: list[tuple[float, float]] = []  # (wall, CPU) seconds the lock was held, per transaction


def timing(lock: Callable[[], contextlib.AbstractContextManager[None]]):
    @contextlib.contextmanager
    def timed() -> Iterator[None]:
        with lock():
            wall, cpu = time.perf_counter(), time.process_time()
            try:
                yield
            finally:
                held.append((time.perf_counter() - wall, time.process_time() - cpu))

    return timed


def store_submitter(shape: str) -> Callable[[], None]:
    """A submission straight to store_response: page feedback, or a questionnaire with a
    contact, six scores and four ticks."""
    from soundingboard.collect.storage import ContactDetails, Score, Tick, store_response

    fields = {
        "consultation": "gain",
        "page_path": "index/",
        "summary": "Keep it",
        "details": DETAILS,
    }
    scores = [Score(idea=f"Idea {i}", usefulness=i % 5 + 1, likelihood=None) for i in range(6)]
    ticks = [Tick(idea="Idea 1", activity=f"Activity {i}", raw=f"Activity {i}") for i in range(4)]
    contact = ContactDetails(email="someone@example.org", organisation="A council")

    def submit() -> None:
        if shape == "page":
            store_response(dict(fields), token=uuid.uuid4().hex)
        else:
            store_response(
                {**fields, "kind": "questionnaire"},
                token=uuid.uuid4().hex,
                contact=contact,
                scores=scores,
                ticks=ticks,
            )

    return submit


def api_submitter() -> Callable[[], None]:
    """A page-feedback submission through the WSGI application's intake API, as gunicorn
    would hand it over (the HTTP parsing itself is not counted)."""
    # WhiteNoise notes that no static files were collected: none are asked for here.
    warnings.filterwarnings("ignore", "No directory at")
    from soundingboard.wsgi import application

    body = json.dumps(
        {"tab": "Feedback", "page": "/", "summary": "Keep it", "details": DETAILS,
         "role": "Local authority data professional",
         "org": "", "email": "", "nature": "", "hp_field": ""}
    ).encode()  # fmt: skip

    def submit() -> None:
        status: list[str] = []
        environ = {
            "REQUEST_METHOD": "POST",
            "PATH_INFO": "/-/api/intake",
            "SCRIPT_NAME": "",
            "QUERY_STRING": "",
            "CONTENT_TYPE": "application/json",
            "CONTENT_LENGTH": str(len(body)),
            "HTTP_HOST": "127.0.0.1",
            "HTTP_IDEMPOTENCY_KEY": uuid.uuid4().hex,
            "REMOTE_ADDR": "127.0.0.1",
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "8000",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "wsgi.input": io.BytesIO(body),
            "wsgi.errors": sys.stderr,
            "wsgi.url_scheme": "http",
            "wsgi.version": (1, 0),
            "wsgi.multithread": False,
            "wsgi.multiprocess": True,
            "wsgi.run_once": False,
        }
        reply = application(environ, lambda s, headers, *exc: status.append(s))
        content = b"".join(reply)
        getattr(reply, "close", lambda: None)()
        if not status or not status[0].startswith("201"):
            raise RuntimeError(f"the intake API answered {status}: {content!r}")

    return submit


def round_of(submit: Callable[[], None], n: int, first: str) -> dict[str, dict[str, float]]:
    """n submissions each way, taking turns; medians per submission, in microseconds."""
    from soundingboard.collect import storage

    ways = {"prepared": storage.prepare, "orm": orm_prepare}
    order = [first, *[w for w in WAYS if w != first]]
    cpu: dict[str, list[float]] = {w: [] for w in WAYS}
    lock: dict[str, list[tuple[float, float]]] = {w: [] for w in WAYS}
    for _ in range(n):
        for way in order:
            storage.prepare = ways[way]
            held.clear()
            began = time.process_time()
            submit()
            cpu[way].append(time.process_time() - began)
            lock[way] += held
    storage.prepare = ways["prepared"]
    return {
        w: {
            "cpu": statistics.median(cpu[w]) * 1e6,
            "held": statistics.median(h[0] for h in lock[w]) * 1e6,
            "held_cpu": statistics.median(h[1] for h in lock[w]) * 1e6,
        }
        for w in WAYS
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--through", default="store,api", help="store, api or both")
    parser.add_argument("--shapes", default="page,questionnaire", help="for --through store")
    parser.add_argument("-n", type=int, default=1000, help="submissions each way per round")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="sb-gain-") as temp:
        _setup(Path(temp))
        from django.db import connection

        from soundingboard.collect import storage

        storage.sqlite_write_lock = timing(storage.sqlite_write_lock)
        cases = []
        for through in args.through.split(","):
            if through == "store":
                cases += [
                    (f"store_response, {s}", store_submitter(s)) for s in args.shapes.split(",")
                ]
            else:
                cases.append(("intake API (WSGI), page", api_submitter()))
        print(f"{connection.vendor}, {args.rounds} rounds of {args.n} submissions each way")
        print(
            "| submission | way | CPU µs (median, range) | lock held µs | CPU in lock µs "
            "| ORM ÷ prepared CPU | saved by prepared µs | other CPU |"
        )
        print("| --- | --- | --: | --: | --: | --: | --: | --: |")
        for name, submit in cases:
            round_of(submit, 200, "prepared")  # warm up, unreported
            rounds = []
            busy, wall, mine = machine_busy_seconds(), time.perf_counter(), time.process_time()
            for r in range(args.rounds):
                rounds.append(round_of(submit, args.n, WAYS[r % 2]))
            other = machine_busy_seconds() - busy - (time.process_time() - mine)
            other_share = max(0.0, other / (time.perf_counter() - wall)) * 100
            ratios = [x["orm"]["cpu"] / x["prepared"]["cpu"] for x in rounds]
            saved = [x["orm"]["cpu"] - x["prepared"]["cpu"] for x in rounds]
            for way in WAYS:

                def spread(key: str, way: str = way, rounds: list = rounds) -> str:
                    values = [x[way][key] for x in rounds]
                    low, mid, high = min(values), statistics.median(values), max(values)
                    return f"{mid:.0f} ({low:.0f}–{high:.0f})"

                ratio = (
                    f"{statistics.median(ratios):.3f} ({min(ratios):.3f}–{max(ratios):.3f}) "
                    f"| {statistics.median(saved):.0f} ({min(saved):.0f}–{max(saved):.0f})"
                    if way == "orm"
                    else " | "
                )
                print(
                    f"| {name} | {way} | {spread('cpu')} | {spread('held')} "
                    f"| {spread('held_cpu')} | {ratio} | {other_share:.0f}% |",
                    flush=True,
                )
    return 0


if __name__ == "__main__":
    sys.exit(main())
