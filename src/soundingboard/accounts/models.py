"""Analyst accounts and the audit log.

Accounts are Django's own `User`; each analyst account has an `AnalystProfile` holding its
role. A user without a profile (say one made with `manage createsuperuser`) has no role and
can open no analyst page.

`AuditEvent` is the log of who did what, when: sign-ins, personal-data views, exports, changes
to accounts. Write to it with `soundingboard.accounts.audit.record`, never directly.

Both tables keep the names the analyse app gave them (`analyse_analystprofile`,
`analyse_auditevent`): the models moved here without moving any data.
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
    # When that one-time password stops working (null: it does not, or there is none).
    one_time_password_expires = models.DateTimeField(null=True, blank=True)
    # Raised to end every session of the account (say, when it is deactivated): a session
    # remembers the number it started with, and one with an older number is signed out.
    session_generation = models.PositiveIntegerField(default=0)
    # The slugs of the consultations the account may see; empty: every consultation.
    consultations = models.JSONField(default=list, blank=True)

    class Meta:
        # Made by the analyse app before accounts had an app of its own (migration 0001).
        db_table = "analyse_analystprofile"

    def __str__(self) -> str:
        return f"{self.user.get_username()} ({self.role})"


class AuditEvent(models.Model):
    """One thing someone did. Never edited; kept after the account it names is deleted."""

    class Action(models.TextChoices):
        SIGN_IN = "sign-in", "Signed in (password)"
        SIGN_IN_FAILED = "sign-in-failed", "Sign-in failed"
        SIGN_IN_LOCKED = "sign-in-locked", "Sign-in refused: wait before trying again"
        TWO_FACTOR_VERIFIED = "2fa-verified", "Two-factor code accepted"
        RECOVERY_CODE_USED = "recovery-code-used", "Recovery code used"
        RECOVERY_CODES_MADE = "recovery-codes-made", "Recovery codes made"
        TWO_FACTOR_FAILED = "2fa-failed", "Two-factor code refused"
        TWO_FACTOR_ENROLLED = "2fa-enrolled", "Two-factor authentication set up"
        TWO_FACTOR_RESET = "2fa-reset", "Two-factor authentication reset"
        SIGN_OUT = "sign-out", "Signed out"
        SESSION_EXPIRED = "session-expired", "Session expired"
        PASSWORD_CHANGED = "password-changed", "Password changed"
        PASSWORD_RESET = "password-reset", "One-time password set"
        USER_CREATED = "user-created", "Account created"
        ROLE_CHANGED = "role-changed", "Role changed"
        CONSULTATIONS_CHANGED = "consultations-changed", "Consultations the account may see changed"
        USER_DEACTIVATED = "user-deactivated", "Account deactivated"
        USER_REACTIVATED = "user-reactivated", "Account reactivated"
        PERSONAL_DATA_VIEW = "personal-data-view", "Personal data viewed"
        EXPORT = "export", "Export"
        ERASURE = "erasure", "Erasure"
        RESULTS_NOTICE = "results-notice", "Results published: respondents on the list emailed"
        SETTINGS_CHANGED = "settings-changed", "Settings changed"
        RESPONSE_ENTERED = "response-entered", "Response entered (received by email or on paper)"
        DOCUMENT_DOWNLOADED = "document-downloaded", "Attached document downloaded"
        RESPONSE_PUBLISHED = "response-published", "Published response put on the site"

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
        db_table = "analyse_auditevent"  # as for AnalystProfile
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
