"""`{% response_themes response %}`: a response's themes in each confirmed set, with the
form to correct them for those who may, on the response's page."""

from __future__ import annotations

from typing import Any

from django import template

from ..models import ThemeRun
from ..themes.assignment import themes_of

register = template.Library()


@register.inclusion_tag("analyse/themes_response_panel.html", takes_context=True)
def response_themes(context: template.Context, response: Any) -> dict[str, Any]:
    runs = ThemeRun.objects.filter(
        consultation=response.consultation,
        status=ThemeRun.Status.CONFIRMED,
        assignments__response=response,
    ).distinct()
    sets = []
    for run in runs.order_by("-created_at", "-id"):
        current = themes_of(run, [response.pk]).get(response.pk, {})
        sets.append(
            {
                "run": run,
                "main": current.get(1),
                "second": current.get(2),
                "choices": list(run.themes.order_by("position", "id")),
                "prefix": f"set-{run.pk}-",
            }
        )
    return {
        "sets": sets,
        "response": response,
        "consultation": context.get("consultation"),
        "can_edit": context.get("can_edit", False),
        "csrf_token": context.get("csrf_token"),
        "carried": context.get("carried", ""),
    }
