"""The administrators' pages for accounts: the list, a new account, one account's role, the
consultations it may see, whether it is active, its two-factor authentication and a one-time
password."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from .. import audit
from ..access import (
    analyst_view,
    notify,
)
from ..consultations import consultation_titles
from ..forms import ConsultationsForm, NewUserForm, RoleForm, consultation_choices, role_choices
from ..models import AnalystProfile, AuditEvent, Role
from ..services import (
    active_admins,
    create_account,
    end_sessions,
    one_time_password,
    one_time_password_expiry,
    reset_two_factor,
)

User = get_user_model()
Action = AuditEvent.Action


def _users_with_details() -> Any:
    return (
        User.objects.select_related("analyst_profile")
        .annotate(devices=Count("totpdevice", filter=Q(totpdevice__confirmed=True), distinct=True))
        .order_by("username")
    )


@analyst_view(min_role=Role.ADMIN)
def users(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/users.html", {"users": _users_with_details(), "nav": "users"})


@analyst_view(min_role=Role.ADMIN)
def user_new(request: HttpRequest) -> HttpResponse:
    form = NewUserForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        password = one_time_password()
        user = create_account(
            form.cleaned_data["username"],
            form.cleaned_data["role"],
            password=password,
            email=form.cleaned_data["email"],
            must_change_password=True,
            consultations=form.cleaned_data["consultations"],
            by=request,
        )
        return _one_time_password_page(request, user, password, new=True)
    return render(
        request,
        "accounts/user_new.html",
        {
            "form": form,
            "roles": role_choices(),
            "consultations": consultation_choices(),
            "one_time_hours": settings.SOUNDINGBOARD_ONE_TIME_PASSWORD_HOURS,
            "nav": "users",
        },
    )


def _one_time_password_page(
    request: HttpRequest, account: Any, password: str, *, new: bool
) -> HttpResponse:
    # Shown once, in this response only: it is not stored anywhere but as a hash.
    expires = (
        AnalystProfile.objects.filter(user=account)
        .values_list("one_time_password_expires", flat=True)
        .first()
    )
    return render(
        request,
        "accounts/one_time_password.html",
        {
            "account": account,
            "password": password,
            "expires": expires,
            "new": new,
            "nav": "users",
        },
    )


def _account_or_404(pk: int) -> Any:
    return get_object_or_404(_users_with_details(), pk=pk)


def _user_page(
    request: HttpRequest,
    account: Any,
    role_form: RoleForm | None = None,
    status: int = 200,
    consultations_form: ConsultationsForm | None = None,
) -> HttpResponse:
    profile = getattr(account, "analyst_profile", None)
    role = profile.role if profile is not None else None
    limits = list(profile.consultations) if profile is not None else []
    role_form = role_form or RoleForm(initial={"role": role})
    consultations_form = consultations_form or ConsultationsForm(initial={"consultations": limits})
    return render(
        request,
        "accounts/user.html",
        {
            "account": account,
            "role": Role(role) if role else None,
            "form": role_form,
            "roles": role_choices(),
            "limits": consultation_titles(limits),
            "consultations": consultation_choices(),
            "consultations_form": consultations_form,
            "is_self": account.pk == request.user.pk,
            "nav": "users",
        },
        status=status,
    )


@analyst_view(min_role=Role.ADMIN)
def user_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _user_page(request, _account_or_404(pk))


def _would_leave_no_admin(account: Any) -> bool:
    profile = getattr(account, "analyst_profile", None)
    return (
        account.is_active
        and profile is not None
        and profile.role == Role.ADMIN
        and not profile.consultations
        and active_admins() <= 1
    )


@require_POST
@analyst_view(min_role=Role.ADMIN)
def user_role(request: HttpRequest, pk: int) -> HttpResponse:
    account = _account_or_404(pk)
    form = RoleForm(request.POST)
    if not form.is_valid():
        return _user_page(request, account, form)
    new = form.cleaned_data["role"]
    profile, _ = AnalystProfile.objects.get_or_create(user=account)
    old = profile.role
    if new == old:
        notify(request, f"The role of {account.username} was already {Role(new).label.lower()}.")
        return redirect("analyse:user", pk=pk)
    if new != Role.ADMIN and _would_leave_no_admin(account):
        form.add_error(
            "role",
            "There must be at least one administrator: make another account an administrator first",
        )
        return _user_page(request, account, form)
    profile.role = new
    profile.save(update_fields=["role"])
    audit.record(
        request, Action.ROLE_CHANGED, detail={"account": account.username, "from": old, "to": new}
    )
    notify(request, f"The role of {account.username} is now {Role(new).label.lower()}.")
    return redirect("analyse:user", pk=pk)


@require_POST
@analyst_view(min_role=Role.ADMIN)
def user_consultations(request: HttpRequest, pk: int) -> HttpResponse:
    account = _account_or_404(pk)
    form = ConsultationsForm(request.POST)
    if not form.is_valid():
        return _user_page(request, account, consultations_form=form)
    new = sorted(set(form.cleaned_data["consultations"]))
    profile, _ = AnalystProfile.objects.get_or_create(user=account)
    old = list(profile.consultations)
    if new and _would_leave_no_admin(account):
        form.add_error(
            "consultations",
            "There must be at least one administrator who can see every consultation: "
            "make another account one first",
        )
        return _user_page(request, account, consultations_form=form)
    profile.consultations = new
    profile.save(update_fields=["consultations"])
    audit.record(
        request,
        Action.CONSULTATIONS_CHANGED,
        detail={"account": account.username, "from": old or "all", "to": new or "all"},
    )
    seen = ", ".join(consultation_titles(new)) if new else "every consultation"
    notify(request, f"{account.username} can now see {seen}.")
    return redirect("analyse:user", pk=pk)


@require_POST
@analyst_view(min_role=Role.ADMIN)
def user_active(request: HttpRequest, pk: int) -> HttpResponse:
    account = _account_or_404(pk)
    if account.is_active:
        if account.pk == request.user.pk:
            notify(request, "You cannot deactivate your own account.")
            return redirect("analyse:user", pk=pk)
        if _would_leave_no_admin(account):
            notify(
                request,
                "There must be at least one administrator: you cannot deactivate the last one.",
            )
            return redirect("analyse:user", pk=pk)
        account.is_active = False
        end_sessions(account)
        action, done = (
            Action.USER_DEACTIVATED,
            "deactivated: they are signed out and can no longer sign in",
        )
    else:
        account.is_active = True
        action, done = Action.USER_REACTIVATED, "reactivated"
    account.save(update_fields=["is_active"])
    audit.record(request, action, detail={"account": account.username})
    notify(request, f"{account.username} has been {done}.")
    return redirect("analyse:user", pk=pk)


@require_POST
@analyst_view(min_role=Role.ADMIN)
def user_reset_two_factor(request: HttpRequest, pk: int) -> HttpResponse:
    account = _account_or_404(pk)
    reset_two_factor(account)
    audit.record(request, Action.TWO_FACTOR_RESET, detail={"account": account.username})
    if account.pk == request.user.pk:
        return redirect("analyse:two-factor-set-up")
    notify(
        request,
        f"Two-factor authentication has been reset for {account.username}. They "
        "will set it up again the next time they sign in.",
    )
    return redirect("analyse:user", pk=pk)


@require_POST
@analyst_view(min_role=Role.ADMIN)
def user_reset_password(request: HttpRequest, pk: int) -> HttpResponse:
    account = _account_or_404(pk)
    if account.pk == request.user.pk:
        notify(request, "Change your own password from your account page.")
        return redirect("analyse:user", pk=pk)
    password = one_time_password()
    account.set_password(password)  # also ends their sessions: the session hash changes
    account.save(update_fields=["password"])
    AnalystProfile.objects.filter(user=account).update(
        must_change_password=True, one_time_password_expires=one_time_password_expiry()
    )
    audit.record(request, Action.PASSWORD_RESET, detail={"account": account.username})
    return _one_time_password_page(request, account, password, new=False)
