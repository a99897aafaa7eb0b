"""The full-text index of what respondents wrote: made, kept current and rebuilt here.

Every free-text answer of a response (page feedback's summary and details, the
questionnaire's comments) is indexed, by the database itself, so that no way a response is
written, changed or deleted can leave the index behind: the forms and the intake API (the
prepared INSERTs of `storage`), the spreadsheet import, edits through the ORM, erasure, and
rows loaded straight into the table.

- SQLite: an FTS5 table, `collect_response_search`, with the response table as its external
  content (the text is stored once) and the response's id as its rowid; Django reads it as
  the unmanaged model `models.SearchEntry`, joined to each response by id. Triggers on
  `collect_response` add, change and remove its entries in the same transaction. The
  tokenizer folds case (all of Unicode, not ASCII alone), drops accents ("ecole" finds
  "école") and stems English words (Porter: "libraries" finds "library").
- PostgreSQL: a stored generated column, `collect_response.search_vector` (the `english`
  text search configuration: stems, drops stop words), with a GIN index. The text is put in
  lower case first by an ICU collation where the server has one, as the text search parser
  folds only ASCII letters in a database made with the C locale.

Neither is a field of the `Response` model: Django never writes them. Querying
the index is `analyse.search`'s; this module says what the index is called and holds it.

An import indexes its rows in bulk instead (`indexed_in_bulk`): on SQLite the insert trigger
is dropped for the length of one batch's transaction and the batch's rows are indexed by one
`INSERT … SELECT` before the trigger is made again and the transaction commits, so no other
connection ever sees the table without its trigger. Row by row, the trigger was about half
of what the database spent storing an imported row (docs/performance.md).

A large import (one that defers the secondary indexes, `deferred_indexes`) goes further:
`defer` stops indexing new responses for the length of the import (the insert trigger
dropped, the others made to act only on responses already indexed, the id up to which the
index is complete kept in `PENDING_TABLE`), and `catch_up`, in the import's `finally`,
indexes every response stored since in one statement and makes the triggers again. Search
meanwhile does not find the responses stored since the import began, its own or anyone
else's. A process killed outright leaves `PENDING_TABLE` behind: the next import, `serve`'s
start or `migrate` catches up (`ensure_triggers`, `deferred_indexes.ensure_indexes`).

Django remakes a SQLite table to change a column, which drops the table's triggers: after
every `migrate`, `ensure_triggers` (connected to `post_migrate` by the app) makes any that
are missing again.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper

from .write_lock import sqlite_write_lock

RESPONSE_TABLE = "collect_response"
# SQLite: the FTS5 table. PostgreSQL: the generated column and its index.
FTS_TABLE = "collect_response_search"
# A large import fills the index after it stores, not row by row (SQLite): meanwhile this
# table holds the largest id of the responses the index holds (its one row).
PENDING_TABLE = f"{FTS_TABLE}_pending"
VECTOR_COLUMN = "search_vector"
VECTOR_INDEX = "collect_response_search_idx"
TEXT_COLUMNS = ("summary", "details", "comments", "attachment_text")
# The columns migration 0007 indexed, before documents could be attached.
FIRST_COLUMNS = ("summary", "details", "comments")
PG_CONFIG = "english"
ICU_COLLATION = "und-x-icu"


def sqlite_rank(columns: tuple[str, ...]) -> str:
    """bm25 weights of the FTS5 table's columns on SQLite (the id is not indexed; a summary's
    words count twice). On PostgreSQL the summary is weight A, the rest B."""
    return "bm25(" + ", ".join(["0.0", "2.0", *["1.0"] * (len(columns) - 1)]) + ")"


SQLITE_RANK = sqlite_rank(TEXT_COLUMNS)


# The FTS5 table's columns: the response's id as well as its rowid, not indexed, so that a
# join on it cannot be answered by looking each response up in the index (FTS5 would take a
# rowid to look up, and run the whole search once per response): SQLite then reads the
# matches from the index first, the few it finds, and their responses by id.
def sqlite_triggers(
    columns: tuple[str, ...] = TEXT_COLUMNS, *, deferred: bool = False
) -> dict[str, str]:
    """The triggers that keep SQLite's index of these columns current.

    `deferred` (a large import's, `defer`): no insert trigger, and the others only for the
    responses already in the index, those with an id up to the one `PENDING_TABLE` holds;
    the rest are indexed as they are then, a part at a time (`catch_up_part`) or all at the
    end (`catch_up`)."""
    text_cols = ", ".join(columns)
    cols = ", ".join(("id", *columns))
    new = ", ".join(f"new.{c}" for c in ("id", *columns))
    old = ", ".join(f"old.{c}" for c in ("id", *columns))
    add = f"INSERT INTO {FTS_TABLE}(rowid, {cols}) VALUES (new.id, {new});"
    remove = (
        f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, {cols}) VALUES ('delete', old.id, {old});"
    )
    changed = " OR ".join(f"old.{c} IS NOT new.{c}" for c in columns)
    indexed = f"old.id <= (SELECT min(upto) FROM {PENDING_TABLE})" if deferred else None
    triggers = {
        f"{FTS_TABLE}_insert": (
            f"CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_insert AFTER INSERT ON {RESPONSE_TABLE} "
            f"BEGIN {add} END"
        ),
        f"{FTS_TABLE}_delete": (
            f"CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_delete AFTER DELETE ON {RESPONSE_TABLE} "
            + (f"WHEN {indexed} " if indexed else "")
            + f"BEGIN {remove} END"
        ),
        # Only when the text changed: saving a response's status rewrites every column.
        f"{FTS_TABLE}_update": (
            f"CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_update AFTER UPDATE OF {text_cols} "
            f"ON {RESPONSE_TABLE} WHEN {indexed + ' AND ' if indexed else ''}({changed}) "
            f"BEGIN {remove} {add} END"
        ),
    }
    if deferred:
        del triggers[f"{FTS_TABLE}_insert"]
    return triggers


SQLITE_TRIGGERS = sqlite_triggers()


def _connection(using: str | BaseDatabaseWrapper) -> BaseDatabaseWrapper:
    return connections[using] if isinstance(using, str) else using


def create(
    using: str | BaseDatabaseWrapper = "default", columns: tuple[str, ...] = TEXT_COLUMNS
) -> None:
    """Make the index of these columns and fill it with every response already stored (the
    migrations': 0007 made it of `FIRST_COLUMNS`, 0011 of `TEXT_COLUMNS`)."""
    connection = _connection(using)
    text_cols = ", ".join(columns)
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5(id UNINDEXED, "
                f"{text_cols}, content='{RESPONSE_TABLE}', content_rowid='id', "
                "tokenize='porter unicode61 remove_diacritics 2')"
            )
            # What the table's `rank` column is: kept in the table's own configuration.
            cursor.execute(
                f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rank) VALUES ('rank', %s)",
                [sqlite_rank(columns)],
            )
            for sql in sqlite_triggers(columns).values():
                cursor.execute(sql)
        elif connection.vendor == "postgresql":
            # Adding a stored generated column computes it for every row already there.
            cursor.execute(
                f"ALTER TABLE {RESPONSE_TABLE} ADD COLUMN IF NOT EXISTS {VECTOR_COLUMN} "
                f"tsvector GENERATED ALWAYS AS ({_pg_vector_sql(cursor, columns)}) STORED"
            )
            cursor.execute(
                f"CREATE INDEX IF NOT EXISTS {VECTOR_INDEX} ON {RESPONSE_TABLE} "
                f"USING gin ({VECTOR_COLUMN})"
            )
        else:
            raise NotImplementedError(f"no full-text index on {connection.vendor}")
    if connection.vendor == "sqlite":
        rebuild(connection)


def drop(using: str | BaseDatabaseWrapper = "default") -> None:
    """Remove the index (the migration backwards)."""
    connection = _connection(using)
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            for name in SQLITE_TRIGGERS:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
            cursor.execute(f"DROP TABLE IF EXISTS {FTS_TABLE}")
        elif connection.vendor == "postgresql":
            cursor.execute(f"DROP INDEX IF EXISTS {VECTOR_INDEX}")
            cursor.execute(f"ALTER TABLE {RESPONSE_TABLE} DROP COLUMN IF EXISTS {VECTOR_COLUMN}")


def rebuild(using: str | BaseDatabaseWrapper = "default") -> None:
    """Index every stored response again from the response table (SQLite; PostgreSQL's
    column is always computed from its row, so there is nothing to do there)."""
    connection = _connection(using)
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')")


def drop_triggers(using: str | BaseDatabaseWrapper = "default") -> None:
    """Stop keeping the index current (SQLite), for a bulk load followed by `rebuild` and
    `ensure_triggers`: the benchmark's million rows load faster so."""
    connection = _connection(using)
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            for name in SQLITE_TRIGGERS:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")


INSERT_TRIGGER = f"{FTS_TABLE}_insert"


@contextmanager
def indexed_in_bulk(using: str | BaseDatabaseWrapper = "default") -> Iterator[None]:
    """Responses inserted inside are indexed all at once at the end (SQLite), not one by one.

    For use inside the caller's transaction, holding the write lock (an import's batch): the
    insert trigger is dropped, then made again after the new rows (those with a higher id
    than any before, as the write lock lets no one else insert meanwhile) are indexed. Should
    anything inside raise, the transaction's rollback brings the trigger back. Does nothing
    on PostgreSQL, whose index is a column of the row, or when the trigger is not there."""
    connection = _connection(using)
    if connection.vendor != "sqlite":
        yield
        return
    if not connection.in_atomic_block:
        raise RuntimeError("indexed_in_bulk() must run inside a transaction")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = %s",
            [INSERT_TRIGGER],
        )
        found = cursor.fetchone()
        if found is None:
            trigger = None
        else:
            (trigger,) = found
            cursor.execute(f"SELECT coalesce(max(id), 0) FROM {RESPONSE_TABLE}")
            (last,) = cursor.fetchone()
            columns = _indexed_columns(cursor)
            cursor.execute(f"DROP TRIGGER {INSERT_TRIGGER}")
    yield
    if trigger is None:
        return
    with connection.cursor() as cursor:
        _add_to_index(cursor, columns, after=last)
        cursor.execute(trigger)


def _indexed_columns(cursor: Any) -> tuple[str, ...]:
    """The columns SQLite's index holds: those of the last migration that made it."""
    cursor.execute(
        f"SELECT 1 FROM pragma_table_info('{RESPONSE_TABLE}') WHERE name = %s",
        [TEXT_COLUMNS[-1]],
    )
    return TEXT_COLUMNS if cursor.fetchone() else FIRST_COLUMNS


def ensure_triggers(using: str | BaseDatabaseWrapper = "default", **_: Any) -> None:
    """Make again any trigger a remade table lost (SQLite), once the index exists, and index
    the responses a large import left out of it if it was stopped before its end (`catch_up`).

    Connected to `post_migrate`, whose arguments it ignores but `using`; run too when `serve`
    starts and at the start of every import."""
    connection = _connection(using)
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM sqlite_master WHERE name = %s", [FTS_TABLE])
        if cursor.fetchone() is None:
            return  # not migrated that far (yet)
        if _pending(cursor) is not None:
            catch_up(connection)
            return
        for sql in sqlite_triggers(_indexed_columns(cursor)).values():
            cursor.execute(sql)


def _pending(cursor: Any) -> int | None:
    """The id up to which the index is complete while a large import defers it; else None."""
    cursor.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = %s", [PENDING_TABLE]
    )
    if cursor.fetchone() is None:
        return None
    cursor.execute(f"SELECT coalesce(min(upto), 0) FROM {PENDING_TABLE}")
    (upto,) = cursor.fetchone()
    return int(upto)


def defer(using: str | BaseDatabaseWrapper = "default") -> bool:
    """Stop indexing new responses until `catch_up` (SQLite; False elsewhere, or when the
    index is not there, or already deferred by another import: its `catch_up` ends it).

    Under the write lock, in one transaction: the largest id is written to `PENDING_TABLE`,
    the insert trigger dropped, and the others made to act only on the responses indexed
    already. Responses stored meanwhile, by the import or by anyone else, are not found by
    search until `catch_up`, which indexes them as they are then (whatever was changed or
    deleted meanwhile). Should the process die first, the next `ensure_triggers` (an import,
    `serve`, `migrate`) catches up."""
    connection = _connection(using)
    if connection.vendor != "sqlite":
        return False
    with (
        sqlite_write_lock(connection.alias),
        transaction.atomic(using=connection.alias),
        connection.cursor() as cursor,
    ):
        cursor.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'trigger' AND name = %s", [INSERT_TRIGGER]
        )
        if cursor.fetchone() is None or _pending(cursor) is not None:
            return False
        cursor.execute(f"SELECT coalesce(max(id), 0) FROM {RESPONSE_TABLE}")
        (upto,) = cursor.fetchone()
        cursor.execute(f"CREATE TABLE {PENDING_TABLE} (upto INTEGER NOT NULL)")
        cursor.execute(f"INSERT INTO {PENDING_TABLE} (upto) VALUES (%s)", [upto])
        _replace_triggers(cursor, _indexed_columns(cursor), deferred=True)
    return True


def _replace_triggers(cursor: Any, columns: tuple[str, ...], *, deferred: bool = False) -> None:
    """Drop the index's triggers and make them again as `sqlite_triggers` gives them."""
    for name in sqlite_triggers(columns):
        cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
    for sql in sqlite_triggers(columns, deferred=deferred).values():
        cursor.execute(sql)


def _add_to_index(
    cursor: Any, columns: tuple[str, ...], *, after: int, until: int | None = None
) -> None:
    """Put the responses with an id after `after` (and up to `until`) in SQLite's index."""
    cols = ", ".join(("id", *columns))
    cursor.execute(
        f"INSERT INTO {FTS_TABLE}(rowid, {cols}) SELECT id, {cols} FROM {RESPONSE_TABLE} "
        + ("WHERE id > %s" if until is None else "WHERE id > %s AND id <= %s"),
        [after] if until is None else [after, until],
    )


@contextmanager
def _behind(connection: BaseDatabaseWrapper) -> Iterator[tuple[Any, int] | None]:
    """A transaction under the write lock, with a cursor and the id up to which the index is
    complete while it is deferred (`defer`); None when it is not (or not on SQLite)."""
    if connection.vendor != "sqlite":
        yield None
        return
    with (
        sqlite_write_lock(connection.alias),
        transaction.atomic(using=connection.alias),
        connection.cursor() as cursor,
    ):
        upto = _pending(cursor)
        yield None if upto is None else (cursor, upto)


def catch_up_part(rows: int, using: str | BaseDatabaseWrapper = "default") -> bool:
    """Index up to `rows` more of the responses stored since `defer`, the oldest first, in a
    short transaction under the write lock; whether any are left to index (False when
    nothing is deferred). An import calls it while it waits for rows to store, so that less
    is left for `catch_up` at its end."""
    with _behind(_connection(using)) as behind:
        if behind is None:
            return False
        cursor, upto = behind
        cursor.execute(f"SELECT coalesce(max(id), 0) FROM {RESPONSE_TABLE}")
        (last,) = cursor.fetchone()
        # Never past the last response stored: one stored later, with a smaller id than the
        # new mark, would be left out of the index.
        until = min(upto + rows, last)
        if until <= upto:
            return False
        _add_to_index(cursor, _indexed_columns(cursor), after=upto, until=until)
        cursor.execute(f"UPDATE {PENDING_TABLE} SET upto = %s", [until])
    return until < last


def catch_up(using: str | BaseDatabaseWrapper = "default") -> bool:
    """Index the responses stored since `defer` and keep the index current again, in one
    transaction under the write lock; False when nothing was deferred."""
    connection = _connection(using)
    if connection.vendor != "sqlite":
        return False
    with connection.cursor() as cursor:
        if _pending(cursor) is None:  # nearly always: no transaction, no lock
            return False
    with _behind(connection) as behind:
        if behind is None:
            return False
        cursor, upto = behind
        columns = _indexed_columns(cursor)
        _add_to_index(cursor, columns, after=upto)
        _replace_triggers(cursor, columns)
        cursor.execute(f"DROP TABLE {PENDING_TABLE}")
    return True


def _pg_vector_sql(cursor: Any, columns: tuple[str, ...]) -> str:
    """The generated column's expression: the summary weighted above the other answers."""
    cursor.execute("SELECT 1 FROM pg_collation WHERE collname = %s", [ICU_COLLATION])
    collate = f' COLLATE "{ICU_COLLATION}"' if cursor.fetchone() else ""

    def vector(sql: str, weight: str) -> str:
        words = f"to_tsvector('{PG_CONFIG}'::regconfig, lower({sql}{collate}))"
        return f"setweight({words}, '{weight}')"

    rest = " || ' ' || ".join(columns[1:])
    return f"{vector(columns[0], 'A')} || {vector(f'({rest})', 'B')}"
