"""Sign-in throttling.

Failed attempts are counted from the audit log itself, so the count is shared by every
worker process and machine, and nothing else is kept. Attempts are counted by a keyed hash
of the username typed, whether or not such an account exists (so that being refused says
nothing about which usernames exist), and by a keyed hash of the client's network (so that
one client cannot try many usernames). Neither the address nor a mistyped username (which
is sometimes a password) is stored.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from django.utils.crypto import salted_hmac

from ..core.client_address import client_id
from .models import AuditEvent


def throttle_key(username: str) -> str:
    return salted_hmac("soundingboard.sign-in.username", username.casefold()).hexdigest()


def client_key(request: HttpRequest) -> str:
    return salted_hmac("soundingboard.sign-in.client", client_id(request)).hexdigest()


def sign_in_locked(username_key: str, client: str) -> bool:
    """True when too many sign-ins failed lately for this username or from this client."""
    attempts = settings.SOUNDINGBOARD_SIGN_IN_ATTEMPTS
    since = timezone.now() - dt.timedelta(seconds=settings.SOUNDINGBOARD_SIGN_IN_LOCK_SECONDS)
    events = AuditEvent.objects.filter(at__gte=since)
    last_success = (
        events.filter(action=AuditEvent.Action.SIGN_IN, throttle_key=username_key)
        .order_by("-at")
        .values_list("at", flat=True)
        .first()
    )
    failures = events.filter(action=AuditEvent.Action.SIGN_IN_FAILED)
    by_username = failures.filter(throttle_key=username_key)
    if last_success is not None:
        by_username = by_username.filter(at__gt=last_success)
    if by_username.count() >= attempts:
        return True
    return failures.filter(client=client).count() >= attempts * 10


def lock_minutes() -> int:
    return max(1, round(settings.SOUNDINGBOARD_SIGN_IN_LOCK_SECONDS / 60))
