"""A consultation's page as respondents see it: the published page with its feedback form.

Publishing renders the page (`soundingboard.publish`); this view adds the form, so the page
view sits here, after both in the data's direction.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_safe

from ..publish.registry import get_consultation
from .feedback import feedback_context
from .respondent import keep_out_of_caches


@require_safe
def page(request: HttpRequest, slug: str, page_path: str = "") -> HttpResponse:
    consultation = get_consultation(slug)
    current = consultation.page(page_path)
    if current is None and not page_path.strip("/") and consultation.pages:
        # A folder without index.md: the root leads to the first page of the navigation.
        # Found, not moved permanently, so adding an index.md later takes effect at once.
        return redirect(consultation.pages[0].url)
    if current is None:
        raise Http404("No such page")
    context = {
        "consultation": consultation,
        "page": current,
        "content": mark_safe(current.html),  # rendered and sanitised at load time
        **feedback_context(request, consultation, current),
    }
    reply = render(request, "publish/page.html", context)
    return keep_out_of_caches(reply) if context["remembered"] else reply
