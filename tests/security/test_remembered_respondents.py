"""The respondent remembered for a visit: someone holding the secret key can sign any visit
cookie, and must still not get a stranger's email address and organisation shown on a public
page (or linked to their own feedback); pages showing remembered details are never cached;
"Not you? Forget these details" works without JavaScript.

The site (see `site.make_site`) holds, in the example consultation, a response with contact
details (EMAIL, ORGANISATION); a second consultation, "second", holds none."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
from bs4 import BeautifulSoup
from django.core import signing
from django.test import Client
from hypothesis import given as given_any
from hypothesis import strategies as st

from soundingboard.collect.models import Response
from soundingboard.collect.respondent import COOKIE_NAME, SALT, _return_address
from soundingboard.publish.settings_schema import DEFAULT_ROLES

from .site import EMAIL, ORGANISATION, Site

pytestmark = pytest.mark.django_db

FORGET = "-/privacy/forget-details/"


def forged_cookie(slug: str, data: dict) -> str:
    """A visit cookie as anyone holding the secret key could sign it."""
    salt = signing._cookie_signer_salt(COOKIE_NAME, SALT + slug)
    return signing.get_cookie_signer(salt=salt).sign(json.dumps(data))


def visitor(slug: str, data: dict) -> Client:
    client = Client()
    client.cookies[COOKIE_NAME] = forged_cookie(slug, data)
    return client


def shows_details(html: str) -> bool:
    return EMAIL in html or ORGANISATION in html


def test_a_cookie_naming_another_consultations_contact_shows_nothing(site: Site):
    token = site.response.contact.visit_token
    # The same cookie for the consultation the contact gave feedback to shows them (so the
    # forged cookie is well made)...
    own = visitor(site.slug, {"role": site.roles[0], "visit": token})
    assert shows_details(own.get(f"/{site.slug}/proposals/opening-hours/").content.decode())
    # ...but signed for the second consultation it shows nothing there.
    other = visitor(site.other, {"role": DEFAULT_ROLES[0], "visit": token})
    for address in ("", "-/feedback/", "-/feedback/?change-details=1"):
        page = other.get(f"/{site.other}/{address}")
        assert page.status_code == 200
        assert not shows_details(page.content.decode()), address
    # Nor is the stranger's contact record linked to feedback sent with it.
    form = other.get(f"/{site.other}/-/feedback/")
    sent = other.post(
        f"/{site.other}/-/feedback/", {**hidden(form), "summary": "Feedback with a forged cookie"}
    )
    assert sent.status_code == 303
    assert Response.objects.get(consultation=site.other).contact_id is None


@pytest.mark.parametrize(
    "cookie",
    [
        pytest.param(lambda pk: {"contact": pk}, id="old format: contact id"),
        pytest.param(lambda pk: {"visit": pk}, id="contact id as token"),
        pytest.param(lambda pk: {"visit": str(pk)}, id="contact id as text"),
    ],
)
def test_a_cookie_naming_a_sequential_id_shows_nothing(site: Site, cookie):
    client = visitor(site.slug, {"role": site.roles[0], **cookie(site.response.contact_id)})
    page = client.get(f"/{site.slug}/proposals/opening-hours/").content.decode()
    assert not shows_details(page)


def remember_details(site: Site) -> Client:
    """A respondent who has sent feedback with their email and organisation."""
    client = Client()
    address = f"/{site.slug}/-/feedback/proposals/opening-hours/"
    data = {**hidden(client.get(address)), "about_you": "1", "summary": "Keep Saturdays"}
    data |= {"role": site.roles[0], "email": EMAIL, "organisation": ORGANISATION}
    assert client.post(address, data).status_code == 303
    return client


def hidden(reply) -> dict[str, str]:
    soup = BeautifulSoup(reply.content, "html.parser")
    form = soup.select_one("form.sb-feedback-form, form.sb-questionnaire")
    return {i["name"]: i.get("value", "") for i in form.select("input[type=hidden]")}


def test_pages_showing_remembered_details_are_never_cached(site: Site):
    page = f"/{site.slug}/proposals/opening-hours/"
    assert "no-store" not in Client().get(page).get("Cache-Control", "")  # no one remembered
    client = remember_details(site)
    for address in (
        page,
        f"/{site.slug}/",
        f"/{site.slug}/-/feedback/proposals/opening-hours/",
        f"/{site.slug}/-/feedback/proposals/opening-hours/?change-details=1",
        f"/{site.slug}/-/questionnaire/",
        f"/{site.slug}/-/questionnaire/?change-details=1",
    ):
        reply = client.get(address)
        assert shows_details(reply.content.decode()), address
        cache = reply.get("Cache-Control", "")
        assert "no-store" in cache and "private" in cache, (address, cache)


@pytest.mark.parametrize("where", ["proposals/opening-hours/", "-/questionnaire/"])
def test_forget_these_details_works_without_javascript(site: Site, where: str):
    client = Client(enforce_csrf_checks=True)  # as a browser: CSRF checked
    client.cookies = remember_details(site).cookies
    page = f"/{site.slug}/{where}"
    soup = BeautifulSoup(client.get(page).content, "html.parser")
    form = soup.find("form", action=f"/{site.slug}/{FORGET}")
    assert form is not None and form["method"] == "post"
    assert form.find_parent("form") is None  # a form of its own, not inside another
    assert form.find("button", type="submit").get_text(strip=True) == "Forget these details"
    assert "Not you?" in form.get_text()
    fields = {i["name"]: i["value"] for i in form.find_all("input")}
    assert fields["csrfmiddlewaretoken"] and fields["next"] == page

    without_token = {k: v for k, v in fields.items() if k != "csrfmiddlewaretoken"}
    assert client.post(form["action"], without_token).status_code == 403
    assert client.cookies[COOKIE_NAME].value  # still remembered

    reply = client.post(form["action"], fields)
    assert reply.status_code == 303
    assert reply["Location"] == f"{page}?details-forgotten=1#details-forgotten"
    assert "no-store" in reply["Cache-Control"]
    assert client.cookies[COOKIE_NAME].value == ""  # deleted
    assert client.cookies[COOKIE_NAME]["path"] == f"/{site.slug}/"

    back = client.get(reply["Location"]).content.decode()
    assert "Your details have been forgotten" in back
    assert not shows_details(back)
    assert 'name="role"' in back  # asked about again
    assert f'action="/{site.slug}/{FORGET}"' not in back  # nothing left to forget


@pytest.mark.parametrize(
    "given",
    [
        "https://evil.example/",
        "//evil.example/x",
        "/\\evil.example/",
        "/second/",
        "javascript:alert(1)",
        "http://[::1/",
        "/example/\r\nSet-Cookie: x=1",
        "",
    ],
)
def test_forgetting_returns_only_to_the_consultations_own_pages(site: Site, given: str):
    reply = Client().post(f"/{site.slug}/{FORGET}", {"next": given})
    assert reply.status_code == 303
    assert reply["Location"] == f"/{site.slug}/?details-forgotten=1#details-forgotten"


@given_any(st.text())
def test_any_return_address_stays_on_the_consultations_pages(given: str):
    address = _return_address(SimpleNamespace(url_prefix="/libraries/"), given)
    assert address.startswith("/libraries/") and not address.startswith("//")
    assert all(c.isprintable() and not c.isspace() and c != "\\" for c in address)
    assert address.endswith("details-forgotten=1#details-forgotten")


def test_forgetting_keeps_the_page_and_its_section(site: Site):
    given = f"/{site.slug}/-/feedback/proposals/opening-hours/?section=a%20b&change-details=1"
    reply = Client().post(f"/{site.slug}/{FORGET}", {"next": given})
    assert reply["Location"] == (
        f"/{site.slug}/-/feedback/proposals/opening-hours/?section=a+b&details-forgotten=1"
        "#details-forgotten"
    )


def test_forgetting_is_a_post(site: Site):
    assert Client().get(f"/{site.slug}/{FORGET}").status_code == 405
