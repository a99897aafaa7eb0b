"""One answer's themes in a set, and (for analysts) correcting them: its main theme and its
second. A correction is the person's from then on: the machine never changes it
(`themes.assignment.correct`). Saving them marks the response coded (`review`).
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from ...accounts.access import analyst_view, notify
from ...accounts.models import Role
from ...collect.models import Response
from ...publish.consultation import Consultation
from ...publish.registry import get_consultation
from .. import review
from ..models import ReviewState, ThemeRun
from ..presentation.response_list import clean_query, response_url
from ..presentation.themes import run_or_404, run_trail, themes_context
from ..presentation.workspace import by_posted_id, page_label
from ..themes.assignment import correct, themes_of
from ..themes.common import ThemeError
from ..themes.engine.fields import answer_text


@analyst_view
def response_themes(request: HttpRequest, slug: str, run_id: int, reference: str) -> HttpResponse:
    """One answer's themes in a set, and (for analysts) the form to correct them."""
    consultation = get_consultation(slug)
    run = run_or_404(slug, run_id)
    response = get_object_or_404(Response, consultation=slug, reference=reference)
    return _render_response(request, consultation, run, response)


@require_POST
@analyst_view(min_role=Role.ANALYST)
def response_themes_correct(
    request: HttpRequest, slug: str, run_id: int, reference: str
) -> HttpResponse:
    """A person sets one answer's main and second theme."""
    consultation = get_consultation(slug)
    run = run_or_404(slug, run_id)
    response = get_object_or_404(Response, consultation=slug, reference=reference)
    main = by_posted_id(run.themes.all(), request.POST.get("main"))
    second = by_posted_id(run.themes.all(), request.POST.get("second"))
    try:
        if main is None:
            raise ThemeError("Choose the answer's main theme")
        changed = correct(request.user, run, response, main, second)
    except ThemeError as error:
        return _render_response(request, consultation, run, response, str(error))
    # Saving its themes, changed or confirmed as they were, says a person coded it.
    coded = review.mark(
        request.user,
        [response.pk],
        ReviewState.CODED,
        f"Themes {'corrected' if changed else 'confirmed'} in set {run.pk}",
    )
    marked = " It is marked as coded." if coded else ""
    notify(
        request,
        ("Themes corrected." if changed else "Nothing changed: those were its themes.") + marked,
    )
    if request.POST.get("back") == "response":
        carried = clean_query(request.POST.get("list", ""))
        return redirect(response_url(slug, reference, carried) + "#themes")
    return redirect(reverse("analyse:themes-response", args=[slug, run.pk, reference]))


def _render_response(
    request: HttpRequest,
    consultation: Consultation,
    run: ThemeRun,
    response: Response,
    error: str = "",
) -> HttpResponse:
    page, page_url = page_label(consultation, response)
    current = themes_of(run, [response.pk]).get(response.pk, {})
    return render(
        request,
        "analyse/themes_response.html",
        {
            **themes_context(
                request,
                consultation,
                run_trail(run, response.reference),
            ),
            "run": run,
            "response": response,
            "text": answer_text(response, run.field),
            "page": page,
            "page_url": page_url,
            "main": current.get(1),
            "second": current.get(2),
            "choices": list(run.themes.order_by("position", "id")),
            "error": error,
            "error_links": [("main", error)] if error else [],
        },
        status=400 if error else 200,
    )
