"""Analyst accounts as the command line and the pages make them: usernames, passwords,
one-time passwords, creating accounts, resetting two-factor authentication."""

from __future__ import annotations

import re
import secrets
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import (
    MinimumLengthValidator,
    get_password_validators,
    validate_password,
)
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import audit
from .models import AnalystProfile, AuditEvent, Role

User = get_user_model()
Action = AuditEvent.Action
USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{0,149}$")
USERNAME_RULE = (
    "Username must start with a letter or number and use only lower-case letters, numbers, "
    "full stops, hyphens and underscores"
)
# No 0/O, 1/l/I: the one-time password is read off a screen and typed or passed on.
ONE_TIME_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def normalise_username(text: str) -> str:
    return text.strip().lower()


def check_username(text: str) -> str:
    """The username as stored; ValueError with a message to show if it cannot be used."""
    username = normalise_username(text)
    if not username:
        raise ValueError("Enter a username")
    if not USERNAME_PATTERN.match(username):
        raise ValueError(USERNAME_RULE)
    if User.objects.filter(username__iexact=username).exists():
        raise ValueError("There is already an account with this username")
    return username


def password_problems(password: str, user: Any = None) -> list[str]:
    """What is wrong with a new password, in plain words; empty if nothing."""
    try:
        validate_password(password, user)
    except ValidationError as error:
        return [_password_message(e) for e in error.error_list]
    return []


def _password_message(error: ValidationError) -> str:
    if error.code == "password_too_short":
        return f"Password must be {min_password_length()} characters or more"
    if error.code == "password_too_common":
        return "Password is too easy to guess: it is one of the most common passwords"
    if error.code == "password_entirely_numeric":
        return "Password must include letters or symbols, not only numbers"
    if error.code == "password_too_similar":
        return "Password must not be like your username or email address"
    return " ".join(error.messages)


def min_password_length() -> int:
    lengths = [
        v.min_length
        for v in get_password_validators(settings.AUTH_PASSWORD_VALIDATORS)
        if isinstance(v, MinimumLengthValidator)
    ]
    return max(lengths, default=0)


def one_time_password() -> str:
    """A random password to pass on once: four groups of four, about 79 bits."""
    groups = ["".join(secrets.choice(ONE_TIME_ALPHABET) for _ in range(4)) for _ in range(4)]
    return "-".join(groups)


def create_account(
    username: str,
    role: str,
    *,
    password: str,
    email: str = "",
    must_change_password: bool = False,
    by: HttpRequest | Any = None,
    via: str = "",
) -> Any:
    """Make an account (the username already checked) and record it in the audit log."""
    with transaction.atomic():
        user = User.objects.create_user(username=username, email=email, password=password)
        AnalystProfile.objects.create(
            user=user, role=role, must_change_password=must_change_password
        )
        detail = {"account": username, "role": role}
        if via:
            detail["via"] = via
        audit.record(by, Action.USER_CREATED, detail=detail)
    return user


def active_admins() -> int:
    return User.objects.filter(is_active=True, analyst_profile__role=Role.ADMIN).count()


def reset_two_factor(user: Any) -> int:
    """Delete the account's authenticator devices: it sets up a new one at next sign-in."""
    deleted, _ = TOTPDevice.objects.filter(user=user).delete()
    return deleted
