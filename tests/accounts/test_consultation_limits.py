"""Accounts limited to named consultations (issue 13, item 7): an instance may serve several
organisations' consultations, and an account limited to some opens no page, export or list
entry of the others."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from soundingboard.accounts.access import may_see_consultation, visible_consultations
from soundingboard.accounts.models import AnalystProfile, AuditEvent, Role
from soundingboard.collect.models import Response
from tests.accounts.test_accounts import (
    HOME,
    PASSWORD,
    User,
    events,
    html,
    make_account,
    sign_in_verified,
)
from tests.analyse.conftest import CONFIG, PAGES, SLUG
from tests.conftest import write_consultation

pytestmark = pytest.mark.django_db

Action = AuditEvent.Action
A, B = "roads-a", "rivers-b"


@pytest.fixture
def two(tmp_path, use_consultations):
    """Two consultations, A ("Roads") and B ("Rivers"), each with a response."""
    folders = [
        write_consultation(
            tmp_path / slug,
            CONFIG.replace(f"slug: {SLUG}", f"slug: {slug}").replace(
                "title: Analysis test", f"title: {title}"
            ),
            PAGES,
        )
        for slug, title in ((A, "Roads"), (B, "Rivers"))
    ]
    registry = use_consultations(*folders)
    assert set(registry.consultations) == {A, B}
    for slug in (A, B):
        Response.objects.create(reference=f"SB-{slug.upper()}", consultation=slug)
    return registry


def limited(username: str, role: str, slugs: list[str]) -> Client:
    user, device = make_account(username, role, two_factor=role != Role.READER)
    AnalystProfile.objects.filter(user=user).update(consultations=slugs)
    client = Client()
    sign_in_verified(client, User.objects.get(pk=user.pk), device)
    return client


def addresses(slug: str) -> list[str]:
    base = f"/-/analyse/{slug}"
    return [
        f"{base}/",
        f"{base}/ideas/",
        f"{base}/responses/",
        f"{base}/responses/SB-{slug.upper()}/",
        f"{base}/codebook/",
        f"{base}/themes/",
        f"{base}/export/",
        f"{base}/export/download/?format=csv",
        f"{base}/export/download/?format=xlsx",
    ]


def fetch(client: Client, address: str):  # type: ignore[no-untyped-def]
    """GET the page; for the export's download, POST as its form does."""
    if "/export/download/" in address:
        path, _, format = address.partition("?format=")
        return client.post(path, {"format": format, "personal": "yes"})
    return client.get(address)


def test_an_account_limited_to_one_consultation_cannot_open_another(two):
    everyone = limited("eve", Role.ANALYST, [])
    for address in addresses(B):
        assert fetch(everyone, address).status_code == 200, address  # so each exists
    ana = limited("ana", Role.ANALYST, [A])
    for address in addresses(B):
        reply = fetch(ana, address)
        assert reply.status_code == 404, address
        assert "SB-RIVERS-B" not in html(reply)
    for address in (
        f"/-/analyse/{B}/responses/SB-RIVERS-B/status/",
        f"/-/analyse/{B}/codebook/new/",
    ):
        assert ana.post(address, {"status": "spam", "name": "x"}).status_code == 404
    assert Response.objects.get(reference="SB-RIVERS-B").status == Response.Status.ACCEPTED
    # Refused like a consultation that does not exist: nothing says B is there.
    assert ana.get("/-/analyse/no-such-consultation/").status_code == 404
    assert not [e for e in events(Action.EXPORT) if e.username == "ana"]
    # Their own consultation opens as ever.
    assert ana.get(f"/-/analyse/{A}/").status_code == 200
    assert ana.get(f"/-/analyse/{A}/responses/SB-ROADS-A/").status_code == 200


def test_the_home_page_lists_only_the_consultations_the_account_may_see(two):
    page = html(limited("rhea", Role.READER, [A]).get(HOME))
    assert f'href="/-/analyse/{A}/"' in page
    assert f'href="/-/analyse/{B}/"' not in page and "Rivers" not in page
    everything = html(limited("rob", Role.READER, []).get(HOME))
    assert f'href="/-/analyse/{A}/"' in everything and f'href="/-/analyse/{B}/"' in everything


def test_the_helpers_for_lists_that_span_consultations(two):
    ana, _ = make_account("ana", Role.ANALYST)
    assert visible_consultations(ana, [B, A]) == [B, A]
    AnalystProfile.objects.filter(user=ana).update(consultations=[A])
    ana = User.objects.get(pk=ana.pk)
    assert visible_consultations(ana, [B, A]) == [A]
    assert (may_see_consultation(ana, A), may_see_consultation(ana, B)) == (True, False)


def test_a_limited_administrator_cannot_use_the_pages_that_span_every_consultation(two):
    adam = limited("adam", Role.ADMIN, [A])
    for address in (
        "/-/users/",
        "/-/users/new/",
        "/-/audit/",
        "/-/erasure/",
    ):
        reply = adam.get(address)
        assert reply.status_code == 403, address
        assert "Your account is limited to some consultations" in html(reply)
    assert 'href="/-/users/"' in html(limited("ada", Role.ADMIN, []).get(HOME))
    menu = html(adam.get(HOME))
    assert 'href="/-/users/"' not in menu and 'href="/-/erasure/"' not in menu
    assert adam.get(f"/-/analyse/{A}/export/").status_code == 200
    assert adam.get(f"/-/analyse/{B}/export/").status_code == 404


def test_an_admin_limits_an_account_on_the_users_pages_and_the_limit_is_shown(two):
    admin, device = make_account("adam", Role.ADMIN, two_factor=True)
    client = Client()
    sign_in_verified(client, admin, device)
    form = html(client.get("/-/users/new/"))
    assert 'name="consultations" type="checkbox" value="roads-a"' in form
    client.post("/-/users/new/", {"username": "rhea", "role": "reader", "consultations": [A]})
    rhea = User.objects.get(username="rhea")
    assert rhea.analyst_profile.consultations == [A]
    created = events(Action.USER_CREATED)[-1]
    assert created.detail["consultations"] == [A]
    shown = html(client.get(f"/-/users/{rhea.pk}/"))
    assert (
        '<dd class="govuk-summary-list__value" id="account-consultations">Only Roads</dd>' in shown
    )

    client.post(f"/-/users/{rhea.pk}/consultations/", {"consultations": [A, B]})
    assert User.objects.get(pk=rhea.pk).analyst_profile.consultations == [B, A]
    client.post(f"/-/users/{rhea.pk}/consultations/", {})
    assert User.objects.get(pk=rhea.pk).analyst_profile.consultations == []
    assert "Every consultation" in html(client.get(f"/-/users/{rhea.pk}/"))
    changed = events(Action.CONSULTATIONS_CHANGED)
    assert [e.detail["to"] for e in changed] == [[B, A], "all"]
    refused = client.post(f"/-/users/{rhea.pk}/consultations/", {"consultations": ["nope"]})
    assert "Select consultations from the list" in html(refused)

    # The last administrator who sees everything cannot limit themselves.
    mine = client.post(f"/-/users/{admin.pk}/consultations/", {"consultations": [A]})
    assert "at least one administrator who can see every consultation" in html(mine)
    assert User.objects.get(pk=admin.pk).analyst_profile.consultations == []


def test_createuser_limits_an_account_to_named_consultations(two, monkeypatch):
    out = io.StringIO()
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    call_command(
        "createuser", "ana", "--role=analyst", "--password-stdin", f"--consultation={A}", stdout=out
    )
    assert User.objects.get(username="ana").analyst_profile.consultations == [A]
    assert f"It may see only: {A}." in out.getvalue()
    with pytest.raises(CommandError, match="there is no consultation “nope”"):
        call_command("createuser", "bea", "--role=reader", "--consultation=nope", stdout=out)
    assert not User.objects.filter(username="bea").exists()
