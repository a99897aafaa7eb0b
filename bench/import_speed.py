"""How fast `import-sheet` stores page feedback, against the database's own floor.

It writes a CSV file of `-n` page-feedback rows (default 100,000) in the original site's
Feedback tab, then, each in a process of its own on a new database so that its time and its
peak memory are its alone:

- **import**: `sheet_import.import_sheet` as `soundingboard import-sheet` runs it (reading,
  checking every row as the intake API does, tokens, batches), timed end to end;
- **again**: the same file imported a second time into that database: every row found
  already there, nothing stored;
- **reference**: the same rows, already made into database values (no reading, no checks;
  references and tokens as random as the import's), inserted with a raw `executemany` into
  the responses table as it is (its indexes, and the search index's trigger), in
  transactions of 1,000, with the import's page cache (`bulk_storage.import_cache`): what the
  database itself costs, measured in the same run on the same machine;
- **reference, bulk index**: the same `executemany`, each transaction's rows put in the
  search index at once at its end (`search_index.indexed_in_bulk`, as the import's batches
  are) instead of by the insert trigger row by row: the floor for the import's way of storing;
- **small**: the import of the first tenth of the file, for its peak memory: memory is flat
  when the full import's peak is no higher.

For each it prints rows a second by wall time and by CPU time (the import's own processes',
which moves less with what else the machine runs: for a large file the import reads and
checks its rows in a second process, whose CPU is counted; "CPU main" is the storing
process's alone), the peak resident memory of the larger process, and the CPU the rest of
the machine used meanwhile, as a share of one core. `--rounds N` runs the import and the
reference N times, taking turns, and reports the median with the range, then the import's
rate in each round and in how many of them it reached the goal (`GOAL`, 20,000 rows a second;
only meaningful at the default 100,000 rows).

    python bench/import_speed.py                                   # SQLite
    python bench/import_speed.py -n 20000 --rounds 3
    python bench/import_speed.py --one-process                     # no second process
    bash scripts/with-postgres.sh python bench/import_speed.py     # PostgreSQL
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from write_lock_contention import machine_busy_seconds

SLUG = "bench"
ONE_PROCESS = "IMPORT_SPEED_ONE_PROCESS"  # set by --one-process, read by each phase
GOAL = 20_000  # rows a second by the clock, on 100,000 rows (the goal)
PAGES = ("index", "models-for-delivery", "responding-to-change", "mechanisms")
TEXT = (
    "the hub model needs a clearer funding route and a named owner for the shared data "
    "standards before councils could commit staff time to it over several years"
)
WORDS = TEXT.split()


def _setup(data_dir: Path) -> Path:
    folder = data_dir / "consultation"
    folder.mkdir(parents=True, exist_ok=True)
    pages = "".join(f"  - {page}.md\n" for page in PAGES)
    (folder / "consultation.yml").write_text(f"title: Bench\nslug: {SLUG}\npages:\n{pages}")
    for page in PAGES:
        (folder / f"{page}.md").write_text(f"# {page.replace('-', ' ').title()}\n\nText.\n")
    os.environ.update(
        SOUNDINGBOARD_DATA_DIR=str(data_dir),
        SOUNDINGBOARD_CONSULTATIONS=str(folder),
        DJANGO_SETTINGS_MODULE="soundingboard.settings",
    )
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    return folder


def _fresh_database() -> None:
    """On PostgreSQL, the tables emptied (the database is shared by the phases)."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "TRUNCATE collect_activitytick, collect_ideascore, collect_response, "
                "collect_contact RESTART IDENTITY CASCADE"
            )


def write_rows(path: Path, count: int, roles: list[str], natures: list[str]) -> None:
    """`count` page-feedback rows as the original site's Feedback tab held them."""
    chance = random.Random(20261207)
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(
            ["Timestamp", "tab", "page", "summary", "details", "role", "org", "email", "nature"]
        )
        for i in range(count):
            day, second = divmod(i * 37, 86_400)
            summary = " ".join(chance.choices(WORDS, k=chance.randint(3, 12)))
            details = " ".join(chance.choices(WORDS, k=chance.randint(0, 60)))
            with_contact = chance.random() < 0.25
            writer.writerow(
                [
                    f"{1 + day % 28:02d}/{1 + day // 28 % 12:02d}/2024 "
                    f"{second // 3600:02d}:{second // 60 % 60:02d}:{second % 60:02d}",
                    "Feedback",
                    f"https://example.github.io/paper/{chance.choice(PAGES)}/",
                    f"{summary.capitalize()} ({i})",
                    details,
                    chance.choice(roles),
                    "Northshire County Council" if with_contact else "",
                    f"person{i}@example.org" if with_contact else "",
                    chance.choice(natures) if chance.random() < 0.8 else "",
                ]
            )


def _children_cpu() -> float:
    """CPU time of this process's ended children: the import's checking process, forked
    for a large file (`row_import._checked_batches`), counts once it has ended."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _measured(run: Any) -> dict[str, Any]:
    busy, children = machine_busy_seconds(), _children_cpu()
    cpu, wall = time.process_time(), time.perf_counter()
    result = run()
    wall, main = time.perf_counter() - wall, time.process_time() - cpu
    cpu = main + _children_cpu() - children
    others = max(machine_busy_seconds() - busy - cpu, 0.0)
    return {
        **result,
        "wall": wall,
        "cpu": cpu,  # every process of the import's
        "cpu_main": main,  # the process that stores
        "others_share": others / wall,
        "peak_mb": max(
            resource.getrusage(who).ru_maxrss / 1024
            for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
        ),
    }


def phase(name: str, data_dir: Path, csv_path: Path, count: int) -> dict[str, Any]:
    """One phase, in this process (run by `main` in a process of its own)."""
    folder = _setup(data_dir)
    from soundingboard.collect.sheet_import import import_sheet, read_sheet
    from soundingboard.publish.loader import load_consultation

    consultation = load_consultation(folder)
    if os.environ.get(ONE_PROCESS):
        from soundingboard.collect import row_import

        row_import.PARALLEL_MIN_ROWS = sys.maxsize  # the rows checked in this process
    if name != "again":
        _fresh_database()

    def imported() -> dict[str, Any]:
        report = import_sheet(consultation, read_sheet(csv_path, "Feedback"), progress=False)
        assert report.skipped == 0, report.problems[:3]
        return {"rows": report.rows, "stored": report.imported, "already": report.already_there}

    if name in ("import", "again", "small"):
        return _measured(imported)
    if name in ("reference", "ref-bulk"):
        rows = _reference_rows(csv_path)
        return _measured(lambda: _raw_insert(rows, bulk_index=name == "ref-bulk"))
    raise ValueError(name)


def _reference_rows(csv_path: Path) -> list[tuple[Any, ...]]:
    """The rows as database values, made before the clock starts."""
    from soundingboard.collect.bulk_storage import RESPONSE_COLUMNS
    from soundingboard.collect.models import Response
    from soundingboard.collect.prepared_insert import RowWriter
    from soundingboard.collect.row_import import row_token
    from soundingboard.collect.storage import new_reference

    writer = RowWriter(Response, RESPONSE_COLUMNS)
    rows = []
    references: set[str] = set()  # 40 random bits: 100,000 of them collide once in 200 runs
    with csv_path.open(newline="", encoding="utf-8") as file:
        reader = csv.reader(file)
        next(reader)
        for i, cells in enumerate(reader):
            stamp, _tab, page, summary, details, role, _org, _email, nature = cells
            # Keys as random as the import's (a reference, a hash): in order, each would be
            # added at the end of its index, which costs far less than the import can.
            while (reference := new_reference()) in references:
                pass
            references.add(reference)
            rows.append(
                writer.row(
                    reference,
                    row_token("reference", i),
                    None,
                    _reference_time(stamp),
                    SLUG,
                    "page",
                    "import",
                    "accepted",
                    "",
                    page,
                    False,
                    "",
                    "",
                    "",
                    role,
                    nature,
                    summary,
                    details,
                    "",
                    None,
                    None,
                )
            )
    return rows


def _reference_time(stamp: str) -> Any:
    import datetime as dt

    return dt.datetime.strptime(stamp, "%d/%m/%Y %H:%M:%S").replace(tzinfo=dt.UTC)


def _raw_insert(rows: list[tuple[Any, ...]], *, bulk_index: bool) -> dict[str, Any]:
    import contextlib

    from django.db import connection, transaction

    from soundingboard.collect.bulk_storage import RESPONSE_COLUMNS, import_cache
    from soundingboard.collect.models import Response
    from soundingboard.collect.search_index import indexed_in_bulk

    fields = {f.attname: f for f in Response._meta.concrete_fields}
    rest = [f for f in fields.values() if f.attname not in RESPONSE_COLUMNS and not f.primary_key]
    names = [fields[name].column for name in RESPONSE_COLUMNS] + [f.column for f in rest]
    quote = connection.ops.quote_name
    sql = (
        f"INSERT INTO {quote(Response._meta.db_table)} ({', '.join(map(quote, names))}) "
        f"VALUES ({', '.join(['%s'] * len(names))})"
    )
    with import_cache():
        for start in range(0, len(rows), 1000):
            with transaction.atomic():
                index = indexed_in_bulk() if bulk_index else contextlib.nullcontext()
                with index, connection.cursor() as cursor:
                    cursor.executemany(sql, rows[start : start + 1000])
    return {"rows": len(rows), "stored": len(rows), "already": 0}


def _run_phase(name: str, data_dir: Path, csv_path: Path, count: int) -> dict[str, Any]:
    done = subprocess.run(
        [
            sys.executable,
            __file__,
            *("--phase", name, "--data-dir", str(data_dir)),
            *("--csv", str(csv_path), "-n", str(count)),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=100_000, help="rows in the file")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument(
        "--one-process",
        action="store_true",
        help="check the rows in the importing process, never in a second one",
    )
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    parser.add_argument("--data-dir", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--csv", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        print(json.dumps(phase(args.phase, args.data_dir, args.csv, args.n)))
        return
    if args.one_process:
        os.environ[ONE_PROCESS] = "1"

    with tempfile.TemporaryDirectory(prefix="import-speed-") as temp:
        root = Path(temp)
        _setup(root / "setup")
        from soundingboard.publish.loader import load_consultation

        options = load_consultation(root / "setup" / "consultation").settings.feedback
        full = root / "feedback.csv"
        write_rows(full, args.n, list(options.roles), list(options.natures))
        small = root / "small.csv"
        with full.open(encoding="utf-8") as source, small.open("w", encoding="utf-8") as out:
            for i, line in enumerate(source):
                if i > args.n // 10:
                    break
                out.write(line)
        database = "PostgreSQL" if os.environ.get("DATABASE_URL") else "SQLite"
        print(f"{args.n:,} page-feedback rows, {database}, {args.rounds} round(s)")
        print("load average at the start: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
        results: dict[str, list[dict[str, Any]]] = {
            "import": [],
            "again": [],
            "reference": [],
            "ref-bulk": [],
        }
        for round_ in range(args.rounds):
            order = ["import", "reference", "ref-bulk"]
            if round_ % 2:
                order.reverse()
            for name in order:
                data_dir = root / f"{name}-{round_}"
                results[name].append(_run_phase(name, data_dir, full, args.n))
                if name == "import":
                    results["again"].append(_run_phase("again", data_dir, full, args.n))
        results["small"] = [_run_phase("small", root / "small", small, args.n // 10)]
        _report(results)
        print("load average at the end: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))


def _report(results: dict[str, list[dict[str, Any]]]) -> None:
    out = io.StringIO()
    out.write(
        f"{'phase':<10} {'rows':>8} {'stored':>8} {'rows/s wall':>18} {'rows/s CPU':>18} "
        f"{'rows/s CPU main':>18} {'peak MB':>8} {'others':>7}\n"
    )
    for name, runs in results.items():
        wall = [r["rows"] / r["wall"] for r in runs]
        cpu = [r["rows"] / r["cpu"] for r in runs]
        # Older copies of this script (the code before a change) measured one process.
        main = [r["rows"] / r.get("cpu_main", r["cpu"]) for r in runs]
        out.write(
            f"{name:<10} {runs[0]['rows']:>8,} {runs[0]['stored']:>8,} {_spread(wall):>18} "
            f"{_spread(cpu):>18} {_spread(main):>18} {max(r['peak_mb'] for r in runs):>8.0f} "
            f"{statistics.median(r['others_share'] for r in runs):>6.0%}\n"
        )
    rounds = [r["rows"] / r["wall"] for r in results["import"]]
    reached = sum(rate >= GOAL for rate in rounds)
    out.write(
        "import, each round (rows/s wall): "
        + ", ".join(f"{rate:,.0f}" for rate in rounds)
        + f"; at or above the goal of {GOAL:,}: {reached} of {len(rounds)}\n"
    )
    for reference in ("reference", "ref-bulk"):
        for clock in ("wall", "cpu"):
            ratio = [
                (i["rows"] / i[clock]) / (r["rows"] / r[clock])
                for i, r in zip(results["import"], results[reference], strict=True)
            ]
            out.write(f"import / {reference} ({clock}): {_spread(ratio, '.2f')}\n")
    sys.stdout.write(out.getvalue())


def _spread(values: list[float], form: str = ",.0f") -> str:
    middle = format(statistics.median(values), form)
    if len(values) == 1:
        return middle
    return f"{middle} ({format(min(values), form)}-{format(max(values), form)})"


if __name__ == "__main__":
    main()
