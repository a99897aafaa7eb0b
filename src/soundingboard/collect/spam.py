"""Telling people from bots without a CAPTCHA or a third party.

Three signs, each cheap: a honeypot field that people never see and so leave empty; a
signed, timestamped token in every rendered form that shows how long the form was open (too
quick is a bot, too old is suspicious); and rate limits per client (see `ratelimit`).
Suspected spam is stored with its reason and kept out of every count; it is never dropped,
so an analyst can put back anything caught by mistake.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core import signing

HONEYPOT_FIELD = "hp_field"
_SALT = "soundingboard.form-token"


def new_form_token() -> str:
    """A token for one rendered form: a random key, signed with the time it was made."""
    return signing.TimestampSigner(salt=_SALT).sign(uuid.uuid4().hex)


@dataclass(frozen=True)
class FormToken:
    key: str | None  # the random part, used to store a repeated submission once
    spam_reason: str = ""


def read_form_token(token: str, now: float | None = None) -> FormToken:
    """Check a token from a submitted form and say whether its timing looks like a bot's."""
    signer = signing.TimestampSigner(salt=_SALT)
    try:
        key = signer.unsign(token)
        made = signing.b62_decode(token.rsplit(signer.sep, 2)[1])
    except (signing.BadSignature, IndexError, ValueError):
        return FormToken(None, "the form's token was missing or altered")
    age = (time.time() if now is None else now) - made
    if age < settings.SOUNDINGBOARD_FORM_MIN_SECONDS:
        return FormToken(key, f"sent {max(age, 0):.1f} seconds after the form was shown")
    if age > settings.SOUNDINGBOARD_FORM_MAX_AGE:
        return FormToken(key, "sent from a form shown more than 7 days before")
    return FormToken(key)


def honeypot_reason(value: object) -> str:
    """A reason when the hidden field that people leave empty was filled in."""
    if isinstance(value, str) and value.strip():
        return "the hidden honeypot field was filled in"
    return ""
