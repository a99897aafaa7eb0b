"""Storing a submission durably, exactly once.

Everything for one submission is written in one short transaction; the respondent is shown a
confirmation only after it has committed. A repeated submission of the same rendered form
(a double click, a refresh, a retry after a timeout) finds the response already stored and
returns it instead of storing another.
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.db import IntegrityError, transaction

from .models import ActivityTick, Contact, IdeaScore, Response
from .prepared_insert import prepare
from .write_lock import sqlite_write_lock

REFERENCE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford's: no I, L, O, U


# Base 32's letters (RFC 4648) written in REFERENCE_ALPHABET's, the same 5 bits each.
_FROM_BASE32 = bytes.maketrans(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", REFERENCE_ALPHABET.encode())


def new_reference() -> str:
    """A short reference a person can read out: SB-XXXX-XXXX (40 random bits, 5 a letter)."""
    return new_references(1)[0]


def new_references(count: int) -> list[str]:
    """`count` references as `new_reference` makes them, from one read of the system's
    randomness (an import draws one for each of its rows)."""
    letters = base64.b32encode(secrets.token_bytes(5 * count)).translate(_FROM_BASE32).decode()
    return [f"SB-{letters[i : i + 4]}-{letters[i + 4 : i + 8]}" for i in range(0, 8 * count, 8)]


@dataclass(frozen=True)
class Score:
    idea: str
    usefulness: int | None
    likelihood: int | None


@dataclass(frozen=True)
class Tick:
    idea: str  # the consultation's names, or empty when not matched
    activity: str
    raw: str  # as sent
    matched: bool = True


@dataclass(frozen=True)
class ContactDetails:
    email: str = ""
    organisation: str = ""
    notify_when_published: bool = False

    def __bool__(self) -> bool:
        return bool(self.email or self.organisation)


def store_response(
    fields: dict[str, object],
    *,
    token: str | None,
    contact: ContactDetails | None = None,
    contact_id: int | None = None,
    scores: Sequence[Score] = (),
    ticks: Sequence[Tick] = (),
    in_transaction: Callable[[int], None] | None = None,
) -> tuple[Response, bool]:
    """Store one response; returns it and whether it is new (False: it was already stored).

    `contact` makes a new contact record; `contact_id` links to one made earlier in the visit.
    `scores` and `ticks` are the questionnaire's answers, one row each. `in_transaction`,
    given the new response's id, writes what must be committed with it (such as an email to
    send: collect.emailed_copy), and is not called for a repeat.
    """
    # No look-up first: a repeat is rare, and the unique token refuses it inside the
    # transaction (IntegrityError below), which then finds the response already stored.
    for _attempt in range(5):
        # Every statement is made ready before the write lock is taken (prepared_insert).
        response = Response(reference=new_reference(), submission_token=token or None, **fields)
        new_contact = (
            prepare(
                [
                    Contact(
                        email=contact.email,
                        organisation=contact.organisation,
                        notify_when_published=contact.notify_when_published,
                    )
                ]
            )
            if contact
            else None
        )
        insert_response = prepare([response], later=["contact_id"])
        answers = [
            prepare(rows, later=["response_id"])
            for rows in (
                [
                    IdeaScore(idea=s.idea, usefulness=s.usefulness, likelihood=s.likelihood)
                    for s in scores
                ],
                [
                    ActivityTick(idea=t.idea, activity=t.activity, matched=t.matched, raw=t.raw)
                    for t in ticks
                ],
            )
            if rows
        ]
        try:
            with sqlite_write_lock(), transaction.atomic():
                linked_id = contact_id
                if new_contact is not None:
                    new_contact.run()
                    linked_id = new_contact.instances[0].pk
                elif linked_id is not None and not Contact.objects.filter(pk=linked_id).exists():
                    linked_id = None  # erased since; the answers are kept without it
                insert_response.run(contact_id=linked_id)
                for insert in answers:
                    insert.run(response_id=response.pk)
                if in_transaction is not None:
                    in_transaction(response.pk)
            if new_contact is not None:
                response.contact = new_contact.instances[0]  # its visit token, for the cookie
            return response, True
        except IntegrityError:
            existing = _stored_with(token)
            if existing is not None:
                return existing, False
            if not Response.objects.filter(reference=response.reference).exists():
                raise  # not a collision: a value the database refuses (an import's row)
            # A reference collided (rare): try again with a new one.
    raise IntegrityError("could not find an unused reference")


def _stored_with(token: str | None) -> Response | None:
    """The response already stored for this submission token, if any."""
    if not token:
        return None
    return Response.objects.filter(submission_token=token).first()
