"""Statistics tables and charts as the templates show them: every cell is text, each chart
comes with the table of its numbers, and a count hidden to protect someone says so.

The numbers come from `stats`, hidden by `suppression`, drawn by `charts`; the partials are
`analyse/_analysis_table.html` and `analyse/_analysis_figure.html`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.utils.safestring import SafeString, mark_safe

from .. import charts
from ..filters import UNMATCHED_PAGES
from ..stats.ideas import IdeasResult, MeasureStats
from ..tables import Count, Suppressed, Table, is_suppressed
from .filter_form import Suppression

# Tables as text -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    text: str
    hidden: bool = False


@dataclass(frozen=True)
class TableRow:
    label: str
    cells: tuple[Cell, ...]
    parent: str = ""  # what the row belongs to (an activity's idea)
    known: bool = True  # False for a value the consultation no longer lists
    is_total: bool = False


@dataclass(frozen=True)
class TableView:
    """A table as the `analyse/_analysis_table.html` partial shows it: every cell is text."""

    id: str
    title: str
    based_on: str  # "Based on 1,234 responses"
    row_heading: str
    columns: tuple[str, ...]
    rows: tuple[TableRow, ...]
    threshold: int | None = None
    primary_hidden: bool = False  # some count is below the threshold
    secondary_hidden: bool = False  # some count is hidden to protect another
    notes: tuple[str, ...] = field(default_factory=tuple)
    unit: str = "responses"  # what a hidden count is fewer than

    @property
    def narrow(self) -> bool:
        """Few columns: kept to a readable width rather than stretched across the page."""
        return len(self.columns) <= 3

    @property
    def has_unknown(self) -> bool:
        return any(not row.known for row in self.rows)

    @property
    def footnotes(self) -> tuple[str, ...]:
        """What the table's marks mean ([c], "no longer listed") and its own notes."""
        said = []
        if self.primary_hidden:
            said.append(f"[c] fewer than {self.threshold} {self.unit}, hidden.")
        if self.secondary_hidden:
            which = "some larger counts" if self.primary_hidden else "counts"
            said.append(
                f"[c] also marks {which} hidden so that a count below {self.threshold} "
                "cannot be worked out from the totals."
            )
        if self.has_unknown:
            said.append(
                "“No longer listed”: a value this consultation’s settings no longer offer, "
                "kept as it was sent."
            )
        return (*said, *self.notes)


def cell(value: Count | float | None, places: int = 0) -> Cell:
    if value is None:
        return Cell("none")
    return Cell(charts.number(value, places), hidden=is_suppressed(value))


def based_on(n: Count, unit: str = "responses") -> str:
    if isinstance(n, Suppressed):
        return f"Based on fewer than {n.threshold} {unit}"
    if n == 1:
        unit = unit.removesuffix("s")
    return f"Based on {n:,} {unit}"


def hidden_kinds(values: Iterable[object]) -> tuple[bool, bool]:
    hidden = [v for v in values if isinstance(v, Suppressed)]
    return any(not v.secondary for v in hidden), any(v.secondary for v in hidden)


def present_table(
    table: Table,
    id: str,
    *,
    unit: str = "responses",
    share: bool = False,
    total_label: str = "Total",
) -> TableView:
    """A stats table as text: its counts, a total column when it has several columns, a total
    row, and (with `share`, for one column) each row's share of the total."""
    several = not table.is_single_column
    columns = [c.label for c in table.columns]
    if several:
        columns.append("Total")
    if share and not several:
        columns.append("Share")
    shown = []
    for row in table.rows:
        cells = [cell(v) for v in row.cells]
        if several:
            cells.append(cell(row.total))
        if share and not several:
            cells.append(Cell(_share(table, row.total)))
        # Pages not in the consultation are flagged by their label, not as "no longer listed".
        known = row.known or row.key == UNMATCHED_PAGES
        shown.append(TableRow(row.label, tuple(cells), parent=row.parent, known=known))
    totals = [cell(v) for v in table.column_totals]
    if several:
        totals.append(cell(table.total))
    if share and not several:
        totals.append(Cell("100%" if table.total and not is_suppressed(table.total) else ""))
    shown.append(TableRow(total_label, tuple(totals), is_total=True))
    everything: list[object] = [table.total, table.n, *table.column_totals]
    for row in table.rows:
        everything += [*row.cells, row.total]
    primary, secondary = hidden_kinds(everything)
    return TableView(
        id=id,
        title=table.title,
        based_on=based_on(table.n, unit),
        row_heading=table.row_heading,
        columns=tuple(columns),
        rows=tuple(shown),
        threshold=table.suppressed_below,
        primary_hidden=primary,
        secondary_hidden=secondary,
        unit=unit.split()[-1],
    )


def _share(table: Table, value: Count) -> str:
    fraction = table.share(value)
    if fraction is None:
        return "[c]" if is_suppressed(value) or is_suppressed(table.total) else ""
    if 0 < fraction < 0.005:
        return "<1%"
    return f"{fraction:.0%}"


@dataclass(frozen=True)
class Figure:
    """A chart and the table of its numbers."""

    id: str
    heading: str
    svg: SafeString | None
    table: TableView
    caption: str = ""

    @property
    def description(self) -> str:
        """What the chart shows, in sentences, under it: its caption (when it says more
        than the heading above it) and what it is based on."""
        said = [charts.sentence(self.caption)] if self.caption else []
        return " ".join([*said, charts.sentence(self.table.based_on)])


def figure(
    id: str,
    heading: str,
    svg: str | None,
    table: TableView,
    caption: str = "",
) -> Figure:
    # The charts module escapes every text it draws (see charts.esc).
    return Figure(id, heading, mark_safe(svg) if svg else None, table, caption)


def scatter_table(result: IdeasResult, suppression: Suppression) -> TableView:
    """The numbers of the scatter chart: each idea's mean scores and how many gave them."""
    scatter_rows = [
        TableRow(
            f"{idea.number}. {idea.name}",
            (
                cell(idea.usefulness.overall.mean, 2),
                cell(idea.usefulness.overall.n),
                cell(idea.likelihood.overall.mean, 2),
                cell(idea.likelihood.overall.n),
            ),
            known=idea.known,
        )
        for idea in result.ideas
    ]
    scatter_values: list[object] = []
    for idea in result.ideas:
        for measure in (idea.usefulness, idea.likelihood):
            scatter_values += [measure.overall.mean, measure.overall.n]
    primary, secondary = hidden_kinds(scatter_values)
    return TableView(
        id="table-scatter",
        title="Mean scores of each idea",
        based_on=based_on(result.n, "questionnaire responses"),
        row_heading="Idea",
        columns=("Usefulness (mean)", "Usefulness (n)", "Likelihood (mean)", "Likelihood (n)"),
        rows=tuple(scatter_rows),
        threshold=suppression.threshold if suppression.on else None,
        primary_hidden=primary,
        secondary_hidden=secondary,
        unit="scores",
    )


def summary_table(
    measure: MeasureStats,
    name: str,
    idea: str,
    key: str,
    low: str,
    high: str,
    suppression: Suppression,
    *,
    by_group: bool = True,
) -> TableView:
    """One score of one idea, of all respondents and (`by_group`) of each role group: n,
    mean, median and the 1 to 5 counts."""
    rows = []
    values: list[object] = []
    summaries = [("All respondents", measure.overall)] + [
        (g.label, g.summary) for g in (measure.groups if by_group else ())
    ]
    for label, summary in summaries:
        cells = (
            cell(summary.n),
            cell(summary.mean, 2),
            cell(summary.median, 1),
            *(cell(c) for c in summary.distribution),
        )
        values += [summary.n, summary.mean, summary.median, *summary.distribution]
        rows.append(TableRow(label, cells))
    primary, secondary = hidden_kinds(values)
    not_scored = measure.not_scored
    notes = []
    if not_scored:
        notes.append(f"Left blank by {charts.number(not_scored)} of the questionnaire responses.")
    return TableView(
        id=f"table-{key}",
        title=f"{name} of “{idea}”",
        based_on=based_on(measure.overall.n, "scores"),
        row_heading="Respondents",
        columns=("n", "Mean", "Median", f"1 ({low})", "2", "3", "4", f"5 ({high})"),
        rows=tuple(rows),
        threshold=suppression.threshold if suppression.on else None,
        primary_hidden=primary,
        secondary_hidden=secondary,
        notes=tuple(notes),
        unit="scores",
    )


def idea_figures(
    result: IdeasResult, suppression: Suppression, *, by_group: bool
) -> list[dict[str, Any]]:
    """For each idea, its usefulness and likelihood of use as figures (chart and table), by
    role group when `by_group`: the ideas page's and the report's."""
    low, high = result.scale_low, result.scale_high
    sections: list[dict[str, Any]] = []
    for idea in result.ideas:
        measures = []
        for measure in (idea.usefulness, idea.likelihood):
            key = f"idea-{idea.number}-{measure.measure}"
            name = "Usefulness" if measure.measure == "usefulness" else "Likelihood of use"
            rows = [("All respondents", measure.overall)] + [
                (g.label, g.summary) for g in (measure.groups if by_group else ())
            ]
            measures.append(
                figure(
                    key,
                    name,
                    charts.distribution_chart(
                        rows,
                        title=f"{name} of “{idea.name}”" + (", by role group" if by_group else ""),
                        low=low,
                        high=high,
                        id_prefix=f"chart-{key}",
                    ),
                    summary_table(
                        measure, name, idea.name, key, low, high, suppression, by_group=by_group
                    ),
                    measure.question,
                )
            )
        sections.append({"idea": idea, "measures": measures})
    return sections
