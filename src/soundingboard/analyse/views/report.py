"""The report tab of a consultation: the draft summary of the responses as the analysis
stands (`presentation.report`), with the 12-week clock and what is still missing; its
tables and themes as open data (CSV and JSON: counts only, small ones hidden); and the
report itself as a PDF and a Word document (`documents`).

It shows no contact details and quotes only responses whose authors agreed to it; readers
may open it. Analysts and administrators publish it from here (`views.publish_response`).
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from ...accounts.access import Role, analyst_view, has_role, notify
from ...publish.consultation import Consultation
from ...publish.registry import get_consultation
from .. import outcome
from ..documents import file_name
from ..documents.pdf import PdfUnavailable, report_pdf
from ..documents.word import report_docx
from ..exports import csv_cell
from ..presentation.report import (
    CSV_HEADER,
    Report,
    build_report,
    open_data,
    open_data_rows,
    report_context,
)
from ..presentation.workspace import workspace_context
from ..publishing import latest


def _report(consultation: Consultation) -> Report:
    return build_report(consultation, outcome.today_in(consultation))


@analyst_view
def report(request: HttpRequest, slug: str) -> HttpResponse:
    """The draft report, the clock, what is missing and what has been published."""
    consultation = get_consultation(slug)
    context = workspace_context(
        request,
        consultation,
        current="report",
        published=latest(slug),
        may_publish=has_role(request.user, Role.ANALYST),
        **report_context(_report(consultation)),
    )
    return render(request, "analyse/report.html", context)


@analyst_view
def report_data(request: HttpRequest, slug: str, format: str) -> HttpResponse:
    """The report's tables and themes as open data: `format` "csv" or "json"."""
    consultation = get_consultation(slug)
    name = f"{consultation.slug}-report-{timezone.localdate().isoformat()}.{format}"
    return open_data_download(open_data(_report(consultation)), name, format)


def open_data_download(document: dict[str, Any], name: str, format: str) -> HttpResponse:
    """An open data document (`presentation.report.open_data`) as a CSV or JSON file."""
    if format == "json":
        reply = HttpResponse(
            json.dumps(document, ensure_ascii=False, indent=2),
            content_type="application/json; charset=utf-8",
        )
    else:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(CSV_HEADER)
        writer.writerows([csv_cell(c) for c in row] for row in open_data_rows(document))
        reply = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    reply["Content-Disposition"] = f'attachment; filename="{name}"'
    return reply


DOCUMENTS = {
    "pdf": (report_pdf, "application/pdf"),
    "docx": (
        report_docx,
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
}


@analyst_view
def report_document(request: HttpRequest, slug: str, format: str) -> HttpResponse:
    """The report as a file to download: `format` "pdf" or "docx"."""
    consultation = get_consultation(slug)
    make, content_type = DOCUMENTS[format]
    report = _report(consultation)
    try:
        content = make(report)
    except PdfUnavailable as error:
        notify(request, str(error))
        return redirect("analyse:report", slug=slug)
    reply = HttpResponse(content, content_type=content_type)
    name = file_name(consultation, report.clock.today, format)
    reply["Content-Disposition"] = f'attachment; filename="{name}"'
    return reply
