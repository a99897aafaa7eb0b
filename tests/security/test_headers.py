"""Every response the site gives carries the security headers, its cookies are HttpOnly,
SameSite and (over HTTPS) Secure, analyst pages are never cached, and no page has script or
style that the policy's nonce does not cover.

Responses are found from the address table and the forms on the pages (see `catalogue`), so
a page or form added later is checked without being listed here. All of it is fetched once
for each scheme and every check reports together, as fetching is what takes the time.
"""

from __future__ import annotations

import pytest

from .catalogue import Fetched, every_response
from .site import EMAIL, ORGANISATION
from .surface import COOKIES, html_problems, problems, routes, url_for

pytestmark = pytest.mark.django_db

# Responses that are errors on purpose: the storage failure and the broken view.
DELIBERATE = ("500", "503", "API 503", "API 500")


def test_every_route_is_fetched(site):
    """Each address the site serves has sample values for its parameters, so the checks
    below fetch it (a new kind of parameter needs a sample in `Site.samples`)."""
    samples = site.samples()
    fetched = [url for route in routes() for url in url_for(route, samples)]
    assert len(fetched) >= len(routes())
    assert any(url.startswith("/-/analyse/") for url in fetched)


def test_every_response_is_hardened(site, signed_in, scheme):
    fetched = every_response(site, signed_in, scheme)
    labels = {f.label for f in fetched}
    statuses = {f.response.status_code for f in fetched}
    # Every kind of response the issue names is among those checked.
    assert {200, 201, 302, 303, 400, 403, 404, 405, 413, 415, 429, 500, 503} <= statuses
    assert {"export csv", "export xlsx", "export json", "CORS preflight, allowed origin"} <= labels

    found: dict[str, list[str]] = {}
    for item in fetched:
        wrong = problems(item.response, https=scheme == "https") + html_problems(item.response)
        wrong += _private_problems(item) + _unexpected_cookies(item) + _personal_redirect(item)
        if item.response.status_code >= 500 and not item.label.startswith(DELIBERATE):
            wrong.append("a server error")
        if wrong:
            found[f"{item.label}: {item.method} {item.url} -> {item.response.status_code}"] = wrong
    assert not found, "\n".join(f"{k}\n  " + "\n  ".join(v) for k, v in found.items())


def _private_problems(item: Fetched) -> list[str]:
    """Analyst pages and downloads, whatever their status, are never kept by a cache."""
    cache = item.response.get("Cache-Control", "")
    if item.url.startswith("/-/analyse/") and "no-store" not in cache:
        return [f"an analyst page without Cache-Control: no-store ({cache!r})"]
    return []


def _personal_redirect(item: Fetched) -> list[str]:
    location = item.response.get("Location", "")
    if any(text in location for text in (EMAIL, EMAIL.replace("@", "%40"), ORGANISATION)):
        return [f"contact details in the redirect to {location}"]
    return []


def _unexpected_cookies(item: Fetched) -> list[str]:
    """A new cookie is a decision: add it to `surface.COOKIES` after checking what it holds."""
    return [f"an unknown cookie {n}" for n in item.response.cookies if n not in COOKIES]
