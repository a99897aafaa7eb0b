"""Sign-in throttling: wrong passwords slow down the pair (username, client) with waits that
grow, and one client a little whatever the usernames, but nobody can keep an account's owner
out by guessing from elsewhere (the attack of issue 13, item 7)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models import F
from django.test import Client

from soundingboard.accounts.models import AuditEvent, Role
from soundingboard.accounts.throttle import growing_wait
from tests.accounts.test_accounts import (
    HOME,
    PASSWORD,
    events,
    html,
    make_account,
    post_password,
    totp_code,
)

pytestmark = pytest.mark.django_db

Action = AuditEvent.Action
ATTACKER = "203.0.113.66"
WAIT = "You have tried to sign in too many times. Wait"


def time_passes(seconds: float) -> None:
    """As if `seconds` had passed since every event in the log."""
    AuditEvent.objects.update(at=F("at") - dt.timedelta(seconds=seconds))


def sign_in_with_code(client: Client, username: str, device) -> None:  # type: ignore[no-untyped-def]
    assert post_password(client, username)["Location"] == HOME
    done = client.post("/-/sign-in/two-factor/", {"code": totp_code(device), "next": HOME})
    assert done["Location"] == HOME


def test_the_wait_doubles_after_the_free_attempts_up_to_a_cap():
    assert [growing_wait(n, 3, 900) for n in range(9)] == [0, 0, 0, 1, 2, 4, 8, 16, 32]
    assert growing_wait(13, 3, 900) == 900
    assert growing_wait(10_000, 3, 900) == 900


@pytest.mark.parametrize("wrong", [5, 50])
def test_wrong_passwords_from_elsewhere_do_not_keep_the_owner_out(settings, wrong):
    settings.SOUNDINGBOARD_SIGN_IN_FREE_ATTEMPTS = 3
    _admin, device = make_account("adam", Role.ADMIN, two_factor=True)
    attacker = Client(REMOTE_ADDR=ATTACKER)
    for attempt in range(wrong):
        assert "not right" in html(post_password(attacker, "adam", f"guess number {attempt}"))
        assert "_auth_user_id" not in attacker.session
        time_passes(16 * 60)  # each guess checked: the longest wait has passed
    assert len(events(Action.SIGN_IN_FAILED)) == wrong

    # The owner, from their own client, with the right password and a valid code: in.
    owner = Client()
    sign_in_with_code(owner, "adam", device)
    assert owner.get(HOME).status_code == 200

    # The attacker's own pair is slowed: a try at once is refused without being checked,
    # the right password included.
    post_password(attacker, "adam", "one more guess")
    refused = post_password(attacker, "adam")
    assert WAIT in html(refused)
    assert "_auth_user_id" not in attacker.session
    assert events(Action.SIGN_IN_LOCKED)[-1].detail["wait_seconds"] > 0


def test_the_waits_grow_and_the_page_says_how_long(client, settings):
    settings.SOUNDINGBOARD_SIGN_IN_FREE_ATTEMPTS = 3
    settings.SOUNDINGBOARD_SIGN_IN_MAX_WAIT_SECONDS = 15 * 60
    make_account("ana", Role.ANALYST, two_factor=True)
    pages = []
    for attempt in range(6):
        pages.append(html(post_password(client, "ana", f"wrong password number {attempt}")))
        time_passes(60)  # long enough for every wait so far
    assert "Your username or password is not right" in pages[0]
    assert WAIT not in pages[1]
    assert f"Your username or password is not right. {WAIT} 1 second, then try again" in pages[2]
    assert f"{WAIT} 2 seconds" in pages[3]
    assert f"{WAIT} 8 seconds" in pages[5]
    for _ in range(6):  # 2^6 .. 2^8 seconds: the waits pass 90 seconds and are told in minutes
        post_password(client, "ana", "another wrong one")
        time_passes(15 * 60)
    post_password(client, "ana", "and another")
    assert f"{WAIT} 15 minutes, then try again" in html(post_password(client, "ana"))

    # During the wait even the right password is refused, without being checked; the
    # refusal is logged, and the wrong passwords typed are never kept.
    assert "_auth_user_id" not in client.session
    assert len(events(Action.SIGN_IN_FAILED)) == 13
    assert events(Action.SIGN_IN_LOCKED)[-1].username == "ana"
    for event in AuditEvent.objects.all():
        assert "wrong password number" not in str(event.detail) + event.username

    # When the wait has passed, the right password works.
    time_passes(15 * 60)
    assert post_password(client, "ana")["Location"] == HOME


def test_the_owner_at_the_same_client_waits_only_seconds_after_five_wrong_passwords(
    client, settings
):
    settings.SOUNDINGBOARD_SIGN_IN_FREE_ATTEMPTS = 3
    make_account("rhea", Role.READER)
    for attempt in range(5):
        post_password(client, "rhea", f"not my password {attempt}")
        time_passes(60)  # typed again slowly: each one checked
    time_passes(-60)
    assert f"{WAIT} 4 seconds" in html(post_password(client, "rhea"))
    time_passes(4)
    assert post_password(client, "rhea")["Location"] == HOME


def test_a_username_that_is_no_account_waits_just_the_same(client, settings):
    settings.SOUNDINGBOARD_SIGN_IN_FREE_ATTEMPTS = 3
    make_account("ana", Role.ANALYST)
    for name in ("ana", "nosuchperson"):
        for attempt in range(6):
            post_password(client, name, f"guess {attempt}")
            time_passes(60)
        time_passes(-60)
        assert f"{WAIT} 8 seconds" in html(post_password(client, name))
    unknown = AuditEvent.objects.exclude(username="ana")
    assert unknown.exists()
    assert {e.username for e in unknown} == {""}  # what was typed is not kept
    assert all("nosuchperson" not in str(e.detail) for e in unknown)


def test_a_successful_sign_in_clears_the_count_of_its_pair(client, settings):
    settings.SOUNDINGBOARD_SIGN_IN_FREE_ATTEMPTS = 3
    make_account("rhea", Role.READER)
    for _ in range(2):
        post_password(client, "rhea", "not my password at all")
    assert post_password(client, "rhea")["Location"] == HOME
    client.post("/-/sign-out/")
    for _ in range(2):
        post_password(client, "rhea", "not my password at all")
    assert post_password(client, "rhea")["Location"] == HOME


def test_many_usernames_from_one_address_slow_that_address_only_a_little(client, settings):
    """A whole council may share one address: someone there guessing many usernames makes
    their colleagues wait at most SIGN_IN_CLIENT_MAX_WAIT_SECONDS, never locks them out."""
    settings.SOUNDINGBOARD_SIGN_IN_CLIENT_FREE_ATTEMPTS = 10
    settings.SOUNDINGBOARD_SIGN_IN_CLIENT_MAX_WAIT_SECONDS = 60
    make_account("rhea", Role.READER)
    for n in range(20):
        post_password(client, f"person{n}", "a guessed password")
        time_passes(60)
    time_passes(-60)
    assert len(events(Action.SIGN_IN_FAILED)) == 20
    assert f"{WAIT} 60 seconds" in html(post_password(client, "rhea"))
    # Another address is not slowed at all; this one, after a minute at most.
    assert post_password(Client(REMOTE_ADDR="192.0.2.7"), "rhea")["Location"] == HOME
    time_passes(60)
    assert post_password(client, "rhea")["Location"] == HOME


def test_the_counts_keep_neither_address_nor_username(client):
    post_password(Client(REMOTE_ADDR="198.51.100.23"), "somebody", "a guessed password")
    (event,) = events(Action.SIGN_IN_FAILED)
    stored = f"{event.throttle_key} {event.client} {event.username} {event.detail}"
    assert "198.51.100" not in stored
    assert "somebody" not in stored
    assert PASSWORD not in stored


def test_a_forged_forwarded_address_does_not_escape_the_waits(settings):
    """An attacker who names a new address in X-Forwarded-For at each try is still the same
    client: only proxies the operator names are believed (none by default)."""
    settings.SOUNDINGBOARD_SIGN_IN_FREE_ATTEMPTS = 3
    make_account("ana", Role.ANALYST)
    attacker = Client(REMOTE_ADDR="127.0.0.1")  # say, through a proxy that passes it on
    for n in range(3):
        attacker.post(
            "/-/sign-in/",
            {"username": "ana", "password": f"guess {n}"},
            headers={"X-Forwarded-For": f"198.51.100.{n}"},
        )
    forged = attacker.post(
        "/-/sign-in/",
        {"username": "ana", "password": PASSWORD},
        headers={"X-Forwarded-For": "198.51.100.200"},
    )
    assert WAIT in html(forged)
    assert len({e.client for e in AuditEvent.objects.all()}) == 1
