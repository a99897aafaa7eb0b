"""Analyst accounts: signing in with two-factor authentication, throttling,
session time-outs, roles, the administrators' pages and the audit log.

The helpers at the top (`make_account`, `totp_code`, `sign_in_verified`) are meant for other
tests of analyst pages too.
"""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from soundingboard.accounts import access, audit
from soundingboard.accounts.models import AnalystProfile, AuditEvent, Role
from soundingboard.collect.models import Response
from tests.conftest import EXAMPLE

pytestmark = pytest.mark.django_db

User = get_user_model()
Action = AuditEvent.Action
PASSWORD = "a long and unguessable passphrase"
SIGN_IN = "/-/sign-in/"
HOME = "/-/analyse/"


# Helpers -----------------------------------------------------------------------------------


def make_account(
    username: str, role: str, *, two_factor: bool = False, password: str = PASSWORD
) -> tuple[User, TOTPDevice | None]:
    """An account with this role, and its confirmed authenticator device if `two_factor`."""
    user = User.objects.create_user(username=username, password=password)
    AnalystProfile.objects.create(user=user, role=role)
    device = (
        TOTPDevice.objects.create(user=user, name="app", confirmed=True) if two_factor else None
    )
    return user, device


def totp_code(device: TOTPDevice, steps_ahead: int = 0) -> str:
    """The code the authenticator app shows now (or `steps_ahead` periods of 30 s later: a
    device accepts each period's code once, and the period next to now as well)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"


def sign_in_verified(client: Client, user: User, device: TOTPDevice | None) -> None:
    """Signed in, with two-factor authentication done, without going through the pages."""
    client.force_login(user)
    if device is not None:
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()


def post_password(client: Client, username: str, password: str = PASSWORD, **extra: str):
    return client.post(SIGN_IN, {"username": username, "password": password, **extra})


def events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("at", "id"))


def html(reply) -> str:
    return reply.content.decode()


# Roles -------------------------------------------------------------------------------------


def test_only_analysts_and_admins_can_see_personal_data():
    reader, _ = make_account("rhea", Role.READER)
    analyst, _ = make_account("ana", Role.ANALYST)
    admin, _ = make_account("adam", Role.ADMIN)
    no_role = User.objects.create_user(username="norole", password=PASSWORD)
    gone, _ = make_account("gone", Role.ANALYST)
    gone.is_active = False
    gone.save()
    from django.contrib.auth.models import AnonymousUser

    assert access.can_see_personal_data(reader) is False
    assert access.can_see_personal_data(analyst) is True
    assert access.can_see_personal_data(admin) is True
    for nobody in (no_role, gone, AnonymousUser(), None):
        assert access.can_see_personal_data(nobody) is False
        assert access.role_of(nobody) is None
    assert [access.can_admin(u) for u in (reader, analyst, admin)] == [False, False, True]
    assert [access.role_of(u) for u in (reader, analyst, admin)] == ["reader", "analyst", "admin"]


# Signing in --------------------------------------------------------------------------------


def test_the_sign_in_page_follows_the_gov_uk_patterns(client):
    page = html(client.get(SIGN_IN))
    assert 'autocomplete="username"' in page
    assert 'autocomplete="current-password"' in page
    assert '<label class="govuk-label govuk-label--s" for="id_username">Username</label>' in page
    assert 'type="password"' in page
    empty = html(client.post(SIGN_IN, {"username": "", "password": ""}))
    assert "There is a problem" in empty
    assert '<a href="#id_username">Enter your username</a>' in empty
    assert '<a href="#id_password">Enter your password</a>' in empty
    assert "<title>Sign in - error - soundingboard analysis</title>" in empty
    make_account("ana", Role.ANALYST)
    wrong = html(post_password(client, "ana", "not the password at all"))
    assert "Your username or password is not right" in wrong
    assert "not the password at all" not in wrong  # never shown back
    assert 'value="ana"' in wrong


def test_an_analyst_signs_in_with_a_password_then_a_code(client):
    user, device = make_account("ana", Role.ANALYST, two_factor=True)
    first = client.get(HOME)
    assert first.status_code == 302
    assert first["Location"] == f"{SIGN_IN}?next=/-/analyse/"

    password = post_password(client, "ana", next="/-/analyse/")
    assert password.status_code == 302
    assert password["Location"] == HOME
    # The password alone opens no analyst page: every one sends them for the code.
    for address in (HOME, "/-/account/"):
        held = client.get(address)
        assert held.status_code == 302
        assert held["Location"].startswith("/-/sign-in/two-factor/?next=")

    form = client.get("/-/sign-in/two-factor/?next=/-/analyse/")
    page = html(form)
    assert 'autocomplete="one-time-code"' in page
    assert "enter one of your recovery codes instead" in page  # so not inputmode="numeric"
    wrong = client.post("/-/sign-in/two-factor/", {"code": "000000", "next": HOME})
    if totp_code(device) != "000000":
        assert "The code is not right" in html(wrong)
    device.refresh_from_db()
    device.throttle_reset()  # a wrong code makes the next try wait a second

    verified = client.post("/-/sign-in/two-factor/", {"code": totp_code(device), "next": HOME})
    assert verified.status_code == 302
    assert verified["Location"] == HOME
    home = client.get(HOME)
    assert home.status_code == 200
    assert "Signed in as <strong>ana</strong> (analyst)" in html(home)
    assert [e.username for e in events(Action.SIGN_IN)] == ["ana"]
    assert events(Action.SIGN_IN)[0].detail == {"two_factor": "code next"}
    assert [e.username for e in events(Action.TWO_FACTOR_VERIFIED)] == ["ana"]
    user.refresh_from_db()
    assert user.last_login is not None


def test_the_session_key_changes_at_each_step_of_signing_in(client):
    _, device = make_account("ana", Role.ANALYST, two_factor=True)
    client.get(SIGN_IN)
    client.session.save()
    keys = [client.session.session_key]
    post_password(client, "ana")
    keys.append(client.session.session_key)
    client.post("/-/sign-in/two-factor/", {"code": totp_code(device)})
    keys.append(client.session.session_key)
    assert len(set(keys)) == 3


def test_an_analyst_without_two_factor_must_set_it_up_before_any_analyst_page(client):
    make_account("ana", Role.ANALYST)
    post_password(client, "ana")
    for address in (HOME, "/-/account/", "/-/sign-in/two-factor/"):
        reply = client.get(address)
        assert reply.status_code == 302
        assert reply["Location"].startswith("/-/two-factor/set-up/")
    page = client.get("/-/two-factor/set-up/")
    text = html(page)
    assert page.status_code == 200
    assert '<svg role="img"' in text
    assert "style=" not in text
    device = TOTPDevice.objects.get(user__username="ana")
    assert device.confirmed is False
    secret = text.split('id="totp-secret"><code>')[1].split("</code>")[0]
    import base64

    assert base64.b32decode(secret.replace(" ", "")) == device.bin_key
    # Reloading the page keeps the same key: the app scanned it already.
    client.get("/-/two-factor/set-up/")
    assert TOTPDevice.objects.get(user__username="ana").key == device.key

    wrong = client.post("/-/two-factor/set-up/", {"code": "12 34"})
    assert "The code must be 6 numbers" in html(wrong)
    assert client.get(HOME).status_code == 302

    done = client.post("/-/two-factor/set-up/", {"code": totp_code(device)})
    assert done.status_code == 200
    assert "Two-factor authentication is set up" in html(done)
    assert "Your recovery codes" in html(done)  # shown once, with the set-up (see
    # test_sessions_and_codes)
    device.refresh_from_db()
    assert device.confirmed is True
    home = client.get(HOME)
    assert home.status_code == 200
    assert [e.username for e in events(Action.TWO_FACTOR_ENROLLED)] == ["ana"]

    # Next time, the code is asked for, not a new set-up.
    client.post("/-/sign-out/")
    post_password(client, "ana")
    assert client.get(HOME)["Location"].startswith("/-/sign-in/two-factor/")


def test_a_reader_signs_in_with_a_password_alone(client):
    make_account("rhea", Role.READER)
    reply = post_password(client, "rhea")
    assert reply.status_code == 302
    home = client.get(HOME)
    assert home.status_code == 200
    assert "Signed in as <strong>rhea</strong> (reader)" in html(home)
    assert events(Action.SIGN_IN)[0].detail == {"two_factor": "not needed"}
    # Readers may set it up; once they have, they must use it.
    assert client.get("/-/two-factor/set-up/").status_code == 200


def test_a_reader_who_set_up_two_factor_must_use_it(client):
    make_account("rhea", Role.READER, two_factor=True)
    post_password(client, "rhea")
    assert client.get(HOME)["Location"].startswith("/-/sign-in/two-factor/")


def test_after_signing_in_only_analyst_pages_of_this_site_are_followed(client):
    make_account("rhea", Role.READER)
    for target in ("https://elsewhere.example/analyse/", "//elsewhere.example/", "/admin/"):
        reply = post_password(client, "rhea", next=target)
        assert reply["Location"] == HOME
        client.post("/-/sign-out/")
    reply = post_password(client, "rhea", next="/-/account/")
    assert reply["Location"] == "/-/account/"


def test_a_deactivated_account_or_one_without_a_role_cannot_sign_in(client):
    gone, _ = make_account("gone", Role.ANALYST)
    gone.is_active = False
    gone.save()
    User.objects.create_user(username="norole", password=PASSWORD)
    for username in ("gone", "norole"):
        reply = post_password(client, username)
        assert reply.status_code == 200
        assert "Your username or password is not right" in html(reply)
    assert [e.detail["reason"] for e in events(Action.SIGN_IN_FAILED)] == [
        "account deactivated",
        "no analyst role",
    ]


# Throttling --------------------------------------------------------------------------------


# Waits after wrong passwords: tests/accounts/test_throttling.py.


def test_too_many_wrong_codes_make_the_next_try_wait(client):
    _user, device = make_account("ana", Role.ANALYST, two_factor=True)
    post_password(client, "ana")
    client.post("/-/sign-in/two-factor/", {"code": "000001"})
    client.post("/-/sign-in/two-factor/", {"code": "000002"})
    reply = client.post("/-/sign-in/two-factor/", {"code": totp_code(device)})
    assert "You have entered too many wrong codes" in html(reply)
    assert client.get(HOME).status_code == 302
    assert {e.detail["reason"] for e in events(Action.TWO_FACTOR_FAILED)} >= {"too many tries"}


# Signing out and session time-outs --------------------------------------------------------


def test_sign_in_sign_out_and_failures_are_logged(client):
    make_account("rhea", Role.READER)
    post_password(client, "rhea", "this is not the password")
    post_password(client, "rhea")
    asked = client.get("/-/sign-out/")
    assert asked.status_code == 200  # a GET only asks
    assert "_auth_user_id" in client.session
    out = client.post("/-/sign-out/")
    assert out["Location"] == SIGN_IN
    assert "_auth_user_id" not in client.session
    assert "You have signed out" in html(client.get(SIGN_IN))
    assert client.get(HOME).status_code == 302
    logged = [(e.action, e.username, e.role) for e in AuditEvent.objects.order_by("at", "id")]
    assert logged == [
        ("sign-in-failed", "rhea", "reader"),
        ("sign-in", "rhea", "reader"),
        ("sign-out", "rhea", "reader"),
    ]
    assert all(e.at is not None for e in AuditEvent.objects.all())


def test_sign_out_needs_the_csrf_token():
    make_account("rhea", Role.READER)
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(User.objects.get(username="rhea"))
    assert strict.post("/-/sign-out/").status_code == 403
    assert strict.get(HOME).status_code == 200


def test_an_idle_session_is_signed_out(client):
    _user, device = make_account("ana", Role.ANALYST, two_factor=True)
    post_password(client, "ana")
    client.post("/-/sign-in/two-factor/", {"code": totp_code(device)})
    assert client.get(HOME).status_code == 200
    session = client.session
    session[access.LAST_SEEN] = time.time() - 31 * 60
    session.save()
    reply = client.get("/-/account/")
    assert reply.status_code == 302
    assert reply["Location"].startswith(SIGN_IN)
    assert "_auth_user_id" not in client.session
    assert "signed out because you had done nothing for a while" in html(client.get(SIGN_IN))
    (expired,) = events(Action.SESSION_EXPIRED)
    assert (expired.username, expired.detail) == ("ana", {"reason": "idle"})


def test_a_session_ends_eight_hours_after_signing_in_however_busy(client):
    make_account("rhea", Role.READER)
    post_password(client, "rhea")
    session = client.session
    session[access.SIGNED_IN_AT] = time.time() - 8 * 60 * 60 - 1
    session.save()
    assert client.get(HOME)["Location"].startswith(SIGN_IN)
    assert events(Action.SESSION_EXPIRED)[0].detail == {"reason": "expired"}


def test_an_active_session_is_not_signed_out(client):
    make_account("rhea", Role.READER)
    post_password(client, "rhea")
    session = client.session
    session[access.LAST_SEEN] = time.time() - 29 * 60
    session.save()
    assert client.get(HOME).status_code == 200
    assert client.session[access.LAST_SEEN] > time.time() - 60


# Headers ---------------------------------------------------------------------------------


def test_analyst_pages_are_never_cached_nor_indexed(client):
    user, device = make_account("adam", Role.ADMIN, two_factor=True)
    for address in (SIGN_IN, HOME):
        reply = client.get(address)
        assert "no-store" in reply["Cache-Control"], address
        assert reply["X-Robots-Tag"] == "noindex, nofollow"
    sign_in_verified(client, user, device)
    for address in (HOME, "/-/users/", "/-/audit/", "/-/account/"):
        reply = client.get(address)
        assert reply.status_code == 200, address
        assert "no-store" in reply["Cache-Control"], address
        assert "private" in reply["Cache-Control"]
        assert reply["X-Robots-Tag"] == "noindex, nofollow"
        assert "style=" not in html(reply)


# Roles and pages ------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.READER, Role.ANALYST])
def test_only_admins_can_open_the_accounts_and_audit_pages(client, role):
    user, device = make_account("someone", role, two_factor=True)
    sign_in_verified(client, user, device)
    for address in ("/-/users/", "/-/users/new/", "/-/audit/"):
        reply = client.get(address)
        assert reply.status_code == 403, address
        assert "You cannot open this page" in html(reply)
        assert f"Your account has the {role.label.lower()} role" in html(reply)
        assert "no-store" in reply["Cache-Control"]
    other, _ = make_account("other", Role.READER)
    assert client.post(f"/-/users/{other.pk}/role/", {"role": "admin"}).status_code == 403
    assert AnalystProfile.objects.get(user=other).role == Role.READER
    assert "Accounts</a>" not in html(client.get(HOME))


def test_the_analyst_view_decorator_checks_the_minimum_role(rf):
    from django.contrib.auth.models import AnonymousUser
    from django.contrib.sessions.backends.db import SessionStore

    @access.analyst_view(min_role=Role.ANALYST)
    def personal(request):
        from django.http import HttpResponse

        return HttpResponse("emails")

    reader, _ = make_account("rhea", Role.READER)
    analyst, _ = make_account("ana", Role.ANALYST)

    def call(user, verified=True):
        request = rf.get("/-/analyse/x/")
        request.session = SessionStore()
        request.user = user
        user.is_verified = lambda: verified
        return personal(request)

    assert call(reader).status_code == 403
    assert call(analyst).content == b"emails"
    assert call(analyst)["Cache-Control"].count("no-store") == 1
    unverified = call(analyst, verified=False)
    assert unverified.status_code == 302
    assert unverified["Location"].startswith("/-/two-factor/set-up/")
    request = rf.get("/-/analyse/x/")
    request.session = SessionStore()
    request.user = AnonymousUser()
    assert personal(request)["Location"] == "/-/sign-in/?next=/-/analyse/x/"
    with pytest.raises(ValueError):
        access.analyst_view(min_role="superuser")

    from django.http import HttpResponse
    from django.views import View

    class AdminsOnly(access.AnalystViewMixin, View):
        min_role = Role.ADMIN

        def get(self, request):
            return HttpResponse("settings")

    request = rf.get("/-/analyse/y/")
    request.session = SessionStore()
    request.user = analyst
    analyst.is_verified = lambda: True
    assert AdminsOnly.as_view()(request).status_code == 403


def test_the_landing_page_lists_each_consultation_with_its_counts(client, use_consultations):
    site = use_consultations(EXAMPLE).single
    for n, status in enumerate(["accepted"] * 3 + ["spam"] * 2):
        Response.objects.create(reference=f"SB-T{n}", consultation=site.slug, status=status)
    Response.objects.create(reference="SB-OTHER", consultation="another", status="accepted")
    user, _ = make_account("rhea", Role.READER)
    sign_in_verified(client, user, None)
    page = html(client.get(HOME))
    assert f'<a class="govuk-link" href="/-/analyse/{site.slug}/">' in page
    assert site.title in page
    row = page.split(f'href="/-/analyse/{site.slug}/"')[1].split("</tr>")[0]
    assert '<td class="govuk-table__cell govuk-table__cell--numeric">3</td>' in row
    assert '<td class="govuk-table__cell govuk-table__cell--numeric">2</td>' in row


# Administrators ---------------------------------------------------------------------------


def test_an_admin_creates_an_account_and_changes_its_role_and_both_are_audited(client):
    admin, device = make_account("adam", Role.ADMIN, two_factor=True)
    sign_in_verified(client, admin, device)
    form = html(client.get("/-/users/new/"))
    assert "Administrator" in form and "Reader" in form

    bad = client.post("/-/users/new/", {"username": "Has Spaces", "role": ""})
    assert "Username must start with a letter or number" in html(bad)
    assert "Select a role" in html(bad)

    made = client.post(
        "/-/users/new/", {"username": "Rhea", "email": "rhea@example.org", "role": "reader"}
    )
    assert made.status_code == 200
    assert "no-store" in made["Cache-Control"]
    password = html(made).split('id="one-time-password"><code>')[1].split("</code>")[0]
    rhea = User.objects.get(username="rhea")
    assert rhea.check_password(password)
    assert rhea.password.startswith("argon2$")
    assert rhea.analyst_profile.role == Role.READER
    assert rhea.analyst_profile.must_change_password is True
    (created,) = events(Action.USER_CREATED)
    assert (created.username, created.detail) == ("adam", {"account": "rhea", "role": "reader"})
    assert password not in str(created.detail)

    taken = client.post("/-/users/new/", {"username": "rhea", "role": "reader"})
    assert "There is already an account with this username" in html(taken)

    changed = client.post(f"/-/users/{rhea.pk}/role/", {"role": "analyst"})
    assert changed.status_code == 302
    rhea.analyst_profile.refresh_from_db()
    assert rhea.analyst_profile.role == Role.ANALYST
    (role_changed,) = events(Action.ROLE_CHANGED)
    assert role_changed.username == "adam"
    assert role_changed.detail == {"account": "rhea", "from": "reader", "to": "analyst"}
    assert "The role of rhea is now analyst." in html(client.get(f"/-/users/{rhea.pk}/"))
    listed = html(client.get("/-/users/"))
    assert "rhea" in listed and "Analyst" in listed


def test_a_one_time_password_must_be_replaced_at_first_sign_in(client):
    admin, device = make_account("adam", Role.ADMIN, two_factor=True)
    sign_in_verified(client, admin, device)
    made = client.post("/-/users/new/", {"username": "rhea", "role": "reader"})
    password = html(made).split('id="one-time-password"><code>')[1].split("</code>")[0]

    newcomer = Client()
    assert post_password(newcomer, "rhea", password)["Location"] == HOME
    sent = newcomer.get(HOME)
    assert sent["Location"] == "/-/account/password/?next=%2F-%2Fanalyse%2F"
    page = html(newcomer.get(sent["Location"]))
    assert "Choose your password" in page
    assert 'autocomplete="new-password"' in page
    short = newcomer.post(
        "/-/account/password/",
        {"current_password": password, "new_password": "short", "new_password_again": "short"},
    )
    assert "Password must be 12 characters or more" in html(short)
    mismatch = newcomer.post(
        "/-/account/password/",
        {
            "current_password": password,
            "new_password": PASSWORD,
            "new_password_again": PASSWORD + "x",
        },
    )
    assert "The passwords do not match" in html(mismatch)
    done = newcomer.post(
        "/-/account/password/",
        {
            "current_password": password,
            "new_password": PASSWORD,
            "new_password_again": PASSWORD,
            "next": HOME,
        },
    )
    assert done["Location"] == HOME
    assert newcomer.get(HOME).status_code == 200
    rhea = User.objects.get(username="rhea")
    assert rhea.check_password(PASSWORD)
    assert rhea.analyst_profile.must_change_password is False
    assert [e.username for e in events(Action.PASSWORD_CHANGED)] == ["rhea"]


def test_an_admin_resets_two_factor_and_the_account_must_set_it_up_again(client):
    admin, admin_device = make_account("adam", Role.ADMIN, two_factor=True)
    ana, ana_device = make_account("ana", Role.ANALYST, two_factor=True)
    analyst_client = Client()
    sign_in_verified(analyst_client, ana, ana_device)
    assert analyst_client.get(HOME).status_code == 200

    sign_in_verified(client, admin, admin_device)
    reply = client.post(f"/-/users/{ana.pk}/two-factor/")
    assert reply.status_code == 302
    assert not TOTPDevice.objects.filter(user=ana).exists()
    (reset,) = events(Action.TWO_FACTOR_RESET)
    assert (reset.username, reset.detail) == ("adam", {"account": "ana"})
    assert analyst_client.get(HOME)["Location"].startswith("/-/two-factor/set-up/")


def test_an_admin_deactivates_an_account_which_is_then_signed_out(client):
    admin, admin_device = make_account("adam", Role.ADMIN, two_factor=True)
    rhea, _ = make_account("rhea", Role.READER)
    reader_client = Client()
    sign_in_verified(reader_client, rhea, None)
    sign_in_verified(client, admin, admin_device)
    client.post(f"/-/users/{rhea.pk}/active/")
    rhea.refresh_from_db()
    assert rhea.is_active is False
    assert reader_client.get(HOME)["Location"].startswith(SIGN_IN)
    client.post(f"/-/users/{rhea.pk}/active/")
    rhea.refresh_from_db()
    assert rhea.is_active is True
    assert [e.action for e in AuditEvent.objects.order_by("at", "id")] == [
        "user-deactivated",
        "user-reactivated",
    ]


def test_the_last_admin_cannot_be_demoted_nor_deactivate_themselves(client):
    admin, device = make_account("adam", Role.ADMIN, two_factor=True)
    sign_in_verified(client, admin, device)
    demoted = client.post(f"/-/users/{admin.pk}/role/", {"role": "reader"})
    assert demoted.status_code == 200
    assert "There must be at least one administrator" in html(demoted)
    client.post(f"/-/users/{admin.pk}/active/")
    admin.refresh_from_db()
    assert admin.is_active is True
    assert admin.analyst_profile.role == Role.ADMIN
    assert not AuditEvent.objects.exists()


def test_an_admin_sets_a_one_time_password_which_ends_the_holders_sessions(client):
    admin, device = make_account("adam", Role.ADMIN, two_factor=True)
    rhea, _ = make_account("rhea", Role.READER)
    reader_client = Client()
    sign_in_verified(reader_client, rhea, None)
    sign_in_verified(client, admin, device)
    reply = client.post(f"/-/users/{rhea.pk}/password/")
    password = html(reply).split('id="one-time-password"><code>')[1].split("</code>")[0]
    rhea.refresh_from_db()
    assert rhea.check_password(password)
    assert rhea.analyst_profile.must_change_password is True
    assert reader_client.get(HOME)["Location"].startswith(SIGN_IN)
    assert [e.detail for e in events(Action.PASSWORD_RESET)] == [{"account": "rhea"}]


# The audit log -----------------------------------------------------------------------------


def test_audit_record_keeps_secrets_and_email_addresses_out(rf):
    analyst, _ = make_account("ana", Role.ANALYST)
    request = rf.get("/")
    request.user = analyst
    event = audit.record(
        request,
        audit.Action.EXPORT,
        consultation="roads",
        detail={
            "format": "csv",
            "rows": 12,
            "personal_data": True,
            "password": "hunter2",
            "one_time_code": "123456",
            "filter": "role is Resident, sent by jo@example.org",
            "emails": ["a@example.org"],
        },
    )
    event.refresh_from_db()
    assert (event.username, event.role, event.consultation) == ("ana", "analyst", "roads")
    assert event.detail == {
        "format": "csv",
        "rows": 12,
        "personal_data": True,
        "password": "[removed]",
        "one_time_code": "[removed]",
        "filter": "role is Resident, sent by [removed]",
        "emails": "[removed]",
    }
    assert audit.record(None, "personal-data-view", detail="contact of SB-1").detail == {
        "note": "contact of SB-1"
    }
    with pytest.raises(ValueError):
        audit.record(request, "looked-around")


def test_the_audit_log_page_lists_newest_first_filters_and_pages(client):
    admin, device = make_account("adam", Role.ADMIN, two_factor=True)
    ana, _ = make_account("ana", Role.ANALYST)
    start = timezone.now() - dt.timedelta(hours=2)
    for n in range(60):
        event = audit.record(ana, Action.PERSONAL_DATA_VIEW, consultation="roads",
                             detail={"response": f"SB-{n:03d}"})  # fmt: skip
        AuditEvent.objects.filter(pk=event.pk).update(at=start + dt.timedelta(minutes=n))
    audit.record(admin, Action.EXPORT, consultation="roads", detail={"rows": 3})
    sign_in_verified(client, admin, device)

    first = html(client.get("/-/audit/"))
    assert "Events 1 to 50 of 61" in first
    assert first.index("rows: 3") < first.index("response: SB-059") < first.index("SB-020")
    assert "SB-009" not in first
    second = html(client.get("/-/audit/?page=2"))
    assert "SB-009" in second and "SB-000" in second

    exports = html(client.get("/-/audit/", {"action": "export"}))
    assert "Events 1 to 1 of 1" in exports
    by_user = html(client.get("/-/audit/", {"user": "ANA", "action": ""}))
    assert "of 60" in by_user
    paged = html(client.get("/-/audit/", {"user": "ana"}))
    assert 'href="?user=ana&amp;page=2"' in paged
