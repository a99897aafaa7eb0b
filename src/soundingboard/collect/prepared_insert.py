"""INSERT statements made ready before the write lock is taken.

On SQLite every worker queues for one write lock, so the time a submission holds it bounds
how many can be stored a second. Django's `objects.create()` and `bulk_create()` build their
SQL (field by field: defaults, conversions, quoting) while the transaction is open: measured
here, about 0.35 ms of the 1.5 ms the lock was held per submission (docs/performance.md).
`prepare()` does that work first, with the lock still free; `PreparedInsert.run()` then only
executes the statement.

It is for the few plain models a submission writes: their concrete fields and defaults, no
`save()` override and no signals. A foreign key to a row made in the same transaction is
named in `later` and given to `run()`.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Field, Model


@dataclass
class PreparedInsert:
    instances: Sequence[Model]
    sql: str  # one row's INSERT, with RETURNING the primary key when there is one row
    rows: list[list[Any]]
    positions: dict[str, int]  # attname -> index in each row, for the columns in `later`
    using: str

    def run(self, **later: Any) -> None:
        """Execute it (inside the caller's transaction); the instances get their keys."""
        for name, value in later.items():
            index = self.positions[name]
            for row, instance in zip(self.rows, self.instances, strict=True):
                row[index] = value
                setattr(instance, name, value)
        with connections[self.using].cursor() as cursor:
            if len(self.rows) == 1:
                cursor.execute(self.sql, self.rows[0])
                self.instances[0].pk = cursor.fetchone()[0]
            else:
                cursor.executemany(self.sql, self.rows)
        for instance in self.instances:
            instance._state.adding = False
            instance._state.db = self.using


def prepare(
    instances: Sequence[Model], *, later: Sequence[str] = (), using: str = DEFAULT_DB_ALIAS
) -> PreparedInsert:
    """The INSERT of these instances (all of one model), with every value converted now.

    With one instance the statement returns the new primary key (SQLite 3.35 and later, and
    PostgreSQL); with several, keys are not read back."""
    if not instances:
        raise ValueError("nothing to insert")
    single = len(instances) == 1
    fields, sql, positions = _statement(type(instances[0]), tuple(later), single, using)
    connection = connections[using]
    rows = [
        [
            None
            if field.attname in positions
            else field.get_db_prep_save(field.pre_save(instance, add=True), connection)
            for field in fields
        ]
        for instance in instances
    ]
    return PreparedInsert(instances, sql, rows, positions, using)


@functools.lru_cache(maxsize=64)
def _statement(
    model: type[Model], later: tuple[str, ...], single: bool, using: str
) -> tuple[list[Field[Any, Any]], str, dict[str, int]]:
    """A model's INSERT: its columns, the SQL, and where the `later` columns are in a row."""
    meta = model._meta
    fields = [f for f in meta.concrete_fields if f is not meta.auto_field]
    quote = connections[using].ops.quote_name
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "
        f"VALUES ({', '.join(['%s'] * len(fields))})"
    )
    if single and meta.auto_field is not None:
        sql += f" RETURNING {quote(meta.auto_field.column)}"
    positions = {f.attname: i for i, f in enumerate(fields) if f.attname in later}
    if missing := set(later) - set(positions):
        raise ValueError(f"no such column: {', '.join(sorted(missing))}")
    return fields, sql, positions
