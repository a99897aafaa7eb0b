"""The original site's form scripts, in headless Chromium, posting to a running instance.

The original static site is played by `original_site/`: its pages carry the seeds' pasted
form markup and stand-in scripts that send the seeds' JSON payloads with
`fetch(..., {mode: "cors"})`. It is served by a small static server on another port, so
another origin, with only the scripts' endpoint address changed to the instance's
`/api/intake`. Chromium makes the CORS preflight and the POST exactly as for the real site.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from soundingboard.collect.models import ActivityTick, IdeaScore, Response
from soundingboard.publish.settings_schema import DEFAULT_NATURES, DEFAULT_ROLES
from tests.browser.conftest import SERVER_ENV, seed_site_with_questionnaire, static_site
from tests.live_server import LiveServer, running_server

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

ORIGINAL_SITE = Path(__file__).parent / "original_site"
ORIGINAL_ENDPOINT = "https://feedback-endpoint.example.invalid/exec"
THANKS = "Thanks — feedback received"
SORRY = "Sorry — something went wrong"


@dataclass
class Setup:
    instance: LiveServer
    allowed: str  # the original site, at an origin listed in allowed_origins
    refused: str  # the same site at an origin not listed


@pytest.fixture(scope="module")
def setup(django_db_setup: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Setup]:
    www = tmp_path_factory.mktemp("www")
    shutil.copytree(ORIGINAL_SITE, www / "paper")  # served under a path, like a project site
    data = tmp_path_factory.mktemp("data")
    with static_site(www) as allowed, static_site(www) as refused:
        seeds = seed_site_with_questionnaire(
            tmp_path_factory.mktemp("seeds"), allowed_origins=[allowed]
        )
        with running_server([seeds], data, workers=1, extra_env=SERVER_ENV) as instance:
            # The one change the original scripts need: their endpoint address.
            for script in (www / "paper" / "assets" / "javascripts").glob("*.js"):
                text = script.read_text(encoding="utf-8")
                assert ORIGINAL_ENDPOINT in text
                new = text.replace(ORIGINAL_ENDPOINT, f"{instance.url}/api/intake")
                script.write_text(new, encoding="utf-8")
            yield Setup(instance, allowed, refused)


def listening(page: Page, console: list[str]) -> Page:
    page.on("console", lambda message: console.append(message.text))
    return page


def outcome(page: Page, ok: str, err: str) -> str:
    """The message the script showed once the post was answered."""
    page.wait_for_selector(f"{ok}:not([hidden]), {err}:not([hidden])", timeout=20_000)
    shown = [page.inner_text(s) for s in (ok, err) if page.is_visible(s)]
    assert len(shown) == 1, shown
    return shown[0]


def send_page_feedback(page: Page, origin: str) -> tuple[str, str]:
    """Fill in and send the per-page form; the message shown and the page's address."""
    page.goto(f"{origin}/paper/models/")
    page.select_option("#mf-nature", DEFAULT_NATURES[1])
    page.fill("#gs-summary", "Sent by the original script")
    page.fill("#gs-details", "From a real browser, across origins.")
    page.select_option("#mf-role", DEFAULT_ROLES[3])
    page.fill("#mf-org", "Example Council")
    page.click("button[type=submit]")
    shown = outcome(page, "#gs-ok", "#gs-err")
    return shown, page.url


def test_an_allowed_origin_sends_page_feedback(setup, page):
    console: list[str] = []
    shown, address = send_page_feedback(listening(page, console), setup.allowed)
    assert shown == THANKS, console
    stored = Response.objects.get()
    assert (stored.channel, stored.kind, stored.status) == ("api", "page", "accepted")
    assert (stored.page_path, stored.page_matched, stored.page_title) == (
        "models/",
        True,
        "Models for delivery",
    )
    assert address == f"{setup.allowed}/paper/models/"
    assert (stored.summary, stored.details) == (
        "Sent by the original script",
        "From a real browser, across origins.",
    )
    assert (stored.role, stored.nature) == (DEFAULT_ROLES[3], DEFAULT_NATURES[1])
    assert stored.contact.organisation == "Example Council"


def test_a_refused_origin_is_blocked_by_the_browser(setup, page):
    console: list[str] = []
    shown, _ = send_page_feedback(listening(page, console), setup.refused)
    assert shown == SORRY
    assert any("CORS" in line for line in console), console
    assert not Response.objects.exists()


def test_an_allowed_origin_sends_the_main_questionnaire(setup, page):
    console: list[str] = []
    listening(page, console)
    page.goto(f"{setup.allowed}/paper/questionnaire/")
    page.check("input[name=usefulness-0][value='5']")
    page.check("input[name=likelihood-0][value='3']")
    page.check("input[name=usefulness-1][value='2']")
    page.check("input.mf-activity[value^='Data tool collaboration: Facilitating']")
    page.check("input.mf-activity[value^='Procurement and configuration: Improving']")
    page.select_option("#mf-role", DEFAULT_ROLES[0])
    page.fill("#mf-comments", "Scored in a real browser.")
    page.click("button[type=submit]")
    shown = outcome(page, "#mf-ok", "#mf-err")
    assert shown == THANKS, console
    stored = Response.objects.get()
    assert (stored.kind, stored.channel, stored.comments) == (
        "questionnaire",
        "api",
        "Scored in a real browser.",
    )
    scores = {s.idea: (s.usefulness, s.likelihood) for s in IdeaScore.objects.all()}
    assert scores == {
        "Data tool collaboration": (5, 3),
        "Making sense of case management systems": (2, None),
    }
    ticks = set(ActivityTick.objects.values_list("idea", "activity", "matched"))
    assert ticks == {
        (
            "Data tool collaboration",
            "Facilitating collaborative design and development of future shared tools",
            True,
        ),
        (
            "Making sense of case management systems",
            "Improving typical procurement practice and other CMS-related activity",
            True,
        ),
    }
