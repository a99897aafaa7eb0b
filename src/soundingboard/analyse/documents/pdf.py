"""The report as a tagged PDF, made with WeasyPrint from `analyse/documents/report.html` and
its own print stylesheet.

The PDF is PDF/UA-1: tagged (headings, lists, tables with their header cells, the
charts as figures), with its title shown in place of its file name, its language (en-GB)
and its author. Charts are the report's own inline SVG, each followed by its description and
the table of its numbers.

Nothing is fetched while it is made: the only address WeasyPrint may open is a `data:` one;
an image or stylesheet the team's Markdown points at elsewhere (http, https, file) is
refused and left out, its alternative text shown instead.
"""

from __future__ import annotations

import logging
from typing import Any

from django.template.loader import render_to_string

from ..charts import INVALID_XML
from ..presentation.report import Report, report_context
from . import document_author, document_title

# WeasyPrint names every address it refused, and every CSS property it skips, at WARNING:
# a refused address is expected here, and says nothing the report's reader needs.
logging.getLogger("weasyprint").setLevel(logging.ERROR)


def local_only() -> Any:
    """WeasyPrint's URL fetcher for the report: `data:` addresses only, no redirects.

    WeasyPrint catches the refusal and goes on without the resource."""
    from weasyprint.urls import URLFetcher

    return URLFetcher(allowed_protocols=("data",), allow_redirects=False, timeout=1)


def report_html(report: Report) -> str:
    """The HTML the PDF is made from."""
    consultation = report.consultation
    return render_to_string(
        "analyse/documents/report.html",
        {
            **report_context(report),
            "consultation": consultation,
            "document_title": document_title(consultation),
            "document_author": document_author(consultation),
            "made": report.clock.today,
        },
    )


NO_PANGO = (
    "The PDF cannot be made on this server: the Pango library is missing. "
    "Whoever runs the server can install it with scripts/install-pdf-libs.sh "
    "(Debian's libpango-1.0-0 and libpangoft2-1.0-0), then try again."
)
TOO_DEEP = (
    "The PDF cannot be made: a text in the report, most likely the team's own (outcome/), "
    "has lists or quotes nested so deeply, one inside another, that the PDF cannot lay them "
    "out. Nest them no more than a few levels deep, then try again."
)


class PdfUnavailable(Exception):
    """The PDF cannot be made: the libraries WeasyPrint draws with are missing on this
    server (`NO_PANGO`), or the report cannot be laid out (`TOO_DEEP`)."""

    def __init__(self, message: str = NO_PANGO) -> None:
        super().__init__(message)


def report_pdf(report: Report) -> bytes:
    """The report as a tagged PDF (PDF/UA-1). Raises `PdfUnavailable` without Pango, or for a
    report nested too deeply to lay out."""
    try:
        from weasyprint import HTML  # imported here: it loads Pango, which only this needs
    except OSError as error:  # WeasyPrint's message when it cannot load Pango
        raise PdfUnavailable() from error

    # A control character in an answer or the team's text breaks the PDF's text layer (its
    # map from glyphs back to characters), which screen readers and search rely on.
    html = INVALID_XML.sub("", report_html(report))
    document = HTML(string=html, base_url=None, url_fetcher=local_only())
    try:
        pdf = document.write_pdf(pdf_variant="pdf/ua-1", pdf_tags=True)
    except RecursionError:  # WeasyPrint lays out nested boxes by recursion
        raise PdfUnavailable(TOO_DEEP) from None
    assert pdf is not None  # with no target, write_pdf returns the bytes
    return bytes(pdf)
