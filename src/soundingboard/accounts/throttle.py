"""Sign-in throttling: waits that grow, never a lock.

Guessing is slowed down by the pair (username typed, client): after
SOUNDINGBOARD_SIGN_IN_FREE_ATTEMPTS failures for a pair since its last success, each further
try must wait 2, 4, 8... seconds after the pair's last failure, up to
SOUNDINGBOARD_SIGN_IN_MAX_WAIT_SECONDS. A try during the wait is refused without the password
being checked. Someone guessing from elsewhere is a different pair, so the owner, from their
own client with the right password, still gets in.

One client trying many usernames is slowed too, but only a little: after
SOUNDINGBOARD_SIGN_IN_CLIENT_FREE_ATTEMPTS failures from a client, whatever the usernames,
every try from it waits likewise, up to SOUNDINGBOARD_SIGN_IN_CLIENT_MAX_WAIT_SECONDS (a
minute), since a whole council may share one address.

Failures are counted from the audit log itself, so the count is shared by every worker
process and machine, and nothing else is kept. The username is counted by a keyed hash of
what was typed, whether or not such an account exists (so that a wait says nothing about
which usernames exist), and the client by a keyed hash of its network. Neither the address
nor a mistyped username (which is sometimes a password) is stored.
"""

from __future__ import annotations

import datetime as dt
import math

from django.conf import settings
from django.db.models import Count, Max, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.crypto import salted_hmac

from ..core.client_address import client_id
from .models import AuditEvent


def throttle_key(username: str) -> str:
    return salted_hmac("soundingboard.sign-in.username", username.casefold()).hexdigest()


def client_key(request: HttpRequest) -> str:
    return salted_hmac("soundingboard.sign-in.client", client_id(request)).hexdigest()


def growing_wait(failures: int, free: int, cap: float) -> float:
    """Seconds to wait after the last of `failures`: none for the first `free`, then 1, 2,
    4, 8... up to `cap`."""
    if failures < free:
        return 0.0
    return min(float(cap), 2.0 ** min(failures - free, 32))


def sign_in_wait(username_key: str, client: str) -> int:
    """Seconds before this username may be tried again from this client; 0 when now."""
    now = timezone.now()
    failures = AuditEvent.objects.filter(
        action=AuditEvent.Action.SIGN_IN_FAILED,
        at__gte=now - dt.timedelta(seconds=settings.SOUNDINGBOARD_SIGN_IN_WINDOW_SECONDS),
    )
    last_success = (
        AuditEvent.objects.filter(
            action=AuditEvent.Action.SIGN_IN, throttle_key=username_key, client=client
        )
        .order_by("-at")
        .values_list("at", flat=True)
        .first()
    )
    by_pair = failures.filter(throttle_key=username_key, client=client)
    if last_success is not None:
        by_pair = by_pair.filter(at__gt=last_success)
    waits = [
        _wait_after(
            by_pair,
            settings.SOUNDINGBOARD_SIGN_IN_FREE_ATTEMPTS,
            settings.SOUNDINGBOARD_SIGN_IN_MAX_WAIT_SECONDS,
            now,
        ),
        _wait_after(
            failures.filter(client=client),
            settings.SOUNDINGBOARD_SIGN_IN_CLIENT_FREE_ATTEMPTS,
            settings.SOUNDINGBOARD_SIGN_IN_CLIENT_MAX_WAIT_SECONDS,
            now,
        ),
    ]
    return max(waits)


def _wait_after(failures: QuerySet[AuditEvent], free: int, cap: float, now: dt.datetime) -> int:
    counted = failures.aggregate(n=Count("id"), last=Max("at"))
    wait = growing_wait(counted["n"], free, cap)
    if not wait or counted["last"] is None:
        return 0
    left = (counted["last"] + dt.timedelta(seconds=wait) - now).total_seconds()
    return max(0, math.ceil(left))


def wait_text(seconds: int) -> str:
    """'8 seconds', '2 minutes': how long to wait, in plain words."""
    if seconds < 90:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = math.ceil(seconds / 60)
    return f"{minutes} minutes"
