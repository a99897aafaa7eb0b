"""Signing in (a password, then a code from an authenticator app), setting up two-factor
authentication, and signing out."""

from __future__ import annotations

import base64
from typing import Any

import segno
from django.contrib.auth import authenticate, get_user_model, login, logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from .. import audit
from ..access import (
    SIGNED_OUT_REASON,
    analyst_view,
    notify,
    public_page,
    safe_next,
    start_session,
    with_next,
)
from ..forms import CodeForm, SignInCodeForm, SignInForm
from ..models import AuditEvent, Role
from ..roles import has_two_factor_device, is_two_factor_verified, needs_two_factor, role_of
from ..services import (
    ONE_TIME_PASSWORD_EXPIRED,
    make_recovery_codes,
    normalise_username,
    one_time_password_expired,
    use_recovery_code,
)
from ..throttle import client_key, sign_in_wait, throttle_key, wait_text

User = get_user_model()
Action = AuditEvent.Action
SIGNED_OUT_MESSAGES = {
    "signed-out": "You have signed out.",
    "idle": "You were signed out because you had done nothing for a while. Sign in again.",
    "expired": "You were signed out because you had been signed in for a long time. Sign in again.",
    "ended": "You were signed out because an administrator changed your account. Sign in again.",
}


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
        "accounts/sign_in.html",
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
    wait = sign_in_wait(key, client)
    if wait:
        # Refused without checking the password: guessing gets nowhere during the wait.
        audit.record(
            account,
            Action.SIGN_IN_LOCKED,
            detail={"wait_seconds": wait} | ({} if account else {"account": "no such account"}),
            throttle_key=key,
            client=client,
        )
        form.add_error(None, _wait_message(wait))
        return None
    user = authenticate(request, username=username, password=form.cleaned_data["password"])
    if user is not None and one_time_password_expired(user):
        audit.record(
            user,
            Action.SIGN_IN_FAILED,
            detail={"reason": "one-time password expired"},
            throttle_key=key,
            client=client,
        )
        form.add_error(None, ONE_TIME_PASSWORD_EXPIRED)
        return None
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
        wait = sign_in_wait(key, client)
        message = "Your username or password is not right"
        form.add_error(None, f"{message}. {_wait_message(wait)}" if wait else message)
        return None
    login(request, user)  # a new session key: what was there before is not carried over
    start_session(request)
    if not needs_two_factor(user):
        step = "not needed"
    elif has_two_factor_device(user):
        step = "code next"
    else:
        step = "set up next"
    audit.record(
        request, Action.SIGN_IN, detail={"two_factor": step}, throttle_key=key, client=client
    )
    return redirect(safe_next(request))  # analyst_view sends them through the next steps


def _wait_message(seconds: int) -> str:
    return f"You have tried to sign in too many times. Wait {wait_text(seconds)}, then try again"


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
    form = SignInCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if form.is_recovery_code:
            if _accept_recovery_code(request, form):
                return redirect(next_url)
        elif _accept_code(request, device, form):
            audit.record(request, Action.TWO_FACTOR_VERIFIED)
            return redirect(next_url)
    return render(
        request,
        "accounts/two_factor.html",
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


def _accept_recovery_code(request: HttpRequest, form: SignInCodeForm) -> bool:
    """Use up a recovery code; on success mark the session as verified, as a code would."""
    user = request.user
    used = use_recovery_code(user, form.cleaned_data["code"])
    if used is None:
        audit.record(request, Action.TWO_FACTOR_FAILED, detail={"reason": "too many tries"})
        form.add_error("code", _code_wait_message(None))
        return False
    if not used:
        audit.record(request, Action.TWO_FACTOR_FAILED, detail={"reason": "wrong recovery code"})
        form.add_error("code", "The recovery code is not right, or has been used already")
        return False
    device = StaticDevice.objects.get(user=user, confirmed=True)
    otp_login(request, device)
    request.session.cycle_key()
    left = device.token_set.count()
    audit.record(request, Action.RECOVERY_CODE_USED, detail={"unused left": left})
    notify(
        request,
        f"You signed in with a recovery code, which cannot be used again. You have {left} "
        f"left. If you have lost your authenticator app, ask an administrator to reset "
        f"two-factor authentication for your account.",
    )
    return True


def _code_wait_message(until: Any) -> str:
    seconds = max(1, int((until - timezone.now()).total_seconds())) if until else 60
    return f"You have entered too many wrong codes. Wait {wait_text(seconds)}, then try again"


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
        return show_recovery_codes(request, set_up=True)
    return render(
        request,
        "accounts/two_factor_set_up.html",
        {
            "form": form,
            "next": safe_next(request, default=""),
            "qr_code": _qr_svg(device.config_url),
            "secret": _grouped(base64.b32encode(device.bin_key).decode()),
            "required": role_of(user) in (Role.ANALYST, Role.ADMIN),
        },
    )


def show_recovery_codes(request: HttpRequest, *, set_up: bool = False) -> HttpResponse:
    """Make the account new recovery codes and show them, this once."""
    codes = make_recovery_codes(request.user)
    audit.record(request, Action.RECOVERY_CODES_MADE, detail={"count": len(codes)})
    return render(
        request,
        "accounts/recovery_codes.html",
        {
            "codes": codes,
            "set_up": set_up,
            "next": safe_next(request, "analyse:account" if not set_up else "analyse:home"),
            "nav": "account",
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
        return render(request, "accounts/sign_out.html")
    if request.user.is_authenticated:
        audit.record(request, Action.SIGN_OUT)
    logout(request)
    request.session[SIGNED_OUT_REASON] = "signed-out"
    return redirect("analyse:sign-in")
