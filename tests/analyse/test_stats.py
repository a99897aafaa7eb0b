"""Overview and ideas numbers, checked against counts made in plain Python from the records."""

from __future__ import annotations

import datetime as dt
import itertools
import statistics
from collections import Counter

import pytest
from django.db import connection

from soundingboard.analyse.filters import (
    NOT_GIVEN,
    QUESTIONNAIRE,
    UNMATCHED_PAGES,
    ResponseFilter,
)
from soundingboard.analyse.stats import ideas as ideas_stats
from soundingboard.analyse.stats import overview as overview_stats
from soundingboard.analyse.stats.common import analysis_index_names
from soundingboard.collect.models import Response
from soundingboard.publish.settings_schema import (
    DEFAULT_NATURES,
    DEFAULT_ROLE_GROUPS,
    DEFAULT_ROLES,
)

from .conftest import IDEAS, LEGACY_ROLE, SLUG, UNMATCHED

pytestmark = pytest.mark.django_db

GROUP_OF = {role: group for group, roles in DEFAULT_ROLE_GROUPS.items() for role in roles}
PAGE_KEYS = ["/", "/models/", "/mechanisms/", "/quiet/"]


def group_of(role: str) -> str:
    return NOT_GIVEN if role == "" else GROUP_OF.get(role, "Other")


def page_of(record) -> str:
    if record.kind == "questionnaire":
        return QUESTIONNAIRE
    key = "/" + record.page_path
    return key if key in PAGE_KEYS else UNMATCHED_PAGES


def selected(
    records,
    *,
    date_from=None,
    date_to=None,
    roles=(),
    groups=(),
    pages=(),
    natures=(),
    kind=None,
    statuses=("accepted",),
):
    """The records a filter should count, decided in plain Python."""
    chosen = []
    for r in records:
        if r.consultation != SLUG or r.status not in statuses:
            continue
        if (date_from and r.local_date < date_from) or (date_to and r.local_date > date_to):
            continue
        if kind and r.kind != kind:
            continue
        if (
            (roles or groups)
            and (r.role or NOT_GIVEN) not in roles
            and group_of(r.role) not in groups
        ):
            continue
        if pages and page_of(r) not in pages:
            continue
        if natures and (r.nature or NOT_GIVEN) not in natures:
            continue
        chosen.append(r)
    return chosen


def counts(table) -> dict[str, int]:
    return {row.key: row.total for row in table.rows}


# Overview -----------------------------------------------------------------------------------


def test_overview_counts_every_table_from_the_records(consultation, records):
    result = overview_stats.overview(consultation, ResponseFilter.for_consultation(consultation))
    kept = selected(records)
    assert result.n == len(kept) == 40 + 4 + 13

    assert [row.key for row in result.by_page.rows] == [*PAGE_KEYS, UNMATCHED_PAGES, QUESTIONNAIRE]
    expected_pages = Counter(page_of(r) for r in kept)
    assert counts(result.by_page) == {k: expected_pages.get(k, 0) for k in counts(result.by_page)}
    assert result.by_page.value("/quiet/") == 0
    assert result.by_page.value(UNMATCHED_PAGES) == sum(r.page_path == UNMATCHED for r in kept)
    assert result.by_page.row("/models/").label == "Models for delivery"

    expected_roles = Counter(r.role or NOT_GIVEN for r in kept)
    assert [row.key for row in result.by_role.rows] == [*DEFAULT_ROLES, LEGACY_ROLE, NOT_GIVEN]
    assert counts(result.by_role) == {k: expected_roles.get(k, 0) for k in counts(result.by_role)}
    assert result.by_role.row(LEGACY_ROLE).known is False
    assert result.by_role.row(NOT_GIVEN).label == "Not given"

    expected_groups = Counter(group_of(r.role) for r in kept)
    assert [row.key for row in result.by_role_group.rows] == [
        *DEFAULT_ROLE_GROUPS,
        "Other",
        NOT_GIVEN,
    ]
    assert counts(result.by_role_group) == dict(expected_groups) | {
        g: 0 for g in DEFAULT_ROLE_GROUPS if g not in expected_groups
    }

    expected_natures = Counter(r.nature or NOT_GIVEN for r in kept)
    assert [row.key for row in result.by_nature.rows] == [*DEFAULT_NATURES, NOT_GIVEN]
    assert counts(result.by_nature) == {
        k: expected_natures.get(k, 0) for k in counts(result.by_nature)
    }

    expected_kinds = Counter(r.kind for r in kept)
    assert counts(result.by_kind) == {"page": expected_kinds["page"], "questionnaire": 13}

    table = result.page_by_nature
    pairs = Counter((page_of(r), r.nature or NOT_GIVEN) for r in kept)
    for row in table.rows:
        for column, value in zip(table.columns, row.cells, strict=True):
            assert value == pairs.get((row.key, column.key), 0), (row.key, column.key)
        assert row.total == expected_pages.get(row.key, 0)
    assert list(table.column_totals) == [expected_natures.get(c.key, 0) for c in table.columns]
    assert table.total == table.n == len(kept)

    for each in (result.by_page, result.by_role, result.by_role_group, result.by_nature):
        assert each.n == each.total == len(kept)


def test_status_counts_ignore_the_status_filter(consultation, records):
    ours = [r for r in records if r.consultation == SLUG]
    for statuses in (("accepted",), ("spam",), ("accepted", "spam")):
        flt = ResponseFilter.for_consultation(consultation, statuses=statuses)
        result = overview_stats.overview(consultation, flt)
        assert result.statuses.accepted == sum(r.status == "accepted" for r in ours)
        assert result.statuses.spam == sum(r.status == "spam" for r in ours) == 5
        assert result.statuses.hidden == 0  # none hidden yet (see test_responses.py)
        assert result.statuses.untagged == result.n  # nothing tagged yet
        assert result.n == sum(r.status in statuses for r in ours)


def test_spam_is_left_out_unless_asked_for(consultation, records):
    result = overview_stats.overview(consultation, ResponseFilter.for_consultation(consultation))
    assert result.n == len(selected(records))
    assert result.by_role.value(DEFAULT_ROLES[1]) == sum(
        r.role == DEFAULT_ROLES[1] for r in selected(records)
    )
    with_spam = overview_stats.overview(
        consultation, ResponseFilter.for_consultation(consultation, statuses=("accepted", "spam"))
    )
    assert with_spam.n == result.n + 5


def test_responses_over_time_are_counted_by_day_in_london(consultation, records):
    result = overview_stats.overview(consultation, ResponseFilter.for_consultation(consultation))
    series = result.over_time
    kept = selected(records)
    days = Counter(r.local_date for r in kept)
    assert series.interval == "day"
    assert series.periods[0][0] == min(days) and series.periods[-1][1] == max(days)
    assert len(series.periods) == (max(days) - min(days)).days + 1
    for (start, end), row in zip(series.periods, series.table.rows, strict=True):
        assert start == end and row.key == start.isoformat()
        assert row.total == days.get(start, 0), start
    assert series.n == result.n
    # The response at 23:30 UTC on 31 March counts on 1 April (British Summer Time).
    assert series.table.row("2026-04-01").label == "1 April 2026"


FILTERS = [
    {"date_from": dt.date(2026, 3, 28), "date_to": dt.date(2026, 3, 31)},
    {"date_from": dt.date(2026, 4, 1)},
    {"date_to": dt.date(2026, 3, 28)},
    {"roles": (DEFAULT_ROLES[0], DEFAULT_ROLES[9])},
    {"roles": (NOT_GIVEN,)},
    {"groups": ("Local authority",)},
    {"groups": ("Other",)},
    {"groups": ("Central government", NOT_GIVEN), "roles": (DEFAULT_ROLES[12],)},
    {"pages": ("/models/",)},
    {"pages": ("/", UNMATCHED_PAGES)},
    {"pages": (QUESTIONNAIRE, "/quiet/")},
    {"natures": (DEFAULT_NATURES[0], NOT_GIVEN)},
    {"kind": "questionnaire"},
    {"kind": "page", "statuses": ("spam",)},
    {
        "date_from": dt.date(2026, 3, 26),
        "date_to": dt.date(2026, 4, 2),
        "groups": ("Local authority", "Private sector"),
        "pages": ("/models/", "/mechanisms/", QUESTIONNAIRE),
        "natures": (DEFAULT_NATURES[1], DEFAULT_NATURES[2], NOT_GIVEN),
        "statuses": ("accepted", "spam"),
    },
]


@pytest.mark.parametrize("spec", FILTERS, ids=[str(i) for i in range(len(FILTERS))])
def test_filters_change_the_numbers_as_plain_counting_does(consultation, records, spec):
    flt = ResponseFilter.for_consultation(
        consultation, **{("role_groups" if k == "groups" else k): v for k, v in spec.items()}
    )
    expected = selected(records, **spec)
    result = overview_stats.overview(consultation, flt)
    assert result.n == len(expected)
    assert flt.apply(Response.objects.all()).count() == len(expected)  # the SQL agrees
    assert counts(result.by_role_group) == {
        k: Counter(group_of(r.role) for r in expected).get(k, 0)
        for k in counts(result.by_role_group)
    }
    assert counts(result.by_page) == {
        k: Counter(page_of(r) for r in expected).get(k, 0) for k in counts(result.by_page)
    }
    by_day = Counter(r.local_date for r in expected)
    for (start, _), row in zip(result.over_time.periods, result.over_time.table.rows, strict=True):
        assert row.total == by_day.get(start, 0)
    assert result.over_time.n == len(expected)


def test_date_range_includes_both_days_in_the_consultations_time_zone(consultation, records):
    def n(**dates):
        return overview_stats.overview(
            consultation, ResponseFilter.for_consultation(consultation, **dates)
        ).n

    def plain(day_from, day_to):
        return len(selected(records, date_from=day_from, date_to=day_to))

    march_31, april_1 = dt.date(2026, 3, 31), dt.date(2026, 4, 1)
    assert n(date_from=march_31, date_to=march_31) == plain(march_31, march_31)
    # 22:59:59 UTC on 31 March is 23:59:59 in London: in. 23:30 UTC is 1 April there: out.
    last_second = [r for r in selected(records) if r.local_date == march_31]
    assert any(r.submitted_at.hour == 22 and r.submitted_at.minute == 59 for r in last_second)
    assert all(r.submitted_at.hour != 23 for r in last_second)
    assert n(date_from=april_1, date_to=april_1) == plain(april_1, april_1)
    march_28 = dt.date(2026, 3, 28)
    assert n(date_from=march_28, date_to=march_28) == plain(march_28, march_28)
    assert n(date_from=march_28, date_to=april_1) == sum(
        plain(march_28 + dt.timedelta(d), march_28 + dt.timedelta(d)) for d in range(5)
    )


def test_other_consultations_are_not_counted(consultation, records):
    result = overview_stats.overview(consultation, ResponseFilter.for_consultation(consultation))
    assert result.n == len(
        [r for r in records if r.consultation == SLUG and r.status == "accepted"]
    )


def test_a_consultation_without_responses(consultation, db):
    result = overview_stats.overview(consultation, ResponseFilter.for_consultation(consultation))
    assert result.n == 0 and result.over_time.periods == () and result.over_time.n == 0
    assert all(row.total == 0 for row in result.by_page.rows)
    ideas = ideas_stats.ideas(consultation, ResponseFilter.for_consultation(consultation))
    assert ideas.n == 0 and len(ideas.ideas) == 3
    assert all(i.usefulness.overall.mean is None for i in ideas.ideas)
    assert ideas.activities.table.total == 0 and ideas.activities.unmatched == 0


def test_a_date_range_without_responses_still_lists_its_days(consultation, records):
    flt = ResponseFilter.for_consultation(
        consultation, date_from=dt.date(2027, 1, 1), date_to=dt.date(2027, 1, 3)
    )
    series = overview_stats.overview(consultation, flt).over_time
    assert [row.total for row in series.table.rows] == [0, 0, 0]


def test_a_filter_for_another_consultation_is_refused(consultation):
    with pytest.raises(ValueError, match="not for"):
        overview_stats.overview(consultation, ResponseFilter(consultation="someone-else"))


@pytest.mark.parametrize(
    ("first", "last", "interval", "count"),
    [
        (dt.date(2026, 1, 1), dt.date(2026, 1, 1), "day", 1),
        (dt.date(2026, 1, 1), dt.date(2026, 4, 2), "day", 92),
        (dt.date(2026, 1, 1), dt.date(2026, 4, 3), "week", 14),
        (dt.date(2026, 1, 1), dt.date(2028, 1, 2), "week", 105),
        (dt.date(2026, 1, 15), dt.date(2028, 3, 1), "month", 27),
    ],
)
def test_long_ranges_are_counted_by_week_or_month(first, last, interval, count):
    found, periods = overview_stats._periods(first, last)
    assert (found, len(periods)) == (interval, count)
    assert periods[0][0] == first and periods[-1][1] == last
    for (_, end), (start, _) in itertools.pairwise(periods):
        assert start == end + dt.timedelta(days=1)  # no gaps, no overlaps
    if interval == "week":
        assert all(start.weekday() == 0 for start, _ in periods[1:])


# Ideas --------------------------------------------------------------------------------------


def expected_scores(chosen, idea, measure):
    """{group: [scores]} and all scores, for one idea and measure."""
    index = 1 if measure == "usefulness" else 2
    by_group: dict[str, list[int]] = {}
    every = []
    for r in chosen:
        for score in r.scores:
            if score[0] == idea and score[index] is not None:
                by_group.setdefault(group_of(r.role), []).append(score[index])
                every.append(score[index])
    return by_group, every


def check_summary(summary, scores):
    assert summary.n == len(scores)
    assert summary.distribution == tuple(scores.count(v) for v in range(1, 6))
    if scores:
        assert summary.mean == pytest.approx(statistics.mean(scores))
        assert summary.median == statistics.median(scores)
    else:
        assert summary.mean is None and summary.median is None


@pytest.mark.parametrize(
    "spec",
    [{}, {"groups": ("Local authority", "Other")}, {"date_from": dt.date(2026, 3, 27)}],
    ids=["all", "groups", "dates"],
)
def test_ideas_scores_match_the_records(consultation, records, spec):
    flt = ResponseFilter.for_consultation(
        consultation, **{("role_groups" if k == "groups" else k): v for k, v in spec.items()}
    )
    result = ideas_stats.ideas(consultation, flt)
    chosen = selected(records, kind="questionnaire", **spec)
    assert result.n == len(chosen)
    respondents = Counter(group_of(r.role) for r in chosen)
    assert counts(result.respondents) == {
        k: respondents.get(k, 0) for k in counts(result.respondents)
    }
    assert [i.name for i in result.ideas] == list(IDEAS)
    assert [i.number for i in result.ideas] == [1, 2, 3]
    for idea in result.ideas:
        for measure in ("usefulness", "likelihood"):
            stats_of = getattr(idea, measure)
            by_group, every = expected_scores(chosen, idea.name, measure)
            check_summary(stats_of.overall, every)
            assert stats_of.not_scored == len(chosen) - len(every)
            for group in stats_of.groups:
                check_summary(group.summary, by_group.get(group.key, []))
            assert {g.key for g in stats_of.groups} >= set(by_group)


def test_spam_questionnaires_are_left_out_of_ideas(consultation, records):
    result = ideas_stats.ideas(consultation, ResponseFilter.for_consultation(consultation))
    assert result.n == 13
    with_spam = ideas_stats.ideas(
        consultation, ResponseFilter.for_consultation(consultation, statuses=("accepted", "spam"))
    )
    assert with_spam.n == 14


def test_activities_are_ranked_by_ticks_by_role_group(consultation, records):
    result = ideas_stats.ideas(consultation, ResponseFilter.for_consultation(consultation))
    chosen = selected(records, kind="questionnaire")
    ticks: Counter[tuple[str, str]] = Counter()
    by_group: Counter[tuple[str, str, str]] = Counter()
    for r in chosen:
        for idea, activity, matched in r.ticks:
            if matched:
                ticks[(idea, activity)] += 1
                by_group[(idea, activity, group_of(r.role))] += 1
    table = result.activities.table
    configured = [(i, a) for i, activities in IDEAS.items() for a in activities]
    assert {(row.parent, row.label) for row in table.rows} == set(configured) | {
        ("Shared data standards", "An activity since removed")
    }
    totals = [row.total for row in table.rows]
    assert totals == sorted(totals, reverse=True)
    for row in table.rows:
        assert row.total == ticks[(row.parent, row.label)]
        for column, value in zip(table.columns, row.cells, strict=True):
            assert value == by_group[(row.parent, row.label, column.key)]
        assert row.known == ((row.parent, row.label) in configured)
    assert result.activities.unmatched == sum(1 for r in chosen for t in r.ticks if not t[2])
    assert table.n == len(chosen) and table.total == sum(ticks.values())
    ranked = table.ranked("Local authority")
    values = [row.cells[0] for row in ranked]
    assert values == sorted(values, reverse=True)


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite path runs on SQLite only")
@pytest.mark.parametrize("spec", [{}, {"role_groups": ("Private sector", NOT_GIVEN)}])
def test_the_sqlite_and_generic_ideas_queries_agree(consultation, records, spec):
    flt = ResponseFilter.for_consultation(consultation, **spec)
    context = flt.context
    fast = ideas_stats._ideas_sqlite(flt, context, ideas_stats._all_groups(context))
    plain = ideas_stats._ideas_generic(flt, context)
    assert fast[0] == plain[0]
    assert fast[1] == plain[1]
    assert {k: v for k, v in fast[2].items() if v} == {k: v for k, v in plain[2].items() if v}


@pytest.mark.parametrize(
    ("distribution", "median"),
    [
        ((0, 0, 0, 0, 0), None),
        ((1, 0, 0, 0, 0), 1.0),
        ((1, 0, 0, 0, 1), 3.0),
        ((1, 1, 0, 0, 0), 1.5),
        ((2, 0, 1, 0, 3), 4.0),
        ((0, 3, 0, 3, 0), 3.0),
        ((5, 1, 0, 0, 4), 1.5),
    ],
)
def test_medians_come_from_the_counts(distribution, median):
    assert ideas_stats.median_of(distribution) == median
    if median is not None:
        scores = [v for v, c in zip(range(1, 6), distribution, strict=True) for _ in range(c)]
        assert statistics.median(scores) == median


def test_the_analysis_indexes_are_read_from_the_models_and_are_in_the_database():
    names = analysis_index_names()
    assert sorted(names) == [
        "ideascore_analysis_idx",
        "response_analysis_cube_idx",
        "response_analysis_time_idx",
        "tick_analysis_idx",
    ]
    with connection.cursor() as cursor:
        made = set()
        for table in ("collect_response", "collect_ideascore", "collect_activitytick"):
            made |= set(connection.introspection.get_constraints(cursor, table))
    assert set(names) <= made  # the migrations made every one the statistics are written for
