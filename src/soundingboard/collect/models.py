"""What is stored about each response.

Contact details (email, organisation) sit in their own table, apart from the answers, so that
they can be shown only to those allowed to see them, erased on request and purged after the
retention date without touching what people said.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from .limits import LIMITS


class Contact(models.Model):
    """How to reach a respondent, if they chose to say."""

    email = models.EmailField(max_length=LIMITS["email"], blank=True)
    organisation = models.CharField(max_length=LIMITS["organisation"], blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["email"])]

    def __str__(self) -> str:
        return f"Contact {self.pk}"


class Response(models.Model):
    """One submission: feedback on a page (or one of its sections)."""

    class Kind(models.TextChoices):
        PAGE = "page", "Page feedback"

    class Channel(models.TextChoices):
        FORM = "form", "Web form"

    class Status(models.TextChoices):
        ACCEPTED = "accepted", "Accepted"

    reference = models.CharField(max_length=16, unique=True)
    consultation = models.CharField(max_length=64)
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.PAGE)
    channel = models.CharField(max_length=16, choices=Channel.choices, default=Channel.FORM)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACCEPTED)
    page_path = models.CharField(max_length=LIMITS["page_path"], blank=True)
    page_title = models.CharField(max_length=LIMITS["title"], blank=True)
    section_id = models.CharField(max_length=LIMITS["section_id"], blank=True)
    section_title = models.CharField(max_length=LIMITS["title"], blank=True)
    nature = models.CharField(max_length=LIMITS["option"], blank=True)
    summary = models.CharField(max_length=LIMITS["summary"], blank=True)
    details = models.TextField(max_length=LIMITS["details"], blank=True)
    role = models.CharField(max_length=LIMITS["option"], blank=True)
    contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="responses"
    )
    submitted_at = models.DateTimeField(default=timezone.now)
    # One per rendered form: a double click or a retry stores one response.
    submission_token = models.CharField(max_length=64, unique=True, null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["consultation", "submitted_at"]),
            models.Index(fields=["consultation", "page_path"]),
        ]

    def __str__(self) -> str:
        return self.reference
