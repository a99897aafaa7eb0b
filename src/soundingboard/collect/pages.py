"""A consultation's page as respondents see it: the published page with its feedback form.

Publishing renders the page (`soundingboard.publish`); this view adds the form, so the page
view sits here, after both in the data's direction.
"""

from __future__ import annotations

import datetime as dt
import math

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_http_methods

from ..core.shared_cache import SHARED_SECONDS, inline_source_hash, private_cookies, share
from ..publish.consultation import Consultation
from ..publish.registry import get_consultation
from .feedback import feedback_context
from .questionnaire import questionnaire_at_page
from .respondent import keep_out_of_caches

SAFE_METHODS = ["GET", "HEAD"]


@require_http_methods([*SAFE_METHODS, "POST"])
def page(request: HttpRequest, slug: str, page_path: str = "") -> HttpResponse:
    """A page; the page a questionnaire replaces a pasted form on is the questionnaire (which
    posts back to it), every other page is read only."""
    consultation = get_consultation(slug)
    current = consultation.page(page_path)
    if current is not None and current is consultation.questionnaire_page:
        return questionnaire_at_page(request, consultation)
    if request.method not in SAFE_METHODS:
        return HttpResponseNotAllowed(SAFE_METHODS)
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
    if context["remembered"]:
        return keep_out_of_caches(render(request, "publish/page.html", context))
    seconds = shared_seconds(consultation, timezone.now())
    if request.GET or request.COOKIES.keys() & set(private_cookies()) or seconds < 1:
        return render(request, "publish/page.html", context)
    # The same for every visitor without remembered details: built once, shared a while.
    reply = render(request, "publish/page.html", {**context, "shared_page": True})
    reply._csp_update = {"style-src": [inline_source_hash(consultation.accent_style)]}  # type: ignore[attr-defined]
    return share(reply, seconds)


@require_http_methods(SAFE_METHODS)
def built_address(request: HttpRequest, slug: str, page_path: str) -> HttpResponse:
    """A page's address as MkDocs writes it in the site it builds (`page_path` without its
    `.html`): `a/b.html` with `use_directory_urls: false`, `a/b/index.html` and `index.html`
    either way. Moved permanently to the page's own address, so that links and bookmarks to the
    site as it was keep working."""
    consultation = get_consultation(slug)
    parts = page_path.split("/")
    if parts[-1] == "index":
        parts.pop()
    current = consultation.page("/".join(parts))
    if current is None:
        raise Http404("No such page")
    return redirect(current.url, permanent=True)


def shared_seconds(consultation: Consultation, now: dt.datetime) -> int:
    """How long a shared page stays right: not past the moment the form opens or closes
    (0: not at all, that moment is less than a second away)."""
    change = consultation.next_change(now)
    if change is None:
        return SHARED_SECONDS
    return min(SHARED_SECONDS, math.floor((change - now).total_seconds()))
