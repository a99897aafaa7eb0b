"""Analyst accounts and the audit log.

Accounts are Django's own `User`; each analyst account has an `AnalystProfile` holding its
role. A user without a profile (say one made with `manage createsuperuser`) has no role and
can open no analyst page.

`AuditEvent` is the log of who did what, when: sign-ins, personal-data views, exports, changes
to accounts. Write to it with `soundingboard.analyse.audit.record`, never directly.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class Role(models.TextChoices):
    """What an account may do; each role may do everything the roles before it may."""

    READER = "reader", "Reader"
    ANALYST = "analyst", "Analyst"
    ADMIN = "admin", "Administrator"


ROLE_DESCRIPTIONS = {
    Role.READER: "Everything in a consultation except respondents' personal data.",
    Role.ANALYST: "Everything in a consultation, respondents' personal data included.",
    Role.ADMIN: "What an analyst can, and manage accounts, settings and erasure.",
}


class AnalystProfile(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="analyst_profile"
    )
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.READER)
    # Set when an administrator gave the account a one-time password: the holder must choose
    # their own before they can open any other analyst page.
    must_change_password = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"{self.user.get_username()} ({self.role})"


class AuditEvent(models.Model):
    """One thing someone did. Never edited; kept after the account it names is deleted."""

    class Action(models.TextChoices):
        SIGN_IN = "sign-in", "Signed in (password)"
        SIGN_IN_FAILED = "sign-in-failed", "Sign-in failed"
        SIGN_IN_LOCKED = "sign-in-locked", "Sign-in refused: too many attempts"
        TWO_FACTOR_VERIFIED = "2fa-verified", "Two-factor code accepted"
        TWO_FACTOR_FAILED = "2fa-failed", "Two-factor code refused"
        TWO_FACTOR_ENROLLED = "2fa-enrolled", "Two-factor authentication set up"
        TWO_FACTOR_RESET = "2fa-reset", "Two-factor authentication reset"
        SIGN_OUT = "sign-out", "Signed out"
        SESSION_EXPIRED = "session-expired", "Session expired"
        PASSWORD_CHANGED = "password-changed", "Password changed"
        PASSWORD_RESET = "password-reset", "One-time password set"
        USER_CREATED = "user-created", "Account created"
        ROLE_CHANGED = "role-changed", "Role changed"
        USER_DEACTIVATED = "user-deactivated", "Account deactivated"
        USER_REACTIVATED = "user-reactivated", "Account reactivated"
        PERSONAL_DATA_VIEW = "personal-data-view", "Personal data viewed"
        EXPORT = "export", "Export"
        ERASURE = "erasure", "Erasure"
        SETTINGS_CHANGED = "settings-changed", "Settings changed"

    at = models.DateTimeField(default=timezone.now)
    # Who did it: the account (null once the account is deleted) and its name and role then.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="audit_events",
    )
    username = models.CharField(max_length=150, blank=True)
    role = models.CharField(max_length=16, blank=True)
    action = models.CharField(max_length=32, choices=Action.choices)
    consultation = models.CharField(max_length=64, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    # For sign-in throttling only: keyed hashes (HMAC with SECRET_KEY) of the username typed
    # and of the client's network, so that attempts can be counted without keeping either.
    throttle_key = models.CharField(max_length=64, blank=True)
    client = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["-at"], name="audit_newest_first"),
            models.Index(fields=["action", "-at"], name="audit_action"),
            models.Index(fields=["username", "-at"], name="audit_username"),
            models.Index(fields=["throttle_key", "action", "at"], name="audit_throttle_key"),
            models.Index(fields=["client", "action", "at"], name="audit_throttle_client"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.username or '-'} {self.action}"


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
