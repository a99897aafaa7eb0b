"""The ideas of one consultation's main questionnaire: how useful and how likely to be used
respondents scored each idea (1 to 5), by role group, and the activities they ticked.

It reads the same address as the overview (`presentation.filter_form`), less the page and
kind filters: ideas come from questionnaire responses only. The numbers come from
`stats.ideas`. It shows no personal data, so readers may open it.
"""

from __future__ import annotations

from dataclasses import replace

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from ...accounts.access import analyst_view
from ...publish.registry import get_consultation
from .. import charts
from ..presentation.figures import figure, idea_figures, present_table, scatter_table
from ..presentation.filter_form import analysis_page_context, read_filter
from ..stats import ideas as ideas_stats
from ..suppression import suppress_ideas
from ..tables import is_suppressed


@analyst_view
def ideas(request: HttpRequest, slug: str) -> HttpResponse:
    """Scores of each idea of the main questionnaire, and the activities ticked."""
    consultation = get_consultation(slug)
    flt, suppression, problems = read_filter(request, consultation)
    # Ideas come from questionnaire responses only: page and kind filters do not apply.
    problems = [p for p in problems if p.field not in ("page", "kind")]
    flt = replace(flt, pages=(), kind=None)
    context = analysis_page_context(request, consultation, "ideas", flt, suppression, problems)
    if consultation.settings.questionnaire is None:
        return render(request, "analyse/ideas.html", context)

    result = ideas_stats.ideas(consultation, flt)
    if suppression.on:
        result = suppress_ideas(result, suppression.threshold)
    low, high = result.scale_low, result.scale_high

    by_group = consultation.settings.feedback.has_role_groups()
    idea_sections = idea_figures(result, suppression, by_group=by_group)

    activities = result.activities.table
    labelled = replace(
        activities,
        rows=tuple(replace(r, label=f"{r.parent}: {r.label}") for r in activities.rows),
    )
    activity_table = present_table(
        activities, "table-activities", unit="questionnaire responses", total_label="All ticks"
    )
    context.update(
        {
            "n": charts.number(result.n),
            "n_hidden": is_suppressed(result.n),
            "by_group": by_group,
            "respondents": present_table(
                result.respondents, "table-respondents", unit="questionnaire responses", share=True
            ),
            "scatter": figure(
                "scatter",
                "Usefulness and likelihood of use of each idea",
                charts.scatter(result, id_prefix="chart-scatter"),
                scatter_table(result, suppression),
                "Each idea at its mean scores, numbered as in the key",
            ),
            "ideas": idea_sections,
            "activities": figure(
                "activities",
                "Activities ticked",
                charts.bar_chart(
                    labelled,
                    title="Activities ticked, most first",
                    unit="questionnaire responses",
                    id_prefix="chart-activities",
                )
                if activities.rows
                else None,
                activity_table,
                "Activities ranked by how often they were ticked",
            ),
            "unmatched_ticks": charts.number(result.activities.unmatched),
            "has_unmatched_ticks": result.activities.unmatched != 0,
            "unmatched_ideas": charts.number(result.unmatched_ideas),
            "has_unmatched_ideas": result.unmatched_ideas != 0,
            "scale_low": low,
            "scale_high": high,
        }
    )
    return render(request, "analyse/ideas.html", context)
