"""A first visit to a content page, as Chromium makes it through `soundingboard serve`: light,
all from the site itself, nothing missing; govuk-frontend's script comes when first used."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest

pytestmark = pytest.mark.django_db(transaction=True)

MOST_BYTES = 30_000  # issue 17: a first visit to a content page, compressed


def _first_visit(new_context: Any, url: str) -> tuple[Any, list[dict[str, Any]]]:
    context = new_context()
    page = context.new_page()
    page.set_viewport_size({"width": 375, "height": 812})
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    seen: dict[str, dict[str, Any]] = {}
    cdp.on(
        "Network.responseReceived",
        lambda e: seen.setdefault(e["requestId"], {}).update(
            url=e["response"]["url"], status=e["response"]["status"]
        ),
    )
    cdp.on(
        "Network.loadingFinished",
        lambda e: seen.setdefault(e["requestId"], {}).update(bytes=e["encodedDataLength"]),
    )
    page.goto(url, wait_until="networkidle")
    page.wait_for_timeout(300)
    return page, [r for r in seen.values() if "url" in r]


@pytest.mark.parametrize("path", ["", "how-to-respond/", "proposals/opening-hours/"])
def test_a_first_visit_is_light_from_the_site_only_and_nothing_is_missing(site, new_context, path):
    _, requests = _first_visit(new_context, site.example + path)
    origin = site.url
    assert all(str(r["url"]).startswith(origin) for r in requests), requests
    assert all(int(r["status"]) < 400 for r in requests), requests
    total = sum(int(r.get("bytes", 0)) for r in requests)
    assert total <= MOST_BYTES, sorted((r.get("bytes"), r["url"]) for r in requests)
    page_itself = next(r for r in requests if urlsplit(r["url"]).path.endswith("/" + path))
    assert int(page_itself["bytes"]) < 8_000  # compressed: the HTML is about 19 kB


def test_govuk_frontend_comes_when_the_reader_first_uses_the_page(site, new_context):
    page, requests = _first_visit(new_context, site.example + "how-to-respond/")
    assert not any("govuk-frontend" in str(r["url"]) for r in requests)
    with page.expect_response(lambda reply: "govuk-frontend" in reply.url) as loaded:
        page.keyboard.press("Tab")
    assert loaded.value.status == 200
    button = page.locator("button[data-module='govuk-button']").first
    page.wait_for_function(
        "b => b.hasAttribute('data-govuk-button-init')", arg=button.element_handle()
    )
