"""The confirmation after a send has an address of its own: post, redirect, get.

A successful send answers 303 See Other to the form's own address with `?sent=` and a receipt,
so Back or a refresh fetches the confirmation again and resends nothing. The receipt is the
reference (and, for section feedback, the section's id) signed with the secret key, bound to
the consultation and the form it came from, and good for a day. It needs no cookie, no session
and no JavaScript. The confirmation shows only the reference and what the page showed anyway,
never the answers or contact details, so an address seen in a shared browser's history gives
away nothing more; a guessed, altered or expired address shows the plain form instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.core import signing
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect

SENT = "sent"  # the query parameter that carries the receipt
LIFETIME = 24 * 60 * 60  # seconds a confirmation address keeps working
_SALT = "soundingboard.collect.receipt"


@dataclass(frozen=True)
class Receipt:
    """What a confirmation page may show: the reference and the section it was about."""

    reference: str
    section_id: str = ""


def confirmation_url(form_url: str, consultation: str, receipt: Receipt) -> str:
    """The form's address with a signed receipt, for the redirect after a send."""
    # Readable as it stands (SB-7K2M-9QXD.section-id:time:signature), so that a client of the
    # form finds the reference in the redirect; a reference never holds a ".".
    value = receipt.reference + (f".{receipt.section_id}" if receipt.section_id else "")
    signed = signing.TimestampSigner(salt=_salt(consultation, form_url)).sign(value)
    return f"{form_url}?{urlencode({SENT: signed}, safe=':')}"


def to_confirmation(form_url: str, consultation: str, receipt: Receipt) -> HttpResponse:
    """303 See Other to the confirmation, which the browser then fetches with GET."""
    reply = HttpResponseRedirect(confirmation_url(form_url, consultation, receipt))
    reply.status_code = 303
    return reply


def read_receipt(request: HttpRequest, consultation: str, form_url: str) -> Receipt | None:
    """The receipt in this request's address, if it is genuine, for this form and fresh."""
    value = request.GET.get(SENT)
    if not value:
        return None
    signer = signing.TimestampSigner(salt=_salt(consultation, form_url))
    try:
        value = signer.unsign(value, max_age=LIFETIME)
    except signing.BadSignature:  # altered, made up, or expired
        return None
    reference, _, section_id = value.partition(".")
    return Receipt(reference, section_id)


def _salt(consultation: str, form_url: str) -> str:
    # A receipt from one form or consultation is no good on another.
    return f"{_SALT}:{consultation}:{form_url}"
