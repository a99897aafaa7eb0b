"""The plain tables that analysis produces: rows of counts, with their totals and their n.

Every figure the analyst workspace shows is in one of these, so that a template can show it as a
table beside its chart, `suppression.suppress` can make it safe to publish, and `charts` can
draw it. They hold data only: no HTML, no formatting.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from typing_extensions import TypeIs

NOT_GIVEN_LABEL = "Not given"


@dataclass(frozen=True)
class Suppressed:
    """A count hidden so that a published table cannot identify anyone (shown as "[c]").

    `secondary` is False for a count from 1 to `threshold - 1` (primary suppression), True for
    a count hidden only so that a small one cannot be worked out from the totals around it.
    """

    threshold: int
    secondary: bool = False

    def __str__(self) -> str:
        return "[c]"

    @property
    def text(self) -> str:
        """What "[c]" means, for a footnote or a screen reader."""
        if self.secondary:
            return f"hidden so that a count below {self.threshold} cannot be worked out"
        return f"fewer than {self.threshold}"


# A count in a table: a number, or the marker that replaced it.
Count = int | Suppressed


def is_suppressed(value: object) -> TypeIs[Suppressed]:
    return isinstance(value, Suppressed)


@dataclass(frozen=True)
class Column:
    key: str
    label: str


@dataclass(frozen=True)
class Row:
    """One row: its counts (one per column) and their total.

    `key` identifies the row for links and filters (a page's filter value, a role, an ISO date);
    `label` is what people read; `parent` names what the row belongs to, where that helps
    (the idea of an activity); `known` is False for a value the consultation's settings no
    longer list (a role or nature since renamed, an activity since removed).
    """

    key: str
    label: str
    cells: tuple[Count, ...]
    total: Count
    parent: str = ""
    known: bool = True


@dataclass(frozen=True)
class Table:
    """Counts by one or two things, with the totals of each row and column.

    `n` is the number of responses behind the table. For tables of responses it equals
    `total` (each response is counted once); for tables of ticks or scores, where a response
    can count more than once or not at all, `total` is the sum of the counts and `n` the number
    of responses they came from.
    """

    title: str
    row_heading: str
    columns: tuple[Column, ...]
    rows: tuple[Row, ...]
    column_totals: tuple[Count, ...]
    total: Count
    n: Count
    suppressed_below: int | None = None  # the threshold applied, None when nothing was hidden

    @property
    def is_single_column(self) -> bool:
        return len(self.columns) == 1

    def row(self, key: str) -> Row | None:
        return next((r for r in self.rows if r.key == key), None)

    def value(self, row_key: str, column_key: str | None = None) -> Count | None:
        """The count in a row (and column: the only one when not given), None if no such row."""
        row = self.row(row_key)
        if row is None:
            return None
        if column_key is None:
            return row.total
        index = next(i for i, c in enumerate(self.columns) if c.key == column_key)
        return row.cells[index]

    def share(self, value: Count) -> float | None:
        """`value` as a fraction of the table's total (None when it or the total is hidden)."""
        if is_suppressed(value) or is_suppressed(self.total) or not self.total:
            return None
        return value / self.total

    def ranked(self, column_key: str | None = None) -> tuple[Row, ...]:
        """The rows from most to fewest (in one column, or by row total); hidden counts last."""

        def order(indexed: tuple[int, Row]) -> tuple[int, int, int]:
            position, row = indexed
            if column_key is None:
                value = row.total
            else:
                value = row.cells[[c.key for c in self.columns].index(column_key)]
            if is_suppressed(value):
                return (1, 0, position)
            return (0, -value, position)

        return tuple(row for _, row in sorted(enumerate(self.rows), key=order))


def count_table(
    title: str,
    row_heading: str,
    rows: list[tuple[str, str, int]],
    *,
    column_label: str = "Responses",
    n: int | None = None,
    parents: dict[str, str] | None = None,
    unknown: set[str] | frozenset[str] = frozenset(),
) -> Table:
    """A one-column table from (key, label, count) rows."""
    total = sum(count for _, _, count in rows)
    parents = parents or {}
    return Table(
        title=title,
        row_heading=row_heading,
        columns=(Column("count", column_label),),
        rows=tuple(
            Row(key, label, (count,), count, parents.get(key, ""), key not in unknown)
            for key, label, count in rows
        ),
        column_totals=(total,),
        total=total,
        n=total if n is None else n,
    )


def cross_table(
    title: str,
    row_heading: str,
    rows: list[tuple[str, str]],
    columns: list[tuple[str, str]],
    counts: dict[tuple[str, str], int],
    *,
    n: int | None = None,
    parents: dict[str, str] | None = None,
    unknown_rows: set[str] | frozenset[str] = frozenset(),
) -> Table:
    """A two-way table from {(row key, column key): count}; missing pairs count 0."""
    parents = parents or {}
    built = []
    column_totals = [0] * len(columns)
    for row_key, row_label in rows:
        cells = tuple(counts.get((row_key, column_key), 0) for column_key, _ in columns)
        for i, value in enumerate(cells):
            column_totals[i] += value
        built.append(
            Row(
                row_key,
                row_label,
                cells,
                sum(cells),
                parents.get(row_key, ""),
                row_key not in unknown_rows,
            )
        )
    total = sum(column_totals)
    return Table(
        title=title,
        row_heading=row_heading,
        columns=tuple(Column(k, label) for k, label in columns),
        rows=tuple(built),
        column_totals=tuple(column_totals),
        total=total,
        n=total if n is None else n,
    )
