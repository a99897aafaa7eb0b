"""Roles: what each account may do, and whether it needs two-factor authentication.

Each role may do everything the roles before it may: reader, analyst, admin (`models.Role`).
"""

from __future__ import annotations

from typing import Any

from .models import Role

RANK: dict[str, int] = {Role.READER: 1, Role.ANALYST: 2, Role.ADMIN: 3}
TWO_FACTOR_ROLES = frozenset({Role.ANALYST, Role.ADMIN})


def role_of(user: Any) -> str | None:
    """The account's role, or None when it may open no analyst page."""
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    profile = getattr(user, "analyst_profile", None)
    return profile.role if profile is not None and profile.role in RANK else None


def has_role(user: Any, min_role: str) -> bool:
    role = role_of(user)
    return role is not None and RANK[role] >= RANK[min_role]


def can_see_personal_data(user: Any) -> bool:
    """Analysts and admins may see respondents' contact details; readers may not."""
    return has_role(user, Role.ANALYST)


def can_admin(user: Any) -> bool:
    return has_role(user, Role.ADMIN)


def has_two_factor_device(user: Any) -> bool:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def needs_two_factor(user: Any) -> bool:
    """Admins and analysts always; a reader once they have set it up."""
    return role_of(user) in TWO_FACTOR_ROLES or has_two_factor_device(user)


def is_two_factor_verified(user: Any) -> bool:
    verified = getattr(user, "is_verified", None)
    return bool(verified()) if callable(verified) else False


def must_change_password(user: Any) -> bool:
    profile = getattr(user, "analyst_profile", None)
    return bool(profile is not None and profile.must_change_password)
