"""Analyst accounts: signing in (password, then a code from an authenticator app), setting
up two-factor authentication, signing out, changing one's password, the list of
consultations, and the administrators' pages for accounts and the audit log.

Every page here is server-rendered and works without JavaScript; every change is a POST with
a CSRF token, and is recorded in the audit log.
"""

from __future__ import annotations

import base64
import re
import secrets
from typing import Any

import segno
from django import forms
from django.conf import settings
from django.contrib.auth import authenticate, get_user_model, login, logout
from django.contrib.auth import update_session_auth_hash as keep_session
from django.contrib.auth.password_validation import (
    MinimumLengthValidator,
    get_password_validators,
    validate_password,
)
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from ..collect.models import Response
from ..publish.registry import get_registry
from . import audit
from .access import (
    SIGNED_OUT_REASON,
    Role,
    analyst_view,
    client_key,
    has_two_factor_device,
    is_two_factor_verified,
    lock_minutes,
    needs_two_factor,
    notify,
    public_page,
    role_of,
    safe_next,
    sign_in_locked,
    start_session,
    throttle_key,
    with_next,
)
from .models import ROLE_DESCRIPTIONS, AnalystProfile, AuditEvent

User = get_user_model()
Action = AuditEvent.Action

USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{0,149}$")
USERNAME_RULE = (
    "Username must start with a letter or number and use only lower-case letters, numbers, "
    "full stops, hyphens and underscores"
)
# No 0/O, 1/l/I: the one-time password is read off a screen and typed or passed on.
ONE_TIME_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
SIGNED_OUT_MESSAGES = {
    "signed-out": "You have signed out.",
    "idle": "You were signed out because you had done nothing for a while. Sign in again.",
    "expired": "You were signed out because you had been signed in for a long time. Sign in again.",
}


# Accounts, for this module and the command line --------------------------------------------


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


# Forms -------------------------------------------------------------------------------------


class GovukForm(forms.Form):
    """A form whose errors can be listed in a GOV.UK error summary."""

    # The field that errors about the whole form (such as a wrong password) point to.
    non_field_anchor = ""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            # Django's own message for a NUL does not say which field it is about.
            label = field.label or name.replace("_", " ").capitalize()
            field.error_messages.setdefault(
                "null_characters_not_allowed", f"{label} must not include control characters"
            )

    def error_links(self) -> list[tuple[str, str]]:
        links = [(f"id_{self.non_field_anchor}", m) for m in self.non_field_errors()]
        for name, field in self.fields.items():
            for message in self.errors.get(name, []):
                radios = isinstance(field.widget, forms.RadioSelect)
                links.append((f"id_{name}_0" if radios else f"id_{name}", message))
        return links


class SignInForm(GovukForm):
    non_field_anchor = "username"

    username = forms.CharField(
        max_length=150, strip=True, error_messages={"required": "Enter your username"}
    )
    password = forms.CharField(
        max_length=1000,
        strip=False,
        error_messages={
            "required": "Enter your password",
            "max_length": "Password must be 1,000 characters or fewer",
        },
    )


class CodeForm(GovukForm):
    code = forms.CharField(
        max_length=20,
        error_messages={
            "required": "Enter the code from your authenticator app",
            "max_length": "The code must be 6 numbers",
        },
    )

    def clean_code(self) -> str:
        code = re.sub(r"[\s-]", "", self.cleaned_data["code"])
        if not re.fullmatch(r"[0-9]{6}", code):
            raise ValidationError("The code must be 6 numbers")
        return code


class NewPasswordMixin(GovukForm):
    new_password = forms.CharField(
        max_length=1000,
        strip=False,
        error_messages={
            "required": "Enter a new password",
            "max_length": "Password must be 1,000 characters or fewer",
        },
    )
    new_password_again = forms.CharField(
        max_length=1000,
        strip=False,
        error_messages={"required": "Enter your new password again"},
    )


class ChangePasswordForm(NewPasswordMixin):
    current_password = forms.CharField(
        max_length=1000, strip=False, error_messages={"required": "Enter your current password"}
    )
    field_order = ["current_password", "new_password", "new_password_again"]

    def __init__(self, *args: Any, user: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_current_password(self) -> str:
        password = self.cleaned_data["current_password"]
        if not self.user.check_password(password):
            raise ValidationError("Your current password is not right")
        return password

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        new, again = data.get("new_password"), data.get("new_password_again")
        if new is None:
            return data
        if new == data.get("current_password"):
            self.add_error("new_password", "New password must be different from your current one")
            return data
        for problem in password_problems(new, self.user):
            self.add_error("new_password", problem)
        if again is not None and again != new:
            self.add_error("new_password_again", "The passwords do not match")
        return data


class RoleField(forms.ChoiceField):
    def __init__(self, **kwargs: Any):
        super().__init__(
            choices=[(r.value, r.label) for r in reversed(Role)],
            widget=forms.RadioSelect,
            error_messages={
                "required": "Select a role",
                "invalid_choice": "Select a role from the list",
            },
            **kwargs,
        )


class NewUserForm(GovukForm):
    username = forms.CharField(max_length=150, error_messages={"required": "Enter a username"})
    email = forms.EmailField(
        required=False,
        max_length=254,
        error_messages={
            "invalid": "Enter an email address in the correct format, like name@example.com",
            "max_length": "Email address must be 254 characters or fewer",
        },
    )
    role = RoleField()

    def clean_username(self) -> str:
        try:
            return check_username(self.cleaned_data["username"])
        except ValueError as error:
            raise ValidationError(str(error)) from None


class RoleForm(GovukForm):
    role = RoleField()


class AuditFilterForm(GovukForm):
    action = forms.ChoiceField(
        required=False, choices=[("", "All actions"), *AuditEvent.Action.choices]
    )
    user = forms.CharField(required=False, max_length=150)


def role_choices() -> list[tuple[str, str, str]]:
    return [(r.value, r.label, ROLE_DESCRIPTIONS[r]) for r in reversed(Role)]


# Signing in --------------------------------------------------------------------------------


@public_page
def sign_in(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated and role_of(request.user) is not None:
        return redirect(safe_next(request))
    form = SignInForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        response = _check_password(request, form)
        if response is not None:
            return response
    signed_out = request.session.pop(SIGNED_OUT_REASON, "")
    return render(
        request,
        "analyse/sign_in.html",
        {
            "form": form,
            "next": safe_next(request, default=""),
            "signed_out": SIGNED_OUT_MESSAGES.get(signed_out, ""),
        },
    )


def _check_password(request: HttpRequest, form: SignInForm) -> HttpResponse | None:
    username = normalise_username(form.cleaned_data["username"])
    key, client = throttle_key(username), client_key(request)
    account = User.objects.filter(username=username).first()
    if sign_in_locked(key, client):
        audit.record(
            account,
            Action.SIGN_IN_LOCKED,
            detail=None if account else {"account": "no such account"},
            throttle_key=key,
            client=client,
        )
        form.add_error(None, _locked_message())
        return None
    user = authenticate(request, username=username, password=form.cleaned_data["password"])
    if user is None or role_of(user) is None:
        reason = "wrong password" if account else "no such account"
        if user is not None:
            reason = "no analyst role"
        elif account is not None and not account.is_active:
            reason = "account deactivated"
        audit.record(
            account,
            Action.SIGN_IN_FAILED,
            detail={"reason": reason},
            throttle_key=key,
            client=client,
        )
        if sign_in_locked(key, client):
            form.add_error(None, _locked_message())
        else:
            form.add_error(None, "Your username or password is not right")
        return None
    login(request, user)  # a new session key: what was there before is not carried over
    start_session(request)
    if not needs_two_factor(user):
        step = "not needed"
    elif has_two_factor_device(user):
        step = "code next"
    else:
        step = "set up next"
    audit.record(request, Action.SIGN_IN, detail={"two_factor": step}, throttle_key=key)
    return redirect(safe_next(request))  # analyst_view sends them through the next steps


def _locked_message() -> str:
    minutes = lock_minutes()
    return (
        "You have tried to sign in too many times. Wait "
        f"{minutes} minute{'s' if minutes != 1 else ''}, then try again"
    )


@analyst_view(allow_unverified=True, allow_password_change=True)
def two_factor(request: HttpRequest) -> HttpResponse:
    """The second step of signing in: a code from the authenticator app."""
    user = request.user
    next_url = safe_next(request)
    if is_two_factor_verified(user):
        return redirect(next_url)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("id").first()
    if device is None:
        return redirect(with_next("analyse:two-factor-set-up", safe_next(request, "")))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and _accept_code(request, device, form):
        audit.record(request, Action.TWO_FACTOR_VERIFIED)
        return redirect(next_url)
    return render(
        request,
        "analyse/two_factor.html",
        {"form": form, "next": safe_next(request, default="")},
    )


def _accept_code(request: HttpRequest, device: TOTPDevice, form: CodeForm) -> bool:
    """Check the code; on success mark the session as verified with this device."""
    allowed, info = device.verify_is_allowed()
    if not allowed:
        wait = (info or {}).get("locked_until")
        audit.record(request, Action.TWO_FACTOR_FAILED, detail={"reason": "too many tries"})
        form.add_error("code", _code_wait_message(wait))
        return False
    if not device.verify_token(form.cleaned_data["code"]):
        audit.record(request, Action.TWO_FACTOR_FAILED, detail={"reason": "wrong code"})
        form.add_error(
            "code", "The code is not right, or has run out. Enter the code your app shows now"
        )
        return False
    otp_login(request, device)
    request.session.cycle_key()  # the session now counts for more: give it a new key
    return True


def _code_wait_message(until: Any) -> str:
    seconds = max(1, int((until - timezone.now()).total_seconds())) if until else 60
    if seconds < 90:
        wait = f"{seconds} second{'s' if seconds != 1 else ''}"
    else:
        minutes = round(seconds / 60)
        wait = f"{minutes} minutes"
    return f"You have entered too many wrong codes. Wait {wait}, then try again"


@analyst_view(allow_unverified=True, allow_password_change=True)
def two_factor_set_up(request: HttpRequest) -> HttpResponse:
    """Link an authenticator app: a QR code (and the key as text), then one code from it."""
    user = request.user
    if has_two_factor_device(user):
        notify(request, "Two-factor authentication is already set up for your account.")
        return redirect(safe_next(request, "analyse:account"))
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("id").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and _accept_code(request, device, form):
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        otp_login(request, device)
        audit.record(request, Action.TWO_FACTOR_ENROLLED)
        notify(
            request,
            "Two-factor authentication is set up. You will need a code from your "
            "app each time you sign in.",
        )
        return redirect(safe_next(request))
    return render(
        request,
        "analyse/two_factor_set_up.html",
        {
            "form": form,
            "next": safe_next(request, default=""),
            "qr_code": _qr_svg(device.config_url),
            "secret": _grouped(base64.b32encode(device.bin_key).decode()),
            "required": role_of(user) in (Role.ANALYST, Role.ADMIN),
        },
    )


def _qr_svg(text: str) -> str:
    """The QR code as an inline SVG (no image file, no style attribute)."""
    svg = segno.make(text, error="m").svg_inline(
        scale=5, dark="#0b0c0c", light="#ffffff", title="QR code to scan with your app"
    )
    return svg.replace("<svg ", '<svg role="img" focusable="false" class="sb-qr-code" ', 1)


def _grouped(text: str) -> str:
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


@public_page
def sign_out(request: HttpRequest) -> HttpResponse:
    """GET asks (so a link or a prefetch cannot sign anyone out); POST signs out."""
    if request.method != "POST":
        if not request.user.is_authenticated:
            return redirect("analyse:sign-in")
        return render(request, "analyse/sign_out.html")
    if request.user.is_authenticated:
        audit.record(request, Action.SIGN_OUT)
    logout(request)
    request.session[SIGNED_OUT_REASON] = "signed-out"
    return redirect("analyse:sign-in")


# One's own account -------------------------------------------------------------------------


@analyst_view
def account(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "analyse/account.html",
        {
            "nav": "account",
            "role": Role(role_of(request.user)),
            "two_factor": has_two_factor_device(request.user),
        },
    )


@analyst_view(allow_password_change=True)
def change_password(request: HttpRequest) -> HttpResponse:
    user = request.user
    profile = user.analyst_profile
    form = ChangePasswordForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        user.set_password(form.cleaned_data["new_password"])
        user.save(update_fields=["password"])
        profile.must_change_password = False
        profile.save(update_fields=["must_change_password"])
        keep_session(request, user)  # other sessions of this account end; this one goes on
        audit.record(request, Action.PASSWORD_CHANGED)
        notify(request, "Your password has been changed.")
        return redirect(safe_next(request, "analyse:account"))
    return render(
        request,
        "analyse/password.html",
        {
            "form": form,
            "nav": "account",
            "next": safe_next(request, default=""),
            "one_time": profile.must_change_password,
            "min_length": min_password_length(),
        },
    )


# The consultations -------------------------------------------------------------------------


@analyst_view
def home(request: HttpRequest) -> HttpResponse:
    """The consultations, with how many responses each has (and how many were kept aside as
    suspected spam)."""
    counts: dict[tuple[str, str], int] = {
        (row["consultation"], row["status"]): row["n"]
        for row in Response.objects.values("consultation", "status").annotate(n=Count("id"))
    }
    base = reverse("analyse:home")
    rows = [
        {
            "title": c.title,
            "slug": c.slug,
            "url": f"{base}{c.slug}/",
            "accepted": counts.get((c.slug, Response.Status.ACCEPTED), 0),
            "spam": counts.get((c.slug, Response.Status.SPAM), 0),
        }
        for c in sorted(get_registry().consultations.values(), key=lambda c: c.title.casefold())
    ]
    return render(request, "analyse/home.html", {"consultations": rows, "nav": "consultations"})


# Administrators: accounts ------------------------------------------------------------------


def _users_with_details() -> Any:
    return (
        User.objects.select_related("analyst_profile")
        .annotate(devices=Count("totpdevice", filter=Q(totpdevice__confirmed=True), distinct=True))
        .order_by("username")
    )


@analyst_view(min_role=Role.ADMIN)
def users(request: HttpRequest) -> HttpResponse:
    return render(request, "analyse/users.html", {"users": _users_with_details(), "nav": "users"})


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
            by=request,
        )
        # Shown once, in this response only: it is not stored anywhere but as a hash.
        return render(
            request,
            "analyse/one_time_password.html",
            {"account": user, "password": password, "new": True, "nav": "users"},
        )
    return render(
        request,
        "analyse/user_new.html",
        {"form": form, "roles": role_choices(), "nav": "users"},
    )


def _account_or_404(pk: int) -> Any:
    return get_object_or_404(_users_with_details(), pk=pk)


def _user_page(
    request: HttpRequest, account: Any, role_form: RoleForm | None = None, status: int = 200
) -> HttpResponse:
    profile = getattr(account, "analyst_profile", None)
    role = profile.role if profile is not None else None
    role_form = role_form or RoleForm(initial={"role": role})
    return render(
        request,
        "analyse/user.html",
        {
            "account": account,
            "role": Role(role) if role else None,
            "form": role_form,
            "roles": role_choices(),
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
        action, done = Action.USER_DEACTIVATED, "deactivated: they can no longer sign in"
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
    AnalystProfile.objects.filter(user=account).update(must_change_password=True)
    audit.record(request, Action.PASSWORD_RESET, detail={"account": account.username})
    return render(
        request,
        "analyse/one_time_password.html",
        {"account": account, "password": password, "new": False, "nav": "users"},
    )


# Administrators: the audit log -------------------------------------------------------------


@analyst_view(min_role=Role.ADMIN)
def audit_log(request: HttpRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET or None)
    events = AuditEvent.objects.all()
    if form.is_valid():
        if form.cleaned_data["action"]:
            events = events.filter(action=form.cleaned_data["action"])
        if form.cleaned_data["user"]:
            events = events.filter(username__iexact=form.cleaned_data["user"].strip())
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    rows = [(event, audit.describe(event)) for event in page.object_list]
    return render(
        request,
        "analyse/audit.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "query": query.urlencode(),
            "actions": AuditEvent.Action.choices,
            "nav": "audit",
        },
    )
