"""What respondents do in the browser, as steps the journeys and audits share, and responses
stored as if sent through the forms, for the analyst pages to show.

Each step acts on the page open now and waits for the page it leads to. Fields are found by
their names and values, as the server renders them, never by position.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from soundingboard.collect.models import Response
from soundingboard.collect.storage import Score, Tick, store_response
from soundingboard.publish.loader import load_consultation
from tests.conftest import EXAMPLE

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

EXAMPLE_SETTINGS = load_consultation(EXAMPLE).settings
FEEDBACK_FORM = "form.sb-feedback-form"
QUESTIONNAIRE_FORM = "form.sb-questionnaire"


def choice(name: str, value: str) -> str:
    """The selector of the radio button or checkbox `name` with this value."""
    return f'input[name="{name}"][value="{value}"]'


def submit(page: Page, button: Locator) -> None:
    """Press a button that sends a form, and wait for the page that answers."""
    with page.expect_navigation():
        button.click()


def fill_page_feedback(
    page: Page,
    summary: str,
    *,
    details: str = "",
    nature: str = "",
    role: str = "",
    organisation: str = "",
    email: str = "",
) -> None:
    """Fill in the per-page feedback form; only the fields given."""
    form = page.locator(FEEDBACK_FORM)
    if nature:
        form.locator(choice("nature", nature)).check()
    form.locator("#id_summary").fill(summary)
    if details:
        form.locator("#id_details").fill(details)
    fill_about_you(form, role, organisation, email)


def fill_about_you(form: Locator, role: str, organisation: str = "", email: str = "") -> None:
    """The "about you" fields both forms ask when the respondent is not remembered."""
    if role:
        form.locator(choice("role", role)).check()
    if organisation:
        form.locator("#id_organisation").fill(organisation)
    if email:
        form.locator("#id_email").fill(email)


def send_page_feedback(page: Page) -> None:
    form = page.locator(FEEDBACK_FORM)
    submit(page, form.get_by_role("button", name="Send feedback"))


def reference_shown(page: Page) -> str:
    """The reference on a confirmation page."""
    return page.locator(".govuk-panel--confirmation .govuk-panel__body strong").inner_text()


def error_messages(page: Page) -> list[str]:
    """The messages in the error summary, in order."""
    return page.locator(".govuk-error-summary__list a").all_inner_texts()


def answer_questionnaire(
    page: Page,
    scores: dict[int, tuple[int | None, int | None]],
    activities: dict[int, list[str]] | None = None,
    *,
    comments: str = "",
    role: str = "",
    email: str = "",
) -> None:
    """Fill in the main questionnaire: idea number -> (usefulness, likelihood), the
    activities to tick for each idea number, comments and, when asked, about you."""
    form = page.locator(QUESTIONNAIRE_FORM)
    for number, (usefulness, likelihood) in scores.items():
        if usefulness is not None:
            form.locator(choice(f"usefulness-{number}", str(usefulness))).check()
        if likelihood is not None:
            form.locator(choice(f"likelihood-{number}", str(likelihood))).check()
    for number, names in (activities or {}).items():
        for name in names:
            form.locator(choice(f"activities-{number}", name)).check()
    if comments:
        form.locator("#id_comments").fill(comments)
    fill_about_you(form, role, email=email)


def press_button(page: Page, name: str) -> None:
    submit(page, page.get_by_role("button", name=name, exact=True))


# Answers on three subjects, enough for the themes pages (they need 10 answers at least).
EXAMPLE_SUMMARIES = [
    ("proposals/opening-hours/", "Open later on weekday evenings"),
    ("proposals/opening-hours/", "Evening opening would help people who work"),
    ("proposals/opening-hours/", "Saturday opening hours matter most to families"),
    ("proposals/opening-hours/", "Please keep Saturday afternoon opening"),
    ("proposals/beyond-the-buildings/", "The mobile library visits our village too rarely"),
    ("proposals/beyond-the-buildings/", "A mobile library stop at the care home please"),
    ("proposals/beyond-the-buildings/", "Home library volunteers visit my mother"),
    ("proposals/buildings/central-library/", "The new central library needs parking"),
    ("proposals/buildings/central-library/", "Central library on the High Street is easy by bus"),
    ("proposals/buildings/central-library/", "The central library building is too small now"),
    ("", "A clear plan, thank you"),
    ("", "The plan is clear but the costs are not"),
]


def store_example_responses(slug: str) -> list[Response]:
    """Responses to the example: twelve on pages, from several roles, and one to the
    questionnaire, as if sent through the forms."""
    ideas = EXAMPLE_SETTINGS.questionnaire.ideas
    roles = EXAMPLE_SETTINGS.feedback.roles
    stored = []
    for number, (path, summary) in enumerate(EXAMPLE_SUMMARIES, start=1):
        response, _ = store_response(
            {
                "consultation": slug,
                "kind": Response.Kind.PAGE,
                "page_path": path,
                "summary": summary,
                "role": roles[number % len(roles)],
                "nature": EXAMPLE_SETTINGS.feedback.natures[number % 3],
            },
            token=None,
        )
        stored.append(response)
    response, _ = store_response(
        {
            "consultation": slug,
            "kind": Response.Kind.QUESTIONNAIRE,
            "role": roles[0],
            "comments": "Please keep the mobile library.",
        },
        token=None,
        scores=[Score(ideas[0].name, 4, 2), Score(ideas[3].name, 5, None)],
        ticks=[Tick(ideas[3].name, ideas[3].activities[0], raw=ideas[3].activities[0])],
    )
    stored.append(response)
    return stored
