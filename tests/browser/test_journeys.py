"""Respondents' and analysts' journeys through the example consultation, in a real browser.

A respondent reads pages, moves with the navigation and search, gives feedback on a page,
sees the confirmation and reference (a refresh or Back sends nothing again), and gives
feedback on a second page without saying who they are again; another completes the main
questionnaire, meeting its error messages and changing an answer before sending. Both
journeys run twice: with JavaScript, and in a browser with JavaScript turned off, where
everything must work and be stored just the same.

An analyst signs in with a password and a code from an authenticator app, filters the
responses, tags one and downloads a CSV export.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from soundingboard.accounts.models import Role
from soundingboard.analyse.models import ResponseTag
from soundingboard.collect.models import Response
from soundingboard.publish.loader import load_consultation
from tests.accounts.test_accounts import PASSWORD, make_account, totp_code
from tests.browser.steps import (
    answer_questionnaire,
    choice,
    error_messages,
    fill_page_feedback,
    press_button,
    reference_shown,
    send_page_feedback,
    store_example_responses,
)
from tests.conftest import EXAMPLE

if TYPE_CHECKING:
    from playwright.sync_api import Page

    from tests.browser.conftest import Site

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

EXAMPLE_CONSULTATION = load_consultation(EXAMPLE)
SETTINGS = EXAMPLE_CONSULTATION.settings
ROLES, NATURES = SETTINGS.feedback.roles, SETTINGS.feedback.natures
IDEAS = SETTINGS.questionnaire.ideas


@pytest.fixture(params=[True, False], ids=["with-javascript", "without-javascript"])
def javascript(request: pytest.FixtureRequest) -> bool:
    return request.param


@pytest.fixture
def respondent(javascript: bool, new_context: Any) -> Page:
    """A respondent's browser, with JavaScript on or off."""
    return new_context(java_script_enabled=javascript).new_page()


def enhanced(page: Page) -> bool:
    """Whether the page's script ran (it marks the body)."""
    return "js-enabled" in (page.locator("body").get_attribute("class") or "")


def heading(page: Page) -> str:
    """The page's main heading, without the permalink sign of a consultation page's."""
    return page.locator("h1").first.inner_text().removesuffix("¶")


def test_reading_searching_and_giving_feedback_on_two_pages(
    site: Site, respondent: Page, javascript: bool
):
    page = respondent
    page.goto(site.example)
    assert enhanced(page) is javascript
    assert heading(page) == SETTINGS.title

    # The side navigation, then "Next" at the end of a page.
    nav = page.get_by_role("navigation", name="Pages")
    assert nav.locator("[aria-current=page]").inner_text() == EXAMPLE_CONSULTATION.pages[0].title
    nav.get_by_role("link", name="Opening hours", exact=True).click()
    assert page.url == site.example + "proposals/opening-hours/"
    assert heading(page) == "Opening hours"
    assert nav.locator("[aria-current=page]").inner_text() == "Opening hours"
    opening_hours = EXAMPLE_CONSULTATION.page("proposals/opening-hours/")
    page.locator("a[rel=next]").click()
    assert page.url == site.example + opening_hours.next.path
    assert heading(page) == opening_hours.next.title

    # Search from the header, then open a result.
    page.locator("#sb-search-header").fill("Saturday mornings")
    with page.expect_navigation():
        page.locator("#sb-search-header").press("Enter")
    assert page.url.startswith(site.example + "-/search/?q=Saturday")
    results = page.locator(".sb-search-result > a")
    titles = results.all_inner_texts()
    # The result leads to the section where the words are, every one of them marked.
    assert "Opening hours: Staffed hours" in titles
    marked = page.locator(".sb-search-result mark").all_inner_texts()
    assert {"Saturday", "mornings"} <= set(marked)
    results.filter(has_text="Opening hours").first.click()
    assert page.url == site.example + "proposals/opening-hours/#staffed-hours"
    assert heading(page) == "Opening hours"

    # Feedback on this page, with everything about the respondent.
    fill_page_feedback(
        page,
        "Please open on Saturday afternoons too",
        details="Saturday mornings clash with children's sport.",
        nature=NATURES[1],
        role=ROLES[2],
        organisation="Northgate Parents' Group",
        email="parent@example.org",
    )
    send_page_feedback(page)
    assert heading(page) == "Feedback received"
    first = Response.objects.get(reference=reference_shown(page))
    assert (first.kind, first.channel, first.status) == ("page", "form", "accepted")
    assert (first.consultation, first.page_path, first.page_title) == (
        site.example_slug,
        "proposals/opening-hours/",
        "Opening hours",
    )
    assert (first.summary, first.details) == (
        "Please open on Saturday afternoons too",
        "Saturday mornings clash with children's sport.",
    )
    assert (first.role, first.nature) == (ROLES[2], NATURES[1])
    assert (first.contact.organisation, first.contact.email) == (
        "Northgate Parents' Group",
        "parent@example.org",
    )

    # The confirmation has an address of its own: a refresh shows it again and sends nothing,
    # and Back returns to the page without asking to resend the form.
    assert "?sent=" in page.url
    page.reload()
    assert heading(page) == "Feedback received" and reference_shown(page) == first.reference
    page.go_back()
    assert heading(page) == "Opening hours"
    page.go_forward()
    assert reference_shown(page) == first.reference
    assert Response.objects.count() == 1

    # On to the next page: the form remembers who is giving feedback.
    page.get_by_role("link", name=f"Next page: {opening_hours.next.title}").click()
    assert heading(page) == opening_hours.next.title
    form = page.locator("form.sb-feedback-form")
    assert form.locator('input[name="role"]').count() == 0
    assert ROLES[2] in form.locator(".sb-respondent").inner_text()
    fill_page_feedback(page, "A library bus for the villages")
    send_page_feedback(page)
    assert heading(page) == "Feedback received"
    second = Response.objects.get(reference=reference_shown(page))
    assert second.page_path == opening_hours.next.path
    assert (second.role, second.contact_id, second.nature) == (ROLES[2], first.contact_id, "")
    assert Response.objects.count() == 2


def test_the_main_questionnaire_with_errors_and_a_change(
    site: Site, respondent: Page, javascript: bool
):
    page = respondent
    page.goto(site.example)
    nav = page.get_by_role("navigation", name="Pages")
    nav.get_by_role("link", name=SETTINGS.questionnaire.title).click()
    assert heading(page) == SETTINGS.questionnaire.title

    # First try: no role and a wrong email address.
    answer_questionnaire(
        page,
        {1: (4, 5), 3: (2, None)},
        {1: [IDEAS[0].activities[1]], 3: [IDEAS[2].activities[0], IDEAS[2].activities[2]]},
        comments="Keep Riverside open.",
        email="not an email address",
    )
    press_button(page, "Continue")
    assert page.title().startswith("Error: ")
    assert error_messages(page) == [
        "Select your role",
        "Enter an email address in the correct format, like name@example.com",
    ]
    focused = "() => document.activeElement.id || document.activeElement.className"
    assert page.evaluate(focused).startswith("govuk-error-summary")
    # The error summary's link leads to the field; the answers are all still there.
    page.get_by_role("link", name="Select your role").click()
    if javascript:  # govuk-frontend moves the focus to the field
        assert page.evaluate(focused) == "id_role_0"
    else:
        assert page.url.endswith("#id_role_0")
    assert page.locator(choice("usefulness-1", "4")).is_checked()
    assert page.locator(choice("activities-3", IDEAS[2].activities[2])).is_checked()
    assert page.locator("#id_comments").input_value() == "Keep Riverside open."
    page.locator("#id_email").fill("reader@example.org")
    answer_questionnaire(page, {}, role=ROLES[0])
    press_button(page, "Continue")
    assert heading(page) == "Check your answers before sending"
    assert "2" in page.locator(".govuk-summary-card", has_text=IDEAS[2].name).inner_text()

    # Back to change one score and untick an activity, then check again and send.
    usefulness = SETTINGS.questionnaire.usefulness_question
    press_button(page, f"Change {usefulness} ({IDEAS[2].name})")
    assert heading(page) == SETTINGS.questionnaire.title
    assert page.url.endswith("#q-usefulness-3")
    assert page.locator(choice("usefulness-3", "2")).is_checked()
    assert page.locator(choice("role", ROLES[0])).is_checked()
    answer_questionnaire(page, {3: (3, None)})
    page.locator(choice("activities-3", IDEAS[2].activities[0])).uncheck()
    press_button(page, "Continue")
    card = page.locator(".govuk-summary-card", has_text=IDEAS[2].name).inner_text()
    assert "3" in card and IDEAS[2].activities[0] not in card
    press_button(page, "Send your answers")
    assert heading(page) == "Answers received"
    page.reload()  # the confirmation's own address: nothing is sent again
    assert heading(page) == "Answers received"

    stored = Response.objects.get(reference=reference_shown(page))
    assert (stored.kind, stored.channel, stored.status) == ("questionnaire", "form", "accepted")
    assert (stored.role, stored.comments) == (ROLES[0], "Keep Riverside open.")
    assert stored.contact.email == "reader@example.org"
    scores = {s.idea: (s.usefulness, s.likelihood) for s in stored.scores.all()}
    assert scores == {IDEAS[0].name: (4, 5), IDEAS[2].name: (3, None)}
    ticks = set(stored.ticks.values_list("idea", "activity", "matched"))
    assert ticks == {
        (IDEAS[0].name, IDEAS[0].activities[1], True),
        (IDEAS[2].name, IDEAS[2].activities[2], True),
    }
    assert Response.objects.count() == 1


def test_an_analyst_signs_in_filters_tags_and_exports(site: Site, page: Page, tmp_path: Path):
    _user, device = make_account("ana", Role.ANALYST, two_factor=True)
    store_example_responses(site.example_slug)
    responses = f"{site.url}/-/analyse/{site.example_slug}/responses/"

    # Signing in, on the way to the list of responses.
    page.goto(responses)
    assert "/-/sign-in/" in page.url
    page.locator("#id_username").fill("ana")
    page.locator("#id_password").fill(PASSWORD)
    press_button(page, "Continue")
    assert heading(page) == "Enter the code from your authenticator app"
    page.locator("#id_code").fill(totp_code(device))
    press_button(page, "Continue")
    assert page.url == responses
    assert "Signed in as ana" in page.locator(".sb-header").inner_text()

    # Filtering by role.
    role = ROLES[1]
    page.locator(".sb-filters summary").click()
    page.locator(".sb-filters").get_by_label(role, exact=True).check()
    press_button(page, "Apply filters")
    wanted = Response.objects.filter(consultation=site.example_slug, role=role)
    shown = page.locator(".sb-responses-table tbody tr td:nth-child(2) a").all_inner_texts()
    assert sorted(shown) == sorted(r.reference for r in wanted) and shown
    assert page.locator("#responses-count strong").inner_text() == str(len(shown))

    # Tagging it.
    page.get_by_role("link", name=shown[0]).click()
    page.locator("#new-tag").fill("Opening hours")
    press_button(page, "Add tag")
    assert "Opening hours" in page.locator("#tags").inner_text()
    tagged = ResponseTag.objects.get()
    assert (tagged.response.reference, tagged.tag.name) == (shown[0], "Opening hours")

    # Exporting every accepted response as CSV.
    page.get_by_role("navigation", name="Analysis of this consultation").get_by_role(
        "link", name="Export"
    ).click()
    page.locator(choice("format", "csv")).check()
    with page.expect_download() as download:
        page.get_by_role("button", name="Download").click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.suffix == ".csv"
    with saved.open(newline="", encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    everything = Response.objects.filter(consultation=site.example_slug, status="accepted")
    assert sorted(row["reference"] for row in rows) == sorted(r.reference for r in everything)
    tags = {row["reference"]: row["tags"] for row in rows}
    assert tags[shown[0]] == "Opening hours"
    assert set(tags.values()) == {"Opening hours", ""}
    assert "email" not in rows[0]  # no contact details unless asked for
