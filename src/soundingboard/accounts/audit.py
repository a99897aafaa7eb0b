"""The audit log: who did what, when.

Record an event with `record`:

    from soundingboard.accounts import audit

    audit.record(request, audit.Action.PERSONAL_DATA_VIEW, consultation=slug,
                 detail={"response": response.reference})
    audit.record(request, audit.Action.EXPORT, consultation=slug,
                 detail={"format": "csv", "rows": 120, "personal_data": True})

`record(who, action, *, consultation="", detail=None) -> AuditEvent`

- `who`: the request (its signed-in user is recorded), a `User`, or None (the command line,
  or nobody signed in).
- `action`: an `Action` (or its value, such as "export"); anything else raises ValueError.
- `consultation`: the consultation's slug, when the event concerns one.
- `detail`: a short text or a JSON-able mapping saying what exactly (a response's reference,
  a filter, a row count, the account changed). Never put passwords, codes, secrets or
  respondents' contact details in it: keys that name such things, and any text that looks
  like an email address, are replaced with "[removed]" before the event is stored.

An event is written in the caller's database transaction, if one is open: an export that fails
and is rolled back leaves no event saying it happened.

The log is shown to administrators at /-/audit/.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User
from django.http import HttpRequest

from .models import AuditEvent
from .roles import role_of

Action = AuditEvent.Action

REMOVED = "[removed]"
_SECRET_KEYS = re.compile(r"pass|token|secret|otp|code|email|e-mail|phone", re.IGNORECASE)
_EMAIL = re.compile(r"[^\s@<>()\[\],;:\"']+@[^\s@<>()\[\],;:\"']+\.[^\s@<>()\[\],;:\"']+")


def record(
    who: HttpRequest | AbstractBaseUser | AnonymousUser | None,
    action: Action | str,
    *,
    consultation: str = "",
    detail: str | Mapping[str, Any] | None = None,
    throttle_key: str = "",
    client: str = "",
) -> AuditEvent:
    """Store one event and return it. (`throttle_key` and `client` are for sign-in
    throttling in `access`; other callers leave them out.)"""
    if action not in Action.values:
        raise ValueError(f"unknown audit action {action!r}; add it to AuditEvent.Action")
    account = who.user if isinstance(who, HttpRequest) else who
    # Only a User is ever authenticated; an AnonymousUser (nobody signed in) is recorded as None.
    user = account if isinstance(account, User) and account.is_authenticated else None
    role = ""
    if user is not None:
        role = role_of(user) or ""
    return AuditEvent.objects.create(
        user=user,
        username=user.get_username() if user is not None else "",
        role=role,
        action=str(action),
        consultation=consultation[:64],
        detail=clean_detail(detail),
        throttle_key=throttle_key,
        client=client,
    )


def entry_of(consultation: str, reference: str) -> AuditEvent | None:
    """Who entered a response received by email or on paper, and when: the record made as
    it was entered (None for any other response)."""
    return (
        AuditEvent.objects.filter(
            action=AuditEvent.Action.RESPONSE_ENTERED,
            consultation=consultation,
            detail__reference=reference,
        )
        .order_by("at")
        .first()
    )


def clean_detail(detail: str | Mapping[str, Any] | None) -> dict[str, Any]:
    """The detail as stored: always a mapping, with secrets and email addresses removed."""
    if detail is None:
        return {}
    if isinstance(detail, str):
        detail = {"note": detail}
    return {str(key): _clean(str(key), value) for key, value in detail.items()}


def _clean(key: str, value: Any) -> Any:
    if _SECRET_KEYS.search(key):
        return REMOVED
    if isinstance(value, str):
        return _EMAIL.sub(REMOVED, value)[:2000]
    if isinstance(value, Mapping):
        return {str(k): _clean(str(k), v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(key, v) for v in value][:200]
    if value is None or isinstance(value, bool | int | float):
        return value
    return _clean(key, str(value))


def describe(event: AuditEvent) -> str:
    """The detail as one line of text, for the log page."""
    detail = event.detail
    if not detail:
        return ""
    if not isinstance(detail, Mapping):
        return str(detail)
    if set(detail) == {"note"}:
        return str(detail["note"])
    return "; ".join(f"{key.replace('_', ' ')}: {_plain(value)}" for key, value in detail.items())


def _plain(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        return ", ".join(_plain(v) for v in value)
    if isinstance(value, Mapping):
        return ", ".join(f"{k} {_plain(v)}" for k, v in value.items())
    return str(value)
