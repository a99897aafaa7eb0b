"""Responses received outside soundingboard, by email or on paper, entered by an analyst.

They are stored like any other response (checked as the intake API checks a payload, then
`Submission.store`), so that they are counted, themed and exported with the rest; their
`channel` says how they came, and their `submitted_at` is when they were received. Who entered
each is in the audit log (the analyst workspace records it, `accounts.audit`).
"""

from __future__ import annotations

import datetime as dt

from ..publish.consultation import Consultation
from .models import Response
from .payloads import PAGE_FEEDBACK_TAB, submission_from_payload

CHANNELS = (Response.Channel.PAPER, Response.Channel.EMAIL)
TOKEN_PREFIX = "entered:"


def store_received(
    consultation: Consultation,
    answers: dict[str, str],
    *,
    channel: str,
    received_at: dt.datetime,
    token: str,
) -> tuple[Response, bool]:
    """Store feedback on a page received by `channel`; returns the response and whether it is
    new (False: this form was sent before, and its response is returned). Raises
    `payloads.PayloadError` as the intake API would."""
    if channel not in CHANNELS:
        raise ValueError(f"channel must be one of {', '.join(CHANNELS)}")
    payload = {"tab": PAGE_FEEDBACK_TAB, **answers}
    submission = submission_from_payload(consultation, payload, channel=channel)
    return submission.store(token=TOKEN_PREFIX + token, submitted_at=received_at)
