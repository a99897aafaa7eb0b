"""The per-page feedback form in use: shown after each page, sent, checked and stored.

A form that fails its checks comes back on a page of its own with an error summary and the
answers kept; a submission that cannot be stored comes back the same way with a message,
never with a confirmation. One that is stored is sent on to the confirmation's own address
(`receipts`), which this view also shows.
"""

from __future__ import annotations

import functools
import logging
from typing import Any

from django.db import DatabaseError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from ..core.client_address import client_id
from ..core.same_origin import same_origin_post
from ..publish.consultation import Consultation, Heading, Page
from ..publish.registry import get_consultation
from ..publish.settings_schema import describe_moment
from . import attachments
from .attachment_text import queue_reading
from .emailed_copy import queue_copy
from .forms import PageFeedbackForm
from .models import Attachment, Response
from .not_saved import SERVICE_PROBLEM, rate_limited
from .receipts import Receipt, read_receipt, to_confirmation
from .respondent import keep_out_of_caches, remember, remembered, respondent_context
from .spam import HONEYPOT_FIELD, honeypot_reason, new_form_token, read_form_token
from .storage import ContactDetails, store_response
from .submission_keys import form_submission_key

logger = logging.getLogger(__name__)

CHANGE_DETAILS = "change-details"


def feedback_context(
    request: HttpRequest,
    consultation: Consultation,
    page: Page,
    *,
    form: PageFeedbackForm | None = None,
    section: Heading | None = None,
) -> dict[str, Any]:
    """What the templates need to show the feedback form (or the notice that replaces it)."""
    status = consultation.status(timezone.now())
    respondent = remembered(request, consultation)
    if form is None:
        ask_about_you = respondent is None or CHANGE_DETAILS in request.GET
        initial: dict[str, Any] = {"token": new_form_token()}
        if section:
            initial["section"] = section.id
        if respondent and ask_about_you:
            initial.update(respondent.form_initial())
        form = PageFeedbackForm(
            consultation=consultation, ask_about_you=ask_about_you, initial=initial
        )
    return {
        "feedback_status": status,
        "feedback_form": form,
        "feedback_section": section,
        **respondent_context(request, consultation, respondent),
        "respondent": respondent if not form.ask_about_you else None,
        "respondent_contact": respondent.contact()
        if respondent and not form.ask_about_you
        else None,
        "opens_on": describe_moment(consultation.settings.opens),
        "closes_on": describe_moment(consultation.settings.closes),
    }


@same_origin_post  # no CSRF token: the form is on pages cached and shared (core.same_origin)
@require_http_methods(["GET", "HEAD", "POST"])
def page_feedback(request: HttpRequest, slug: str, page_path: str = "") -> HttpResponse:
    """GET: the form on a page of its own (for one section, or without the page's text).
    POST: check and store a submission."""
    consultation = get_consultation(slug)
    page = consultation.page(page_path)
    if page is None:
        raise Http404("No such page")
    receipt = read_receipt(request, slug, page.feedback_url) if request.method != "POST" else None
    if receipt:
        return _sent_page(request, consultation, page, receipt)
    data = request.POST if request.method == "POST" else request.GET
    section = page.heading(data.get("section", ""))
    if request.method != "POST":
        context = feedback_context(request, consultation, page, section=section)
        return _form_page(request, consultation, page, context)

    respondent = remembered(request, consultation)
    ask_about_you = respondent is None or "about_you" in request.POST
    form = PageFeedbackForm(
        request.POST, request.FILES, consultation=consultation, ask_about_you=ask_about_you
    )
    context = feedback_context(request, consultation, page, form=form, section=section)
    if context["feedback_status"] != "open":
        return _form_page(request, consultation, page, context, http_status=403)
    if not form.is_valid():
        return _form_page(request, consultation, page, context, http_status=400)

    answers = form.cleaned_data
    # Who was remembered, when the form did not ask about them again (it always asks when no
    # one is remembered).
    returning = None if ask_about_you else respondent
    role = answers["role"] if returning is None else returning.role
    contact = form.contact_details() if ask_about_you else ContactDetails()
    token = read_form_token(answers["token"])
    spam_reason = honeypot_reason(request.POST.get(HONEYPOT_FIELD)) or token.spam_reason
    if blocked := rate_limited(request):
        context["not_saved"] = blocked
        return _form_page(request, consultation, page, context, http_status=blocked.status)
    fields: dict[str, object] = {
        "consultation": consultation.slug,
        "page_path": page.path,
        "page_title": page.title[:300],
        "section_id": section.id if section else "",
        "section_title": section.text[:300] if section else "",
        "nature": answers["nature"],
        "summary": answers["summary"],
        "details": answers["details"],
        "role": role,
    }
    contact_id = None if returning is None else returning.contact_id
    # The form's token may be shared by everyone who saw the same cached page: the same
    # answers from the same client are a repeat, anything else a new submission. (Not the
    # remembered contact: a remembered visitor never gets a shared page, so their token is
    # theirs alone, and a resend must match even if looking their contact up failed.)
    key = form_submission_key(
        token.key,
        {**fields, "email": contact.email, "organisation": contact.organisation},
        client_id(request),
    )
    documents = form.checked_documents()
    try:
        saved = [attachments.save(upload, kind) for upload, kind in documents]
        response, _created = store_response(
            {
                **fields,
                "status": Response.Status.SPAM if spam_reason else Response.Status.ACCEPTED,
                "spam_reason": spam_reason,
                "may_quote": form.quote_answer(),
            },
            token=key,
            contact=contact if ask_about_you and contact else None,
            contact_id=contact_id,
            in_transaction=functools.partial(
                _with_response, saved, form.wants_copy() and not spam_reason
            ),
        )
    except (DatabaseError, OSError):
        logger.exception("Could not store feedback for %s/%s", consultation.slug, page.path)
        _forget(saved if "saved" in locals() else [])
        context["not_saved"] = SERVICE_PROBLEM
        return _form_page(request, consultation, page, context, http_status=503)
    if not _created:
        _forget(saved)  # a repeat: the documents were kept the first time

    # Stored and committed: the confirmation has an address of its own (see `receipts`).
    receipt = Receipt(response.reference, section.id if section else "")
    reply = to_confirmation(page.feedback_url, consultation.slug, receipt)
    kept_contact = response.contact if returning is None else returning.contact()
    remember(reply, consultation, role, kept_contact, secure=request.is_secure())
    return keep_out_of_caches(reply)


def _with_response(saved: list[Attachment], send_copy: bool, response_id: int) -> None:
    """What is committed with a new response: its documents, the task that reads their text,
    and the copy to email if one was asked for."""
    for attachment in saved:
        attachment.response_id = response_id
        attachment.save()
        queue_reading(attachment.pk)
    if send_copy:
        queue_copy(response_id)


def _forget(saved: list[Attachment]) -> None:
    for attachment in saved:
        attachments.remove_file(attachment)


def _sent_page(
    request: HttpRequest, consultation: Consultation, page: Page, receipt: Receipt
) -> HttpResponse:
    context = {
        "consultation": consultation,
        "page": page,
        "reference": receipt.reference,
        "section": page.heading(receipt.section_id),
    }
    # The reference is the respondent's own: kept out of shared caches.
    return keep_out_of_caches(render(request, "collect/feedback_sent.html", context))


def _form_page(
    request: HttpRequest,
    consultation: Consultation,
    page: Page,
    context: dict[str, Any],
    http_status: int = 200,
) -> HttpResponse:
    reply = render(
        request,
        "collect/feedback_page.html",
        {"consultation": consultation, "page": page, **context},
        status=http_status,
    )
    return keep_out_of_caches(reply)
