"""One's own account: the account page, changing one's password and making new recovery
codes."""

from __future__ import annotations

from django.contrib.auth import update_session_auth_hash as keep_session
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from .. import audit
from ..access import (
    account_of,
    analyst_view,
    notify,
    safe_next,
)
from ..consultations import consultation_titles, limits_of
from ..forms import ChangePasswordForm
from ..models import AuditEvent, Role
from ..roles import has_two_factor_device, role_of
from ..services import min_password_length, recovery_codes_left
from .sign_in import show_recovery_codes

Action = AuditEvent.Action


@analyst_view
def account(request: HttpRequest) -> HttpResponse:
    user = account_of(request)
    role = role_of(user)
    assert role is not None  # analyst_view lets through only accounts with a role
    return render(
        request,
        "accounts/account.html",
        {
            "nav": "account",
            "role": Role(role),
            "two_factor": has_two_factor_device(user),
            "recovery_codes": recovery_codes_left(user),
            "consultations": consultation_titles(limits_of(user)),
        },
    )


@require_POST
@analyst_view
def recovery_codes(request: HttpRequest) -> HttpResponse:
    """New recovery codes, replacing the old ones, shown this once."""
    if not has_two_factor_device(request.user):
        return redirect("analyse:account")
    return show_recovery_codes(request)


@analyst_view(allow_password_change=True)
def change_password(request: HttpRequest) -> HttpResponse:
    user = account_of(request)
    profile = user.analyst_profile
    form = ChangePasswordForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        user.set_password(form.cleaned_data["new_password"])
        user.save(update_fields=["password"])
        profile.must_change_password = False
        profile.one_time_password_expires = None
        profile.save(update_fields=["must_change_password", "one_time_password_expires"])
        keep_session(request, user)  # other sessions of this account end; this one goes on
        audit.record(request, Action.PASSWORD_CHANGED)
        notify(request, "Your password has been changed.")
        return redirect(safe_next(request, "analyse:account"))
    return render(
        request,
        "accounts/password.html",
        {
            "form": form,
            "nav": "account",
            "next": safe_next(request, default=""),
            "one_time": profile.must_change_password,
            "min_length": min_password_length(),
        },
    )
