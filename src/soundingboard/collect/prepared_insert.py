"""INSERT statements made ready before the write lock is taken.

On SQLite every worker queues for one write lock, so the time a submission holds it bounds
how many can be stored a second. Django's `objects.create()` and `bulk_create()` build their
SQL (field by field: defaults, conversions, quoting) while the transaction is open: measured
here, about 0.35 ms of the 1.5 ms the lock was held per submission (docs/performance.md).
`prepare()` does that work first, with the lock still free; `PreparedInsert.run()` then only
executes the statement.

A foreign key to a row made in the same transaction is named in `later` and given to `run()`.

It is for the few plain models a submission writes, each marked `@written_without_save`
(`prepare()` refuses any other). It skips a `save()` override, `pre_save` and `post_save`
receivers, and whatever the database fills in and Django reads back (`db_default`,
`GeneratedField`): `skipped_by_prepared_insert()` lists what a model has of those, and
collect's system check (`collect.E001`, at `check` and `runserver`) and
tests/collect/test_prepared_insert_guard.py fail if a marked model has any. It skips neither
`pre_init`/`post_init` receivers (the caller makes the instances with `Model(...)`, which runs
them) nor `auto_now`/`auto_now_add` (it calls each field's `pre_save()`, as `save()` does).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, cast

from django.apps import AppConfig
from django.conf import settings
from django.core import checks
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Field, Model, signals

_M = TypeVar("_M", bound=type[Model])
_Row = TypeVar("_Row", bound=Model)

_written: list[type[Model]] = []  # the models marked @written_without_save

# What Model.save() calls to insert a row: an override of any of them would be skipped.
_SAVE_METHODS = ("save", "save_base", "_save_parents", "_save_table", "_do_insert")


def written_without_save(model: _M) -> _M:
    """Mark a model as one whose rows `prepare()` may write (class decorator).

    Its rows are then inserted without `save()`: give it no `save()` override, no `pre_save`
    or `post_save` receiver and no field the database fills in (the system check says so)."""
    if model not in _written:
        _written.append(model)
    return model


def models_written() -> tuple[type[Model], ...]:
    """Every model `prepare()` may write."""
    return tuple(_written)


def skipped_by_prepared_insert(model: type[Model]) -> list[str]:
    """What `save()` would do for this model that a prepared INSERT does not; [] if nothing."""
    skipped = []
    for name in _SAVE_METHODS:
        if getattr(model, name) is not getattr(Model, name):
            owner = next(c for c in model.__mro__ if name in vars(c))
            skipped.append(f"the {name}() override in {owner.__module__}.{owner.__qualname__}")
    for signal, signal_name in ((signals.pre_save, "pre_save"), (signals.post_save, "post_save")):
        sync_receivers, async_receivers = signal._live_receivers(model)
        for receiver in (*sync_receivers, *async_receivers):
            qualname = getattr(receiver, "__qualname__", None)
            where = f"{receiver.__module__}.{qualname}" if qualname else repr(receiver)
            skipped.append(f"the {signal_name} receiver {where}")
    meta = model._meta
    if meta.parents:
        skipped.append("its parent model's table (multi-table inheritance)")
    for field in meta.local_concrete_fields:  # a parent's are reported above
        if field.generated:
            skipped.append(f"the GeneratedField {field.name}")
        elif field.has_default() and field.has_db_default():  # type: ignore[attr-defined]
            # Django writes the Python default itself, as the prepared INSERT does, and reads
            # back only what it wrote; the db_default serves rows written outside Django.
            continue
        elif field.has_db_default():  # type: ignore[attr-defined]  # Django 5.0+, not in the stubs
            skipped.append(f"the db_default of {field.name}")
        elif field.db_returning and field is not meta.auto_field:  # type: ignore[attr-defined]  # on every Field, stubs only on AutoField
            skipped.append(f"reading {field.name} back from the database (db_returning)")
    return skipped


def check_models_written(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[checks.Error]:
    """System check: no model written by prepared INSERTs has behaviour they would skip."""
    apps = None if app_configs is None else set(app_configs)
    return [
        checks.Error(
            f"{model._meta.label} is written by prepared INSERTs, which would skip {reason}.",
            hint="Remove what would be skipped, or write the model with the ORM instead "
            "(collect/storage.py) and take @written_without_save off it.",
            obj=model,
            id="collect.E001",
        )
        for model in models_written()
        if apps is None or model._meta.app_config in apps
        for reason in skipped_by_prepared_insert(model)
    ]


@dataclass
class PreparedInsert(Generic[_Row]):
    instances: Sequence[_Row]
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
    instances: Sequence[_Row], *, later: Sequence[str] = (), using: str = DEFAULT_DB_ALIAS
) -> PreparedInsert[_Row]:
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
    if model not in _written:
        raise TypeError(
            f"{model._meta.label} is not marked @written_without_save, "
            "so prepared INSERTs may not write it"
        )
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


class RowWriter:
    """Many rows of one model, written as plain tuples: for bulk imports, where even
    `prepare()`'s model instances cost more than the INSERT itself.

    `columns` are the attnames given for each row, in that order; every other column takes
    its field's default, worked out once (so a column whose default must differ row by row,
    such as a unique token, must be given). `insert()` executes one multi-row INSERT per
    chunk, inside the caller's transaction, and returns the new primary keys in the order of
    the rows (as Django's `bulk_create()` reads them back, on SQLite 3.35+ and PostgreSQL).
    The same models as `prepare()` may be written, for the same reasons."""

    def __init__(self, model: type[Model], columns: Sequence[str], using: str = DEFAULT_DB_ALIAS):
        if model not in _written:
            raise TypeError(
                f"{model._meta.label} is not marked @written_without_save, "
                "so prepared INSERTs may not write it"
            )
        meta = model._meta
        connection = connections[using]
        fields = [f for f in meta.concrete_fields if f is not meta.auto_field]
        by_name = {f.attname: f for f in fields}
        if missing := set(columns) - set(by_name):
            raise ValueError(f"no such column: {', '.join(sorted(missing))}")
        rest = [f for f in fields if f.attname not in columns]
        for f in rest:
            if f.unique and f.has_default() and callable(f.default):
                raise ValueError(f"{f.attname} is unique: give it for each row")
        self.model, self.using = model, using
        self.fixed = tuple(f.get_db_prep_save(f.get_default(), connection) for f in rest)
        given = [by_name[name] for name in columns]
        # Text, numbers, true or false and keys go to the database as they are; times through
        # the backend's own adapter; anything else (JSON) through its field. None is NULL.
        self.converters = tuple(_converter(f, connection) for f in given)
        # Only the few columns that need converting are looked at, row by row.
        self.converted = tuple(
            (i, convert) for i, convert in enumerate(self.converters) if convert is not None
        )
        quote = connection.ops.quote_name
        names = ", ".join(quote(f.column) for f in [*given, *rest])
        self.width = len(given) + len(rest)
        self.head = f"INSERT INTO {quote(meta.db_table)} ({names}) VALUES "
        self.tail = f" RETURNING {quote(meta.pk.column)}"
        # SQLite allows 32,766 parameters a statement (3.32+); PostgreSQL 65,535.
        self.chunk = max(1, min(500, 32_000 // self.width))

    def row(self, *values: Any) -> tuple[Any, ...]:
        """One row's values, converted for the database: given in `columns`' order."""
        if len(values) != len(self.converters):
            raise ValueError(f"{len(self.converters)} values expected, {len(values)} given")
        return (*self.converted_values(values), *self.fixed)

    def converted_values(self, values: Sequence[Any], start: int = 0) -> tuple[Any, ...]:
        """Values of consecutive `columns`, from the one numbered `start`, converted for the
        database as `row()` converts them: a part of a row made ahead of the rest."""
        end = start + len(values)
        if end > len(self.converters):
            raise ValueError(f"only {len(self.converters)} columns, {end} values given")
        part = list(values)
        for i, convert in self.converted:
            if start <= i < end and part[i - start] is not None:
                part[i - start] = convert(part[i - start])
        return tuple(part)

    def insert(self, rows: Sequence[tuple[Any, ...]]) -> list[Any]:
        """Insert these rows (made by `row()`); their new primary keys, in order."""
        keys: list[Any] = []
        placeholder = "(" + ", ".join(["%s"] * self.width) + ")"
        with connections[self.using].cursor() as cursor:
            for start in range(0, len(rows), self.chunk):
                chunk = rows[start : start + self.chunk]
                sql = self.head + ", ".join([placeholder] * len(chunk)) + self.tail
                cursor.execute(sql, [value for row in chunk for value in row])
                keys.extend(row[0] for row in cursor.fetchall())
        return keys

    def insert_only(self, rows: Sequence[tuple[Any, ...]]) -> None:
        """Insert these rows without reading their keys back (one statement, executed for
        each row: the quickest way on both databases)."""
        placeholder = "(" + ", ".join(["%s"] * self.width) + ")"
        with connections[self.using].cursor() as cursor:
            cursor.executemany(self.head + placeholder, rows)


_PLAIN = frozenset(
    (
        "CharField",
        "TextField",
        "BooleanField",
        "IntegerField",
        "PositiveSmallIntegerField",
        "ForeignKey",
    )
)


def _converter(field: Field[Any, Any], connection: Any) -> Callable[[Any], Any] | None:
    kind = field.get_internal_type()
    if kind in _PLAIN:
        return None
    if kind == "DateTimeField":  # what get_db_prep_save ends in, for an aware datetime
        adapt = cast(Callable[[Any], Any], connection.ops.adapt_datetimefield_value)
        if connection.vendor != "sqlite" or not settings.USE_TZ:
            return adapt
        zone = connection.timezone

        # SQLite's adapter makes a time naive in the connection's zone and writes it as text;
        # a time already in that zone (an import's, in UTC) is written so without the checks.
        def in_zone(value: Any) -> Any:
            if type(value) is dt.datetime and value.tzinfo is zone:
                return str(value.replace(tzinfo=None))
            return adapt(value)

        return in_zone
    return functools.partial(field.get_db_prep_save, connection=connection)
