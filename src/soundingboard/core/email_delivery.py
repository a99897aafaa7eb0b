"""Sending one email from the outbox, and what to do when that fails.

The outbox is the database backend of Django's tasks framework (django-tasks, with
django-tasks-db): a task that sends a message is queued in the same transaction as the
response it belongs to, and the worker (`soundingboard worker`, started beside the web server
by `serve`) runs it. A task holds only which record its message is about; the message is
written when it is sent, from what is stored then, so contact details erased in between are
never sent anywhere.

`deliver` sends a message and says what happened. A mail server that cannot be reached,
times out or answers "try later" gets the message again after a pause that doubles each time
(`retry_at`); an address the server refuses for good is not tried again.
"""

from __future__ import annotations

import datetime as dt
import enum
import logging
import smtplib
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils import timezone

logger = logging.getLogger(__name__)


class Undeliverable(Exception):
    """The address cannot receive this message, and trying again will not change that."""


class Outcome(enum.StrEnum):
    SENT = "sent"
    RETRY = "retry"  # not sent yet: to be tried again at `Delivery.retry_at`
    UNDELIVERABLE = "undeliverable"  # refused for good: the address cannot receive mail
    GAVE_UP = "gave up"  # the mail server failed for longer than it is worth trying


@dataclass(frozen=True)
class Delivery:
    outcome: Outcome
    retry_at: dt.datetime | None = None
    problem: str = ""  # what went wrong, for the log and the analysts (no address in it)


def deliver(message: EmailMessage, *, first_tried: dt.datetime, attempt: int) -> Delivery:
    """Send `message` now. `attempt` counts from 0; `first_tried` is when attempt 0 ran."""
    try:
        message.send(fail_silently=False)
    except Undeliverable as error:
        return Delivery(Outcome.UNDELIVERABLE, problem=str(error))
    except smtplib.SMTPRecipientsRefused as error:
        codes = [code for code, _text in error.recipients.values()]
        problem = f"the mail server refused the address (SMTP {', '.join(map(str, codes))})"
        if all(code >= 500 for code in codes):
            return Delivery(Outcome.UNDELIVERABLE, problem=problem)
        return _again(first_tried, attempt, problem)
    except (OSError, smtplib.SMTPException) as error:  # refused, timed out, "try later"
        return _again(first_tried, attempt, f"{type(error).__name__}: {error}")
    return Delivery(Outcome.SENT)


def retry_delay(attempt: int) -> dt.timedelta:
    """How long to wait after failed attempt `attempt` (from 0): doubling, up to a limit."""
    first = settings.SOUNDINGBOARD_EMAIL_FIRST_RETRY_SECONDS
    most = settings.SOUNDINGBOARD_EMAIL_MAX_RETRY_SECONDS
    return dt.timedelta(seconds=min(most, first * 2 ** min(attempt, 30)))


def _again(first_tried: dt.datetime, attempt: int, problem: str) -> Delivery:
    retry_at = timezone.now() + retry_delay(attempt)
    give_up_at = first_tried + dt.timedelta(seconds=settings.SOUNDINGBOARD_EMAIL_GIVE_UP_SECONDS)
    if retry_at > give_up_at:
        return Delivery(Outcome.GAVE_UP, problem=problem)
    return Delivery(Outcome.RETRY, retry_at=retry_at, problem=problem)
