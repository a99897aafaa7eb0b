"""Accounts that cannot be turned against their owners (issue 13, item 7): deactivating an
account ends its sessions for good, one-time passwords run out, and recovery codes for when
the authenticator app is lost."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

from soundingboard.accounts.models import AnalystProfile, AuditEvent, Role
from tests.accounts.test_accounts import (
    HOME,
    SIGN_IN,
    User,
    events,
    html,
    make_account,
    post_password,
    sign_in_verified,
    totp_code,
)

pytestmark = pytest.mark.django_db

Action = AuditEvent.Action
CODE_STEP = "/-/sign-in/two-factor/"


# Deactivating ends sessions ----------------------------------------------------------------


def test_a_reactivated_accounts_old_cookie_is_signed_out(client):
    admin, admin_device = make_account("adam", Role.ADMIN, two_factor=True)
    _ana, ana_device = make_account("ana", Role.ANALYST, two_factor=True)
    old = Client()
    assert post_password(old, "ana")["Location"] == HOME
    old.post(CODE_STEP, {"code": totp_code(ana_device)})
    assert old.get(HOME).status_code == 200
    cookie = old.cookies["sessionid"].value

    sign_in_verified(client, admin, admin_device)
    ana = User.objects.get(username="ana")
    client.post(f"/-/users/{ana.pk}/active/")  # deactivated
    client.post(f"/-/users/{ana.pk}/active/")  # and reactivated
    assert User.objects.get(username="ana").is_active is True

    stolen = Client()
    stolen.cookies["sessionid"] = cookie
    reply = stolen.get(HOME)
    assert reply.status_code == 302
    assert reply["Location"].startswith(SIGN_IN)
    assert "an administrator changed your account" in html(stolen.get(SIGN_IN))
    assert events(Action.SESSION_EXPIRED)[-1].detail == {"reason": "ended"}
    # Signing in again works as ever.
    fresh = Client()
    assert post_password(fresh, "ana")["Location"] == HOME


def test_sessions_of_other_accounts_go_on(client):
    admin, admin_device = make_account("adam", Role.ADMIN, two_factor=True)
    rhea, _ = make_account("rhea", Role.READER)
    rob, _ = make_account("rob", Role.READER)
    robs = Client()
    sign_in_verified(robs, rob, None)
    sign_in_verified(client, admin, admin_device)
    client.post(f"/-/users/{rhea.pk}/active/")
    client.post(f"/-/users/{rhea.pk}/active/")
    assert robs.get(HOME).status_code == 200
    assert client.get(HOME).status_code == 200


# One-time passwords run out ----------------------------------------------------------------


def one_time_password_of(reply) -> str:  # type: ignore[no-untyped-def]
    return html(reply).split('id="one-time-password"><code>')[1].split("</code>")[0]


def test_a_one_time_password_says_when_it_runs_out_and_then_does_not_work(client, settings):
    settings.SOUNDINGBOARD_ONE_TIME_PASSWORD_HOURS = 72
    admin, device = make_account("adam", Role.ADMIN, two_factor=True)
    sign_in_verified(client, admin, device)
    made = client.post("/-/users/new/", {"username": "rhea", "role": "reader"})
    password = one_time_password_of(made)
    expires = AnalystProfile.objects.get(user__username="rhea").one_time_password_expires
    assert abs(expires - (timezone.now() + dt.timedelta(hours=72))) < dt.timedelta(minutes=1)
    local = expires.astimezone(ZoneInfo("Europe/London"))
    when = f"{local:%I}".lstrip("0") + f":{local:%M}" + f"{local:%p}".lower()
    text = re.sub(r"<[^>]+>", "", html(made))
    assert f"It works until {when} on {local.day} {local:%B %Y}." in text

    AnalystProfile.objects.filter(user__username="rhea").update(
        one_time_password_expires=timezone.now() - dt.timedelta(seconds=1)
    )
    late = Client()
    reply = post_password(late, "rhea", password)
    assert reply.status_code == 200
    assert (
        "The one-time password you were given has run out. Ask an administrator for a new one"
        in html(reply)
    )
    assert "_auth_user_id" not in late.session
    assert events(Action.SIGN_IN_FAILED)[-1].detail == {"reason": "one-time password expired"}

    # A new one from an administrator works, and once replaced the password never runs out.
    rhea = User.objects.get(username="rhea")
    again = one_time_password_of(client.post(f"/-/users/{rhea.pk}/password/"))
    assert post_password(late, "rhea", again)["Location"] == HOME
    late.post(
        "/-/account/password/",
        {
            "current_password": again,
            "new_password": "my very own passphrase",
            "new_password_again": "my very own passphrase",
        },
    )
    profile = AnalystProfile.objects.get(user=rhea)
    assert (profile.must_change_password, profile.one_time_password_expires) == (False, None)


def test_a_wrong_password_says_nothing_of_expiry(client):
    admin, device = make_account("adam", Role.ADMIN, two_factor=True)
    sign_in_verified(client, admin, device)
    client.post("/-/users/new/", {"username": "rhea", "role": "reader"})
    AnalystProfile.objects.filter(user__username="rhea").update(
        one_time_password_expires=timezone.now() - dt.timedelta(seconds=1)
    )
    reply = html(post_password(Client(), "rhea", "not the one-time password"))
    assert "run out" not in reply
    assert "Your username or password is not right" in reply


# Recovery codes ----------------------------------------------------------------------------


def codes_on(reply) -> list[str]:  # type: ignore[no-untyped-def]
    listed = html(reply).split('id="recovery-codes">')[1].split("</ul>")[0]
    return re.findall(r"<code>([a-z0-9-]+)</code>", listed)


def set_up_two_factor(client: Client, username: str) -> tuple[list[str], object]:
    """Sign in as a new analyst and set up two-factor authentication: the recovery codes
    shown, and the app's device."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    post_password(client, username)
    client.get("/-/two-factor/set-up/")
    device = TOTPDevice.objects.get(user__username=username)
    done = client.post("/-/two-factor/set-up/", {"code": totp_code(device)})
    assert done.status_code == 200
    return codes_on(done), device


def test_setting_up_two_factor_shows_recovery_codes_once(client):
    make_account("ana", Role.ANALYST)
    codes, _device = set_up_two_factor(client, "ana")
    assert len(codes) == 10 == len(set(codes))
    assert all(re.fullmatch(r"[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}", c) for c in codes)
    assert StaticToken.objects.filter(device__user__username="ana").count() == 10
    for address in (HOME, "/-/account/"):
        page = html(client.get(address))
        assert not any(code in page for code in codes)
    assert "10 unused" in html(client.get("/-/account/"))
    assert events(Action.RECOVERY_CODES_MADE)[-1].detail == {"count": 10}


def test_a_recovery_code_signs_in_once_and_never_again(client):
    make_account("ana", Role.ANALYST)
    codes, _device = set_up_two_factor(client, "ana")
    client.post("/-/sign-out/")

    lost_phone = Client()
    post_password(lost_phone, "ana")
    used = lost_phone.post(CODE_STEP, {"code": codes[3].upper().replace("-", " "), "next": HOME})
    assert used["Location"] == HOME
    home = html(lost_phone.get(HOME))
    assert "You signed in with a recovery code" in home
    assert "You have 9 left" in home
    (event,) = events(Action.RECOVERY_CODE_USED)
    assert (event.username, event.detail) == ("ana", {"unused left": 9})
    assert codes[3] not in str([e.detail for e in AuditEvent.objects.all()])
    lost_phone.post("/-/sign-out/")

    again = Client()
    post_password(again, "ana")
    refused = again.post(CODE_STEP, {"code": codes[3]})
    assert "The recovery code is not right, or has been used already" in html(refused)
    assert again.get(HOME)["Location"].startswith(CODE_STEP)
    assert events(Action.TWO_FACTOR_FAILED)[-1].detail == {"reason": "wrong recovery code"}


def test_new_recovery_codes_replace_the_old_and_a_reset_removes_them(client):
    admin, admin_device = make_account("adam", Role.ADMIN, two_factor=True)
    make_account("ana", Role.ANALYST)
    old, _device = set_up_two_factor(client, "ana")
    made = client.post("/-/account/recovery-codes/")
    new = codes_on(made)
    assert len(new) == 10 and not set(new) & set(old)
    assert "Any recovery codes you had before no longer work" in html(made)
    client.post("/-/sign-out/")
    post_password(client, "ana")
    assert "not right" in html(client.post(CODE_STEP, {"code": old[0]}))

    ana = User.objects.get(username="ana")
    admins = Client()
    sign_in_verified(admins, admin, admin_device)
    admins.post(f"/-/users/{ana.pk}/two-factor/")
    assert not StaticDevice.objects.filter(user=ana).exists()
    assert not StaticToken.objects.filter(device__user=ana).exists()
