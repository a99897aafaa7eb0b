"""What storing a row in the responses table costs on SQLite, part by part.

The same page-feedback rows as bench/import_speed.py writes, made into database values first,
are inserted with Python's own `sqlite3` module (no Django) in transactions of 1,000 into a
copy of a freshly migrated database, changed each time in one way:

- as it is: five indexes besides the primary key, two unique keys (reference, token), and the
  search index's trigger, which indexes each row's text as it is inserted;
- without the trigger, each transaction's rows indexed by one `INSERT … SELECT` at its end
  (what `search_index.indexed_in_bulk` does for an import);
- without the trigger and the search index at all; without the other indexes; without both;
- with the keys in order (`SB-REF-00000001`, `ref:1`) instead of random as real ones are;
- with a 64 MiB page cache (`bulk_storage.IMPORT_CACHE_KIB`) instead of SQLite's 2 MiB.

It prints rows a second by the process's CPU time and by wall time for each.

    python bench/response_table_costs.py -n 100000
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import sqlite3
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import import_speed

FILL = (
    "INSERT INTO collect_response_search(rowid, id, summary, details, comments, attachment_text) "
    "SELECT id, id, summary, details, comments, attachment_text FROM collect_response WHERE id > ?"
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=100_000, help="rows")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="table-costs-"))
    try:
        _run(root, args.n)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _run(root: Path, count: int) -> None:
    folder = import_speed._setup(root / "setup")
    from django.db import connection

    from soundingboard.collect.bulk_storage import IMPORT_CACHE_KIB, RESPONSE_COLUMNS
    from soundingboard.collect.models import Response
    from soundingboard.collect.storage import new_reference
    from soundingboard.publish.loader import load_consultation

    options = load_consultation(folder).settings.feedback
    csv_path = root / "rows.csv"
    import_speed.write_rows(csv_path, count, list(options.roles), list(options.natures))
    rows = import_speed._reference_rows(csv_path)
    ordered = [(f"SB-REF-{i:08d}", f"ref:{i}", *row[2:]) for i, row in enumerate(rows)]
    random_keys = [
        (new_reference(), "import:" + hashlib.sha256(str(i).encode()).hexdigest()[:56], *row[2:])
        for i, row in enumerate(rows)
    ]
    fields = {f.attname: f for f in Response._meta.concrete_fields}
    rest = [f for f in fields.values() if f.attname not in RESPONSE_COLUMNS and not f.primary_key]
    names = [fields[name].column for name in RESPONSE_COLUMNS] + [f.column for f in rest]
    sql = (
        f"INSERT INTO collect_response ({', '.join(names)}) "
        f"VALUES ({', '.join(['?'] * len(names))})"
    )
    migrated = Path(connection.settings_dict["NAME"])
    connection.close()
    base = sqlite3.connect(migrated)
    indexes = [
        name
        for (name,) in base.execute(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = "
            "'collect_response' AND sql IS NOT NULL"
        )
    ]
    triggers = [
        name
        for (name,) in base.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = "
            "'collect_response'"
        )
    ]
    base.close()
    no_trigger = [f"DROP TRIGGER {name}" for name in triggers]
    no_search = [*no_trigger, "DROP TABLE collect_response_search"]
    no_indexes = [f"DROP INDEX {name}" for name in indexes]
    cache = [f"PRAGMA cache_size = -{IMPORT_CACHE_KIB}"]
    print(f"{count:,} rows; load average {os.getloadavg()[0]:.2f} at the start")
    print(f"{'the table':<58} {'rows/s CPU':>11} {'rows/s wall':>12}")
    cases: list[tuple[str, list[tuple[Any, ...]], list[str], str | None]] = [
        ("as it is (trigger), random keys", random_keys, [], None),
        ("as it is, random keys, 64 MiB cache", random_keys, cache, None),
        ("search index filled per batch, random keys", random_keys, no_trigger, FILL),
        ("search index filled per batch, random keys, 64 MiB cache", random_keys,
         no_trigger + cache, FILL),
        ("search index filled per batch, keys in order", ordered, no_trigger, FILL),
        ("no search index, random keys", random_keys, no_search, None),
        ("no search index, keys in order", ordered, no_search, None),
        ("no other indexes (trigger kept), random keys", random_keys, no_indexes, None),
        ("neither, keys in order", ordered, no_search + no_indexes, None),
    ]  # fmt: skip
    for label, values, changes, fill in cases:
        cpu, wall = _insert(root, migrated, values, sql, changes, fill)
        print(f"{label:<58} {len(values) / cpu:>11,.0f} {len(values) / wall:>12,.0f}", flush=True)
    print(f"load average at the end: {os.getloadavg()[0]:.2f}")


def _insert(
    root: Path,
    migrated: Path,
    rows: Sequence[tuple[Any, ...]],
    sql: str,
    changes: list[str],
    fill: str | None,
) -> tuple[float, float]:
    target = root / "copy.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    source, copy = sqlite3.connect(migrated), sqlite3.connect(target)
    source.backup(copy)
    source.close()
    copy.close()
    db = sqlite3.connect(target, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    for change in changes:
        db.execute(change)
    cpu, wall = time.process_time(), time.perf_counter()
    for start in range(0, len(rows), 1000):
        db.execute("BEGIN IMMEDIATE")
        (last,) = db.execute("SELECT coalesce(max(id), 0) FROM collect_response").fetchone()
        db.executemany(sql, rows[start : start + 1000])
        if fill:
            db.execute(fill, (last,))
        db.execute("COMMIT")
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    db.close()
    return cpu, wall


if __name__ == "__main__":
    main()
