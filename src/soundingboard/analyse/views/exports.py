"""The export page of one consultation, and its downloads.

/-/analyse/<slug>/export/ (any role) shows the filters in force (read from the address, as on
the overview), a choice of format, which statuses to include, and, only to those who may see
personal data, "Include contact details". The form is sent by POST (with its CSRF token) to
/-/analyse/<slug>/export/download/, so that an export, and its line in the audit log, is
always something the user chose to do, never a link followed from elsewhere.

Contact details are exported only when asked for (`personal=1`) AND the user may see them
(`access.can_see_personal_data`); a reader who sends `personal=1` gets the export without
them, logged as such. Every download is logged (`Action.EXPORT`) with its format, filter,
row count (as counted when the download starts) and `with_personal_data`.

CSV and JSON stream (`StreamingHttpResponse`); XLSX is written to a temporary file first
(a zip file is complete only at its end) and sent from there (`FileResponse`).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from typing import BinaryIO

from django.http import (
    FileResponse,
    HttpRequest,
    HttpResponse,
    HttpResponseNotAllowed,
    QueryDict,
    StreamingHttpResponse,
)
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from ...accounts import audit
from ...accounts.access import analyst_view, can_see_personal_data
from ...publish.consultation import Consultation
from ...publish.registry import get_consultation
from ..exports import CONTENT_TYPES, FORMATS, Export, describe_filter
from ..filters import STATUS_LABELS, STATUSES, FilterProblem, ResponseFilter
from ..presentation.workspace import tab_links, workspace_context

FORMAT_LABELS = {
    "csv": "CSV (comma-separated values), for spreadsheets and analysis tools",
    "xlsx": "Excel workbook (XLSX)",
    "json": "JSON, for programs",
}
TRUE = ("1", "on", "yes", "true")


def _read(
    request: HttpRequest, slug: str
) -> tuple[Consultation, ResponseFilter, list[FilterProblem], QueryDict]:
    consultation = get_consultation(slug)
    query = request.POST if request.method == "POST" else request.GET
    flt, problems = ResponseFilter.from_query(query, consultation)
    return consultation, flt, problems, query


@analyst_view
def export_page(request: HttpRequest, slug: str) -> HttpResponse:
    consultation, flt, problems, _query = _read(request, slug)
    query = flt.to_query()
    suffix = f"?{query}" if query else ""
    hidden = [(k, v) for k, v in flt.query_pairs() if k != "status"]
    return render(
        request,
        "analyse/export.html",
        workspace_context(
            request,
            consultation,
            current="export",
            tabs=tab_links(slug, carried=suffix, export=suffix),
            download_url=reverse("analyse:export-download", args=[slug]),
            filters=[words for _p, _v, words in flt.describe() if _p != "status"],
            problems=[p.message for p in problems],
            hidden=hidden,
            formats=[(f, FORMAT_LABELS[f]) for f in FORMATS],
            statuses=[(s, STATUS_LABELS.get(s, s), s in flt.statuses) for s in STATUSES],
            count=Export(consultation, flt).count(),
            may_see_personal_data=can_see_personal_data(request.user),
        ),
    )


@analyst_view  # type: ignore[arg-type]  # it streams; analyst_view only sets headers, fine
def export_download(request: HttpRequest, slug: str) -> HttpResponseBase:
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    consultation, flt, _problems, query = _read(request, slug)
    format = query.get("format", "csv")
    if format not in FORMATS:
        format = "csv"
    asked = query.get("personal", "") in TRUE
    allowed = can_see_personal_data(request.user)
    export = Export(consultation, flt, with_personal_data=asked and allowed)
    rows = export.count()
    detail = {
        "format": format,
        "filter": describe_filter(flt) or "none",
        "statuses": list(flt.statuses),
        "rows": rows,
        "with_personal_data": export.with_personal_data,
        "via": "export page",
    }
    if export.with_personal_data:
        detail["personal_data"] = "organisation and email of each respondent who gave them"
    elif asked:
        detail["personal_data_refused"] = "asked for without the role to see it"
    audit.record(request, audit.Action.EXPORT, consultation=slug, detail=detail)

    filename = export.filename(format, timezone.localdate())
    if format == "xlsx":
        response: StreamingHttpResponse = FileResponse(
            _xlsx_file(export),
            as_attachment=True,
            filename=filename,
            content_type=CONTENT_TYPES["xlsx"],
        )
    else:
        chunks = export.csv_chunks() if format == "csv" else export.json_chunks()
        response = StreamingHttpResponse(
            (chunk.encode("utf-8") for chunk in chunks), content_type=CONTENT_TYPES[format]
        )
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _xlsx_file(export: Export) -> BinaryIO:
    """The XLSX file, written to a temporary file and opened for reading. Its name is removed
    at once, so nothing is left on disk whatever happens to the download: the open file is
    read and then closed by FileResponse. (Where an open file cannot be removed, as on
    Windows, it stays in the temporary folder.)"""
    named = tempfile.NamedTemporaryFile(suffix=".xlsx", delete=False)  # noqa: SIM115
    named.close()
    try:
        export.write_xlsx(named.name)
        handle = open(named.name, "rb")  # noqa: SIM115 (FileResponse closes it)
    finally:
        with contextlib.suppress(OSError):
            os.unlink(named.name)
    return handle
