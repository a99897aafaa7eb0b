"""A respondent on a phone (375 CSS pixels) and on a desktop (1280): content first, an
obvious way to respond, the questionnaire's compact scores and its per-answer "Change".

"The first screen" is what shows before any scrolling: 375 by 667 pixels (a small phone)
and 1280 by 800. On it must be the page's heading and, where there is one, the link to give
feedback; after a failed send the error summary; after a send the confirmation. Every page
and state met here is also checked with axe-core at both widths.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from soundingboard.collect.models import Response
from soundingboard.publish.loader import load_consultation
from tests.browser.audit import axe_violations
from tests.browser.steps import (
    answer_questionnaire,
    choice,
    error_messages,
    fill_page_feedback,
    press_button,
    send_page_feedback,
    submit,
)
from tests.browser.test_accessibility import Keyboard, focused_is_error_summary
from tests.conftest import EXAMPLE

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

    from tests.browser.conftest import Site

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

EXAMPLE_SETTINGS = load_consultation(EXAMPLE).settings
ROLE = EXAMPLE_SETTINGS.feedback.roles[0]
SCREENS = {375: {"width": 375, "height": 667}, 1280: {"width": 1280, "height": 800}}
GIVE_FEEDBACK = "Give feedback on this page"
CONTENT_PAGES = ["", "proposals/opening-hours/", "now/libraries-today/"]


def on_first_screen(page: Page, locator: Locator) -> bool:
    """Whether the element is wholly visible before any scrolling."""
    page.evaluate("() => window.scrollTo(0, 0)")
    box = locator.bounding_box()
    height = page.viewport_size["height"] if page.viewport_size else 0
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= height


def at_both_widths(page: Page, what: str, problems: list[str]) -> None:
    """axe-core's findings on the page as it is, at 375 and at 1280 pixels."""
    for width, screen in SCREENS.items():
        page.set_viewport_size(screen)
        problems += [f"{what} at {width}px: {v}" for v in axe_violations(page)]


def test_first_screen_shows_the_heading_and_the_way_to_respond(site: Site, page: Page):
    problems: list[str] = []
    for width, screen in SCREENS.items():
        page.set_viewport_size(screen)
        for path in CONTENT_PAGES:
            page.goto(site.example + path)
            if not on_first_screen(page, page.locator("main h1")):
                problems.append(f"{path or 'home'} at {width}px: heading below the first screen")
            respond = page.get_by_role("link", name=GIVE_FEEDBACK)
            if not on_first_screen(page, respond):
                problems.append(f"{path or 'home'} at {width}px: no “{GIVE_FEEDBACK}” at the top")
            banner = page.locator(".sb-respond-banner").inner_text()
            assert "Feedback closes on 31 December 2027" in banner
        # Pages without a form of their own lead to the questionnaire instead.
        for path in ("-/search/?q=library", "-/privacy/"):
            page.goto(site.example + path)
            assert on_first_screen(page, page.locator("main h1")), (path, width)
            title = EXAMPLE_SETTINGS.questionnaire.title
            assert on_first_screen(page, page.get_by_role("link", name=f"Answer “{title}”"))
        page.goto(site.example + "-/questionnaire/")
        assert on_first_screen(page, page.locator("main h1")), width
    assert not problems, "\n".join(problems)


def test_on_a_phone_the_pages_follow_the_content_and_the_banner_jumps_to_them(
    site: Site, page: Page
):
    page.set_viewport_size(SCREENS[375])
    page.goto(site.example + "proposals/opening-hours/")
    nav = page.get_by_role("navigation", name="Pages")
    main = page.locator("main")
    assert main.bounding_box()["y"] < nav.bounding_box()["y"]
    page.get_by_role("link", name="All pages of this consultation").click()
    assert page.url.endswith("#pages")
    assert nav.bounding_box()["y"] < SCREENS[375]["height"]
    # On a desktop the pages are beside the content, so the jump is not offered.
    page.set_viewport_size(SCREENS[1280])
    assert not page.get_by_role("link", name="All pages of this consultation").is_visible()
    assert nav.bounding_box()["x"] > main.bounding_box()["x"]


def test_give_feedback_leads_to_the_form_on_the_page(site: Site, page: Page):
    page.set_viewport_size(SCREENS[375])
    page.goto(site.example + "proposals/opening-hours/")
    page.get_by_role("link", name=GIVE_FEEDBACK).click()
    assert page.url.endswith("#feedback")
    heading = page.locator("#feedback-heading")
    box = heading.bounding_box()
    assert box is not None and 0 <= box["y"] < SCREENS[375]["height"]


def test_errors_and_confirmations_are_on_the_first_screen(site: Site, new_context):
    problems: list[str] = []
    page = new_context().new_page()
    page.set_viewport_size(SCREENS[375])
    page.goto(site.example + "-/feedback/proposals/opening-hours/")
    at_both_widths(page, "feedback form", problems)
    page.set_viewport_size(SCREENS[375])
    send_page_feedback(page)
    assert error_messages(page)
    assert on_first_screen(page, page.locator(".govuk-error-summary"))
    at_both_widths(page, "feedback form with errors", problems)
    page.set_viewport_size(SCREENS[375])
    fill_page_feedback(page, "Later opening on Thursdays", role=ROLE)
    send_page_feedback(page)
    assert on_first_screen(page, page.locator(".govuk-panel--confirmation"))
    at_both_widths(page, "feedback confirmation", problems)

    fresh = new_context().new_page()
    fresh.set_viewport_size(SCREENS[375])
    fresh.goto(site.example + "-/questionnaire/")
    press_button(fresh, "Continue")
    assert error_messages(fresh) == ["Select your role"]
    assert on_first_screen(fresh, fresh.locator(".govuk-error-summary"))
    at_both_widths(fresh, "questionnaire with errors", problems)
    fresh.set_viewport_size(SCREENS[375])
    answer_questionnaire(fresh, {1: (4, 2)}, role=ROLE)
    press_button(fresh, "Continue")
    assert on_first_screen(fresh, fresh.locator("main h1"))
    at_both_widths(fresh, "check your answers", problems)
    fresh.set_viewport_size(SCREENS[375])
    press_button(fresh, "Send your answers")
    assert on_first_screen(fresh, fresh.locator(".govuk-panel--confirmation"))
    at_both_widths(fresh, "questionnaire confirmation", problems)
    assert not problems, "\n".join(problems)


def test_changed_pages_have_no_violations_at_both_widths(site: Site, page: Page):
    problems: list[str] = []
    for path in [*CONTENT_PAGES, "-/search/?q=librarys+opening", "-/questionnaire/"]:
        page.goto(site.example + path)
        at_both_widths(page, path or "home", problems)
    page.goto(site.example + "-/feedback/proposals/opening-hours/?section=option-b")
    at_both_widths(page, "feedback on a section", problems)
    assert not problems, "\n".join(problems)


# The questionnaire ----------------------------------------------------------------------


SCORE_ROW = """group => [...group.querySelectorAll('.govuk-radios__item')].map(item => {
    const box = item.getBoundingClientRect();
    return [Math.round(box.top), Math.round(box.width), Math.round(box.height)];
})"""


def test_questionnaire_has_one_fieldset_per_question_and_scores_in_a_row(site: Site, page: Page):
    url = site.example + "-/questionnaire/"
    page.goto(url)
    assert page.locator("fieldset fieldset").count() == 0
    ideas = EXAMPLE_SETTINGS.questionnaire.ideas
    for number, idea in enumerate(ideas, start=1):
        heading = page.get_by_role("heading", level=2, name=f"Idea {number} of {len(ideas)}")
        assert heading.filter(has_text=idea.name).count() == 1
    for width, screen in SCREENS.items():
        page.set_viewport_size(screen)
        for group in page.locator(".sb-scale").element_handles():
            row = group.evaluate(SCORE_ROW)
            assert len(row) == 5
            assert len({top for top, _, _ in row}) == 1, f"five choices in one row at {width}px"
            # Each whole column selects its choice: at least 44 by 44 pixels.
            assert all(w >= 44 and h >= 44 for _, w, h in row), (width, row)
    # Clicking anywhere in a column (here: under the number, on the words) selects it.
    page.set_viewport_size(SCREENS[375])
    words = page.locator(".sb-scale__item").filter(has=page.locator(choice("likelihood-1", "5")))
    words = words.locator(".sb-scale__words")
    words.scroll_into_view_if_needed()
    box = words.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    assert page.locator(choice("likelihood-1", "5")).is_checked()
    # The height at 375 pixels, for the record (8,477 pixels before this layout).
    page.goto(url)
    height = page.evaluate("() => document.documentElement.scrollHeight")
    print(f"questionnaire height at 375px: {height}px")
    assert height < 8477


@pytest.mark.parametrize("javascript", [False, True], ids=["without-javascript", "with-javascript"])
def test_change_returns_to_that_answer_and_back_to_check_your_answers(
    site: Site, new_context, javascript: bool
):
    # Without JavaScript too: the change links must work as plain HTML.
    page = new_context(java_script_enabled=javascript).new_page()
    page.set_viewport_size(SCREENS[375])
    page.goto(site.example + "-/questionnaire/")
    answer_questionnaire(page, {1: (2, None), 2: (None, 3)}, role=ROLE)
    press_button(page, "Continue")
    ideas = EXAMPLE_SETTINGS.questionnaire
    rows = page.locator(".govuk-summary-list__row")
    changes = page.get_by_role("button", name="Change", exact=False)
    assert changes.count() == rows.count()  # one for every answer
    likelihood = ideas.likelihood_question
    second = ideas.ideas[1].name
    with page.expect_navigation():
        page.get_by_role("button", name=f"Change {likelihood} ({second})").click()
    assert page.url.endswith("#q-likelihood-2")
    question = page.locator("#q-likelihood-2")
    box = question.bounding_box()
    assert box is not None and 0 <= box["y"] < SCREENS[375]["height"]
    # Everything else is still answered.
    assert page.locator(choice("usefulness-1", "2")).is_checked()
    assert page.locator(choice("likelihood-2", "3")).is_checked()
    if javascript:  # axe-core needs it
        problems: list[str] = []
        at_both_widths(page, "questions after a Change", problems)
        assert not problems, "\n".join(problems)
        page.set_viewport_size(SCREENS[375])
    page.locator(choice("likelihood-2", "5")).check()
    press_button(page, "Return to check your answers")
    assert page.locator("h1").inner_text() == "Check your answers before sending"
    row = rows.filter(has_text=likelihood).nth(1)
    assert "5 (" in row.inner_text()
    press_button(page, "Send your answers")
    scores = {s.idea: (s.usefulness, s.likelihood) for s in Response.objects.get().scores.all()}
    assert scores == {ideas.ideas[0].name: (2, None), second: (None, 5)}


def test_page_feedback_with_the_keyboard_from_the_banner(site: Site, page: Page):
    page.set_viewport_size(SCREENS[375])
    page.goto(site.example + "proposals/opening-hours/")
    keys = Keyboard(page)
    keys.tab_to(".sb-respond-banner__respond", limit=10)  # near the top: a few stops at most
    keys.press("Enter")
    keys.start_again()
    assert page.url.endswith("#feedback")
    keys.tab_to("#id_summary", limit=10)
    keys.type("Sent from a phone with a keyboard")
    keys.tab_to("#id_role_0")
    keys.press("Space")
    keys.send("form.sb-feedback-form button[type=submit]")
    assert page.locator("h1").inner_text() == "Feedback received"
    assert on_first_screen(page, page.locator(".govuk-panel--confirmation"))
    response = Response.objects.get()
    assert (response.summary, response.role) == ("Sent from a phone with a keyboard", ROLE)


def test_sending_an_empty_form_puts_the_error_summary_first(site: Site, page: Page):
    page.set_viewport_size(SCREENS[375])
    page.goto(site.example + "proposals/opening-hours/")
    form = page.locator("form.sb-feedback-form")
    submit(page, form.get_by_role("button", name="Send feedback"))
    assert focused_is_error_summary(page)
    assert on_first_screen(page, page.locator(".govuk-error-summary"))
