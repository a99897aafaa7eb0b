"""No page name or slug is kept from a consultation: soundingboard's own addresses are
under /-/ (core.addresses), apart from a few first addresses that no page can have."""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, resolve

from soundingboard.analyse.views.overview import overview
from soundingboard.collect.pages import page
from soundingboard.core.addresses import PLATFORM
from soundingboard.publish.settings_schema import slugify_folder_name
from soundingboard.urls import build_urlpatterns

# Addresses other systems were given before /-/: none ends with "/", as every page does.
FIRST_ADDRESSES = {"favicon.ico", "healthz", "api/intake", "api/openapi.json"}
# Names soundingboard once kept for itself, as page names or slugs.
ONCE_RESERVED = [
    "search",
    "feedback",
    "privacy",
    "accessibility",
    "questionnaire",
    "api",
    "static",
    "files",
    "analyse",
    "admin",
    "accounts",
    "account",
    "audit",
    "erasure",
    "healthz",
    "sign-in",
    "sign-out",
    "two-factor",
    "users",
]


def _root_addresses(patterns: list[URLPattern | URLResolver]) -> list[str]:
    return [str(pattern.pattern) for pattern in patterns]


def test_every_address_of_soundingboard_is_under_the_prefix_or_cannot_be_a_page():
    consultation = {"", "<path:page_path>/", "<slug:slug>/"}
    own = [
        address for address in _root_addresses(build_urlpatterns()) if address not in consultation
    ]
    assert set(own) - {PLATFORM} == FIRST_ADDRESSES
    assert not any(address.endswith("/") for address in FIRST_ADDRESSES)


@pytest.mark.parametrize("name", ONCE_RESERVED)
def test_a_page_with_any_name_is_the_consultations(name):
    match = resolve(f"/{name}/")
    assert match.func is page
    assert match.kwargs["page_path"] == name


@pytest.mark.parametrize("name", ONCE_RESERVED)
def test_a_slug_with_any_name_has_its_analysis(name):
    match = resolve(f"/-/analyse/{name}/")
    assert match.func is overview
    assert match.kwargs["slug"] == name


@pytest.mark.parametrize("name", ONCE_RESERVED)
def test_a_folder_with_any_name_keeps_it_as_its_slug(name):
    assert slugify_folder_name(name) == name


@pytest.mark.django_db
def test_the_first_addresses_of_the_api_and_health_check_still_answer(client):
    assert client.get("/healthz").status_code == client.get("/-/healthz").status_code == 200
    assert resolve("/api/intake").func is resolve("/-/api/intake").func


@pytest.mark.django_db
def test_only_the_apis_addresses_answer_errors_in_json(client):
    assert client.get("/-/api/no-such/").headers["Content-Type"] == "application/json"
    page = client.get("/api/no-such-page/")  # could be a page of the consultation
    assert page.status_code == 404
    assert page.headers["Content-Type"].startswith("text/html")
