"""Remembering who is giving feedback for the rest of their visit, and forgetting them.

Role and a pointer to the stored contact details are kept in a signed cookie that ends when
the browser closes, so that feedback on a second page asks only about the page. The cookie
holds no email address or organisation, and nothing about it is stored on the server.

The pointer is the contact record's random visit token, never its id, and it is looked up
only among the contacts that gave feedback to the consultation being viewed: even someone who
holds the secret key, and so can sign any cookie, cannot count through ids to show other
people's details on a public page. A page showing remembered details is never cached, and
offers "Not you? Forget these details", which deletes the cookie.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from functools import cached_property
from typing import cast
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.core import signing
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_POST

from ..publish.consultation import Consultation
from ..publish.registry import get_consultation
from .models import Contact

logger = logging.getLogger(__name__)

COOKIE_NAME = "sb_respondent"
SALT = "soundingboard.respondent"
FORGET_PATH = "privacy/forget-details/"  # under the consultation's address
# The page a forgetting respondent returns to says so when its address carries this.
DETAILS_FORGOTTEN = "details-forgotten"
# Dropped from that address: asking to change the details that are now forgotten.
_DROPPED_ON_RETURN = ("change-details", DETAILS_FORGOTTEN)


@dataclass(frozen=True)
class Respondent:
    """Who the visit cookie says is giving feedback to one consultation."""

    consultation: str  # its slug
    role: str
    visit_token: str | None = None

    @cached_property
    def _contact(self) -> Contact | None:
        if not self.visit_token:
            return None
        try:
            return Contact.objects.filter(
                visit_token=self.visit_token, responses__consultation=self.consultation
            ).first()
        except DatabaseError:
            # Showing the form must not fail while the database is away: the details are
            # shown as not given, and sending the form then meets the outage and says so.
            logger.warning("Could not look up a respondent's contact details", exc_info=True)
            return None

    def contact(self) -> Contact | None:
        """Their contact details, if they gave some to this consultation and they are still
        kept (not erased or purged)."""
        return self._contact

    @property
    def contact_id(self) -> int | None:
        """The id of their contact record, for a new response to link to."""
        contact = self.contact()
        return contact.pk if contact else None

    def form_initial(self) -> dict[str, str]:
        """Their role and contact details, to fill in the "about you" fields again."""
        initial = {"role": self.role}
        if contact := self.contact():
            initial.update(email=contact.email, organisation=contact.organisation)
        return initial


def remembered(request: HttpRequest, consultation: Consultation) -> Respondent | None:
    """The respondent remembered for this consultation, if their role is still one it offers.

    A cookie in the format used before visit tokens (a contact id) remembers no one."""
    try:
        # Without a default it returns the value or raises KeyError, never None.
        value = cast(str, request.get_signed_cookie(COOKIE_NAME, salt=SALT + consultation.slug))
        data = json.loads(value)
    except (KeyError, signing.BadSignature, ValueError):
        return None
    if not isinstance(data, dict) or data.get("role") not in consultation.settings.feedback.roles:
        return None
    if "visit" not in data:
        return None
    token = data["visit"]
    return Respondent(consultation.slug, data["role"], token if isinstance(token, str) else None)


def remember(
    response: HttpResponse,
    consultation: Consultation,
    role: str,
    contact: Contact | None,
    *,
    secure: bool,
) -> None:
    """Remember this role and contact record (if any) for the rest of the visit."""
    value = json.dumps({"role": role, "visit": contact.visit_token if contact else None})
    response.set_signed_cookie(
        COOKIE_NAME,
        value,
        salt=SALT + consultation.slug,
        path=consultation.url_prefix,
        secure=secure or settings.HTTPS,  # as the session and CSRF cookies
        httponly=True,
        samesite="Lax",
    )


def respondent_context(
    request: HttpRequest, consultation: Consultation, respondent: Respondent | None
) -> dict[str, object]:
    """What a page with the "about you" part of a form needs to show remembered details
    (never cached, with "Forget these details"), or that they have just been forgotten."""
    return {
        "remembered": respondent is not None,
        "details_forgotten": respondent is None and DETAILS_FORGOTTEN in request.GET,
        "forget_details_url": consultation.url(FORGET_PATH),
    }


def keep_out_of_caches(response: HttpResponse) -> HttpResponse:
    """A page showing a respondent's details: kept by no cache, the browser's included."""
    add_never_cache_headers(response)
    return response


@require_POST
def forget_details(request: HttpRequest, slug: str) -> HttpResponse:
    """Not you? Forget these details: delete the visit cookie, then back to the page the form
    was on, which says the details are forgotten."""
    consultation = get_consultation(slug)
    reply = HttpResponseRedirect(_return_address(consultation, request.POST.get("next", "")))
    reply.status_code = 303  # see the page again with GET
    reply.delete_cookie(COOKIE_NAME, path=consultation.url_prefix, samesite="Lax")
    return keep_out_of_caches(reply)


def _return_address(consultation: Consultation, given: str) -> str:
    """The consultation's own page that was given, saying the details are forgotten; its
    home page for anything else (another site, another consultation)."""
    try:
        parts = urlsplit(given)
    except ValueError:  # such as an unclosed [ of an IPv6 address
        parts = urlsplit("//invalid")
    path = parts.path
    if (
        parts.scheme
        or parts.netloc
        or not path.startswith(consultation.url_prefix)
        or path.startswith("//")
        or any(c == "\\" or c.isspace() or not c.isprintable() for c in path)
    ):
        path, query = consultation.url_prefix, QueryDict(mutable=True)
    else:
        query = QueryDict(parts.query, mutable=True)
        for name in _DROPPED_ON_RETURN:
            query.pop(name, None)
    kept = [(name, value) for name, values in query.lists() for value in values]
    return f"{path}?{urlencode([*kept, (DETAILS_FORGOTTEN, '1')])}#{DETAILS_FORGOTTEN}"
