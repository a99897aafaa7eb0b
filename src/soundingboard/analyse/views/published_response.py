"""The published response on the consultation's own site: "we asked, you said, we did".

At the consultation's `-/response/` (`Consultation.response_url`), open to everyone: the
latest version published from the workspace (`publishing`), as frozen then, in the pages'
own layout, with the same version as a PDF and a Word document and its open data (CSV and
JSON) beside it. Before anything is published the
address answers 404, as any other page that does not exist.
"""

from __future__ import annotations

from typing import Any

from django.db.models.functions import Length
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
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
        "documents": _documents(record),
    }
    return render(request, "analyse/published_response.html", context)


DOCUMENTS = {  # format: (link text, content type, the model's field)
    "pdf": ("The response as a PDF", "application/pdf", "pdf"),
    "docx": (
        "The response as a Word document",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "docx",
    ),
}


def _documents(record: PublishedResponse) -> list[tuple[str, str, str]]:
    """(link text, address, size) of each document of the version, without reading them."""
    fields = [field for _, _, field in DOCUMENTS.values()]
    sizes = PublishedResponse.objects.filter(pk=record.pk).values_list(
        *(Length(field) for field in fields)
    )[0]
    return [
        (
            label,
            reverse(f"response-{format}", kwargs={"slug": record.consultation}),
            filesizeformat(size),
        )
        for (format, (label, _, _)), size in zip(DOCUMENTS.items(), sizes, strict=True)
    ]


@require_safe
def response_document(request: HttpRequest, slug: str, format: str) -> HttpResponse:
    """The published version as a PDF or a Word document: `format` "pdf" or "docx"."""
    consultation = get_consultation(slug)
    record = _published(slug)
    _, content_type, field = DOCUMENTS[format]
    content = PublishedResponse.objects.filter(pk=record.pk).values_list(field, flat=True)[0]
    reply = HttpResponse(bytes(content), content_type=content_type)
    name = f"{consultation.slug}-response-v{record.version}.{format}"
    reply["Content-Disposition"] = f'attachment; filename="{name}"'
    return reply


@require_safe
def response_data(request: HttpRequest, slug: str, format: str) -> HttpResponse:
    """The published version's tables and themes as open data: `format` "csv" or "json"."""
    consultation = get_consultation(slug)
    record = _published(slug)
    name = f"{consultation.slug}-response-v{record.version}.{format}"
    return open_data_download(record.open_data, name, format)
