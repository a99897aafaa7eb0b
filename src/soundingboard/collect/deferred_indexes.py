"""A large import's secondary indexes: dropped while it stores, made again at its end.

The response table's secondary indexes (two covering indexes of seven columns for the
analysis, one by page, one partial) cost a large import about as much as everything else the
database does for it (docs/performance.md): each row adds an entry to each, at a random place.
Made once at the end, from rows already stored, an index is written in one sorted pass.

- Only the indexes of `Meta.indexes` are dropped, never a unique one: the references' and
  submission tokens' unique indexes (which idempotence and integrity rely on) and every
  `UniqueConstraint` stay. Queries meanwhile give the same answers, only more slowly.
- `deferred()` drops them (when the import first has a row to store) in a short transaction
  of its own under the write lock, and makes them again in a `finally`, so an exception or
  Ctrl+C ends with them there.
- The full-text search index is filled after the rows are stored too (SQLite,
  `search_index.defer`): a part at a time while the import waits for its second process to
  check more rows (`Deferral.catch_up_part`), the rest at its end (`catch_up`). Responses
  stored meanwhile are found by search once the import ends (or sooner).
- A process killed outright (SIGKILL, power cut) cannot run its `finally`: `ensure_indexes()`
  makes any declared index that is missing again, and catches the search index up. It runs
  after every `migrate` (`post_migrate`), when `serve` starts, and at the start of every
  import. An import started while another has them dropped therefore makes them again: both
  are then slower, never wrong.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Index, Model

from . import search_index
from .models import ActivityTick, IdeaScore, Response
from .write_lock import sqlite_write_lock

MODELS: tuple[type[Model], ...] = (Response, IdeaScore, ActivityTick)
# An import defers the indexes when its file has at least this many rows, and at least half
# as many as the responses already stored: remaking an index reads the whole table, so for a
# small file into a large table keeping them costs less.
DEFER_MIN_ROWS = 10_000
# Responses put in the search index at a time while an import waits for rows: about 20 ms.
CATCH_UP_ROWS = 2000


def declared() -> list[tuple[type[Model], Index]]:
    """Every non-unique index the models declare (`Meta.indexes` is never unique)."""
    return [(model, index) for model in MODELS for index in model._meta.indexes]


def worth_deferring(rows: int, using: str = "default") -> bool:
    """Whether an import of this many rows is faster with the indexes made at its end."""
    if rows < DEFER_MIN_ROWS:
        return False
    return rows * 2 >= Response.objects.using(using).count()


def present(using: str = "default") -> set[str]:
    """The names of the indexes the models' tables have (read from the catalogue directly:
    Django's introspection parses each table's SQL, a third of a second for these three)."""
    connection = connections[using]
    tables = [model._meta.db_table for model in MODELS]
    marks = ", ".join(["%s"] * len(tables))
    if connection.vendor == "sqlite":
        sql = f"SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name IN ({marks})"
    elif connection.vendor == "postgresql":
        sql = (
            "SELECT indexname FROM pg_indexes "
            f"WHERE schemaname = current_schema() AND tablename IN ({marks})"
        )
    else:
        names: set[str] = set()
        with connection.cursor() as cursor:
            for table in tables:
                found = connection.introspection.get_constraints(cursor, table)
                names.update(name for name, info in found.items() if info.get("index"))
        return names
    with connection.cursor() as cursor:
        cursor.execute(sql, tables)
        return {name for (name,) in cursor.fetchall()}


def _create_statements(
    connection: BaseDatabaseWrapper, items: list[tuple[type[Model], Index]]
) -> list[str]:
    # The editor only writes the SQL: entered, SQLite's would refuse inside a transaction
    # and check every foreign key on leaving.
    editor = connection.schema_editor(collect_sql=True, atomic=False)
    return [str(index.create_sql(model, editor)) for model, index in items]


def _drop_statements(connection: BaseDatabaseWrapper, names: list[str]) -> list[str]:
    return [f"DROP INDEX IF EXISTS {connection.ops.quote_name(name)}" for name in names]


def _run(using: str, statements: list[str]) -> None:
    if not statements:
        return
    with (
        sqlite_write_lock(using),
        transaction.atomic(using=using),
        connections[using].cursor() as cursor,
    ):
        # PostgreSQL refuses to change a table's indexes while checks of its foreign keys
        # are still pending in the transaction (its rows written earlier in it): made now, as
        # Django's schema editor does, and deferred again after.
        postgresql = connections[using].vendor == "postgresql"
        if postgresql:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for sql in statements:
            cursor.execute(sql)
        if postgresql:
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def ensure_indexes(using: str = "default", **_: Any) -> list[str]:
    """Make again every declared index that is missing, and index the responses a large
    import left out of the search index (`search_index.catch_up`); the indexes' names.

    Connected to `post_migrate`, whose arguments it ignores but `using`."""
    connection = connections[using]
    have = present(using)
    missing = [(m, i) for m, i in declared() if i.name not in have]
    if missing:
        _run(using, _create_statements(connection, missing))
    search_index.catch_up(using)
    return [index.name for _, index in missing]


class Deferral:
    """The indexes dropped on the first call of `drop()`, if ever (a re-import that finds
    every row already there stores nothing, and has nothing to gain)."""

    def __init__(self, using: str, enabled: bool):
        self.using = using
        self.enabled = enabled
        self.dropped = False

    def drop(self) -> None:
        if not self.enabled or self.dropped:
            return
        self.dropped = True  # first: should the drop itself fail, they are made again
        have = present(self.using)
        names = [index.name for _, index in declared() if index.name in have]
        _run(self.using, _drop_statements(connections[self.using], names))
        search_index.defer(self.using)

    def catch_up_part(self) -> bool:
        """Put a part of the responses stored since `drop()` in the search index
        (`search_index.catch_up_part`); whether any are left. An import does it while it
        waits for rows to store, leaving less to do at its end."""
        return self.dropped and search_index.catch_up_part(CATCH_UP_ROWS, self.using)


@contextmanager
def deferred(using: str = "default", *, enabled: bool = True) -> Iterator[Deferral]:
    """Within the block, `drop()` drops the declared indexes; they are there afterwards,
    however the block ends."""
    deferral = Deferral(using, enabled)
    try:
        yield deferral
    finally:
        if deferral.dropped:
            ensure_indexes(using)
