"""Accessibility in a real browser: axe-core, reflow at 320 pixels, and the keyboard.

Every page of the example consultation and of the seed pages, search, the privacy notice,
the accessibility statement, the error page, every form empty, with errors and once sent,
and every page of the analyst workspace are checked with axe-core's WCAG 2.0, 2.1 and 2.2 A
and AA rules at desktop width, and the main pages at 320 CSS pixels too. At 320 pixels no
page may scroll sideways (wide tables scroll inside regions of their own). Each test gathers
every problem it finds and fails listing them all. The main pages are also saved as
screenshots, at desktop and phone widths, in test-artifacts/screenshots/ (see README,
"Development").

The feedback form and the questionnaire are also completed with the keyboard alone: Tab to
move, Space to choose, Enter to send. The focus must always be visible and only ever move
forward through the page, and after a failed submit it must be on the error summary.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import pytest
from django.urls import reverse

from soundingboard.accounts.models import Role
from soundingboard.collect.models import Response
from soundingboard.publish.loader import load_consultation
from tests.accounts.test_accounts import PASSWORD, make_account, totp_code
from tests.browser.audit import (
    active,
    attribute,
    audit,
    describe,
    focus_style,
    follows,
    screenshot,
)
from tests.browser.steps import (
    answer_questionnaire,
    error_messages,
    fill_page_feedback,
    press_button,
    send_page_feedback,
    store_example_responses,
    submit,
)
from tests.conftest import EXAMPLE

if TYPE_CHECKING:
    from playwright.sync_api import Page

    from tests.browser.conftest import Site

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

EXAMPLE_CONSULTATION = load_consultation(EXAMPLE)
ROLE = EXAMPLE_CONSULTATION.settings.feedback.roles[0]
NATURE = EXAMPLE_CONSULTATION.settings.feedback.natures[0]


def check(page: Page, url: str, what: str, problems: list[str], shot: str = "") -> None:
    """Open a page, audit it and, with `shot`, save its screenshots under that name."""
    page.goto(url)
    check_here(page, what, problems, shot)


def check_here(page: Page, what: str, problems: list[str], shot: str = "") -> None:
    """Audit the page open now. axe-core runs at 320 pixels too on the main pages, those
    with screenshots: one at least of each template, and layout is all that differs."""
    problems += audit(page, what, narrow_axe=bool(shot))
    if shot:
        screenshot(page, shot)


def check_consultation(
    page: Page, base: str, folder: Path, shots: dict[str, str], problems: list[str]
) -> None:
    """Audit every page of the consultation served at `base`, screenshot those named in
    `shots`, and check that each links to the accessibility statement from its footer."""
    statement = urlsplit(base).path + "-/accessibility/"
    for item in load_consultation(folder).pages:
        check(page, base + item.path, f"page “{item.title}”", problems, shots.get(item.path, ""))
        link = page.locator("footer").get_by_role("link", name="Accessibility statement")
        assert link.get_attribute("href") == statement, item.path
    for extra, what in [("-/privacy/", "privacy notice"), ("-/accessibility/", "statement")]:
        check(page, base + extra, what, problems, shots.get(extra, ""))


def test_every_public_page_has_no_violations_and_reflows(site: Site, page: Page):
    problems: list[str] = []
    shots = {"": "example-home", "proposals/opening-hours/": "example-page"}
    check_consultation(page, site.example, EXAMPLE, shots, problems)
    # The statement gives the example's contact address for reporting a problem.
    email = EXAMPLE_CONSULTATION.settings.contact_email
    assert page.locator(f"main a[href='mailto:{email}']").inner_text() == email
    check(page, site.example + "-/search/?q=saturday", "search results", problems, "search")
    check(page, site.example + "-/search/?q=zzzzqqq", "search without results", problems)
    check(page, site.example + "-/search/", "search form", problems)
    check(page, site.url + "/", "list of consultations", problems)
    check(page, site.example + "no-such-page/", "page not found", problems, "not-found")
    assert page.locator("h1").inner_text() == "Page not found"
    statement = page.locator("footer").get_by_role("link", name="Accessibility statement")
    assert statement.get_attribute("href") == urlsplit(site.example).path + "-/accessibility/"
    if site.seeds is not None:
        check_consultation(page, site.seeds, site.seeds_folder, {"models/": "seed-page"}, problems)
    assert not problems, "\n".join(problems)


def test_every_form_in_every_state_has_no_violations(site: Site, page: Page, new_context):
    problems: list[str] = []
    # The per-page form: empty, with errors, sent; then for a remembered respondent.
    page_url = site.example + "proposals/opening-hours/"
    check(page, site.example + "-/feedback/proposals/opening-hours/", "feedback form", problems)
    check(
        page,
        site.example + "-/feedback/proposals/opening-hours/?section=option-b",
        "feedback on a section",
        problems,
    )
    send_page_feedback(page)
    assert "Enter a summary of your feedback" in error_messages(page)
    check_here(page, "feedback form with errors", problems, "feedback-errors")
    fill_page_feedback(page, "Later opening please", role=ROLE, nature=NATURE, email="a@b.c")
    send_page_feedback(page)
    assert error_messages(page) == [
        "Enter an email address in the correct format, like name@example.com"
    ]
    check_here(page, "feedback form with an error", problems)
    page.locator("#id_email").fill("")
    send_page_feedback(page)
    assert page.locator("h1").inner_text() == "Feedback received"
    check_here(page, "feedback confirmation", problems, "feedback-sent")
    check(page, page_url, "page for a remembered respondent", problems)

    # The questionnaire: empty, with errors, checked, sent, and for a remembered respondent.
    fresh = new_context().new_page()
    questionnaire = site.example + "-/questionnaire/"
    check(fresh, questionnaire, "questionnaire", problems, "questionnaire")
    answer_questionnaire(fresh, {1: (4, 5)}, email="not an address")
    press_button(fresh, "Continue")
    assert "Select your role" in error_messages(fresh)
    check_here(fresh, "questionnaire with errors", problems, "questionnaire-errors")
    fresh.locator("#id_email").fill("")
    answer_questionnaire(fresh, {2: (3, None)}, role=ROLE, comments="More Saturday hours.")
    press_button(fresh, "Continue")
    assert fresh.locator("h1").inner_text() == "Check your answers before sending"
    check_here(fresh, "check answers", problems, "questionnaire-check")
    press_button(fresh, "Send your answers")
    assert fresh.locator("h1").inner_text() == "Answers received"
    check_here(fresh, "questionnaire confirmation", problems, "questionnaire-sent")
    check(fresh, questionnaire, "questionnaire for a remembered respondent", problems)

    if site.seeds is not None:
        seeds = new_context().new_page()
        check(seeds, site.seeds + "-/questionnaire/", "seeds' questionnaire", problems)
        press_button(seeds, "Continue")
        check_here(seeds, "seeds' questionnaire with errors", problems)

    # A form sent without its cookie: the "could not be sent" page. (The pages' feedback forms
    # are shared by every visitor and carry no CSRF token; the questionnaire's does.)
    lost = new_context().new_page()
    lost.goto(site.example + "-/questionnaire/")
    lost.context.clear_cookies()
    submit(lost, lost.get_by_role("button", name="Continue"))
    assert lost.locator("h1").inner_text() == "Your form could not be sent"
    check_here(lost, "form sent without its cookie", problems)
    assert not problems, "\n".join(problems)


def test_every_analyst_page_has_no_violations(site: Site, page: Page, new_context):
    problems: list[str] = []
    _admin, device = make_account("ada", Role.ADMIN, two_factor=True)
    analyst, _ = make_account("alan", Role.ANALYST)  # no authenticator app set up yet
    responses = store_example_responses(site.example_slug)

    page.goto(site.url + "/-/sign-in/")
    check_here(page, "sign in", problems, "analyse-sign-in")
    press_button(page, "Continue")
    check_here(page, "sign in with errors", problems)
    page.locator("#id_username").fill("ada")
    page.locator("#id_password").fill(PASSWORD)
    press_button(page, "Continue")
    check_here(page, "two-factor code", problems)
    page.locator("#id_code").fill("000000x")
    press_button(page, "Continue")
    check_here(page, "two-factor code with errors", problems)
    page.locator("#id_code").fill(totp_code(device))
    press_button(page, "Continue")

    analyse = f"{site.url}/-/analyse/"
    check(page, analyse, "analysis home", problems, "analyse-home")
    overview = f"{analyse}{site.example_slug}/"
    check(page, overview, "overview", problems, "analyse-overview")
    # Every tab of the consultation's analysis, whatever tabs there are.
    tabs = page.locator(".sb-subnav__link").evaluate_all("links => links.map(a => a.href)")
    for tab in tabs:
        name = urlsplit(tab).path.removeprefix(urlsplit(overview).path).strip("/")
        if name:  # the overview itself is checked above
            check(page, tab, f"analysis tab {name}", problems, f"analyse-{name}")
    if f"{overview}themes/" in tabs:
        # A set of themes found in the answers, and one of its themes.
        page.goto(f"{overview}themes/")
        press_button(page, "Find themes")
        assert re.search(r"/themes/\d+/$", page.url), page.url
        check_here(page, "a set of themes", problems, "analyse-themes-set")
        theme = page.locator("a[href*='/themes/']").evaluate_all(
            "links => links.map(a => a.href).filter(h => /\\/themes\\/\\d+\\/\\d+\\/$/.test(h))"
        )
        check(page, theme[0], "one theme", problems)
        check(page, f"{overview}themes/", "sets of themes", problems)
    check(page, f"{overview}responses/?role={ROLE}", "filtered responses", problems)
    one = f"{overview}responses/{responses[-1].reference}/"
    check(page, one, "one response", problems, "analyse-response")
    page.locator("#new-tag").fill("Mobile library")
    press_button(page, "Add tag")
    check_here(page, "one response, tagged", problems)
    page.locator("#note").fill("")
    press_button(page, "Add note")
    check_here(page, "one response, note with an error", problems)
    check(page, f"{overview}codebook/", "codebook with a tag", problems)
    # Entering responses received by email or on paper, empty and with every mistake.
    for name, what in [
        ("analyse:responses-enter", "enter a response"),
        ("analyse:responses-enter-questionnaire", "enter a questionnaire response"),
    ]:
        check(page, site.url + reverse(name, args=[site.example_slug]), what, problems)
        press_button(page, "Save response")
        check_here(page, f"{what} with errors", problems)
    # Publishing the response: the report tab's button, its confirmation page, and after.
    page.goto(next(tab for tab in tabs if tab.rstrip("/").endswith("report")))
    page.locator("#publish-start").click()
    check_here(page, "publish the response", problems, "analyse-publish")
    press_button(page, "Publish the response")
    check_here(page, "report tab, published", problems)
    for path, what in [
        ("users/", "accounts"),
        ("users/new/", "new account"),
        (f"users/{analyst.pk}/", "one account"),
        ("audit/", "audit log"),
        ("account/", "your account"),
        ("account/password/", "change password"),
        ("erasure/", "erase personal data"),
        ("workspace-accessibility/", "the workspace's accessibility statement"),
    ]:
        # The pages of the workspace that belong to no consultation are directly under /-/.
        check(page, f"{site.url}/-/{path}", what, problems)
    press_button(page, "Sign out")
    check_here(page, "signed out", problems)

    # Setting up two-factor authentication, for an account without it.
    newcomer = new_context().new_page()
    newcomer.goto(site.url + "/-/sign-in/")
    newcomer.locator("#id_username").fill("alan")
    newcomer.locator("#id_password").fill(PASSWORD)
    press_button(newcomer, "Continue")
    assert "/two-factor/set-up/" in newcomer.url
    check_here(newcomer, "set up two-factor authentication", problems)
    assert not problems, "\n".join(problems)


# Keyboard only ----------------------------------------------------------------------------


class Keyboard:
    """Tab through a page as a keyboard user, checking each stop on the way."""

    def __init__(self, page: Page):
        self.page = page
        self.previous = None
        self.previous_style = ""
        self.stops: list[str] = []

    def tab(self) -> str:
        """Move to the next stop; returns what it is. The stop before must have lost its
        focus style (so this one's is visible) and this one must come after it."""
        self.page.keyboard.press("Tab")
        here = active(self.page)
        name = describe(here)
        if self.previous is not None:
            assert follows(self.previous, here), f"focus went back from {self.stops[-1]} to {name}"
            unfocused = focus_style(self.previous)
            assert unfocused != self.previous_style, f"no visible focus on {self.stops[-1]}"
        self.previous, self.previous_style = here, focus_style(here)
        self.stops.append(name)
        return name

    def tab_to(self, selector: str, limit: int = 200) -> None:
        """Tab until the element `selector` has the focus."""
        target = self.page.locator(selector).element_handle()
        for _ in range(limit):
            self.tab()
            if self.page.evaluate("target => document.activeElement === target", target):
                return
        raise AssertionError(f"never reached {selector}; stops: {self.stops}")

    def type(self, text: str) -> None:
        self.page.keyboard.type(text)

    def press(self, key: str) -> None:
        self.page.keyboard.press(key)

    def send(self, button_selector: str) -> None:
        """Tab to a button and press Enter on it, waiting for the page that answers."""
        self.tab_to(button_selector)
        with self.page.expect_navigation():
            self.page.keyboard.press("Enter")
        self.start_again()

    def start_again(self) -> None:
        """Forget the last stop: the focus was moved for the user (a new page, or a link
        within the page), so the next stop may come before it."""
        self.previous = None
        self.stops.clear()


def focused_is_error_summary(page: Page) -> bool:
    return page.evaluate("() => document.activeElement.classList.contains('govuk-error-summary')")


def test_feedback_form_with_the_keyboard_alone(site: Site, page: Page):
    page.goto(site.example + "proposals/opening-hours/")
    keys = Keyboard(page)
    keys.tab()
    assert "Skip to main content" in keys.stops[0]
    # Send the form empty first: the error summary must take the focus.
    keys.send("form.sb-feedback-form button[type=submit]")
    assert focused_is_error_summary(page)
    assert error_messages(page) == ["Enter a summary of your feedback", "Select your role"]
    # The summary's first link leads to the field.
    keys.tab()
    assert "Enter a summary of your feedback" in keys.stops[-1]
    keys.press("Enter")
    assert attribute(active(page), "id") == "id_summary"
    keys.start_again()
    keys.type("Typed without a mouse")
    keys.tab_to("#id_role_0")
    keys.press("Space")
    keys.send("form.sb-feedback-form button[type=submit]")
    assert page.locator("h1").inner_text() == "Feedback received"
    response = Response.objects.get()
    assert (response.summary, response.role) == ("Typed without a mouse", ROLE)


def test_questionnaire_with_the_keyboard_alone(site: Site, page: Page):
    page.goto(site.example + "-/questionnaire/")
    keys = Keyboard(page)
    keys.tab_to("#id_usefulness-1_0")  # radios: Tab reaches the first of each group
    keys.press("Space")
    keys.tab()
    assert "likelihood-1" in keys.stops[-1]
    keys.tab()  # the first activity of idea 1
    keys.press("Space")
    keys.send("form.sb-questionnaire button[value=check]")
    assert focused_is_error_summary(page)
    assert error_messages(page) == ["Select your role"]
    keys.tab()
    keys.press("Enter")
    assert attribute(active(page), "id") == "id_role_0"
    keys.start_again()
    keys.press("Space")
    keys.send("form.sb-questionnaire button[value=check]")
    assert page.locator("h1").inner_text() == "Check your answers before sending"
    keys.send("button[value=send]")
    assert page.locator("h1").inner_text() == "Answers received"
    response = Response.objects.get()
    assert response.role == ROLE
    idea = EXAMPLE_CONSULTATION.settings.questionnaire.ideas[0]
    assert [(s.idea, s.usefulness, s.likelihood) for s in response.scores.all()] == [
        (idea.name, 1, None)
    ]
    assert [t.activity for t in response.ticks.all()] == [idea.activities[0]]


def test_the_published_response_has_no_violations(site: Site, page: Page):
    """Published from the report as it stands: reached from the banner every page shows."""
    from soundingboard.analyse.publishing import publish_response

    store_example_responses(site.example_slug)
    publish_response(
        EXAMPLE_CONSULTATION, by=None, results_url=site.example, tell_respondents=False
    )
    problems: list[str] = []
    # The home page may be in the shared cache from an earlier test, for up to a minute
    # without the banner (docs/publishing-the-outcome.md): an address it does not hold yet.
    fresh = site.example + "?after-publishing"
    check(page, fresh, "home page with the published response's banner", problems)
    page.get_by_role("link", name="Read what we did with your feedback").click()
    assert page.locator("h1").inner_text() == "We asked, you said, we did"
    check_here(page, "published response", problems, "published-response")
    assert not problems, "\n".join(problems)
