"""The numbers of the draft report on a consultation, counted in the database.

* who responded: accepted responses by role group and by channel, in one GROUP BY query;
* the confirmed themes: each confirmed run with its themes' sizes and shares, and for each
  theme up to `QUOTES_PER_THEME` quotes: its most typical members (`Theme.quote_ids`) among
  the responses whose authors agreed to be quoted (`Response.may_quote`), one query for all;
* campaigns and identical responses (for their annex): in each confirmed run, the groups of
  identical and near-identical answers the theme search found (`ThemeDuplicateGroup`, from
  `themes.engine.duplicates`), counted both as submissions and as distinct views;
* what was done (for the method annex): the first and last response, how many were read and
  coded (`review.progress`), by how many analysts (`ReviewChange`), and theme runs.

Tables here are not suppressed: the report's presentation hides small counts
(`suppression.suppress`).
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass

from django.db.models import Count as CountOf
from django.db.models import Max, Min, Sum
from django.http import QueryDict

from ...collect.models import Response
from ...publish.consultation import Consultation
from .. import review
from ..filters import FilterContext, ResponseFilter, option_label
from ..models import ReviewChange, Theme, ThemeDuplicateGroup, ThemeRun
from ..tables import Table, count_table, cross_table
from ..themes.engine.fields import answer_text

QUOTES_PER_THEME = 2
QUOTE_LENGTH = 400
# Contact details a respondent may have typed into their answer: never quoted.
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
_PHONE = re.compile(r"(?<!\w)\+?\d[\d ()-]{7,}\d(?!\w)")
_URL = re.compile(r"\bhttps?://\S+", re.IGNORECASE)


@dataclass(frozen=True)
class Respondents:
    by_role_group: Table
    by_channel: Table


@dataclass(frozen=True)
class ReportTheme:
    label: str
    size: int
    share: float  # of the run's counted answers, 0 to 1
    quotes: tuple[str, ...]


@dataclass(frozen=True)
class ReportRun:
    run: ThemeRun
    pages: tuple[str, ...]  # the page filter values it was narrowed to ("" none)
    themes: tuple[ReportTheme, ...]
    table: Table  # answers by theme


@dataclass(frozen=True)
class Method:
    first: dt.datetime | None
    last: dt.datetime | None
    accepted: int
    read: int  # read or coded
    coded: int
    new: int
    analysts: int  # people who marked a response read or coded
    draft_runs: int  # theme runs not confirmed


def respondents(consultation: Consultation) -> Respondents:
    """Accepted responses by role group and by channel (one query)."""
    rows = (
        Response.objects.filter(consultation=consultation.slug, status=Response.Status.ACCEPTED)
        .order_by()
        .values_list("role", "channel")
        .annotate(n=CountOf("*"))
    )
    context = FilterContext.of(consultation)
    groups: Counter[str] = Counter()
    channels: Counter[str] = Counter()
    for role, channel, n in rows:
        groups[context.group_of(role)] += n
        channels[channel] += n
    group_keys = list(context.group_names) + sorted(set(groups) - set(context.group_names))
    channel_labels = dict(Response.Channel.choices)
    channel_keys = list(channel_labels) + sorted(set(channels) - set(channel_labels))
    return Respondents(
        by_role_group=count_table(
            "Responses by role group",
            "Role group",
            [(k, option_label(k), groups[k]) for k in group_keys],
        ),
        by_channel=count_table(
            "Responses by channel",
            "Channel",
            [(k, str(channel_labels.get(k, k)), channels[k]) for k in channel_keys],
        ),
    )


def confirmed_runs(consultation: Consultation) -> list[ReportRun]:
    """The consultation's confirmed theme runs, newest first, with their themes and quotes."""
    runs = list(ThemeRun.objects.filter(consultation=consultation.slug, status="confirmed"))
    themes_of: dict[int, list[Theme]] = {run.pk: [] for run in runs}
    for theme in Theme.objects.filter(run__in=runs):
        themes_of[theme.run_id].append(theme)
    wanted = {rid for themes in themes_of.values() for t in themes for rid in t.quote_ids}
    quotable = {
        r.pk: r
        for r in Response.objects.filter(
            pk__in=wanted, may_quote=True, status=Response.Status.ACCEPTED
        )
        .select_related("contact")
        .only("id", "summary", "details", "comments", "contact__organisation")
    }
    result = []
    for run in runs:
        flt, _ = ResponseFilter.from_query(QueryDict(run.filter_query), consultation)
        themes = []
        for theme in themes_of[run.pk]:
            quotes: list[str] = []
            if not (theme.is_other or theme.is_non_answer):
                for rid in theme.quote_ids:
                    if len(quotes) == QUOTES_PER_THEME:
                        break
                    if rid in quotable:
                        response = quotable[rid]
                        own = response.contact.organisation if response.contact else ""
                        text = quote_text(
                            answer_text(response, run.field or None), hide=(own,) if own else ()
                        )
                        if text:
                            quotes.append(text)
            themes.append(ReportTheme(theme.label, theme.size, theme.share, tuple(quotes)))
        table = count_table(
            "Answers by theme",
            "Theme",
            [(str(i), t.label, t.size) for i, t in enumerate(themes)],
            column_label="Answers",
        )
        result.append(ReportRun(run, flt.pages, tuple(themes), table))
    return result


REPEAT_KINDS = (
    ("identical", "Identical text"),
    ("near", "Nearly identical text"),
    ("single", "Answers not repeated"),
)
REPEAT_COLUMNS = [("submissions", "Submissions"), ("views", "Distinct views")]


def repeated_answers(runs: list[ReportRun]) -> list[tuple[ReportRun, Table]]:
    """For each run with repeated answers, its answers as submissions and as distinct views
    (a group of identical or nearly identical answers, a campaign's or a template's, is one
    view), by kind (one query for all runs). The table's row totals mean nothing; only its
    columns are shown."""
    found: dict[tuple[int, bool], tuple[int, int]] = {
        (row["run"], row["exact"]): (row["groups"], row["answers"] or 0)
        for row in ThemeDuplicateGroup.objects.filter(run__in=[r.run for r in runs])
        .order_by()
        .values("run", "exact")
        .annotate(groups=CountOf("*"), answers=Sum("count"))
    }
    result = []
    for each in runs:
        exact_groups, exact_answers = found.get((each.run.pk, True), (0, 0))
        near_groups, near_answers = found.get((each.run.pk, False), (0, 0))
        if not exact_groups and not near_groups:
            continue  # nothing repeated: no table of zeros
        single = max(each.run.responses - exact_answers - near_answers, 0)
        counts = {
            ("identical", "submissions"): exact_answers,
            ("identical", "views"): exact_groups,
            ("near", "submissions"): near_answers,
            ("near", "views"): near_groups,
            ("single", "submissions"): single,
            ("single", "views"): single,
        }
        table = cross_table(
            "Identical and nearly identical answers",
            "Answers",
            list(REPEAT_KINDS),
            REPEAT_COLUMNS,
            counts,
        )
        result.append((each, table))
    return result


def quote_text(text: str, hide: tuple[str, ...] = ()) -> str:
    """An answer as quoted: contact details and links taken out, and the words in `hide`
    (the respondent's own organisation, which they gave apart from their answer), cut to
    QUOTE_LENGTH."""
    for words in hide:
        if words.strip():
            text = re.sub(re.escape(words.strip()), "[organisation removed]", text, flags=re.I)
    text = _EMAIL.sub("[contact details removed]", text)
    text = _PHONE.sub("[contact details removed]", text)
    text = _URL.sub("[link removed]", text)
    text = " ".join(text.split())
    if len(text) > QUOTE_LENGTH:
        text = text[: QUOTE_LENGTH - 1].rsplit(" ", 1)[0] + "…"
    return text


def method(consultation: Consultation) -> Method:
    """What was done, in numbers: dates, reading and coding, analysts, draft theme runs."""
    accepted = Response.objects.filter(
        consultation=consultation.slug, status=Response.Status.ACCEPTED
    ).order_by()
    dates = accepted.aggregate(first=Min("submitted_at"), last=Max("submitted_at"))
    total, _ = review.progress(consultation)
    analysts = (
        ReviewChange.objects.filter(
            response__consultation=consultation.slug, after__in=[review.READ, review.CODED]
        )
        .order_by()
        .values("username")
        .distinct()
        .count()
    )
    drafts = ThemeRun.objects.filter(consultation=consultation.slug).exclude(status="confirmed")
    return Method(
        first=dates["first"],
        last=dates["last"],
        accepted=total.total,
        read=total.read + total.coded,
        coded=total.coded,
        new=total.new,
        analysts=analysts,
        draft_runs=drafts.count(),
    )
