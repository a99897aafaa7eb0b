"""The analyst workspace's accessibility statement: readable before signing in, linked from
the foot of every workspace page."""

from __future__ import annotations

import re

import pytest

from soundingboard.accounts.models import Role
from tests.accounts.test_accounts import SIGN_IN, html, make_account, sign_in_verified

pytestmark = pytest.mark.django_db

STATEMENT = "/-/workspace-accessibility/"


def _footer_links(page: str) -> list[str]:
    footer = page.split('<footer class="govuk-footer">', 1)[1]
    return re.findall(
        r'<a class="govuk-footer__link" href="([^"]+)">Accessibility statement</a>', footer
    )


def test_anyone_can_read_the_statement_and_it_is_not_cached(client):
    reply = client.get(STATEMENT)
    assert reply.status_code == 200
    page = html(reply)
    assert '<h1 class="govuk-heading-l">Accessibility statement</h1>' in page
    assert "WCAG" in page and "Report a problem" in page
    assert "no-store" in reply["Cache-Control"]
    assert client.post(STATEMENT).status_code == 405


def test_every_workspace_page_links_to_it_signed_in_or_not(client):
    assert _footer_links(html(client.get(SIGN_IN))) == [STATEMENT]
    user, device = make_account("ada", Role.ADMIN, two_factor=True)
    sign_in_verified(client, user, device)
    for address in ("/-/analyse/", "/-/users/", STATEMENT):
        assert _footer_links(html(client.get(address))) == [STATEMENT], address
