"""The numbers of the analyst overview and ideas pages, as plain dataclasses.

Nothing here loads responses one by one. The overview is two queries:

* a "cube": responses counted by kind, page, role, nature and status, within the dates. Every
  other filter is applied to the cube in Python (`ResponseFilter.matches`), and every table
  of the overview is summed from it: totals, pages, roles, role groups, natures, pages by
  nature, and the counts by status whatever the status filter;
* responses over time: one count per day (or week, or month) of the filtered responses, each
  an index range count, with the days' bounds worked out in the consultation's time zone.

The ideas page is three: the questionnaire responses that pass the filter, then their scores
and their ticks counted by idea (and activity) and role group. Medians come from the 1 to 5
counts. On SQLite the selected responses are read once as (id, role); scores and ticks are
read in the order of their analysis indexes with the response ids of each group
concatenated, and numpy counts those ids by role group. That avoids both sorting a million
rows (SQLite has no hash aggregation: a GROUP BY that does not follow an index sorts every
row) and looking every score up in the selection. Other databases run the same counts as
ordinary GROUP BY queries with a join.

Tables come from separate statements, each consistent in itself and carrying its own n: a
response stored while a page is being counted may be in one table and not yet in another.

`PROPOSED_INDEXES` lists the indexes these queries are written for.
"""

from __future__ import annotations

import calendar
import datetime as dt
import os
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, TypeVar

import numpy
from django.db import connections
from django.db.models import CharField, Exists, F, Func, Index, OuterRef, Q
from django.db.models import Count as CountOf

from ..collect.models import ActivityTick, IdeaScore, Response
from ..publish.settings_schema import UNGROUPED
from .filters import (
    KIND_LABELS,
    NOT_GIVEN,
    QUESTIONNAIRE,
    STATUS_LABELS,
    STATUSES,
    UNMATCHED_PAGES,
    FilterContext,
    ResponseFilter,
    option_label,
    page_value,
)
from .models import ResponseTag
from .suppression import suppress, suppress_ideas, suppress_overview
from .tables import Count, Suppressed, Table, count_table, cross_table

if TYPE_CHECKING:
    from ..publish.consultation import Consultation

__all__ = [
    "PROPOSED_INDEXES",
    "ActivityTicks",
    "GroupSummary",
    "IdeaStats",
    "IdeasResult",
    "MeasureStats",
    "Overview",
    "StatusCounts",
    "Summary",
    "TimeSeries",
    "ideas",
    "overview",
    "suppress",
    "suppress_ideas",
    "suppress_overview",
]

T = TypeVar("T")
SCALE = (1, 2, 3, 4, 5)
DAILY_UP_TO_DAYS = 92  # longer ranges are counted by week
WEEKLY_UP_TO_DAYS = 732  # and longer still, by month

# The indexes these queries are written for (Meta.indexes of the collect models). The first
# two cover the overview; the last two let scores and ticks be counted in index order.
PROPOSED_INDEXES: dict[type, list[Index]] = {
    Response: [
        Index(
            fields=[
                "consultation",
                "kind",
                "page_path",
                "role",
                "nature",
                "status",
                "submitted_at",
            ],
            name="response_analysis_cube_idx",
        ),
        Index(
            fields=[
                "consultation",
                "status",
                "submitted_at",
                "kind",
                "page_path",
                "role",
                "nature",
            ],
            name="response_analysis_time_idx",
        ),
    ],
    IdeaScore: [
        Index(
            fields=["idea", "usefulness", "likelihood", "response"], name="ideascore_analysis_idx"
        ),
    ],
    ActivityTick: [
        Index(fields=["idea", "activity", "matched", "response"], name="tick_analysis_idx"),
    ],
}
PROPOSED_INDEX_NAMES = [i.name for indexes in PROPOSED_INDEXES.values() for i in indexes]


def proposed_index_sql(connection) -> list[str]:
    """CREATE INDEX statements for PROPOSED_INDEXES on a connection (for the benchmark)."""
    statements = []
    with connection.schema_editor(collect_sql=True, atomic=False) as editor:
        for model, indexes in PROPOSED_INDEXES.items():
            statements.extend(str(index.create_sql(model, editor)) for index in indexes)
    return statements


# Results ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TimeSeries:
    """Responses per day, week or month: `table` has a row per period, keyed by its first day."""

    interval: str  # "day", "week" or "month"
    periods: tuple[tuple[dt.date, dt.date], ...]  # first and last day of each row of `table`
    table: Table

    @property
    def n(self) -> Count:
        return self.table.n


@dataclass(frozen=True)
class StatusCounts:
    """Responses by status, whatever the status filter (but within every other filter);
    `untagged`: the responses that pass the whole filter (status included) and have no tag.
    """

    table: Table
    accepted: Count
    spam: Count
    hidden: Count | None = None
    untagged: Count | None = None


@dataclass(frozen=True)
class Overview:
    filter: ResponseFilter
    n: Count  # responses that pass the filter
    over_time: TimeSeries
    by_kind: Table
    by_page: Table
    by_role: Table
    by_role_group: Table
    by_nature: Table
    page_by_nature: Table
    statuses: StatusCounts


@dataclass(frozen=True)
class Summary:
    """One score (usefulness or likelihood) of one idea from one group of respondents."""

    n: Count  # scores given
    distribution: tuple[Count, ...]  # how many gave 1, 2, 3, 4 and 5
    mean: float | Suppressed | None  # None when no one gave this score
    median: float | Suppressed | None


@dataclass(frozen=True)
class GroupSummary:
    key: str  # the role group's filter value
    label: str
    summary: Summary


@dataclass(frozen=True)
class MeasureStats:
    measure: str  # "usefulness" or "likelihood"
    question: str
    overall: Summary
    groups: tuple[GroupSummary, ...]
    not_scored: Count  # selected questionnaire responses that left this score blank


@dataclass(frozen=True)
class IdeaStats:
    number: int  # from 1, in the consultation's order: the key of the scatter chart
    name: str
    known: bool  # False for an idea the consultation no longer lists
    usefulness: MeasureStats
    likelihood: MeasureStats


@dataclass(frozen=True)
class ActivityTicks:
    """Ticks of each activity by role group (rows ranked by ticks overall); `table.n` is the
    number of questionnaire responses, `table.total` the number of ticks."""

    table: Table
    unmatched: Count  # ticks of activities the consultation does not list (kept as sent)


@dataclass(frozen=True)
class IdeasResult:
    filter: ResponseFilter
    n: Count  # questionnaire responses that pass the filter
    respondents: Table  # those responses by role group: the n of each group
    ideas: tuple[IdeaStats, ...]
    activities: ActivityTicks
    scale_low: str
    scale_high: str
    # Those responses that also scored idea names matching none of the consultation's ideas
    # (kept as sent in `Response.unmatched_ideas`, shown together as one group).
    unmatched_ideas: Count = 0


# Overview -----------------------------------------------------------------------------------


def overview(consultation: Consultation, flt: ResponseFilter) -> Overview:
    """Counts of the responses to a consultation that pass a filter."""
    flt = flt.bind(consultation)
    context = flt.context
    assert context is not None
    cube, over_time = _run([lambda: _cube(flt), lambda: _over_time(flt)])

    kinds: Counter[str] = Counter()
    pages: Counter[str] = Counter()
    roles: Counter[str] = Counter()
    groups: Counter[str] = Counter()
    natures: Counter[str] = Counter()
    page_nature: Counter[tuple[str, str]] = Counter()
    statuses: Counter[str] = Counter()
    for (kind, page_path, role, nature, status), count in cube.items():
        if not flt.matches_except_status(kind, page_path, role, nature):
            continue
        statuses[status] += count
        if status not in flt.statuses:
            continue
        page = context.page_key(kind, page_path)
        nature_key = nature or NOT_GIVEN
        kinds[kind] += count
        pages[page] += count
        roles[role or NOT_GIVEN] += count
        groups[context.group_of(role)] += count
        natures[nature_key] += count
        page_nature[(page, nature_key)] += count
    n = sum(kinds.values())

    page_rows = _page_rows(context, pages)
    role_keys = _option_keys(context.roles, roles)
    group_keys = _group_keys(context, groups)
    nature_keys = _option_keys(context.natures, natures)
    status_keys = list(STATUSES) + sorted(set(statuses) - set(STATUSES))
    status_table = count_table(
        "Responses by status",
        "Status",
        [(s, STATUS_LABELS.get(s, s), statuses[s]) for s in status_keys],
    )
    return Overview(
        filter=flt,
        n=n,
        over_time=over_time,
        by_kind=count_table(
            "Responses by kind",
            "Kind",
            [(k, KIND_LABELS.get(k, k), kinds[k]) for k in _ordered(KIND_LABELS, kinds)],
        ),
        by_page=count_table(
            "Responses by page",
            "Page",
            [(key, label, pages[key]) for key, label in page_rows],
            unknown={UNMATCHED_PAGES},
        ),
        by_role=count_table(
            "Responses by role",
            "Role",
            [(k, option_label(k), roles[k]) for k in role_keys],
            unknown=_unknown(role_keys, context.roles),
        ),
        by_role_group=count_table(
            "Responses by role group",
            "Role group",
            [(k, option_label(k), groups[k]) for k in group_keys],
        ),
        by_nature=count_table(
            "Responses by kind of feedback",
            "Kind of feedback",
            [(k, option_label(k), natures[k]) for k in nature_keys],
            unknown=_unknown(nature_keys, context.natures),
        ),
        page_by_nature=cross_table(
            "Responses by page and kind of feedback",
            "Page",
            page_rows,
            [(k, option_label(k)) for k in nature_keys],
            dict(page_nature),
            unknown_rows={UNMATCHED_PAGES},
        ),
        statuses=StatusCounts(
            table=status_table,
            accepted=statuses["accepted"],
            spam=statuses["spam"],
            hidden=statuses["hidden"],
            untagged=_untagged(flt),
        ),
    )


def _untagged(flt: ResponseFilter) -> int:
    """Responses that pass the filter and have no tag (one query)."""
    tagged = ResponseTag.objects.filter(response=OuterRef("pk"))
    return flt.apply(Response.objects.order_by()).filter(~Exists(tagged)).count()


def _cube(flt: ResponseFilter) -> dict[tuple[str, str, str, str, str], int]:
    """Responses within the dates counted by (kind, page_path, role, nature, status)."""
    connection = connections[Response.objects.db]
    if connection.vendor == "sqlite":
        # Hand-written so that the dates (`+column` keeps SQLite from using them to choose
        # an index) never lead it away from reading the cube index in its own order.
        table = connection.ops.quote_name(Response._meta.db_table)
        where = ["consultation = %s"]
        params: list[object] = [flt.consultation]
        start, end = flt.bounds()
        if start:
            where.append("+submitted_at >= %s")
            params.append(connection.ops.adapt_datetimefield_value(start))
        if end:
            where.append("+submitted_at < %s")
            params.append(connection.ops.adapt_datetimefield_value(end))
        sql = (
            "SELECT kind, page_path, role, nature, status, COUNT(*) "
            f"FROM {table} WHERE {' AND '.join(where)} "
            "GROUP BY kind, page_path, role, nature, status"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return {tuple(row[:5]): row[5] for row in cursor.fetchall()}
    rows = (
        Response.objects.filter(flt.date_q())
        .order_by()
        .values_list("kind", "page_path", "role", "nature", "status")
        .annotate(n=CountOf("*"))
    )
    return {tuple(row[:5]): row[5] for row in rows}


def _page_rows(context: FilterContext, pages: Counter[str]) -> list[tuple[str, str]]:
    rows = [(page_value(path), context.page_titles[path]) for path in context.page_paths]
    rows.append((UNMATCHED_PAGES, context.page_label(UNMATCHED_PAGES)))
    if context.has_questionnaire or pages[QUESTIONNAIRE]:
        rows.append((QUESTIONNAIRE, context.page_label(QUESTIONNAIRE)))
    return rows


def _option_keys(configured: Iterable[str], counted: Counter[str]) -> list[str]:
    """The configured options in order (0 included), then others found, then "Not given"."""
    configured = list(configured)
    extra = sorted(k for k in counted if k not in configured and k != NOT_GIVEN)
    return configured + extra + ([NOT_GIVEN] if counted[NOT_GIVEN] else [])


def _group_keys(context: FilterContext, counted: Counter[str]) -> list[str]:
    keys = list(context.group_names)
    if counted[UNGROUPED] and UNGROUPED not in keys:
        keys.append(UNGROUPED)
    if counted[NOT_GIVEN]:
        keys.append(NOT_GIVEN)
    return keys


def _unknown(keys: list[str], configured: Iterable[str]) -> set[str]:
    known = set(configured) | {NOT_GIVEN}
    return {k for k in keys if k not in known}


def _ordered(labels: dict[str, str], counted: Counter[str]) -> list[str]:
    return list(labels) + sorted(set(counted) - set(labels))


# Responses over time ------------------------------------------------------------------------


def _over_time(flt: ResponseFilter) -> TimeSeries:
    context = flt.context
    assert context is not None
    first, last = _date_range(flt)
    interval, periods = _periods(first, last)
    counts = _period_counts(flt, periods, context.zone) if periods else []
    rows = [
        (start.isoformat(), _period_label(interval, start, end), count)
        for (start, end), count in zip(periods, counts, strict=True)
    ]
    return TimeSeries(
        interval=interval,
        periods=tuple(periods),
        table=count_table(f"Responses by {interval}", interval.capitalize(), rows),
    )


def _date_range(flt: ResponseFilter) -> tuple[dt.date | None, dt.date | None]:
    """The days to chart: the filter's dates, else those of the first and last response."""
    zone = flt.context.zone  # type: ignore[union-attr]
    first, last = flt.date_from, flt.date_to
    if first is None or last is None:
        base = Response.objects.filter(consultation=flt.consultation).order_by()
        moments = []
        for status in flt.statuses:  # one status at a time, so each is an index lookup
            of_status = base.filter(status=status).values_list("submitted_at", flat=True)
            moments.append(of_status.order_by("submitted_at").first())
            moments.append(of_status.order_by("-submitted_at").first())
        days = sorted(m.astimezone(zone).date() for m in moments if m is not None)
        if days:
            first = first or days[0]
            last = last or days[-1]
            if flt.date_from is None and flt.date_to is not None:
                first = min(first, last)
            if flt.date_to is None and flt.date_from is not None:
                last = max(first, last)
    if first is None or last is None or first > last:
        return None, None
    return first, last


def _periods(
    first: dt.date | None, last: dt.date | None
) -> tuple[str, list[tuple[dt.date, dt.date]]]:
    """Days, weeks (from Monday) or months from `first` to `last`, clipped to them."""
    if first is None or last is None:
        return "day", []
    span = (last - first).days + 1
    periods = []
    if span <= DAILY_UP_TO_DAYS:
        return "day", [(first + dt.timedelta(i), first + dt.timedelta(i)) for i in range(span)]
    if span <= WEEKLY_UP_TO_DAYS:
        start = first - dt.timedelta(days=first.weekday())
        while start <= last:
            periods.append((max(start, first), min(start + dt.timedelta(days=6), last)))
            start += dt.timedelta(days=7)
        return "week", periods
    year, month = first.year, first.month
    while dt.date(year, month, 1) <= last:
        end = dt.date(year, month, calendar.monthrange(year, month)[1])
        periods.append((max(dt.date(year, month, 1), first), min(end, last)))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return "month", periods


def _period_label(interval: str, start: dt.date, end: dt.date) -> str:
    if interval == "day":
        return _day(start)
    if interval == "week":
        return f"Week from {_day(start)}" + ("" if end == start else f" to {_day(end)}")
    return f"{start:%B %Y}"


def _day(value: dt.date) -> str:
    return f"{value.day} {value:%B %Y}"


def _period_counts(flt: ResponseFilter, periods: list[tuple[dt.date, dt.date]], zone) -> list[int]:
    """How many filtered responses fall in each period: one index range count per period."""
    connection = connections[Response.objects.db]
    # Without the filter's own dates (the periods lie within them): with two ranges on the
    # same column, SQLite may seek on the filter's and scan all of it for every period.
    undated = replace(flt, date_from=None, date_to=None)
    inner = undated.apply(Response.objects.order_by()).values("submitted_at")
    inner_sql, inner_params = inner.query.get_compiler(connection=connection).as_sql()
    values, params = [], []
    for i, (start, end) in enumerate(periods):
        low = dt.datetime.combine(start, dt.time(), zone)
        high = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), zone)
        values.append("(%s, %s, %s)")
        params += [
            i,
            connection.ops.adapt_datetimefield_value(low),
            connection.ops.adapt_datetimefield_value(high),
        ]
    sql = (
        "SELECT b.column1, (SELECT COUNT(*) FROM ("
        f"{inner_sql}) AS r WHERE r.submitted_at >= b.column2 AND r.submitted_at < b.column3) "
        f"FROM (VALUES {', '.join(values)}) AS b"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*inner_params, *params])
        found = dict(cursor.fetchall())
    return [int(found.get(i, 0)) for i in range(len(periods))]


# Ideas --------------------------------------------------------------------------------------


def ideas(consultation: Consultation, flt: ResponseFilter) -> IdeasResult:
    """Scores and ticks of the questionnaire responses that pass a filter."""
    flt = flt.bind(consultation)
    context = flt.context
    assert context is not None
    questionnaire = consultation.settings.questionnaire
    group_order = _all_groups(context)
    if connections[Response.objects.db].vendor == "sqlite":
        respondents, scores, ticks = _ideas_sqlite(flt, context, group_order)
    else:
        respondents, scores, ticks = _ideas_generic(flt, context)
    n = sum(respondents.values())
    groups = [g for g in group_order if g in context.group_names or respondents[g]]
    group_columns = [(g, option_label(g)) for g in groups]

    # scores[(idea, measure)][group][value] = count
    configured = list(questionnaire.ideas) if questionnaire else []
    names = [i.name for i in configured]
    names += sorted({idea for idea, _ in scores} - set(names))
    questions = {
        "usefulness": questionnaire.usefulness_question if questionnaire else "Usefulness",
        "likelihood": questionnaire.likelihood_question if questionnaire else "Likelihood",
    }
    configured_names = {i.name for i in configured}
    idea_stats = []
    for number, name in enumerate(names, start=1):
        measures = {
            measure: _measure(
                measure, questions[measure], scores.get((name, measure), {}), groups, n
            )
            for measure in ("usefulness", "likelihood")
        }
        idea_stats.append(
            IdeaStats(
                number=number,
                name=name,
                known=name in configured_names,
                usefulness=measures["usefulness"],
                likelihood=measures["likelihood"],
            )
        )

    activity_rows = [(i.name, a) for i in configured for a in i.activities]
    known_activities = set(activity_rows)
    unmatched = sum(
        sum(by_group.values()) for (_, _, matched), by_group in ticks.items() if not matched
    )
    tick_counts: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    for (idea, activity, matched), by_group in ticks.items():
        if matched:
            tick_counts[(idea, activity)].update(by_group)
    activity_rows += sorted(set(tick_counts) - known_activities)
    position = {pair: i for i, pair in enumerate(activity_rows)}
    activity_rows.sort(key=lambda pair: (-sum(tick_counts[pair].values()), position[pair]))
    keys = {pair: f"{pair[0]}: {pair[1]}" for pair in activity_rows}
    table = cross_table(
        "Activities ticked, by role group",
        "Activity",
        [(keys[pair], pair[1]) for pair in activity_rows],
        group_columns,
        {(keys[pair], g): c for pair in activity_rows for g, c in tick_counts[pair].items()},
        n=n,
        parents={keys[pair]: pair[0] for pair in activity_rows},
        unknown_rows={keys[pair] for pair in activity_rows if pair not in known_activities},
    )
    return IdeasResult(
        filter=flt,
        n=n,
        respondents=count_table(
            "Questionnaire responses by role group",
            "Role group",
            [(g, label, respondents[g]) for g, label in group_columns],
        ),
        ideas=tuple(idea_stats),
        activities=ActivityTicks(table=table, unmatched=unmatched),
        scale_low=questionnaire.scale_low if questionnaire else "Not at all",
        scale_high=questionnaire.scale_high if questionnaire else "Very",
        unmatched_ideas=_unmatched_ideas(flt),
    )


def _unmatched_ideas(flt: ResponseFilter) -> int:
    """The questionnaire responses passing the filter that scored unmatched idea names."""
    selected = Response.objects.filter(kind="questionnaire", unmatched_ideas__isnull=False)
    return flt.apply(selected.order_by()).count()


def _all_groups(context: FilterContext) -> list[str]:
    groups = list(context.group_names)
    if UNGROUPED not in groups:
        groups.append(UNGROUPED)
    groups.append(NOT_GIVEN)
    return groups


def _measure(
    measure: str,
    question: str,
    by_group: dict[str, Counter[int]],
    groups: list[str],
    respondents: int,
) -> MeasureStats:
    overall: Counter[int] = Counter()
    for counts in by_group.values():
        overall.update(counts)
    summary = _summary(overall)
    return MeasureStats(
        measure=measure,
        question=question,
        overall=summary,
        groups=tuple(
            GroupSummary(g, option_label(g), _summary(by_group.get(g, Counter()))) for g in groups
        ),
        not_scored=respondents - summary.n,  # type: ignore[operator]
    )


def _summary(counts: Counter[int]) -> Summary:
    distribution = tuple(counts.get(v, 0) for v in SCALE)
    n = sum(distribution)
    if not n:
        return Summary(n=0, distribution=distribution, mean=None, median=None)
    return Summary(
        n=n,
        distribution=distribution,
        mean=sum(v * c for v, c in zip(SCALE, distribution, strict=True)) / n,
        median=median_of(distribution),
    )


def median_of(distribution: tuple[int, ...]) -> float | None:
    """The median of scores from their counts (distribution[0] is how many gave 1)."""
    n = sum(distribution)
    if not n:
        return None

    def kth(k: int) -> int:  # the k-th smallest score, from 1
        seen = 0
        for value, count in zip(SCALE, distribution, strict=True):
            seen += count
            if seen >= k:
                return value
        raise AssertionError("unreachable")

    if n % 2:
        return float(kth((n + 1) // 2))
    return (kth(n // 2) + kth(n // 2 + 1)) / 2


ScoreCounts = dict[tuple[str, str], dict[str, Counter[int]]]  # (idea, measure) -> group -> value
TickCounts = dict[tuple[str, str, bool], Counter[str]]  # (idea, activity, matched) -> group


def _add_scores(
    scores: ScoreCounts, idea: str, usefulness, likelihood, by_group: Counter[str]
) -> None:
    for measure, value in (("usefulness", usefulness), ("likelihood", likelihood)):
        if value in SCALE:
            groups = scores.setdefault((idea, measure), {})
            for group, count in by_group.items():
                groups.setdefault(group, Counter())[value] += count


def _ideas_generic(
    flt: ResponseFilter, context: FilterContext
) -> tuple[Counter[str], ScoreCounts, TickCounts]:
    """GROUP BY queries through the ORM (PostgreSQL and others)."""
    selected = flt.apply(Response.objects.filter(kind="questionnaire").order_by())
    respondents: Counter[str] = Counter()
    for role, count in selected.values_list("role").annotate(n=CountOf("*")):
        respondents[context.group_of(role)] += count

    related = flt.q(prefix="response__") & Q(response__kind="questionnaire")
    scores: ScoreCounts = {}
    rows = (
        IdeaScore.objects.filter(related)
        .order_by()
        .values_list("idea", "usefulness", "likelihood", "response__role")
        .annotate(n=CountOf("*"))
    )
    for idea, usefulness, likelihood, role, count in rows:
        _add_scores(scores, idea, usefulness, likelihood, Counter({context.group_of(role): count}))

    ticks: TickCounts = defaultdict(Counter)
    rows = (
        ActivityTick.objects.filter(related)
        .order_by()
        .values_list("idea", "activity", "matched", "response__role")
        .annotate(n=CountOf("*"))
    )
    for idea, activity, matched, role, count in rows:
        ticks[(idea, activity, bool(matched))][context.group_of(role)] += count
    return respondents, scores, dict(ticks)


def _ideas_sqlite(
    flt: ResponseFilter, context: FilterContext, group_order: list[str]
) -> tuple[Counter[str], ScoreCounts, TickCounts]:
    """Scores and ticks counted without joining them to their responses in SQL.

    The selected responses are read once, as (id, role), into an array that gives each id its
    role group (0: not selected). Scores and ticks are then read in the order of their
    analysis indexes, grouped without a sort, with the response ids of each (idea, score)
    concatenated; numpy parses the ids and counts them by group. A join in SQLite would look
    every score up in the selection, one B-tree search each, which took most of the time."""
    connection = connections[Response.objects.db]
    number = {group: i for i, group in enumerate(group_order, start=1)}
    group_of_role: dict[str, int] = {}
    ids, codes = [], []
    for response_id, role in _selected_ids_and_roles(flt, connection):
        ids.append(response_id)
        code = group_of_role.get(role)
        if code is None:
            code = group_of_role[role] = number[context.group_of(role)]
        codes.append(code)
    respondents = Counter({group_order[code - 1]: count for code, count in Counter(codes).items()})
    if not ids:
        return respondents, {}, {}
    group_by_id = numpy.zeros(max(ids) + 1, dtype=numpy.uint16)
    group_by_id[ids] = codes
    lowest, highest = min(ids), max(ids)

    def grouped(joined: str) -> Counter[str]:
        found = numpy.fromstring(joined, dtype=numpy.int64, sep=",")
        counts = numpy.bincount(group_by_id[found], minlength=len(group_order) + 1)
        return Counter({group_order[i - 1]: int(c) for i, c in enumerate(counts) if i and c})

    def counted(table: type, columns: str) -> list[tuple]:
        # `+response_id`: keep the analysis index (ordered by the grouped columns) in use.
        with connections[Response.objects.db].cursor() as cursor:
            cursor.execute(
                f"SELECT {columns}, group_concat(response_id) "
                f"FROM {connection.ops.quote_name(table._meta.db_table)} "
                f"WHERE +response_id BETWEEN %s AND %s GROUP BY {columns}",
                [lowest, highest],
            )
            return [(*row[:-1], grouped(row[-1])) for row in cursor.fetchall()]

    score_rows, tick_rows = _run(
        [
            lambda: counted(IdeaScore, "idea, usefulness, likelihood"),
            lambda: counted(ActivityTick, "idea, activity, matched"),
        ]
    )
    scores: ScoreCounts = {}
    for idea, usefulness, likelihood, by_group in score_rows:
        _add_scores(scores, idea, usefulness, likelihood, by_group)
    ticks: TickCounts = {}
    for idea, activity, matched, by_group in tick_rows:
        if by_group:
            key = (idea, activity, bool(matched))
            ticks[key] = ticks.get(key, Counter()) + by_group
    return respondents, scores, ticks


def _selected_ids_and_roles(flt: ResponseFilter, connection) -> list[tuple[int, str]]:
    """(id, role) of the questionnaire responses that pass the filter."""
    # `+status`: without statistics SQLite would otherwise read the time index by
    # (consultation, status), all kinds, rather than the cube index by (consultation, kind).
    selected = (
        Response.objects.filter(kind="questionnaire")
        .order_by()
        .alias(
            unindexed_status=Func(
                F("status"), template="+%(expressions)s", output_field=CharField()
            )
        )
        .filter(flt.q(statuses=False), unindexed_status__in=flt.statuses)
    )
    sql, params = selected.values("id", "role").query.get_compiler(connection=connection).as_sql()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


# Running queries side by side ---------------------------------------------------------------

# True: on SQLite, independent queries (the overview's cube and time series; the ideas' scores
# and ticks) run at the same time on a connection each, when the machine has more than one CPU
# and the caller is not inside a transaction (whose writes other connections would not see).
# Off by default: it adds a thread and a connection per task, costs more CPU in all (the
# overview's two queries each read the index; the ideas' page is measured in
# docs/performance.md), and on a machine whose CPUs are busy it is no quicker.
# On an otherwise idle server with 2 CPUs or more it shortens the wait; measure it there
# (bench/analysis_scale.py times both).
PARALLEL = False


def _side_by_side(tasks: int) -> bool:
    """Whether `tasks` queries would run at the same time (see PARALLEL)."""
    connection = connections[Response.objects.db]
    return (
        PARALLEL
        and min(tasks, os.cpu_count() or 1) > 1
        and connection.vendor == "sqlite"
        and not connection.in_atomic_block
        and not connection.is_in_memory_db()
    )


def _run(tasks: list[Callable[[], T]]) -> list[T]:
    """The results of the tasks, run side by side on a connection each when that is safe."""
    if not _side_by_side(len(tasks)):
        return [task() for task in tasks]
    workers = min(len(tasks), os.cpu_count() or 1)
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="analyse") as pool:
        return list(pool.map(_on_own_connection, tasks))


def _on_own_connection(task: Callable[[], T]) -> T:
    try:
        return task()
    finally:
        connections.close_all()  # this thread's connections only
