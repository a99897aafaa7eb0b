"""Publishing a consultation's response: the report frozen, put on the consultation's site.

`publish_response` renders the report as it stands (`presentation.report`: small counts
hidden, quotes only from people who agreed, no contact details) into the public page's body,
its PDF and its Word document (`documents`), and keeps them, with its open data, as the next
version of the consultation's `PublishedResponse`; the audit log records who published which
version and when, in the same transaction. When asked to, it also tells the respondents who
asked to hear of it, with `publication.announce_results` (each of them once, ever).

`latest(slug)` is the version the public page shows; `publication(slug)` says the same to the
public pages through `core.published`, which they can import.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User
from django.db import DatabaseError, transaction
from django.db.models import Max
from django.http import HttpRequest
from django.template.loader import render_to_string

from ..accounts import audit
from ..collect.write_lock import sqlite_write_lock
from ..core.published import Publication
from ..publish.consultation import Consultation
from . import outcome
from .documents.pdf import report_pdf
from .documents.word import report_docx
from .models import PublishedResponse
from .presentation.report import build_report, open_data, report_context
from .publication import announce_results

BODY_TEMPLATE = "analyse/_report_body.html"
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Published:
    record: PublishedResponse
    emails: int | None  # how many respondents were told; None when not asked to tell them


def publish_response(
    consultation: Consultation,
    *,
    by: HttpRequest | User | None,
    results_url: str,
    tell_respondents: bool,
) -> Published:
    """Freeze the report as the next published version; tell respondents if asked to.
    `by`: the request (its signed-in user), a user or None (the command line);
    `results_url` is the public page's full address, for the emails and the audit log."""
    report = build_report(consultation, outcome.today_in(consultation))
    context: dict[str, Any] = {
        **report_context(report),
        "consultation": consultation,
        "public": True,
    }
    body = render_to_string(BODY_TEMPLATE, context)
    pdf, docx = report_pdf(report), report_docx(report)  # outside the lock: seconds at scale
    account = by.user if isinstance(by, HttpRequest) else by
    user = account if isinstance(account, User) else None
    emails = None
    with sqlite_write_lock(), transaction.atomic():
        last = PublishedResponse.objects.filter(consultation=consultation.slug).aggregate(
            last=Max("version")
        )["last"]
        record = PublishedResponse.objects.create(
            consultation=consultation.slug,
            version=(last or 0) + 1,
            published_by=user,
            published_by_name=user.get_username() if user is not None else "",
            title=consultation.title[:300],
            body_html=body,
            open_data=open_data(report),
            pdf=pdf,
            docx=docx,
        )
        audit.record(
            by,
            audit.Action.RESPONSE_PUBLISHED,
            consultation=consultation.slug,
            detail={
                "version": record.version,
                "address": results_url,
                "still_missing": len(report.missing),
                "respondents_told": tell_respondents,
            },
        )
        if tell_respondents:
            emails = announce_results(consultation, results_url, by=by, via="publishing")
    return Published(record, emails)


def latest(slug: str) -> PublishedResponse | None:
    """The consultation's latest published version, or None before it is published."""
    return (
        PublishedResponse.objects.filter(consultation=slug)
        .order_by("-version")
        .defer("pdf", "docx")
        .first()
    )


def publication(slug: str) -> Publication | None:
    """The latest version's number and date, for the public pages (`core.published`).
    The consultation's pages are still served when the database does not answer: without
    the link, then."""
    try:
        row = (
            PublishedResponse.objects.filter(consultation=slug)
            .order_by("-version")
            .values_list("version", "published_at")
            .first()
        )
    except DatabaseError:
        logger.warning("Could not see whether %s's response is published", slug, exc_info=True)
        return None
    return Publication(*row) if row else None
