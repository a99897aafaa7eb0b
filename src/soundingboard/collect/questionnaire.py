"""The main questionnaire: one page of questions, a page to check the answers, then send.

Nothing is kept on the server between the steps and no JavaScript is needed: the check page
carries every answer forward in hidden inputs, each answer's "Change" sends them back to fill
in the form again at that answer (its address names the answer, `?answer=usefulness-2`, and
ends in its anchor, where a "Return to check your answers" button waits), and "Send your
answers" checks them once more and stores them. The token
made when the form was first shown travels with the answers, so a double click, a refresh or a
retry stores one response, and the time trap measures from the first page. Once stored, the
browser is sent on to the confirmation's own address (`receipts`).
"""

from __future__ import annotations

import functools
import logging
from typing import Any

from django.conf import settings as django_settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError
from django.forms import EmailField
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_http_methods

from ..publish.consultation import Consultation
from ..publish.markdown_text import render_plain_markdown
from ..publish.registry import get_consultation
from ..publish.settings_schema import describe_moment
from .drafts import DRAFT_FIELD, answers_to_keep, draft_url, forget_draft, open_draft, save_draft
from .emailed_copy import queue_copy
from .feedback import CHANGE_DETAILS
from .limits import LIMITS
from .models import Response
from .not_saved import SERVICE_PROBLEM, NotSaved, rate_limited
from .questionnaire_forms import QuestionnaireForm, score_label
from .receipts import Receipt, read_receipt, to_confirmation
from .respondent import Respondent, keep_out_of_caches, remember, remembered, respondent_context
from .spam import HONEYPOT_FIELD, honeypot_reason, new_form_token, read_form_token
from .storage import store_response

logger = logging.getLogger(__name__)

# The buttons: "Continue" checks, then the check page sends or goes back to change; "Save and
# come back later" keeps the answers to finish later (`drafts`).
CHECK, SEND, CHANGE, SAVE = "check", "send", "change", "save"
NOT_ANSWERED = "Not answered"
# Which answer a "Change" was for, in the address the check page's form is sent to.
CHANGED_ANSWER = "answer"


@require_http_methods(["GET", "HEAD", "POST"])
def questionnaire(request: HttpRequest, slug: str) -> HttpResponse:
    """GET: the questions. POST: check them, go back to change them, or send them.

    When the questionnaire replaces a form pasted into a page of the navigation
    (`questionnaire.page`), it lives at that page's address (see `questionnaire_at_page`)
    and this address leads there."""
    consultation = get_consultation(slug)
    if consultation.settings.questionnaire is None:
        raise Http404("This consultation has no questionnaire")
    if consultation.questionnaire_in_nav:
        return redirect(consultation.questionnaire_url)
    return questionnaire_at_page(request, consultation)


def questionnaire_at_page(request: HttpRequest, consultation: Consultation) -> HttpResponse:
    """The questionnaire, at whichever address `consultation.questionnaire_url` gives."""
    slug = consultation.slug
    respondent = remembered(request, consultation)

    form_url = consultation.questionnaire_url
    if request.method != "POST" and (receipt := read_receipt(request, slug, form_url)):
        context = {
            "consultation": consultation,
            "questionnaire": consultation.settings.questionnaire,
            "reference": receipt.reference,
        }
        return _render(request, "collect/questionnaire_sent.html", context)
    if request.method != "POST":
        ask_about_you = respondent is None or CHANGE_DETAILS in request.GET
        initial: dict[str, Any] = {"token": new_form_token()}
        if respondent and ask_about_you:
            initial.update(respondent.form_initial())
        form = QuestionnaireForm(
            consultation=consultation, ask_about_you=ask_about_you, initial=initial
        )
        return _form_page(request, consultation, form, respondent)

    action = request.POST.get("action", CHECK)
    ask_about_you = respondent is None or "about_you" in request.POST
    form = QuestionnaireForm(request.POST, consultation=consultation, ask_about_you=ask_about_you)
    if consultation.status(timezone.now()) != "open":
        form.is_valid()  # to show back whatever can be read of the answers
        return _form_page(request, consultation, form, respondent, http_status=403)
    if action == SAVE:
        return _save(request, consultation, form)
    if not form.is_valid():
        return _form_page(request, consultation, form, respondent, http_status=400)

    if action in (CHANGE, CHANGE_DETAILS):
        # Back to the questions, filled in; "change details" also asks about you again.
        ask_again = ask_about_you or action == CHANGE_DETAILS
        initial = form.as_initial()
        if respondent and not ask_about_you and ask_again:
            initial.update(respondent.form_initial())
        refilled = QuestionnaireForm(
            consultation=consultation, ask_about_you=ask_again, initial=initial
        )
        part = part_of_questions(request.GET.get(CHANGED_ANSWER, ""), refilled)
        return _form_page(request, consultation, refilled, respondent, return_after=part)
    if action != SEND:
        return _check_page(request, consultation, form, respondent)
    return _send(request, consultation, form, respondent)


def _save(
    request: HttpRequest, consultation: Consultation, form: QuestionnaireForm
) -> HttpResponse:
    """Keep the answers as they are, finished or not, and show the link that reopens them."""
    pairs = [(name, value) for name in request.POST for value in request.POST.getlist(name)]
    answers = answers_to_keep(pairs, set(form.fields))
    try:
        email = EmailField(max_length=LIMITS["email"]).clean(request.POST.get("email", ""))
    except ValidationError:
        email = ""  # a mistyped address: the link is shown, not emailed
    try:
        draft = save_draft(consultation, answers, email, request.build_absolute_uri("/"))
    except DatabaseError:
        logger.exception("Could not save questionnaire answers for %s", consultation.slug)
        form.is_valid()
        return _form_page(request, consultation, form, None, http_status=503)
    forget_draft(request.POST.get(DRAFT_FIELD, ""))  # the one it was reopened from, if any
    context = {
        **_common_context(consultation, form),
        "link": request.build_absolute_uri(draft_url(consultation, draft)),
        "expires_at": timezone.localtime(draft.expires_at),
        "emailed": bool(email) and django_settings.SOUNDINGBOARD_EMAIL_ENABLED,
    }
    return _render(request, "collect/questionnaire_saved.html", context)


@require_http_methods(["GET", "HEAD"])
def questionnaire_draft(request: HttpRequest, slug: str, token: str) -> HttpResponse:
    """The questionnaire filled in again from saved answers, or why it cannot be."""
    consultation = get_consultation(slug)
    settings_ = consultation.settings.questionnaire
    if settings_ is None:
        raise Http404("This consultation has no questionnaire")
    draft = open_draft(consultation, token)
    if draft is None:
        context = {
            "consultation": consultation,
            "questionnaire": settings_,
            "form_url": consultation.url("questionnaire/"),
        }
        return _render(request, "collect/questionnaire_draft_gone.html", context, 404)
    initial: dict[str, Any] = {}
    for name, value in draft.answers:
        if name.startswith("activities-"):
            initial.setdefault(name, []).append(value)
        else:
            initial[name] = value
    ask_about_you = "about_you" in initial or remembered(request, consultation) is None
    initial["token"] = new_form_token()
    form = QuestionnaireForm(
        consultation=consultation, ask_about_you=ask_about_you, initial=initial
    )
    respondent = remembered(request, consultation)
    reply = _form_page(request, consultation, form, respondent, draft_token=draft.token)
    reply["Referrer-Policy"] = "no-referrer"  # the link is a key: never sent on to other sites
    return reply


def _send(
    request: HttpRequest,
    consultation: Consultation,
    form: QuestionnaireForm,
    respondent: Respondent | None,
) -> HttpResponse:
    answers = form.cleaned_data
    # Who was remembered, when the form did not ask about them again (it always asks when no
    # one is remembered).
    returning = None if form.ask_about_you else respondent
    if returning is None:
        role, contact_id = answers["role"], None
        contact = form.contact() or None
    else:
        role, contact_id, contact = returning.role, returning.contact_id, None
    token = read_form_token(answers["token"])
    spam_reason = honeypot_reason(request.POST.get(HONEYPOT_FIELD)) or token.spam_reason
    if blocked := rate_limited(request):
        return _check_page(request, consultation, form, respondent, not_saved=blocked)
    try:
        response, _created = store_response(
            {
                "consultation": consultation.slug,
                "kind": Response.Kind.QUESTIONNAIRE,
                "page_path": "",
                "nature": answers["nature"],
                "comments": answers["comments"],
                "role": role,
                "status": Response.Status.SPAM if spam_reason else Response.Status.ACCEPTED,
                "spam_reason": spam_reason,
                "may_quote": form.quote_answer(),
            },
            token=token.key,
            contact=contact,
            contact_id=contact_id,
            scores=form.scores(),
            ticks=form.ticks(),
            in_transaction=functools.partial(
                _also_stored,
                copy=form.wants_copy() and not spam_reason,
                draft=str(request.POST.get(DRAFT_FIELD, "")),
            ),
        )
    except DatabaseError:
        logger.exception("Could not store questionnaire answers for %s", consultation.slug)
        return _check_page(request, consultation, form, respondent, not_saved=SERVICE_PROBLEM)

    # Stored and committed: the confirmation has an address of its own (see `receipts`).
    form_url = consultation.questionnaire_url
    reply = to_confirmation(form_url, consultation.slug, Receipt(response.reference))
    kept_contact = response.contact if returning is None else returning.contact()
    remember(reply, consultation, role, kept_contact, secure=request.is_secure())
    return keep_out_of_caches(reply)


def part_of_questions(answer: str, form: QuestionnaireForm) -> str:
    """The part of the questions (`idea-N`, `comments` or `about-you`) that holds a field,
    where its "Return to check your answers" button goes; "" for a name that is no field."""
    kind, _, number = answer.rpartition("-")
    if answer in form.fields and kind in ("usefulness", "likelihood", "activities"):
        return f"idea-{number}"
    if answer in ("nature", "comments"):
        return "comments"
    if answer in ("role", "organisation", "email"):
        return "about-you"
    return ""


def _also_stored(response_id: int, *, copy: bool, draft: str) -> None:
    """What is written with the response: its emailed copy, and the draft it came from gone."""
    if copy:
        queue_copy(response_id)
    forget_draft(draft)


def _common_context(consultation: Consultation, form: QuestionnaireForm) -> dict[str, Any]:
    return {
        "consultation": consultation,
        "questionnaire": form.settings,
        "form": form,
        "form_url": consultation.questionnaire_url,
        "on_questionnaire": True,  # marks the questionnaire's link in the side navigation
        # Marks its page in the side navigation, when the questionnaire has one.
        "page": consultation.questionnaire_page,
    }


def _form_page(
    request: HttpRequest,
    consultation: Consultation,
    form: QuestionnaireForm,
    respondent: Respondent | None,
    http_status: int = 200,
    *,
    return_after: str = "",
    draft_token: str = "",
) -> HttpResponse:
    settings = form.settings
    source = consultation.questionnaire_page
    shown_respondent = respondent if not form.ask_about_you else None
    context = {
        **_common_context(consultation, form),
        "feedback_status": consultation.status(timezone.now()),
        "opens_on": describe_moment(consultation.settings.opens),
        "closes_on": describe_moment(consultation.settings.closes),
        "introduction": render_plain_markdown(settings.introduction)
        if settings.introduction.strip()
        else "",
        # The words of the page the questionnaire replaces a pasted form on, if it does.
        "page_content": mark_safe(source.html) if source else "",  # sanitised at load
        # Its own first heading names the page; without one, the questionnaire's title does.
        "page_has_heading": bool(source and "<h1" in source.html),
        **respondent_context(request, consultation, respondent),
        "respondent": shown_respondent,
        "respondent_contact": shown_respondent.contact() if shown_respondent else None,
        "idea_count": len(settings.ideas),
        "return_after": return_after,
        "draft_token": draft_token or str(form.data.get(DRAFT_FIELD, ""))[:64],
    }
    if form.is_bound and http_status == 403:
        context["summary"] = _summary(form)
    return _render(request, "collect/questionnaire.html", context, http_status)


def _check_page(
    request: HttpRequest,
    consultation: Consultation,
    form: QuestionnaireForm,
    respondent: Respondent | None,
    *,
    not_saved: NotSaved | None = None,
) -> HttpResponse:
    answers = form.cleaned_data
    if form.ask_about_you:
        about_you = (answers["role"], answers["organisation"], answers["email"])
    else:
        contact = respondent.contact() if respondent else None
        about_you = (
            respondent.role if respondent else "",
            contact.organisation if contact else "",
            contact.email if contact else "",
        )
    context = {
        **_common_context(consultation, form),
        "summary": _summary(form),
        # (question, answer, field): each answer's "Change" goes back to its field.
        "about_you": [
            ("Role", about_you[0] or NOT_ANSWERED, "role"),
            ("Organisation", about_you[1] or "Not given", "organisation"),
            ("Email address", about_you[2] or "Not given", "email"),
        ],
        "change_about_you": CHANGE if form.ask_about_you else CHANGE_DETAILS,
        "changeable": True,
        "carried": form.carried_fields()
        + ([(DRAFT_FIELD, draft[:64])] if (draft := request.POST.get(DRAFT_FIELD)) else []),
        "honeypot_value": str(request.POST.get(HONEYPOT_FIELD, ""))[:200],
        "not_saved": not_saved,
    }
    status = not_saved.status if not_saved else 200
    return _render(request, "collect/questionnaire_check.html", context, status)


def _summary(form: QuestionnaireForm) -> dict[str, Any]:
    """The answers as the check page shows them, with "Not answered" for the gaps."""
    settings = form.settings
    data = getattr(form, "cleaned_data", {})

    def score(value: int | None) -> str:
        return score_label(value, settings) if value is not None else NOT_ANSWERED

    return {
        "ideas": [
            {
                "number": answer.number,
                "number_text": str(answer.number),  # for the field names of "Change"
                "name": answer.idea.name,
                "has_activities": bool(answer.idea.activities),
                "usefulness": score(answer.usefulness),
                "likelihood": score(answer.likelihood),
                "activities": answer.activities,
            }
            for answer in form.answers()
        ],
        "nature": data.get("nature") or NOT_ANSWERED,
        "comments": data.get("comments", ""),
    }


def _render(
    request: HttpRequest, template: str, context: dict[str, Any], http_status: int = 200
) -> HttpResponse:
    reply = render(request, template, context, status=http_status)
    return keep_out_of_caches(reply)  # answers and contact details
