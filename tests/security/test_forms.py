"""Every form the site renders: a POST form carries a CSRF token and is refused without it
(the feedback form, on shared pages, is refused when another site sends it instead);
a GET form asks nothing personal, so that nothing personal ends up in an address."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from bs4 import BeautifulSoup
from django.test import Client
from django.urls import resolve

from .catalogue import as_multi, every_route, forms_in, journeys
from .site import EMAIL, ORGANISATION

pytestmark = pytest.mark.django_db

CSRF_FIELD = "csrfmiddlewaretoken"
# Fields whose values are personal or secret: never sent in an address.
PERSONAL_FIELDS = {"email", "organisation", "org", "username", "password", "code"}
PERSONAL_TYPES = {"email", "password"}


def test_every_post_form_has_a_csrf_token_and_is_refused_without_it(site, signed_in):
    pages = [*every_route(site, signed_in, {}), *journeys(site, {})]
    forms = [form for page in pages for form in forms_in(page.html, page.url)]
    assert len({f.action for f in forms}) > 15  # the public forms and the analyst ones
    refused, seen = [], set()
    for form in forms:
        key = (form.action, tuple(sorted(n for n, _ in form.fields)))
        if form.method != "post" or key in seen:
            continue
        seen.add(key)
        tokens = [v for n, v in form.fields if n == CSRF_FIELD]
        if _checks_origin_instead(form.action):
            # On pages cached and shared, so without a per-visitor token: refused when
            # another site sends it (core.same_origin), as it would be without a token.
            assert not tokens, f"a CSRF token in the shared form on {form.page}"
            data = list(form.fields)
            reply = Client().post(form.action, as_multi(data), HTTP_ORIGIN="https://evil.example")
            if reply.status_code != 403 or b"Your form could not be sent" not in reply.content:
                refused.append(f"{form.action} from another site: {reply.status_code}")
            continue
        assert tokens and all(tokens), (
            f"no CSRF token in the form on {form.page}: {form.html[:200]}"
        )
        if form.action.startswith("/-/analyse/"):
            strict = signed_in(enforce_csrf_checks=True)
        else:
            strict = Client(enforce_csrf_checks=True)
        strict.get(form.page)  # the CSRF cookie, as the browser would have it
        data = [(n, v) for n, v in form.fields if n != CSRF_FIELD]
        reply = strict.post(form.action, as_multi(data))
        if reply.status_code != 403 or b"Your form could not be sent" not in reply.content:
            refused.append(f"{form.action} from {form.page}: {reply.status_code}")
    assert not refused, (
        "sent without a CSRF token, or from another site, and accepted:\n" + "\n".join(refused)
    )


def _checks_origin_instead(action: str) -> bool:
    return getattr(resolve(urlsplit(action).path).func, "same_origin_only", False)


def test_nothing_personal_goes_in_an_address(site, signed_in):
    """GET forms ask nothing personal; links and form actions to the site itself, and
    redirects, carry no contact details (a mailto: link to a respondent, for an analyst, is
    not an address of the site)."""
    pages = [*every_route(site, signed_in, {}), *journeys(site, {})]
    for page in pages:
        for form in forms_in(page.html, page.url):
            if form.method != "post":
                names = {n for n, _ in form.fields}
                assert not names & PERSONAL_FIELDS, f"GET form on {page.url} asks for {names}"
                assert not any(f'type="{t}"' in form.html for t in PERSONAL_TYPES), form.html
        addresses = [*_site_addresses(page.html), page.response.get("Location", "")]
        for address in addresses:
            for text in (EMAIL, ORGANISATION, EMAIL.replace("@", "%40"), "Respondents+Anon"):
                assert text not in address, f"{address} on {page.url}"


def _site_addresses(html: str) -> list[str]:
    found = []
    for element in BeautifulSoup(html, "html.parser").find_all(True):
        for attribute in ("href", "src", "action", "formaction"):
            value = element.get(attribute)
            if value and not value.startswith(("mailto:", "tel:")):
                found.append(value)
    return found
