"""An analyst codes responses one after another with the keyboard alone: next, tags, themes
and "mark as read", then sees the progress on the overview; axe-core finds nothing on each
page and state, at 1280 and 320 pixels. And the responses list, with a few thousand
responses and confirmed themes, fits 1280 pixels with no row taller than a few lines."""

from __future__ import annotations

import datetime as dt
import random
from typing import TYPE_CHECKING

import pytest
from django.urls import reverse
from django.utils import timezone

from soundingboard.accounts.models import Role
from soundingboard.analyse.filters import ResponseFilter
from soundingboard.analyse.models import ResponseTag, Review, Tag
from soundingboard.analyse.themes import assignment
from soundingboard.analyse.themes.runs import start_run
from soundingboard.collect.models import Response
from soundingboard.publish.loader import load_consultation
from tests.accounts.test_accounts import PASSWORD, make_account, totp_code
from tests.browser.audit import audit, screenshot
from tests.browser.steps import EXAMPLE_SUMMARIES, press_button, store_example_responses
from tests.conftest import EXAMPLE

if TYPE_CHECKING:
    from playwright.sync_api import Page

    from tests.browser.conftest import Site

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

CONSULTATION = load_consultation(EXAMPLE)
CODED = 20
# Words of the example's subjects, for answers alike enough to find themes in.
WORDS = [summary for _, summary in EXAMPLE_SUMMARIES]


def expect(locator: object) -> object:
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(locator)


def sign_in(page: Page, site: Site, device: object, username: str) -> None:
    page.goto(site.url + reverse("analyse:sign-in"))
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    press_button(page, "Continue")
    page.locator("#id_code").fill(totp_code(device))
    press_button(page, "Continue")


def store_more(slug: str, n: int, seed: int = 15) -> None:
    """`n` more page responses, with text on the example's subjects, at distinct times."""
    rng = random.Random(seed)
    paths = [path for path, _ in EXAMPLE_SUMMARIES]
    start = timezone.now() - dt.timedelta(days=30)
    Response.objects.bulk_create(
        [
            Response(
                reference=f"SB-MORE-{i:05d}",
                consultation=slug,
                page_path=rng.choice(paths),
                summary=rng.choice(WORDS),
                details=" ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 4))),
                role=CONSULTATION.settings.feedback.roles[i % 3],
                submitted_at=start + dt.timedelta(minutes=7 * i),
            )
            for i in range(n)
        ],
        batch_size=500,
    )


def confirmed_themes(user: object, slug: str) -> None:
    consultation = load_consultation(EXAMPLE)
    run = start_run(
        user,
        consultation,
        response_filter=ResponseFilter.for_consultation(consultation),
        k=3,
        representation="tfidf",
    )
    assignment.confirm(user, consultation, run)


def press(page: Page, key: str, *, navigates: bool = True) -> None:
    if navigates:
        with page.expect_navigation():
            page.keyboard.press(key)
    else:
        page.keyboard.press(key)
    if navigates:
        page.wait_for_selector("html[data-coding='ready']", state="attached")


def test_an_analyst_codes_twenty_responses_with_the_keyboard_alone(site: Site, page: Page):
    user, device = make_account("ana", Role.ANALYST, two_factor=True)
    slug = site.example_slug
    store_example_responses(slug)
    store_more(slug, 20)
    confirmed_themes(user, slug)
    Tag.objects.create(consultation=slug, name="Opening hours")
    Tag.objects.create(consultation=slug, name="Mobile library")
    problems: list[str] = []

    sign_in(page, site, device, "ana")
    listing = site.url + reverse("analyse:responses", args=[slug]) + "?progress=new&sort=oldest"
    page.goto(listing)
    problems += audit(page, "responses list, new ones")
    page.locator(".sb-responses-table tbody tr a.govuk-link").first.focus()
    press(page, "Enter")
    page.wait_for_selector("html[data-coding='ready']", state="attached")

    # The list of shortcuts, opened and closed from the keyboard.
    press(page, "?", navigates=False)
    assert page.locator("#shortcuts").get_attribute("open") is not None
    problems += audit(page, "a response, shortcuts open")
    press(page, "?", navigates=False)
    page.keyboard.press("Escape")

    seen = []
    for i in range(CODED):
        reference = page.locator("h1").inner_text().removeprefix("Response ").strip()
        seen.append(reference)
        if i % 4 == 3:
            press(page, "r")  # mark as read, then on to the next
            continue
        press(page, "t", navigates=False)
        assert page.evaluate("document.activeElement.id") == "add-tag"
        expect(page.locator("#shortcut-announcer")).to_contain_text("Choose a tag")
        page.keyboard.press("ArrowDown")
        press(page, "Enter")  # adds the tag and comes back here
        assert "added" in page.locator(".govuk-notification-banner").inner_text()
        if i == 0:
            screenshot(page, "analyse-response-coding")
            problems += audit(page, "a response, just tagged")
        if i % 4 == 1 and page.locator("[data-shortcut='h']").count():
            press(page, "h", navigates=False)
            assert page.evaluate("document.activeElement.dataset.shortcut") == "h"
            if i == 1:
                problems += audit(page, "a response, choosing a theme")
            page.keyboard.press("ArrowDown")
            press(page, "Enter")
            assert (
                "It is marked as coded" in page.locator(".govuk-notification-banner").inner_text()
                or "Themes" in page.locator(".govuk-notification-banner").inner_text()
            )
        # Typing in a field never fires a shortcut: "n" in the note goes into the note.
        if i == 2:
            page.locator("#note").focus()
            page.keyboard.type("n")
            assert page.locator("#note").input_value() == "n"
            page.locator("#note").fill("")
            page.keyboard.press("Escape")  # leaves the field: shortcuts work again
            assert page.evaluate("document.activeElement === document.body")
        press(page, "n")

    assert len(set(seen)) == CODED
    states = dict(
        Review.objects.filter(response__reference__in=seen).values_list(
            "response__reference", "state"
        )
    )
    assert len(states) == CODED
    assert sum(1 for s in states.values() if s == "read") == CODED // 4
    assert sum(1 for s in states.values() if s == "coded") == CODED - CODED // 4
    assert ResponseTag.objects.filter(response__reference__in=seen).exists()

    page.goto(site.url + reverse("analyse:overview", args=[slug]))
    summary = page.locator("#progress-summary").inner_text()
    total = Response.objects.filter(consultation=slug, status="accepted").count()
    assert summary.startswith(f"{CODED} of {total} accepted responses read or coded")
    problems += audit(page, "overview with progress")
    assert not problems, "\n".join(problems)


# Pixels: a few lines of 16px text, or five long tags' chips (four of them above, and
# the longest theme of a set, "Theme: ..." of three words of its terms).
ROW_MAX = 180


def test_the_list_of_thousands_fits_1280_pixels_with_short_rows(site: Site, page: Page):
    user, device = make_account("ana", Role.ANALYST, two_factor=True)
    slug = site.example_slug
    store_example_responses(slug)
    store_more(slug, 3000, seed=3000)
    confirmed_themes(user, slug)
    # Long tag names, several on many responses.
    names = [
        "Opening hours on weekday evenings",
        "Mobile library and home visits",
        "Central library building and parking",
        "Costs",
    ]
    tags = [Tag.objects.create(consultation=slug, name=n) for n in names]
    ids = list(Response.objects.filter(consultation=slug).values_list("pk", flat=True))
    ResponseTag.objects.bulk_create(
        [ResponseTag(response_id=i, tag=t) for i in ids for t in tags if (i + t.pk) % 3],
        batch_size=1000,
        ignore_conflicts=True,
    )
    sign_in(page, site, device, "ana")
    for size in (50, 250):
        page.goto(site.url + reverse("analyse:responses", args=[slug]) + f"?size={size}")
        assert page.evaluate("document.documentElement.scrollWidth") <= 1280
        table = page.locator(".sb-responses-table")
        box = table.bounding_box()
        assert box is not None and box["x"] + box["width"] <= 1280
        heights = page.locator(".sb-responses-table tbody tr").evaluate_all(
            "rows => rows.map(r => r.getBoundingClientRect().height)"
        )
        assert len(heights) == size
        tallest = page.locator(".sb-responses-table tbody tr").nth(heights.index(max(heights)))
        cells = tallest.locator("td").evaluate_all(
            "cells => cells.map(c => [c.className, Math.round(c.getBoundingClientRect().width),"
            " Math.round(c.scrollHeight), c.innerText.slice(0, 300)])"
        )
        assert max(heights) <= ROW_MAX, (max(heights), cells)
        # Chips wrap between words, never inside one: no chip has more lines than words.
        broken = page.locator(".sb-chips li").evaluate_all(
            """chips => chips.filter(c => {
                const style = getComputedStyle(c);
                const lines = Math.round((c.clientHeight - parseFloat(style.paddingTop)
                    - parseFloat(style.paddingBottom)) / parseFloat(style.lineHeight));
                return lines > c.innerText.trim().split(/\\s+/).length;
            }).map(c => c.innerText)"""
        )
        assert broken == [] and page.locator(".sb-chips li").count() > size
    # With JavaScript, one box ticks every response on the page, and a second click none.
    ticks = page.locator("input[name='response']")
    page.locator("#select-all").check()
    assert ticks.evaluate_all("boxes => boxes.every(b => b.checked)")
    page.locator("#select-all").uncheck()
    assert ticks.evaluate_all("boxes => boxes.every(b => !b.checked)")
    screenshot(page, "analyse-responses-thousands")
    problems = audit(page, "responses list of 250, with tags")
    assert not problems, "\n".join(problems)
