"""The published response on the consultation's own site: "we asked, you said, we did".

At the consultation's `-/response/` (`Consultation.response_url`), open to everyone: the
latest version published from the workspace (`publishing`), as frozen then, in the pages'
own layout, with its open data (CSV and JSON) beside it. Before anything is published the
address answers 404, as any other page that does not exist.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_safe

from ...publish.registry import get_consultation
from ...publish.settings_schema import describe_moment
from ..models import PublishedResponse
from ..publishing import latest
from .report import open_data_download


def _published(slug: str) -> PublishedResponse:
    record = latest(slug)
    if record is None:
        raise Http404("Nothing has been published yet")
    return record


@require_safe
def response_page(request: HttpRequest, slug: str) -> HttpResponse:
    consultation = get_consultation(slug)
    record = _published(slug)
    zone = consultation.settings.zone()
    context: dict[str, Any] = {
        "consultation": consultation,
        "published": record,
        "published_on": describe_moment(record.published_at.astimezone(zone).date()),
        # Written by `publishing` from the report's template, with every count suppressed.
        "body": mark_safe(record.body_html),
        # The same response as documents to download: (label, address, size in words) each.
        # The PDF and DOCX versions are listed here once they are made.
        "documents": [],
    }
    return render(request, "analyse/published_response.html", context)


@require_safe
def response_data(request: HttpRequest, slug: str, format: str) -> HttpResponse:
    """The published version's tables and themes as open data: `format` "csv" or "json"."""
    consultation = get_consultation(slug)
    record = _published(slug)
    name = f"{consultation.slug}-response-v{record.version}.{format}"
    return open_data_download(record.open_data, name, format)
