"""Why a checked submission was not stored, said the same way on every form.

Two things stop a valid submission: the database failing, and the client's rate limit. In
both cases the respondent's answers stay on the page and nothing is confirmed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from django.http import HttpRequest

from .ratelimit import check_rate


@dataclass(frozen=True)
class NotSaved:
    message: str
    status: int  # the HTTP status of the page that says so


SERVICE_PROBLEM = NotSaved(
    "Sorry, there is a problem with the service. Try sending them again in a few minutes.", 503
)


def rate_limited(request: HttpRequest) -> NotSaved | None:
    """A NotSaved when this client has sent too many submissions lately."""
    wait = check_rate(request)
    if wait is None:
        return None
    minutes = max(1, math.ceil(wait / 60))
    return NotSaved(
        "A lot of feedback has been sent from your connection in a short time. "
        f"Wait {minutes} minute{'s' if minutes != 1 else ''}, then send your answers again.",
        429,
    )
