"""Analyst accounts as the command line and the pages make them: usernames, passwords,
one-time passwords (and when they stop working), creating accounts, ending an account's
sessions, resetting two-factor authentication and recovery codes."""

from __future__ import annotations

import datetime as dt
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
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
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
ONE_TIME_PASSWORD_EXPIRED = (
    "The one-time password you were given has run out. Ask an administrator for a new one"
)
RECOVERY_DEVICE_NAME = "Recovery codes"


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


def one_time_password_expiry() -> dt.datetime:
    """When a one-time password given now stops working."""
    return timezone.now() + dt.timedelta(hours=settings.SOUNDINGBOARD_ONE_TIME_PASSWORD_HOURS)


def one_time_password_expired(user: Any) -> bool:
    """True when the account's password is a one-time password that has run out."""
    profile = getattr(user, "analyst_profile", None)
    return bool(
        profile is not None
        and profile.must_change_password
        and profile.one_time_password_expires is not None
        and profile.one_time_password_expires <= timezone.now()
    )


def create_account(
    username: str,
    role: str,
    *,
    password: str,
    email: str = "",
    must_change_password: bool = False,
    consultations: list[str] | None = None,
    by: HttpRequest | Any = None,
    via: str = "",
) -> Any:
    """Make an account (the username already checked) and record it in the audit log. A
    password it must change is a one-time password: it stops working after a while."""
    with transaction.atomic():
        user = User.objects.create_user(username=username, email=email, password=password)
        AnalystProfile.objects.create(
            user=user,
            role=role,
            must_change_password=must_change_password,
            one_time_password_expires=one_time_password_expiry() if must_change_password else None,
            consultations=sorted(set(consultations or [])),
        )
        detail: dict[str, Any] = {"account": username, "role": role}
        if consultations:
            detail["consultations"] = sorted(set(consultations))
        if via:
            detail["via"] = via
        audit.record(by, Action.USER_CREATED, detail=detail)
    return user


def end_sessions(user: Any) -> None:
    """Sign the account out everywhere: every session it has now stops working, for good."""
    AnalystProfile.objects.filter(user=user).update(session_generation=F("session_generation") + 1)


def active_admins() -> int:
    """Active administrators who may see every consultation (and so manage accounts)."""
    return User.objects.filter(
        is_active=True, analyst_profile__role=Role.ADMIN, analyst_profile__consultations=[]
    ).count()


def reset_two_factor(user: Any) -> int:
    """Delete the account's authenticator devices and recovery codes: it sets up a new
    device at next sign-in."""
    deleted, _ = TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    return deleted


def make_recovery_codes(user: Any) -> list[str]:
    """New recovery codes for the account, replacing any it had; each works once. They are
    shown once, when made; django-otp keeps them as they are, like the app's key."""
    codes = [recovery_code() for _ in range(settings.SOUNDINGBOARD_RECOVERY_CODES)]
    with transaction.atomic():
        StaticDevice.objects.filter(user=user).delete()
        device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
        StaticToken.objects.bulk_create(StaticToken(device=device, token=c) for c in codes)
    return codes


def recovery_code() -> str:
    """A code to type once instead of the app's: three groups of four, about 59 bits."""
    return "-".join("".join(secrets.choice(ONE_TIME_ALPHABET) for _ in range(4)) for _ in range(3))


def use_recovery_code(user: Any, text: str) -> bool | None:
    """Use up one of the account's recovery codes: True if `text` was one (it is gone now),
    False if not, None when too many wrong codes were tried lately (nothing was checked)."""
    device = StaticDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        return False
    allowed, _ = device.verify_is_allowed()
    if not allowed:
        return None
    code = normalise_recovery_code(text)
    # Deleted in one statement, so that two requests at once cannot both use it.
    used, _ = StaticToken.objects.filter(device=device, token=code).delete()
    if not used:
        device.throttle_increment()
        return False
    device.throttle_reset()
    return True


def normalise_recovery_code(text: str) -> str:
    letters = re.sub(r"[^a-z0-9]", "", text.lower())
    return "-".join(letters[i : i + 4] for i in range(0, len(letters), 4))


def recovery_codes_left(user: Any) -> int:
    return StaticToken.objects.filter(device__user=user).count()
