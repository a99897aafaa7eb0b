"""The overview of one consultation: counts of its responses by time, page, role, role
group and kind of feedback, as charts with the tables of their numbers.

It reads the analysis filter from the address (`presentation.filter_form`), plus `suppress=1`
and `threshold` (hide every count below the threshold, 5 by default, in every table and
chart). The numbers come from `stats.overview` in two queries; the progress of reading
and coding (`review.progress`, of every accepted response, whatever the filter) in one
more. It shows no personal data, so readers may open it.

Suspected spam is never counted: the `status` parameter of the filter is ignored here, and
spam is shown only in the table of responses by status.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from ...accounts.access import analyst_view
from ...publish.registry import get_consultation
from .. import charts, outcome, review
from ..presentation.figures import figure, present_table
from ..presentation.filter_form import analysis_page_context, read_filter
from ..stats import overview as overview_stats
from ..suppression import suppress_overview
from ..tables import is_suppressed


@analyst_view
def overview(request: HttpRequest, slug: str) -> HttpResponse:
    """Counts of the responses to one consultation, by time, page, role, group and nature."""
    consultation = get_consultation(slug)
    flt, suppression, problems = read_filter(request, consultation)
    result = overview_stats.overview(consultation, flt)
    if suppression.on:
        result = suppress_overview(result, suppression.threshold)

    over_time = result.over_time
    figures = [
        figure(
            "over-time",
            "Responses over time",
            charts.time_series(over_time, id_prefix="chart-over-time"),
            present_table(over_time.table, "table-over-time"),
            f"Responses per {over_time.interval}",
        ),
    ]
    by_group = consultation.settings.feedback.has_role_groups()
    for key, heading, table in (
        ("page", "Responses by page", result.by_page),
        *([("role-group", "Responses by role group", result.by_role_group)] if by_group else []),
        ("role", "Responses by role", result.by_role),
        ("nature", "Responses by kind of feedback", result.by_nature),
    ):
        figures.append(
            figure(
                key,
                heading,
                charts.bar_chart(table, id_prefix=f"chart-{key}"),
                present_table(table, f"table-{key}", share=True),
            )
        )
    context = analysis_page_context(request, consultation, "overview", flt, suppression, problems)
    progress_total, progress_rows = review.progress(consultation)
    context.update(
        {
            "clock": outcome.clock(consultation, outcome.today_in(consultation)),
            "progress_total": progress_total,
            "progress_rows": progress_rows,
            "n": charts.number(result.n),
            "n_hidden": is_suppressed(result.n),
            "spam": charts.number(result.statuses.spam),
            "by_kind": present_table(result.by_kind, "table-kind", share=True),
            "figures": figures,
            "page_by_nature": present_table(result.page_by_nature, "table-page-nature"),
            "statuses": present_table(result.statuses.table, "table-status", share=True),
            "hidden_and_tags_counted": result.statuses.hidden is not None,
        }
    )
    return render(request, "analyse/overview.html", context)
