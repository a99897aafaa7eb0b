"""The draft report on a consultation, as the report tab and its open data show it.

`build_report` gathers everything (counts from `stats.report` and `stats.ideas`, every
table with small counts hidden by `suppression`, the campaigns annex (identical and nearly
identical answers as submissions and as distinct views), the team's text from `outcome`, the
12-week clock) and `missing` lists what still has to be done before it can be published.
`open_data` turns its tables and themes into plain rows and a JSON document: counts only,
suppressed, with no quotes and nothing about any one respondent.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import Any

from django.template.defaultfilters import date as date_filter

from ...publish.consultation import Consultation
from ...publish.settings_schema import describe_moment
from .. import outcome
from ..filters import QUESTIONNAIRE, ResponseFilter
from ..models import ThemeRun
from ..stats import ideas as ideas_stats
from ..stats import report as report_stats
from ..stats.ideas import IdeasResult
from ..suppression import DEFAULT_THRESHOLD, suppress, suppress_ideas
from ..tables import Count, Suppressed, Table, count_table, is_suppressed
from .figures import (
    TableRow,
    TableView,
    based_on,
    cell,
    hidden_kinds,
    idea_figures,
    present_table,
)
from .filter_form import Suppression

SUPPRESSION = Suppression(on=True, threshold=DEFAULT_THRESHOLD)
REPEATS_HEADING = "Annex: campaigns and identical responses"
REPEATS_INTRO = (
    "Some people answer with the words of a campaign or a template, so that many answers say "
    "the same thing. Each set of themes counts them in two ways: as submissions (every answer "
    "counts) and as distinct views (each group of identical or nearly identical answers "
    "counts once). The themes’ shares count distinct views."
)


@dataclass(frozen=True)
class Section:
    """One part of the report: its key (the outcome file's name), heading and team text."""

    key: str
    heading: str
    team_html: str  # safe HTML, "" when the team has written nothing yet


@dataclass(frozen=True)
class ThemeView:
    label: str
    answers: str  # the count, or "[c]"
    share: str  # "12%", or "[c]" when the count is hidden
    quotes: tuple[str, ...]


@dataclass(frozen=True)
class RunView:
    heading: str
    description: str
    confirmed: str
    themes: tuple[ThemeView, ...]
    table: Table  # suppressed


@dataclass(frozen=True)
class RepeatsView:
    """One confirmed run's answers as submissions and as distinct views (suppressed)."""

    heading: str
    table: Table


@dataclass
class Report:
    consultation: Consultation
    clock: outcome.Clock
    sections: dict[str, Section]
    by_role_group: Table
    by_channel: Table
    ideas: IdeasResult | None
    runs_by_page: dict[str, list[RunView]]  # page key ("" across pages) -> runs
    method: report_stats.Method
    repeats: list[RepeatsView] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)


def build_report(consultation: Consultation, today: dt.date) -> Report:
    """Everything the report shows, small counts hidden."""
    people = report_stats.respondents(consultation)
    ideas = None
    if consultation.settings.questionnaire is not None:
        ideas = suppress_ideas(
            ideas_stats.ideas(consultation, ResponseFilter.for_consultation(consultation)),
            SUPPRESSION.threshold,
        )
    sections = {
        key: Section(key, heading, outcome.team_text(consultation, key))
        for key, heading in section_headings(consultation, ideas)
    }
    runs = report_stats.confirmed_runs(consultation)
    report = Report(
        consultation=consultation,
        clock=outcome.clock(consultation, today),
        sections=sections,
        by_role_group=suppress(people.by_role_group, SUPPRESSION.threshold),
        by_channel=suppress(people.by_channel, SUPPRESSION.threshold),
        ideas=ideas,
        runs_by_page=_runs_by_page(consultation, runs),
        method=report_stats.method(consultation),
        repeats=[
            RepeatsView(_run_heading(each.run), suppress_repeats(table, SUPPRESSION.threshold))
            for each, table in report_stats.repeated_answers(runs)
        ],
    )
    report.missing = missing(report)
    return report


def section_headings(
    consultation: Consultation, ideas: IdeasResult | None
) -> list[tuple[str, str]]:
    """(outcome file name, heading) of every part of the report, in order."""
    headings = [("summary", "Summary"), ("respondents", "Who responded")]
    for idea in ideas.ideas if ideas else ():
        headings.append((outcome.idea_section(idea.number), f"Idea {idea.number}: {idea.name}"))
    for page in consultation.pages:
        headings.append((outcome.page_section(page.path), page.title))
    headings.append(("method", "How we analysed the responses"))
    return headings


def _run_heading(run: ThemeRun) -> str:
    return f"Themes in {', '.join(run.filter_words) or 'all answers'}"


def _runs_by_page(
    consultation: Consultation, runs: list[report_stats.ReportRun]
) -> dict[str, list[RunView]]:
    found: dict[str, list[RunView]] = {}
    for each in runs:
        table = suppress(each.table, SUPPRESSION.threshold)
        themes = []
        for theme, row in zip(each.themes, table.rows, strict=True):
            count: Count = row.total
            themes.append(
                ThemeView(
                    theme.label,
                    str(count) if is_suppressed(count) else f"{count:,}",
                    str(count) if is_suppressed(count) else f"{round(theme.share * 100)}%",
                    theme.quotes,
                )
            )
        run = each.run
        pages = [p for p in each.pages if p != QUESTIONNAIRE]
        key = outcome.page_section(pages[0]) if len(pages) == 1 else ""
        confirmed = run.confirmed_at.date() if run.confirmed_at else run.created_at.date()
        found.setdefault(key, []).append(
            RunView(
                heading=_run_heading(run),
                description=run.description,
                confirmed=f"{confirmed.day} {confirmed:%B %Y}",
                themes=tuple(themes),
                table=table,
            )
        )
    return found


def suppress_repeats(table: Table, threshold: int) -> Table:
    """The campaigns annex's table with small counts hidden. Submissions count people, and
    are suppressed as any count of responses; a row's distinct views (groups of people, or
    the people themselves for answers not repeated) are hidden with its submissions, and
    their total whenever one of them is hidden."""
    submissions = suppress(
        count_table(
            table.title,
            table.row_heading,
            [(r.key, r.label, _unhidden(r.cells[0])) for r in table.rows],
            column_label=table.columns[0].label,
        ),
        threshold,
    )
    rows = []
    for raw, shown in zip(table.rows, submissions.rows, strict=True):
        views = shown.total if is_suppressed(shown.total) else raw.cells[1]
        rows.append(replace(raw, cells=(shown.total, views), total=shown.total))
    views_total: Count = table.column_totals[1]
    if any(is_suppressed(r.cells[1]) for r in rows):
        views_total = Suppressed(threshold, secondary=True)
    return replace(
        table,
        rows=tuple(rows),
        column_totals=(submissions.total, views_total),
        total=submissions.total,
        n=submissions.n,
        suppressed_below=threshold,
    )


def _unhidden(value: Count) -> int:
    assert not is_suppressed(value), "suppress the original table"
    return value


def missing(report: Report) -> list[str]:
    """What is still to do before the report can be published, in sentences."""
    notes = []
    empty = [s.heading for s in report.sections.values() if not s.team_html]
    if empty:
        notes.append(
            f"{len(empty)} section{'' if len(empty) == 1 else 's'} without "
            f"“what we did” text: {'; '.join(empty)}."
        )
    method = report.method
    if method.new:
        notes.append(f"{method.new:,} responses not yet read or coded.")
    not_coded = method.accepted - method.coded
    if not_coded:
        notes.append(f"{not_coded:,} responses not yet coded.")
    if method.draft_runs:
        notes.append(
            f"{method.draft_runs} set{'' if method.draft_runs == 1 else 's'} of themes "
            "not confirmed."
        )
    if not any(report.runs_by_page.values()):
        notes.append("No themes have been confirmed yet.")
    return notes


def report_context(report: Report) -> dict[str, Any]:
    """The report template's own context (the workspace's is added by the view)."""
    by_group = report.consultation.settings.feedback.has_role_groups()
    idea_sections = []
    if report.ideas is not None:
        for section in idea_figures(report.ideas, SUPPRESSION, by_group=by_group):
            key = outcome.idea_section(section["idea"].number)
            idea_sections.append({**section, "section": report.sections[key]})
    pages = [
        {
            "section": report.sections[outcome.page_section(page.path)],
            "runs": report.runs_by_page.get(outcome.page_section(page.path), []),
        }
        for page in report.consultation.pages
    ]
    return {
        "report": report,
        "clock": report.clock,
        "summary": report.sections["summary"],
        "respondents_section": report.sections["respondents"],
        "method_section": report.sections["method"],
        "by_role_group": _view(report.by_role_group, "table-role-group") if by_group else None,
        "by_channel": _view(report.by_channel, "table-channel"),
        "idea_sections": idea_sections,
        "pages": pages,
        "other_runs": report.runs_by_page.get("", []),
        "method": report.method,
        "repeats": [
            {"heading": r.heading, "table": repeats_view(r.table, f"table-repeats-{i}")}
            for i, r in enumerate(report.repeats, 1)
        ],
        "repeats_heading": REPEATS_HEADING,
        "repeats_intro": REPEATS_INTRO,
        "method_facts": method_facts(report),
        "missing": report.missing,
        "threshold": SUPPRESSION.threshold,
    }


def method_facts(report: Report) -> list[str]:
    """The method annex's facts, in sentences: when feedback was open, the first and last
    responses, the channels, how many were read and coded, how themes were found, what
    suppression hid. The report tab, the PDF and the Word document all list these."""
    settings = report.consultation.settings
    opens, closes = describe_moment(settings.opens), describe_moment(settings.closes)
    method = report.method
    facts = []
    if opens or closes:
        facts.append(
            "Feedback was open"
            + (f" from {opens}" if opens else "")
            + (f" until {closes}" if closes else "")
            + "."
        )
    if method.first and method.last:
        facts.append(
            f"The first response counted arrived on {date_filter(method.first, 'j F Y')} "
            f"and the last on {date_filter(method.last, 'j F Y')}."
        )
    channels = ", ".join(r.label.lower() for r in report.by_channel.rows if r.total != 0)
    if channels:
        facts.append(f"Responses came in through: {channels} (see “Responses by channel”).")
    facts += [
        f"{method.accepted:,} responses were counted (suspected spam is never counted); "
        f"{method.read:,} of them have been read and {method.coded:,} coded, by "
        f"{method.analysts:,} analyst{'' if method.analysts == 1 else 's'}.",
        "Themes were found by grouping answers with similar meaning on this machine, then "
        "checked, renamed, merged or split and confirmed by an analyst before they appear "
        "here. Each theme's share is of the answers read for that set of themes.",
        f"Counts from 1 to {SUPPRESSION.threshold - 1} are hidden, and so are counts that "
        "would let one of them be worked out from the totals.",
    ]
    return facts


def _view(table: Table, id: str) -> TableView:
    return present_table(table, id, share=True)


def repeats_view(table: Table, id: str) -> TableView:
    """The campaigns annex's table: submissions and distinct views side by side, with their
    column totals (a row's total, submissions plus views, means nothing and is not shown)."""
    rows = [TableRow(r.label, tuple(cell(v) for v in r.cells)) for r in table.rows]
    rows.append(TableRow("Total", tuple(cell(v) for v in table.column_totals), is_total=True))
    shown: list[object] = [*table.column_totals]
    for row in table.rows:
        shown += row.cells
    primary, secondary = hidden_kinds(shown)
    submissions = table.column_totals[0]
    return TableView(
        id=id,
        title=table.title,
        based_on=based_on(submissions, "answers"),
        row_heading=table.row_heading,
        columns=tuple(c.label for c in table.columns),
        rows=tuple(rows),
        threshold=table.suppressed_below,
        primary_hidden=primary,
        secondary_hidden=secondary,
        unit="answers",
    )


# Open data ----------------------------------------------------------------------------------

CSV_HEADER = ("table", "row", "column", "value")


def open_data(report: Report) -> dict[str, Any]:
    """The report's tables and themes as one JSON-ready document: counts only, suppressed."""
    tables = [_table_json(report.by_role_group), _table_json(report.by_channel)]
    tables += [
        {**_table_json(r.table), "title": f"{r.table.title}: {r.heading}"} for r in report.repeats
    ]
    for idea in report.ideas.ideas if report.ideas else ():
        for measure in (idea.usefulness, idea.likelihood):
            rows = [("All respondents", measure.overall)] + [
                (g.label, g.summary) for g in measure.groups
            ]
            tables.append(
                {
                    "title": f"{measure.measure.capitalize()} of {idea.name}",
                    "row_heading": "Role group",
                    "columns": ["1", "2", "3", "4", "5", "n", "mean"],
                    "rows": [
                        {
                            "label": label,
                            "values": [
                                *(_json_count(v) for v in s.distribution),
                                _json_count(s.n),
                                None
                                if s.mean is None or is_suppressed(s.mean)
                                else round(s.mean, 2),
                            ],
                        }
                        for label, s in rows
                    ],
                }
            )
    themes = [
        {
            "section": key,
            "title": run.heading,
            "confirmed": run.confirmed,
            "themes": [
                {"label": t.label, "answers": t.answers, "share": t.share} for t in run.themes
            ],
        }
        for key, runs in report.runs_by_page.items()
        for run in runs
    ]
    return {
        "consultation": report.consultation.slug,
        "title": report.consultation.title,
        "suppression": f"Counts from 1 to {SUPPRESSION.threshold - 1} are shown as [c], "
        "and so are counts that would let one of them be worked out.",
        "tables": tables,
        "themes": themes,
    }


def open_data_rows(document: dict[str, Any]) -> list[tuple[str, str, str, Any]]:
    """The open data document as CSV rows (CSV_HEADER): one a count."""
    rows: list[tuple[str, str, str, Any]] = []
    for table in document["tables"]:
        for row in table["rows"]:
            for column, value in zip(table["columns"], row["values"], strict=True):
                rows.append((table["title"], row["label"], column, value))
    for run in document["themes"]:
        for theme in run["themes"]:
            rows.append((run["title"], theme["label"], "answers", theme["answers"]))
            rows.append((run["title"], theme["label"], "share", theme["share"]))
    return rows


def _table_json(table: Table) -> dict[str, Any]:
    return {
        "title": table.title,
        "row_heading": table.row_heading,
        "columns": [c.label for c in table.columns],
        "rows": [
            {"label": r.label, "values": [_json_count(v) for v in r.cells]} for r in table.rows
        ],
    }


def _json_count(value: Count | None) -> int | str | None:
    return str(value) if is_suppressed(value) else value
