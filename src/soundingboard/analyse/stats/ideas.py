"""The numbers of the analyst ideas page, as plain dataclasses, in three queries: the
questionnaire responses that pass the filter, then their scores and their ticks counted by
idea (and activity) and role group. Medians come from the 1 to 5 counts.

On SQLite the selected responses are read once as (id, role); scores and ticks are read in
the order of their analysis indexes (`common.analysis_indexes`) with the response ids of each
group concatenated, and numpy counts those ids by role group. That avoids both sorting a
million rows (SQLite has no hash aggregation: a GROUP BY that does not follow an index sorts
every row) and looking every score up in the selection. Other databases run the same counts
as ordinary GROUP BY queries with a join.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any

import numpy
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import CharField, F, Func, Model, Q
from django.db.models import Count as CountOf

from ...collect.models import ActivityTick, IdeaScore, Response
from ...publish.consultation import Consultation
from ...publish.settings_schema import UNGROUPED
from ..filters import NOT_GIVEN, FilterContext, ResponseFilter, option_label
from ..tables import Count, Suppressed, Table, count_table, cross_table

SCALE = (1, 2, 3, 4, 5)


# Results ------------------------------------------------------------------------------------


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
    if not context.has_role_groups:  # one column of every group would repeat the total
        table = count_table(
            "Activities ticked",
            "Activity",
            [(keys[pair], pair[1], sum(tick_counts[pair].values())) for pair in activity_rows],
            column_label="Ticks",
            n=n,
            parents={keys[pair]: pair[0] for pair in activity_rows},
            unknown={keys[pair] for pair in activity_rows if pair not in known_activities},
        )
    else:
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
    assert isinstance(summary.n, int)  # counted here, so nothing is hidden yet
    return MeasureStats(
        measure=measure,
        question=question,
        overall=summary,
        groups=tuple(
            GroupSummary(g, option_label(g), _summary(by_group.get(g, Counter()))) for g in groups
        ),
        not_scored=respondents - summary.n,
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
    scores: ScoreCounts,
    idea: str,
    usefulness: int | None,
    likelihood: int | None,
    by_group: Counter[str],
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
    tick_rows = (
        ActivityTick.objects.filter(related)
        .order_by()
        .values_list("idea", "activity", "matched", "response__role")
        .annotate(n=CountOf("*"))
    )
    for idea, activity, matched, role, count in tick_rows:
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

    def counted(table: type[Model], columns: str) -> list[tuple[Any, ...]]:
        # `+response_id`: keep the analysis index (ordered by the grouped columns) in use.
        with connections[Response.objects.db].cursor() as cursor:
            cursor.execute(
                f"SELECT {columns}, group_concat(response_id) "
                f"FROM {connection.ops.quote_name(table._meta.db_table)} "
                f"WHERE +response_id BETWEEN %s AND %s GROUP BY {columns}",
                [lowest, highest],
            )
            return [(*row[:-1], grouped(row[-1])) for row in cursor.fetchall()]

    score_rows = counted(IdeaScore, "idea, usefulness, likelihood")
    tick_rows = counted(ActivityTick, "idea, activity, matched")
    scores: ScoreCounts = {}
    for idea, usefulness, likelihood, by_group in score_rows:
        _add_scores(scores, idea, usefulness, likelihood, by_group)
    ticks: TickCounts = {}
    for idea, activity, matched, by_group in tick_rows:
        if by_group:
            key = (idea, activity, bool(matched))
            ticks[key] = ticks.get(key, Counter()) + by_group
    return respondents, scores, ticks


def _selected_ids_and_roles(
    flt: ResponseFilter, connection: BaseDatabaseWrapper
) -> list[tuple[int, str]]:
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
