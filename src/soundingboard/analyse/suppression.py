"""Hiding small counts so that a table can be published without identifying anyone.

Primary suppression: every count from 1 to `threshold - 1` (1 to 4 by default) is replaced by
a `Suppressed` marker, shown as "[c]". Zero is kept: it identifies no one, and hiding it would
hide that nobody gave an answer. Totals and n follow the same rule.

Secondary suppression (on by default): a hidden count must not be recoverable by
subtraction. A table with its totals is a set of sums: each row adds up to its total, each
column to its total, and the totals to the grand total. Wherever one of those sums has exactly
one hidden term, the smallest other non-zero count in it is hidden too (or, failing one, its
total), and this is repeated until every sum has none or at least two hidden terms.

What this does NOT protect against, and the analyst publishing must still consider:

* combining several sums: a pattern of hidden cells can occasionally be solved as a system
  of equations even though no single row or column gives a cell away;
* differencing: two published tables that differ slightly (a date range one day longer, a
  filter with one more role) can be subtracted from each other to reveal a small count. Publish
  one agreed cut of the data, not many overlapping ones;
* means: a mean with its n and the visible counts can reveal hidden ones, so a mean is hidden
  whenever any count of its distribution is (and a median whenever its n is).
"""

from __future__ import annotations

from dataclasses import replace

from .stats.ideas import IdeasResult, MeasureStats, Summary
from .stats.overview import Overview
from .tables import Column, Count, Row, Suppressed, Table, is_suppressed

DEFAULT_THRESHOLD = 5


def suppress(table: Table, threshold: int = DEFAULT_THRESHOLD, *, secondary: bool = True) -> Table:
    """A copy of `table` with every count from 1 to threshold - 1 hidden (and, with
    `secondary`, each count that would let one of those be worked out from the totals)."""
    if threshold < 2:
        raise ValueError("the threshold must be 2 or more")
    matrix = _matrix(table)
    hidden = _hide(matrix, threshold, secondary=secondary)
    return _rebuild(table, matrix, hidden, threshold)


def _matrix(table: Table) -> list[list[int]]:
    """Rows of [cells..., row total], then [column totals..., grand total]."""
    _unhidden(table.n)
    matrix = [[_unhidden(v) for v in (*row.cells, row.total)] for row in table.rows]
    matrix.append([_unhidden(v) for v in (*table.column_totals, table.total)])
    return matrix


def _unhidden(value: Count) -> int:
    if is_suppressed(value):
        raise ValueError("this table has hidden counts already; suppress the original")
    return value


def _hide(
    matrix: list[list[int]], threshold: int, *, secondary: bool
) -> dict[tuple[int, int], bool]:
    """{(row, column): is_secondary} of the entries to hide."""
    hidden = {
        (i, j): False
        for i, line in enumerate(matrix)
        for j, value in enumerate(line)
        if 0 < value < threshold
    }
    if not secondary or not hidden:
        return hidden
    rows, columns = len(matrix), len(matrix[0])
    lines = [[(i, j) for j in range(columns)] for i in range(rows)]
    lines += [[(i, j) for i in range(rows)] for j in range(columns)]
    changed = True
    while changed:
        changed = False
        for line in lines:
            if sum(position in hidden for position in line) != 1:
                continue
            complement = _complement(matrix, line, hidden)
            if complement is not None:
                hidden[complement] = True
                changed = True
    return hidden


def _complement(
    matrix: list[list[int]], line: list[tuple[int, int]], hidden: dict[tuple[int, int], bool]
) -> tuple[int, int] | None:
    """What else to hide in a sum with one hidden term: its smallest non-zero term, else its
    total, else a zero term."""
    *terms, total = line
    open_terms = [p for p in terms if p not in hidden]
    positive = [p for p in open_terms if matrix[p[0]][p[1]] > 0]
    if positive:
        return min(positive, key=lambda p: (matrix[p[0]][p[1]], p))
    if total not in hidden and matrix[total[0]][total[1]] > 0:
        return total
    return open_terms[0] if open_terms else (total if total not in hidden else None)


def _rebuild(
    table: Table, matrix: list[list[int]], hidden: dict[tuple[int, int], bool], threshold: int
) -> Table:
    def value(i: int, j: int) -> Count:
        if (i, j) in hidden:
            return Suppressed(threshold, secondary=hidden[(i, j)])
        return matrix[i][j]

    width = len(table.columns)
    rows = tuple(
        replace(row, cells=tuple(value(i, j) for j in range(width)), total=value(i, width))
        for i, row in enumerate(table.rows)
    )
    last = len(table.rows)
    total = value(last, width)
    if table.n == table.total:
        n: Count = total
    else:
        n = _primary(_unhidden(table.n), threshold)
    return replace(
        table,
        rows=rows,
        column_totals=tuple(value(last, j) for j in range(width)),
        total=total,
        n=n,
        suppressed_below=threshold,
    )


def _primary(value: int, threshold: int) -> Count:
    return Suppressed(threshold) if 0 < value < threshold else value


# Whole results ------------------------------------------------------------------------------


def suppress_overview(overview: Overview, threshold: int = DEFAULT_THRESHOLD) -> Overview:
    """Every table of an overview, suppressed (for publishing)."""
    statuses = suppress(overview.statuses.table, threshold)
    return replace(
        overview,
        n=_primary(overview.n, threshold) if isinstance(overview.n, int) else overview.n,
        over_time=replace(overview.over_time, table=suppress(overview.over_time.table, threshold)),
        by_kind=suppress(overview.by_kind, threshold),
        by_page=suppress(overview.by_page, threshold),
        by_role=suppress(overview.by_role, threshold),
        by_role_group=suppress(overview.by_role_group, threshold),
        by_nature=suppress(overview.by_nature, threshold),
        page_by_nature=suppress(overview.page_by_nature, threshold),
        statuses=replace(
            overview.statuses,
            table=statuses,
            accepted=_row_total(statuses, "accepted"),
            spam=_row_total(statuses, "spam"),
            hidden=_row_total(statuses, "hidden"),
            untagged=_primary(overview.statuses.untagged, threshold)
            if isinstance(overview.statuses.untagged, int)
            else overview.statuses.untagged,
        ),
    )


def _row_total(table: Table, key: str) -> Count:
    row = table.row(key)
    return row.total if row else 0


def suppress_ideas(result: IdeasResult, threshold: int = DEFAULT_THRESHOLD) -> IdeasResult:
    """Every table and score of an ideas result, suppressed (for publishing)."""
    ideas = tuple(
        replace(
            idea,
            usefulness=suppress_measure(idea.usefulness, threshold),
            likelihood=suppress_measure(idea.likelihood, threshold),
        )
        for idea in result.ideas
    )
    activities = result.activities
    return replace(
        result,
        n=_primary(result.n, threshold) if isinstance(result.n, int) else result.n,
        respondents=suppress(result.respondents, threshold),
        ideas=ideas,
        activities=replace(
            activities,
            table=suppress(activities.table, threshold),
            unmatched=_primary(activities.unmatched, threshold)
            if isinstance(activities.unmatched, int)
            else activities.unmatched,
        ),
        unmatched_ideas=_primary(result.unmatched_ideas, threshold)
        if isinstance(result.unmatched_ideas, int)
        else result.unmatched_ideas,
    )


def suppress_measure(stats: MeasureStats, threshold: int = DEFAULT_THRESHOLD) -> MeasureStats:
    """One score of one idea: its 1 to 5 counts by group (rows) and overall (column totals)
    suppressed as one table, and each mean or median hidden where it could give a count away."""
    table = Table(
        title=stats.measure,
        row_heading="Role group",
        columns=tuple(Column(str(v), str(v)) for v in range(1, 6)),
        rows=tuple(Row(g.key, g.label, g.summary.distribution, g.summary.n) for g in stats.groups),
        column_totals=stats.overall.distribution,
        total=stats.overall.n,
        n=stats.overall.n,
    )
    hidden = suppress(table, threshold)
    groups = tuple(
        replace(g, summary=_hidden_summary(g.summary, row.cells, row.total, threshold))
        for g, row in zip(stats.groups, hidden.rows, strict=True)
    )
    overall = _hidden_summary(stats.overall, hidden.column_totals, hidden.total, threshold)
    return replace(
        stats,
        overall=overall,
        groups=groups,
        not_scored=_primary(stats.not_scored, threshold)
        if isinstance(stats.not_scored, int)
        else stats.not_scored,
    )


def _hidden_summary(
    summary: Summary, distribution: tuple[Count, ...], n: Count, threshold: int
) -> Summary:
    any_hidden = any(is_suppressed(v) for v in distribution) or is_suppressed(n)
    mean = summary.mean
    median = summary.median
    if any_hidden and mean is not None:
        mean = Suppressed(threshold, secondary=not (is_suppressed(n) and not n.secondary))
    if is_suppressed(n) and median is not None:
        median = Suppressed(threshold, secondary=n.secondary)
    return replace(summary, n=n, distribution=distribution, mean=mean, median=median)
