"""The numbers of the analyst overview page, as plain dataclasses, in two queries:

* a "cube": responses counted by kind, page, role, nature and status, within the dates. Every
  other filter is applied to the cube in Python (`ResponseFilter.matches`), and every table
  of the overview is summed from it: totals, pages, roles, role groups, natures, pages by
  nature, and the counts by status whatever the status filter;
* responses over time: one count per day (or week, or month) of the filtered responses, each
  an index range count, with the days' bounds worked out in the consultation's time zone.

Both are written for the analysis indexes of `Response` (`common.analysis_indexes`). Tables
come from separate statements, each consistent in itself and carrying its own n: a response
stored while the page is being counted may be in one table and not yet in another.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, replace
from zoneinfo import ZoneInfo

from django.db import connections
from django.db.models import Count as CountOf
from django.db.models import Exists, OuterRef

from ...collect.models import Response
from ...publish.consultation import Consultation
from ...publish.settings_schema import UNGROUPED
from ..filters import (
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
from ..models import ResponseTag
from ..tables import Count, Table, count_table, cross_table

DAILY_UP_TO_DAYS = 92  # longer ranges are counted by week
WEEKLY_UP_TO_DAYS = 732  # and longer still, by month


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


# Overview -----------------------------------------------------------------------------------


def overview(consultation: Consultation, flt: ResponseFilter) -> Overview:
    """Counts of the responses to a consultation that pass a filter."""
    flt = flt.bind(consultation)
    context = flt.context
    assert context is not None
    cube, over_time = _cube(flt), _over_time(flt)

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
        params: list[str | None] = [flt.consultation]
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
    first, last = _date_range(flt, context.zone)
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


def _date_range(flt: ResponseFilter, zone: ZoneInfo) -> tuple[dt.date | None, dt.date | None]:
    """The days to chart: the filter's dates, else those of the first and last response."""
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


def _period_counts(
    flt: ResponseFilter, periods: list[tuple[dt.date, dt.date]], zone: ZoneInfo
) -> list[int]:
    """How many filtered responses fall in each period: one index range count per period."""
    connection = connections[Response.objects.db]
    # Without the filter's own dates (the periods lie within them): with two ranges on the
    # same column, SQLite may seek on the filter's and scan all of it for every period.
    undated = replace(flt, date_from=None, date_to=None)
    inner = undated.apply(Response.objects.order_by()).values("submitted_at")
    inner_sql, inner_params = inner.query.get_compiler(connection=connection).as_sql()
    values: list[str] = []
    params: list[int | str | None] = []
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
