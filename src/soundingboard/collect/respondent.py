"""Remembering who is giving feedback for the rest of their visit.

Role and a pointer to the stored contact details are kept in a signed cookie that ends when
the browser closes, so that feedback on a second page asks only about the page. The cookie
holds no email address or organisation, and nothing about it is stored on the server.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse

from ..publish.consultation import Consultation
from .models import Contact

logger = logging.getLogger(__name__)

COOKIE_NAME = "sb_respondent"
SALT = "soundingboard.respondent"


@dataclass(frozen=True)
class Respondent:
    role: str
    contact_id: int | None = None

    def contact(self) -> Contact | None:
        if self.contact_id is None:
            return None
        try:
            return Contact.objects.filter(pk=self.contact_id).first()
        except DatabaseError:
            # Showing the form must not fail while the database is away: the details are
            # shown as not given, and sending the form then meets the outage and says so.
            logger.warning("Could not look up a respondent's contact details", exc_info=True)
            return None

    def form_initial(self) -> dict[str, str]:
        """Their role and contact details, to fill in the "about you" fields again."""
        initial = {"role": self.role}
        if contact := self.contact():
            initial.update(email=contact.email, organisation=contact.organisation)
        return initial


def remembered(request: HttpRequest, consultation: Consultation) -> Respondent | None:
    """The respondent remembered for this consultation, if their role is still one it offers."""
    try:
        value = request.get_signed_cookie(COOKIE_NAME, salt=SALT + consultation.slug)
        data = json.loads(value)
    except (KeyError, signing.BadSignature, ValueError):
        return None
    if not isinstance(data, dict) or data.get("role") not in consultation.settings.feedback.roles:
        return None
    contact_id = data.get("contact")
    return Respondent(data["role"], contact_id if isinstance(contact_id, int) else None)


def remember(
    response: HttpResponse, consultation: Consultation, respondent: Respondent, *, secure: bool
) -> None:
    value = json.dumps({"role": respondent.role, "contact": respondent.contact_id})
    response.set_signed_cookie(
        COOKIE_NAME,
        value,
        salt=SALT + consultation.slug,
        path=consultation.url_prefix,
        secure=secure or settings.HTTPS,  # as the session and CSRF cookies
        httponly=True,
        samesite="Lax",
    )
