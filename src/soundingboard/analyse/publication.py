"""Announcing that a consultation's results are published, to the respondents who asked.

The emails go through the outbox (collect.published_notice); the audit log records who
announced it, when, where the results are and how many were told, never their addresses.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from ..accounts import audit
from ..collect.published_notice import queue_notices
from ..collect.write_lock import sqlite_write_lock
from ..publish.consultation import Consultation


def announce_results(consultation: Consultation, results_url: str, *, by: Any, via: str) -> int:
    """Queue the email to everyone on the list; how many. `by`: the request, user or None."""
    with sqlite_write_lock(), transaction.atomic():  # the emails and their record, or neither
        count = queue_notices(consultation, results_url)
        audit.record(
            by,
            audit.Action.RESULTS_NOTICE,
            consultation=consultation.slug,
            detail={"results_url": results_url, "messages_queued": count, "via": via},
        )
    return count
