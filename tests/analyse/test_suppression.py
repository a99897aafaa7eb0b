"""Hiding small counts for publication."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from soundingboard.analyse.filters import ResponseFilter
from soundingboard.analyse.stats import ideas as ideas_stats
from soundingboard.analyse.stats import overview as overview_stats
from soundingboard.analyse.suppression import (
    suppress,
    suppress_ideas,
    suppress_measure,
    suppress_overview,
)
from soundingboard.analyse.tables import (
    Suppressed,
    Table,
    count_table,
    cross_table,
    is_suppressed,
)


def one_column(values):
    return count_table("Counts", "Thing", [(str(i), f"Thing {i}", v) for i, v in enumerate(values)])


def lines_of(table: Table):
    """Every sum in the table: each row with its total, each column with its total, and the
    totals with the grand total."""
    lines = [[*row.cells, row.total] for row in table.rows]
    lines.append([*table.column_totals, table.total])
    columns = [list(column) for column in zip(*lines, strict=True)]
    return lines + columns


@pytest.mark.parametrize("secondary", [False, True])
def test_counts_from_1_to_4_are_hidden_and_0_and_5_up_are_kept(secondary):
    table = one_column([0, 1, 2, 3, 4, 5, 6, 100])
    hidden = suppress(table, secondary=secondary)
    cells = [row.cells[0] for row in hidden.rows]
    assert cells[0] == 0 and cells[5:] == [5, 6, 100]
    for value in cells[1:5]:
        assert isinstance(value, Suppressed) and not value.secondary
        assert str(value) == "[c]" and value.text == "fewer than 5"
    assert hidden.suppressed_below == 5
    assert table.rows[1].cells == (1,)  # the original is unchanged


def test_a_single_hidden_cell_takes_another_with_it():
    table = one_column([3, 40, 50])
    hidden = suppress(table)
    cells = [row.cells[0] for row in hidden.rows]
    assert isinstance(cells[0], Suppressed) and not cells[0].secondary
    assert isinstance(cells[1], Suppressed) and cells[1].secondary  # the smallest other
    assert "cannot be worked out" in cells[1].text
    assert cells[2] == 50 and hidden.total == 93
    assert all(row.total == row.cells[0] for row in hidden.rows)


def test_without_secondary_suppression_only_small_counts_go():
    hidden = suppress(one_column([3, 40, 50]), secondary=False)
    assert [str(row.cells[0]) for row in hidden.rows] == ["[c]", "40", "50"]


def test_a_small_total_is_hidden_too():
    hidden = suppress(one_column([1, 2, 0]))
    assert is_suppressed(hidden.total) and is_suppressed(hidden.n)


def test_another_threshold():
    hidden = suppress(one_column([9, 10, 11]), threshold=10)
    assert [str(row.cells[0]) for row in hidden.rows] == ["[c]", "[c]", "11"]
    assert hidden.rows[0].cells[0].text == "fewer than 10"
    with pytest.raises(ValueError):
        suppress(one_column([1]), threshold=1)


def test_no_sum_is_left_with_exactly_one_hidden_term():
    rng = random.Random(3)
    for _ in range(200):
        rows = [(f"r{i}", f"Row {i}") for i in range(rng.randint(1, 6))]
        columns = [(f"c{j}", f"Column {j}") for j in range(rng.randint(1, 5))]
        counts = {
            (r, c): rng.choice([0, 0, 1, 2, 3, 4, 5, 7, 12, 30, 100])
            for r, _ in rows
            for c, _ in columns
        }
        table = cross_table("T", "Row", rows, columns, counts)
        hidden = suppress(table)
        for line in lines_of(hidden):
            assert sum(is_suppressed(v) for v in line) != 1, line
        # Nothing from 1 to 4 shows, nothing else changed, and 0s only hide as a last resort.
        for before, after in zip(lines_of(table), lines_of(hidden), strict=True):
            for b, a in zip(before, after, strict=True):
                if is_suppressed(a):
                    assert a.secondary or 0 < b < 5
                else:
                    assert a == b and not 0 < b < 5


def test_a_table_is_suppressed_once():
    with pytest.raises(ValueError, match="already"):
        suppress(suppress(one_column([1, 10, 20])))


def test_mean_and_median_are_hidden_where_they_could_give_a_count_away():
    by_group = {"A": {1: 3, 4: 20, 5: 30}, "B": {2: 2}, "C": {}, "D": {3: 7}}
    measure = ideas_stats._measure(
        "usefulness",
        "How useful?",
        {g: Counter(v) for g, v in by_group.items()},
        list(by_group),
        70,
    )
    hidden = suppress_measure(measure)
    a, b, c, d = (g.summary for g in hidden.groups)
    assert is_suppressed(a.distribution[0]) and a.n == 53 and a.median == 5.0
    assert is_suppressed(a.mean)  # a mean with its n would let a hidden count be solved for
    assert is_suppressed(b.n) and is_suppressed(b.mean) and is_suppressed(b.median)
    # B's n would be the overall n less the others': D's (the smallest) goes with it.
    assert d.n.secondary and is_suppressed(d.mean) and is_suppressed(d.median)
    assert c.n == 0 and c.mean is None
    assert hidden.overall.n == 62 and hidden.not_scored == 8
    assert measure.groups[0].summary.mean == pytest.approx((3 + 80 + 150) / 53)  # unchanged


@pytest.mark.django_db
def test_whole_results_can_be_suppressed_for_publishing(consultation, records):
    flt = ResponseFilter.for_consultation(consultation)
    overview = suppress_overview(overview_stats.overview(consultation, flt))
    for table in (
        overview.by_page,
        overview.by_role,
        overview.by_role_group,
        overview.by_nature,
        overview.page_by_nature,
        overview.over_time.table,
    ):
        assert table.suppressed_below == 5
        for line in lines_of(table):
            assert sum(is_suppressed(v) for v in line) != 1
            assert not any(isinstance(v, int) and 0 < v < 5 for v in line)
    ideas = suppress_ideas(ideas_stats.ideas(consultation, flt))
    for idea in ideas.ideas:
        for group in idea.usefulness.groups:
            n = group.summary.n
            assert is_suppressed(n) or n == 0 or n >= 5
    assert not any(
        isinstance(v, int) and 0 < v < 5 for row in ideas.activities.table.rows for v in row.cells
    )


@pytest.mark.django_db
def test_small_hidden_and_untagged_counts_are_suppressed_too(consultation, records):
    from dataclasses import replace

    flt = ResponseFilter.for_consultation(consultation)
    overview = overview_stats.overview(consultation, flt)
    small = replace(overview, statuses=replace(overview.statuses, untagged=3))
    suppressed = suppress_overview(small).statuses
    assert is_suppressed(suppressed.untagged)
    assert suppressed.hidden == 0 or is_suppressed(suppressed.hidden) or suppressed.hidden >= 5
    large = replace(overview, statuses=replace(overview.statuses, untagged=7))
    assert suppress_overview(large).statuses.untagged == 7
