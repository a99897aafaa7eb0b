"""Removing personal data: one person's on request, and everyone's after the retention date.

Contact details (email, organisation) are kept in their own table (`collect.models.Contact`);
a response points to its contact, and several responses of one visit may share one.

`erase_contact(email, *, responses, by)`: every contact record with this email address, in
every consultation, matched without regard to case, is deleted, and so is every questionnaire
saved to finish later (collect.drafts) with that address. The responses keep their
answers, without contact details (their `contact` becomes empty), unless `responses` is True:
then the responses linked to those contacts are deleted too, with their idea scores and ticked
activities (and anything else that belongs to a response, such as tags, by cascade). Nothing
else can find a person's responses: a response given without an email address cannot be
erased by email, and is not personal data this way.

`purge_contacts(consultation, before=..., by=...)`: deletes the contact records of one
consultation's responses submitted before the start of `before` (a day in the consultation's
time zone), keeping the answers. A contact record is deleted only if EVERY response linked to
it is of this consultation and submitted before then: a contact also linked to a later
response (the person gave more feedback, whose details are still within their retention
period) or to another consultation's response (which has its own retention date) is kept.
Without `before`, the day after `contact_retention_until` in consultation.yml is used, and
only once that date has passed.

Both record an `Action.ERASURE` event with the numbers, never the email address, and return
the counts. Each runs in one transaction: all is erased, or nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from ..accounts import audit
from ..collect.models import Contact, Draft, Response
from ..collect.write_lock import sqlite_write_lock
from ..publish.consultation import Consultation


class ErasureError(ValueError):
    """Nothing was done, for the reason given."""


@dataclass(frozen=True)
class ErasureCounts:
    contacts: int = 0
    responses_kept: int = 0  # responses whose contact details were removed, answers kept
    responses_deleted: int = 0
    consultations: tuple[str, ...] = field(default_factory=tuple)
    drafts: int = 0  # questionnaire answers saved to finish later, deleted

    def summary(self) -> str:
        if not self.contacts and not self.drafts:
            return "No contact details with that email address were found; nothing was erased."
        text = f"Erased {_n(self.contacts, 'contact record')}"
        if self.drafts:
            text += f" and {_n(self.drafts, 'saved, unsent questionnaire')}"
        if self.responses_deleted:
            text += f" and deleted {_n(self.responses_deleted, 'response')}"
        if self.responses_kept:
            text += f"; {_n(self.responses_kept, 'response')} kept without contact details"
        if self.consultations:
            text += f" (consultations: {', '.join(self.consultations)})"
        return text + "."

    def detail(self) -> dict[str, Any]:
        return {
            "contacts": self.contacts,
            "responses_kept": self.responses_kept,
            "responses_deleted": self.responses_deleted,
            "consultations": list(self.consultations),
            "drafts": self.drafts,
        }


def _n(count: int, noun: str) -> str:
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


def contacts_with_email(email: str) -> QuerySet[Contact]:
    email = email.strip()
    if not email:
        raise ErasureError("give an email address")
    return Contact.objects.filter(email__iexact=email)


def preview(email: str, *, responses: bool) -> ErasureCounts:
    """What `erase_contact` would do now."""
    contacts = contacts_with_email(email)
    linked = Response.objects.filter(contact__in=contacts.values("pk"))
    n = linked.count()
    consultations = tuple(sorted(set(linked.values_list("consultation", flat=True))))
    return ErasureCounts(
        contacts=contacts.count(),
        responses_kept=0 if responses else n,
        responses_deleted=n if responses else 0,
        consultations=consultations,
        drafts=Draft.objects.filter(email__iexact=email.strip()).count(),
    )


def erase_contact(email: str, *, responses: bool, by: Any, via: str = "") -> ErasureCounts:
    """Delete every contact record with this email address (and, with `responses`, their
    responses); `by` is the request, the user, or None (the command line)."""
    with sqlite_write_lock(), transaction.atomic():
        contacts = contacts_with_email(email)
        contact_ids = list(contacts.values_list("pk", flat=True))
        linked = Response.objects.filter(contact_id__in=contact_ids)
        consultations = tuple(sorted(set(linked.values_list("consultation", flat=True))))
        deleted = kept = 0
        if responses:
            deleted = linked.count()
            linked.delete()
        else:
            kept = linked.update(contact=None)
        Contact.objects.filter(pk__in=contact_ids).delete()
        drafts, _ = Draft.objects.filter(email__iexact=email.strip()).delete()
        counts = ErasureCounts(len(contact_ids), kept, deleted, consultations, drafts)
        detail: dict[str, Any] = {
            "what": "one person's contact details" + (" and responses" if responses else ""),
            **counts.detail(),
        }
        if via:
            detail["via"] = via
        audit.record(by, audit.Action.ERASURE, detail=detail)
    return counts


def retention_cutoff(consultation: Consultation, before: dt.date | None, today: dt.date) -> dt.date:
    """The day before which contact details go: `before`, or the day after the retention date
    once it has passed. Raises ErasureError when neither applies."""
    if before is not None:
        return before
    until = consultation.settings.contact_retention_until
    if until is None:
        raise ErasureError(
            f"{consultation.slug} has no contact_retention_until in consultation.yml; "
            "give the date with --before"
        )
    if today <= until:
        raise ErasureError(
            f"contact details of {consultation.slug} are kept until {until.isoformat()} "
            "(contact_retention_until); they can be purged from the day after, or give an "
            "earlier date with --before"
        )
    return until + dt.timedelta(days=1)


def purgeable(consultation: Consultation, before: dt.date) -> QuerySet[Contact]:
    """The contact records `purge_contacts` would delete."""
    start = dt.datetime.combine(before, dt.time(), consultation.settings.zone())
    mine = Q(responses__consultation=consultation.slug, responses__submitted_at__lt=start)
    elsewhere = Response.objects.filter(contact__isnull=False).exclude(
        consultation=consultation.slug, submitted_at__lt=start
    )
    return Contact.objects.filter(mine).exclude(pk__in=elsewhere.values("contact_id")).distinct()


def purge_contacts(
    consultation: Consultation, *, before: dt.date, by: Any, via: str = ""
) -> ErasureCounts:
    with sqlite_write_lock(), transaction.atomic():
        contact_ids = list(purgeable(consultation, before).values_list("pk", flat=True))
        kept = 0
        for start in range(0, len(contact_ids), 500):
            chunk = contact_ids[start : start + 500]
            kept += Response.objects.filter(contact_id__in=chunk).update(contact=None)
            Contact.objects.filter(pk__in=chunk).delete()
        # Saved, unsent questionnaires past their own expiry go too.
        drafts, _ = Draft.objects.filter(
            consultation=consultation.slug, expires_at__lte=timezone.now()
        ).delete()
        counts = ErasureCounts(
            len(contact_ids), kept, 0, (consultation.slug,) if contact_ids else (), drafts
        )
        detail: dict[str, Any] = {
            "what": "contact details after the retention date",
            "before": before.isoformat(),
            **counts.detail(),
        }
        if via:
            detail["via"] = via
        audit.record(by, audit.Action.ERASURE, consultation=consultation.slug, detail=detail)
    return counts
