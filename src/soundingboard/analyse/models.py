"""The analyst workspace's data: tags and notes on responses (with the record of every change),
and candidate themes in the free text with their assignments and stored vectors.

Analyst accounts and the audit log are in `soundingboard.accounts.models`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

# Coding responses ------------------------------------------------------------------------
#
# Change these only through `soundingboard.analyse.tagging`, which records every change in
# `ChangeRecord` in the same transaction.


class Tag(models.Model):
    """A code in one consultation's codebook."""

    consultation = models.CharField(max_length=64)
    name = models.CharField(max_length=100)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["consultation", "name"], name="one_tag_name_each")
        ]

    def __str__(self) -> str:
        return self.name


class ResponseTag(models.Model):
    """A tag given to a response."""

    response = models.ForeignKey(
        "collect.Response", on_delete=models.CASCADE, related_name="response_tags"
    )
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="response_tags")
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["response", "tag"], name="one_tag_per_response")
        ]
        indexes = [models.Index(fields=["tag", "response"], name="responsetag_by_tag")]

    def __str__(self) -> str:
        return f"{self.response_id}: {self.tag_id}"


class Note(models.Model):
    """An analyst's note on a response."""

    response = models.ForeignKey("collect.Response", on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    author_name = models.CharField(max_length=150, blank=True)  # kept if the account goes
    text = models.TextField(max_length=5000)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"Note {self.pk}"


class ChangeRecord(models.Model):
    """One change to a response's tags, notes or status, or to a codebook: who, when, what
    it was before and after. Never edited; kept after the account, tag or response is gone
    (the response's reference and the tag's name are in `before`/`after`)."""

    class Action(models.TextChoices):
        TAG_ADDED = "tag-added", "Tag added"
        TAG_REMOVED = "tag-removed", "Tag removed"
        TAG_CREATED = "tag-created", "Tag created"
        TAG_RENAMED = "tag-renamed", "Tag renamed"
        TAGS_MERGED = "tags-merged", "Tags merged"
        TAG_DELETED = "tag-deleted", "Tag deleted"
        STATUS_CHANGED = "status-changed", "Status changed"
        NOTE_ADDED = "note-added", "Note added"
        THEMES_FOUND = "themes-found", "Themes found"
        THEME_RENAMED = "theme-renamed", "Theme renamed"
        THEMES_MERGED = "themes-merged", "Themes merged"
        THEME_SPLIT = "theme-split", "Theme split"
        THEME_DELETED = "theme-deleted", "Theme deleted"
        THEME_ADDED = "theme-added", "Theme added by an analyst"
        THEMES_CONFIRMED = "themes-confirmed", "Themes confirmed"
        THEMES_ASSIGNED = "themes-assigned", "Themes assigned by the machine"
        THEME_CORRECTED = "theme-corrected", "Themes corrected"

    at = models.DateTimeField(default=timezone.now)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    username = models.CharField(max_length=150, blank=True)
    consultation = models.CharField(max_length=64)
    response = models.ForeignKey(
        "collect.Response",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="change_records",
    )
    tag = models.ForeignKey(
        Tag, null=True, blank=True, on_delete=models.SET_NULL, related_name="change_records"
    )
    action = models.CharField(max_length=32, choices=Action.choices)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["response", "-at"], name="change_by_response"),
            models.Index(fields=["consultation", "-at"], name="change_by_consultation"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.username or '-'} {self.action}"


# The record of consideration -------------------------------------------------------------
#
# Change these only through `soundingboard.analyse.review`, which writes the current state
# and its history in one transaction. Both go with their response when it is erased.


class ReviewState(models.TextChoices):
    """Where a response stands in the analysts' reading of it."""

    NEW = "new", "New"
    READ = "read", "Read"
    CODED = "coded", "Coded"


class Review(models.Model):
    """A response's current progress, with who set it and when. No row means new."""

    response = models.OneToOneField(
        "collect.Response", on_delete=models.CASCADE, primary_key=True, related_name="review"
    )
    state = models.CharField(max_length=8, choices=ReviewState.choices, default=ReviewState.NEW)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    by_name = models.CharField(max_length=150, blank=True)  # kept if the account goes
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["state", "response"], name="review_by_state")]

    def __str__(self) -> str:
        return f"{self.response_id}: {self.state}"


class ReviewChange(models.Model):
    """One change of a response's progress: from what, to what, how, by whom and when.
    Never edited; deleted with its response (an erasure leaves none behind)."""

    response = models.ForeignKey(
        "collect.Response", on_delete=models.CASCADE, related_name="review_changes"
    )
    before = models.CharField(max_length=8, choices=ReviewState.choices)
    after = models.CharField(max_length=8, choices=ReviewState.choices)
    via = models.CharField(max_length=200, blank=True)  # what the analyst did, in words
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    username = models.CharField(max_length=150, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["response", "-at"], name="reviewchange_by_response")]

    def __str__(self) -> str:
        return f"{self.response_id}: {self.before} -> {self.after}"


# Themes in the free text -------------------------------------------------------------------
#
# A `ThemeRun` is one search for candidate themes in one consultation's answers; analysts
# rename, merge, split and delete its `Theme`s, then confirm the set. Change these only
# through `soundingboard.analyse.themes` (workspace, assignment, tags), which records every
# change in `ChangeRecord`.


class ThemeRun(models.Model):
    """One search for themes: which answers were read, how, by whom, and whether its themes
    have been confirmed."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Candidate themes"
        CONFIRMED = "confirmed", "Confirmed"

    class Method(models.TextChoices):
        CENTROID = "centroid", "Nearest theme"
        CLASSIFIER = "classifier", "Learnt from people's corrections"

    consultation = models.CharField(max_length=64)
    # Which texts: one field of `themes.selection.FIELDS`, or "" for all of them joined;
    # and the analysis filter, as its query string (`ResponseFilter.to_query`) and in words.
    field = models.CharField(max_length=16, blank=True)
    filter_query = models.TextField(blank=True)
    filter_words = models.JSONField(default=list, blank=True)
    representation = models.CharField(max_length=16)
    description = models.TextField(blank=True)  # representations.describe(representation)
    k_requested = models.PositiveSmallIntegerField(null=True, blank=True)  # None: automatic
    k = models.PositiveSmallIntegerField(default=0)
    seed = models.IntegerField(default=0)
    responses = models.PositiveIntegerField(default=0)  # answers read
    counted = models.PositiveIntegerField(default=0)  # each duplicate group counted once
    seconds = models.FloatField(default=0)  # how long finding the themes took
    # Agreement of the grouping with itself from other seeds (adjusted Rand index, 1 = the
    # same): engine.grouping.stability. None for runs found before it was measured.
    stability = models.FloatField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by_name = models.CharField(max_length=150, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    confirmed_by_name = models.CharField(max_length=150, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    assigned_at = models.DateTimeField(null=True, blank=True)
    method = models.CharField(max_length=16, choices=Method.choices, blank=True)
    # The representation the machine last assigned answers with (themes.sentence_vectors):
    # the sentence model where it can, whatever `representation` found the themes.
    assigned_with = models.CharField(max_length=16, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["consultation", "-created_at"], name="themerun_newest")]

    def __str__(self) -> str:
        return f"Theme run {self.pk} of {self.consultation}"

    @property
    def is_confirmed(self) -> bool:
        return self.status == self.Status.CONFIRMED


class Theme(models.Model):
    """One theme of a run. `key` -1 is the run's "Other / unclear" group, -2 its group of
    answers that say nothing ("No comment or nothing to add"), when it has one."""

    OTHER = -1
    NON_ANSWER = -2

    run = models.ForeignKey(ThemeRun, on_delete=models.CASCADE, related_name="themes")
    key = models.IntegerField()
    label = models.CharField(max_length=200)
    terms = models.JSONField(default=list, blank=True)
    size = models.PositiveIntegerField(default=0)  # members, each duplicate group once
    share = models.FloatField(default=0)  # size / the run's counted answers
    quote_ids = models.JSONField(default=list, blank=True)  # response ids, most typical first
    position = models.PositiveIntegerField(default=0)
    # The members when the set was confirmed: their mean vector is the theme's centre.
    anchor_ids = models.JSONField(default=list, blank=True)
    tag = models.ForeignKey(
        Tag, null=True, blank=True, on_delete=models.SET_NULL, related_name="themes"
    )

    class Meta:
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["run", "key"], name="one_theme_key_a_run")]

    def __str__(self) -> str:
        return self.label

    @property
    def is_other(self) -> bool:
        return self.key == self.OTHER

    @property
    def is_non_answer(self) -> bool:
        return self.key == self.NON_ANSWER


class ThemeAssignment(models.Model):
    """A response's theme in a run: rank 1 its main theme, rank 2 a second one.

    The machine's rows are replaced whenever it assigns again. A person's row (a correction)
    is never touched by the machine; it keeps the machine's theme and score of that moment
    beside it. A person's rank-2 row with no theme says "no second theme"."""

    class Source(models.TextChoices):
        MACHINE = "machine", "Machine"
        PERSON = "person", "Person"

    run = models.ForeignKey(ThemeRun, on_delete=models.CASCADE, related_name="assignments")
    response = models.ForeignKey(
        "collect.Response", on_delete=models.CASCADE, related_name="theme_assignments"
    )
    rank = models.PositiveSmallIntegerField(default=1)
    theme = models.ForeignKey(
        Theme, null=True, blank=True, on_delete=models.CASCADE, related_name="assignments"
    )
    score = models.FloatField(null=True, blank=True)
    source = models.CharField(max_length=8, choices=Source.choices, default=Source.MACHINE)
    machine_theme = models.ForeignKey(
        Theme, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    machine_score = models.FloatField(null=True, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["run", "response", "rank"], name="one_theme_a_rank_a_response"
            ),
            models.CheckConstraint(condition=models.Q(rank__in=(1, 2)), name="theme_rank_1_or_2"),
        ]
        indexes = [
            models.Index(fields=["theme", "rank", "response"], name="themeassignment_by_theme"),
            models.Index(fields=["run", "source", "rank"], name="themeassignment_by_source"),
        ]

    def __str__(self) -> str:
        return f"{self.response_id} -> {self.theme_id} ({self.rank}, {self.source})"


class ThemeDuplicateGroup(models.Model):
    """Identical or near-identical answers of a run (template or campaign text): counted once
    in the themes' shares."""

    run = models.ForeignKey(ThemeRun, on_delete=models.CASCADE, related_name="duplicate_groups")
    representative = models.ForeignKey(
        "collect.Response", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    member_ids = models.JSONField(default=list)  # the representative first
    count = models.PositiveIntegerField()
    exact = models.BooleanField(default=True)

    class Meta:
        ordering = ["-count", "id"]

    def __str__(self) -> str:
        return f"{self.count} alike in run {self.run_id}"


class ResponseEmbedding(models.Model):
    """A response's text as a vector of one representation (`themes.store`): kept so that
    theme searches need not compute it again. `text_hash` says which text it is of."""

    response = models.ForeignKey(
        "collect.Response", on_delete=models.CASCADE, related_name="embeddings"
    )
    representation = models.CharField(max_length=16)
    text_hash = models.CharField(max_length=32)
    dimensions = models.PositiveSmallIntegerField()
    vector = models.BinaryField()  # float32, little-endian
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["response", "representation", "text_hash"], name="one_vector_a_text"
            )
        ]
        indexes = [
            models.Index(fields=["representation", "response"], name="embedding_by_representation")
        ]

    def __str__(self) -> str:
        return f"{self.response_id} ({self.representation})"


# The published response -------------------------------------------------------------------
#
# Written only by `soundingboard.analyse.publishing`, which records it in the audit log in
# the same transaction.


class PublishedResponse(models.Model):
    """One published version of a consultation's response ("we asked, you said, we did"):
    the report frozen as it stood when it was published. The public page shows the latest
    version; a corrected one is published as the next version, and the earlier ones are kept.

    `body_html` is the public page's report, rendered when published from the draft report
    (small counts hidden, quotes only from people who agreed, no contact details);
    `open_data` its tables and themes (`presentation.report.open_data`); `pdf` and `docx`
    the same report as documents (`documents`), made from the same `Report` then."""

    consultation = models.CharField(max_length=64)
    version = models.PositiveIntegerField()
    published_at = models.DateTimeField(default=timezone.now)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    published_by_name = models.CharField(max_length=150, blank=True)
    title = models.CharField(max_length=300)  # the consultation's title then
    body_html = models.TextField()
    open_data = models.JSONField(default=dict)
    pdf = models.BinaryField()
    docx = models.BinaryField()

    class Meta:
        ordering = ["consultation", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["consultation", "version"], name="one_published_response_a_version"
            )
        ]

    def __str__(self) -> str:
        return f"{self.consultation} response, version {self.version}"
