"""What is stored about each response.

Contact details (email, organisation) sit in their own table, apart from the answers, so that
they can be shown only to those allowed to see them, erased on request and purged after the
retention date without touching what people said.
"""

from __future__ import annotations

import secrets

from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models.sql.compiler import SQLCompiler
from django.utils import timezone

from .limits import LIMITS
from .prepared_insert import written_without_save


def new_visit_token() -> str:
    """A contact record's visit token: 192 random bits, 32 characters."""
    return secrets.token_urlsafe(24)


@written_without_save  # stored by prepared INSERTs, without save()
class Contact(models.Model):
    """How to reach a respondent, if they chose to say."""

    email = models.EmailField(max_length=LIMITS["email"], blank=True)
    organisation = models.CharField(max_length=LIMITS["organisation"], blank=True)
    # "Tell me when the results are published": on the list of the consultations this
    # contact's responses are for (collect.published_notice).
    notify_when_published = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    # What the respondent's visit cookie names (collect.respondent), instead of the id, which
    # anyone can count through.
    visit_token = models.CharField(
        max_length=64, unique=True, default=new_visit_token, editable=False
    )

    class Meta:
        indexes = [models.Index(fields=["email"])]

    def __str__(self) -> str:
        return f"Contact {self.pk}"


@written_without_save  # stored by prepared INSERTs, without save()
class Response(models.Model):
    """One submission: feedback on a page (or one of its sections), or the main questionnaire."""

    class Kind(models.TextChoices):
        PAGE = "page", "Page feedback"
        QUESTIONNAIRE = "questionnaire", "Main questionnaire"

    class Channel(models.TextChoices):
        FORM = "form", "Web form"
        API = "api", "Intake API"
        IMPORT = "import", "Import"
        # Received outside soundingboard and entered by an analyst (the audit log says who).
        PAPER = "paper", "Paper"
        EMAIL = "email", "Email"

    class Status(models.TextChoices):
        ACCEPTED = "accepted", "Accepted"
        SPAM = "spam", "Suspected spam"
        HIDDEN = "hidden", "Hidden by an analyst"

    reference = models.CharField(max_length=16, unique=True)
    consultation = models.CharField(max_length=64)
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.PAGE)
    channel = models.CharField(max_length=16, choices=Channel.choices, default=Channel.FORM)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACCEPTED)
    page_path = models.CharField(max_length=LIMITS["page_path"], blank=True)
    # False when the page address sent (by the API or an import) matches no page; the
    # address is then kept as sent in page_path.
    page_matched = models.BooleanField(default=True)
    page_title = models.CharField(max_length=LIMITS["title"], blank=True)
    section_id = models.CharField(max_length=LIMITS["section_id"], blank=True)
    section_title = models.CharField(max_length=LIMITS["title"], blank=True)
    nature = models.CharField(max_length=LIMITS["option"], blank=True)
    summary = models.CharField(max_length=LIMITS["summary"], blank=True)
    details = models.TextField(max_length=LIMITS["details"], blank=True)
    comments = models.TextField(max_length=LIMITS["details"], blank=True)
    # The text of the documents attached (`Attachment`), each headed as from an attachment,
    # written by the worker (collect.attachment_text): searched, themed and exported with
    # the answers, never shown as something the respondent typed.
    attachment_text = models.TextField(blank=True, default="", db_default="")
    role = models.CharField(max_length=LIMITS["option"], blank=True)
    spam_reason = models.CharField(max_length=200, blank=True)
    # The answer to the consultation's consent-to-quote question (`quote_consent`): None when
    # it was not asked or not answered.
    may_quote = models.BooleanField(null=True, blank=True, default=None)
    contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="responses"
    )
    submitted_at = models.DateTimeField(default=timezone.now)
    # One per rendered form: a double click or a retry stores one response.
    submission_token = models.CharField(max_length=64, unique=True, null=True, blank=True)
    # The intake API's: a hash of the body sent with an Idempotency-Key, so that the key
    # sent again with a different body is refused rather than answered with this response.
    body_hash = models.CharField(max_length=64, blank=True, default="")
    # Questionnaire scores sent (by the intake API or an import) for idea names that match
    # none of the consultation's ideas, as sent and in the order sent: [{"idea": name,
    # "usefulness": 1-5 or None, "likelihood": ...}]; None when there are none. Kept here,
    # not as ideas of their own, so that invented names cannot add rows to the ideas page or
    # columns to an export.
    unmatched_ideas = models.JSONField(null=True, blank=True, default=None)

    class Meta:
        indexes = [
            # The analysis reads these two covering indexes instead of the table
            # (analyse/stats/overview.py): one by what a response is about, one by time.
            # Named *_analysis_* so that analyse/stats/common.py finds them.
            models.Index(
                fields=[
                    "consultation",
                    "kind",
                    "page_path",
                    "role",
                    "nature",
                    "status",
                    "submitted_at",
                ],
                name="response_analysis_cube_idx",
            ),
            models.Index(
                fields=[
                    "consultation",
                    "status",
                    "submitted_at",
                    "kind",
                    "page_path",
                    "role",
                    "nature",
                ],
                name="response_analysis_time_idx",
            ),
            models.Index(fields=["consultation", "page_path"]),
            # The few responses with unmatched idea names, counted on the ideas page.
            models.Index(
                fields=["consultation", "status"],
                condition=models.Q(unmatched_ideas__isnull=False),
                name="response_unmatched_ideas_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.reference


@written_without_save  # stored by prepared INSERTs, without save()
class IdeaScore(models.Model):
    """How one questionnaire response scored one idea (either score may be missing)."""

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="scores")
    idea = models.CharField(max_length=LIMITS["option"])
    usefulness = models.PositiveSmallIntegerField(null=True, blank=True)
    likelihood = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["response", "idea"], name="one_score_per_idea"),
            models.CheckConstraint(
                condition=models.Q(usefulness__isnull=True)
                | models.Q(usefulness__gte=1, usefulness__lte=5),
                name="usefulness_1_to_5",
            ),
            models.CheckConstraint(
                condition=models.Q(likelihood__isnull=True)
                | models.Q(likelihood__gte=1, likelihood__lte=5),
                name="likelihood_1_to_5",
            ),
        ]
        indexes = [
            models.Index(
                fields=["idea", "usefulness", "likelihood", "response"],
                name="ideascore_analysis_idx",
            )
        ]

    def __str__(self) -> str:
        return f"{self.idea}: {self.usefulness}/{self.likelihood}"


@written_without_save  # stored by prepared INSERTs, without save()
class ActivityTick(models.Model):
    """One activity a questionnaire respondent ticked.

    `idea` and `activity` are the consultation's own names when the tick was matched to them;
    `raw` is what was sent. An unmatched tick is kept with `matched=False` and empty names.
    """

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="ticks")
    idea = models.CharField(max_length=LIMITS["option"], blank=True)
    activity = models.CharField(max_length=LIMITS["option"], blank=True)
    matched = models.BooleanField(default=True)
    raw = models.CharField(max_length=LIMITS["tick"], blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["idea", "activity", "matched", "response"], name="tick_analysis_idx"
            )
        ]

    def __str__(self) -> str:
        return self.raw or f"{self.idea}: {self.activity}"


class FullTextField(models.TextField):
    """The column of an FTS5 table named as the table, which stands for its whole text;
    `field__match=query` is `MATCH`. Never read or written as text."""


@FullTextField.register_lookup
class Match(models.Lookup):
    """FTS5's `MATCH`: the query must already be FTS5 query text (`analyse.search` makes it)."""

    lookup_name = "match"

    def as_sql(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper
    ) -> tuple[str, list[str | int]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} MATCH {rhs}", [*lhs_params, *rhs_params]


class SearchEntry(models.Model):
    """A response's entry in SQLite's full-text index (`search_index`): an FTS5 table that
    migration 0006 makes, and triggers keep, not Django. There is none on PostgreSQL, whose
    index is a column of the response table (`analyse.search` reads each its own way)."""

    response = models.OneToOneField(
        Response,
        primary_key=True,
        db_column="id",
        on_delete=models.DO_NOTHING,  # the index's triggers remove it
        db_constraint=False,
        related_name="search_entry",
    )
    document = FullTextField(db_column="collect_response_search")
    rank = models.FloatField()  # how well it matches the search: lower is better

    class Meta:
        managed = False
        db_table = "collect_response_search"

    def __str__(self) -> str:
        return f"Search entry of response {self.pk}"


def new_draft_token() -> str:
    """A saved questionnaire's key, in its link: 192 random bits."""
    return secrets.token_urlsafe(24)


class Draft(models.Model):
    """Questionnaire answers saved to finish later: never a response, never counted.

    Reopened by the link with its token until `expires_at`; deleted when the answers are
    sent, when they expire (`collect.drafts`), and when contact details with its email
    address are erased."""

    token = models.CharField(max_length=64, unique=True, default=new_draft_token)
    consultation = models.CharField(max_length=64)
    # The form's fields as (name, value) pairs, as the check page carries them.
    answers = models.JSONField(default=list)
    email = models.EmailField(max_length=LIMITS["email"], blank=True)
    saved_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["email"]), models.Index(fields=["expires_at"])]

    def __str__(self) -> str:
        return f"Draft {self.pk}"


def new_attachment_id() -> str:
    """An attached document's file name in the data directory: 192 random bits."""
    return secrets.token_urlsafe(24)


class Attachment(models.Model):
    """A document (PDF, DOCX or ODT) attached to a response, kept privately in the data
    directory under `file_id` (`collect.attachments`), never served to the public. Its text
    is read out by the worker (`collect.attachment_text`) for search, themes and exports."""

    class Kind(models.TextChoices):
        PDF = "pdf", "PDF"
        DOCX = "docx", "Word document (DOCX)"
        ODT = "odt", "OpenDocument text (ODT)"

    class TextStatus(models.TextChoices):
        WAITING = "waiting", "Waiting to be read"
        READ = "read", "Read"
        FAILED = "failed", "Could not be read"

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="attachments")
    file_id = models.CharField(max_length=64, unique=True, default=new_attachment_id)
    name = models.CharField(max_length=255)  # as the respondent's computer named it
    kind = models.CharField(max_length=8, choices=Kind.choices)
    size = models.PositiveBigIntegerField()
    text = models.TextField(blank=True)
    text_status = models.CharField(
        max_length=8, choices=TextStatus.choices, default=TextStatus.WAITING
    )
    problem = models.TextField(blank=True)  # why the text could not be read, for analysts
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"Attachment {self.pk} of response {self.response_id}"
