"""The main questionnaire, as a respondent without JavaScript meets it: answer, check, send."""

from __future__ import annotations

import html as html_lib
import re
from collections import Counter
from unittest import mock

import pytest
import yaml
from bs4 import BeautifulSoup
from django.db import DatabaseError
from django.test import Client

from soundingboard.collect.models import ActivityTick, Contact, IdeaScore, Response
from soundingboard.collect.respondent import COOKIE_NAME
from soundingboard.publish.loader import load_consultation
from soundingboard.publish.settings_schema import DEFAULT_NATURES, DEFAULT_ROLES
from tests.conftest import EXAMPLE, REPO, write_consultation

pytestmark = pytest.mark.django_db

REFERENCE = REPO.parent / "shared" / "reference" / "main-questionnaire.yml"
SCAFFOLD = REPO / "src" / "soundingboard" / "scaffold"
ROLE = DEFAULT_ROLES[0]
PAGES = {"index.md": "# Welcome\n\nSome text.\n", "ideas.md": "# Ideas\n\nMore text.\n"}

SMALL = {
    "title": "Our ideas",
    "introduction": "Tell us what you think of **our ideas**.",
    "usefulness_question": "How useful would it be?",
    "likelihood_question": "How likely are you to use it?",
    "ideas": [
        {"name": "Shared tools", "activities": ["Maintain products", "Advise users"]},
        {"name": "Better data", "activities": ["Quality tools", "Standards", "Maturity"]},
        {"name": "Quiet idea", "activities": ["Only activity"]},
    ],
}


def consultation_yml(questionnaire: dict | None, extra: str = "") -> str:
    config = "title: Questionnaire test\n" + extra
    if questionnaire is not None:
        config += yaml.safe_dump({"questionnaire": questionnaire}, allow_unicode=True)
    return config


@pytest.fixture
def small_site(tmp_path, use_consultations):
    folder = write_consultation(tmp_path / "small", consultation_yml(SMALL), PAGES)
    return use_consultations(folder).single


@pytest.fixture
def reference_ideas() -> list[dict]:
    if not REFERENCE.is_file():
        pytest.skip(f"the reference questionnaire is not at {REFERENCE}")
    return yaml.safe_load(REFERENCE.read_text(encoding="utf-8"))["ideas"]


@pytest.fixture
def reference_site(tmp_path, use_consultations, reference_ideas):
    folder = write_consultation(
        tmp_path / "reference", consultation_yml({"ideas": reference_ideas}), PAGES
    )
    return use_consultations(folder).single


def text(reply) -> str:
    return html_lib.unescape(reply.content.decode())


def hidden_fields(page: str) -> list[tuple[str, str]]:
    """Every hidden input of a page, in order, as (name, value); names may repeat."""
    return [
        (html_lib.unescape(name), html_lib.unescape(value))
        for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page)
    ]


def start(client: Client) -> list[tuple[str, str]]:
    """Open the questionnaire and return its hidden fields (csrf, token, about_you)."""
    reply = client.get("/-/questionnaire/")
    assert reply.status_code == 200
    return hidden_fields(reply.content.decode())


def checked(page: str, name: str) -> list[str]:
    """The values of the checked radios or checkboxes called `name`."""
    pattern = rf'name="{re.escape(name)}" type="(?:radio|checkbox)" value="([^"]*)" checked'
    return [html_lib.unescape(v) for v in re.findall(pattern, page)]


GOOD_ANSWERS = [
    ("usefulness-1", "3"),
    ("likelihood-1", "5"),
    ("activities-1", "Advise users"),
    ("likelihood-2", "1"),
    ("activities-2", "Quality tools"),
    ("activities-2", "Maturity"),
    ("nature", DEFAULT_NATURES[1]),
    ("comments", "Line one\nLine two"),
    ("role", ROLE),
    ("organisation", "Example Council"),
    ("email", "someone@example.org"),
]


def check(client: Client, answers=GOOD_ANSWERS) -> tuple[str, list[tuple[str, str]]]:
    """Fill in the form and press Continue: the check page, and what it carries forward."""
    data = [*start(client), *answers, ("action", "check")]
    reply = client.post("/-/questionnaire/", _encode(data))
    assert reply.status_code == 200, text(reply)
    page = reply.content.decode()
    return page, hidden_fields(page)


def _encode(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    data: dict[str, list[str]] = {}
    for name, value in pairs:
        data.setdefault(name, []).append(value)
    return data


def post(client: Client, pairs: list[tuple[str, str]], action: str):
    kept = [(n, v) for n, v in pairs if n != "action"]
    return client.post("/-/questionnaire/", _encode([*kept, ("action", action)]))


def test_the_page_shows_every_idea_and_activity_of_the_reference(client, reference_site):
    ideas = yaml.safe_load(REFERENCE.read_text(encoding="utf-8"))["ideas"]
    reply = client.get("/-/questionnaire/")
    assert reply.status_code == 200
    page = reply.content.decode()
    shown = html_lib.unescape(page)
    for number, idea in enumerate(ideas, start=1):
        assert re.search(
            rf'<h2 class="govuk-heading-m" id="idea-{number}-heading">'
            rf'<span class="govuk-caption-m">Idea {number} of {len(ideas)}</span>'
            rf"{re.escape(idea['name'])}</h2>",
            shown,
        )
        for activity in idea["activities"]:
            assert f'name="activities-{number}" type="checkbox" value="{activity}"' in shown
        for score in range(1, 6):
            assert f'id="id_usefulness-{number}_{score - 1}"' in page
            assert f'name="likelihood-{number}" type="radio" value="{score}"' in page
    assert page.count("sb-scale__item") == 2 * 5 * len(ideas)
    spoken = re.sub(r"<[^>]+>", "", page)  # what a screen reader reads from a score's label
    assert "1 (Not at all)" in spoken and "5 (Very)" in spoken
    ids = re.findall(r'\bid="([^"]*)"', page)
    assert all(re.fullmatch(r"[A-Za-z][\w.:-]*", i) for i in ids)
    assert [i for i, n in Counter(ids).items() if n > 1] == []
    for option in DEFAULT_ROLES + DEFAULT_NATURES:
        assert f'value="{option}"' in shown
    assert 'autocomplete="email"' in page and 'autocomplete="organization"' in page
    assert "novalidate" in page and "<select" not in page
    assert "Do not include personal details about other people" in page


def test_the_introduction_is_markdown_and_the_nav_links_the_questionnaire(client, small_site):
    page = client.get("/-/questionnaire/").content.decode()
    assert "<strong>our ideas</strong>" in page
    assert (
        '<a class="govuk-link sb-nav__link" href="/-/questionnaire/" aria-current="page">' in page
    )
    home = client.get("/").content.decode()
    assert 'href="/-/questionnaire/">Our ideas</a>' in home


def test_no_questionnaire_means_no_page_and_no_link(client, tmp_path, use_consultations):
    use_consultations(write_consultation(tmp_path / "none", consultation_yml(None), PAGES))
    assert client.get("/-/questionnaire/").status_code == 404
    assert client.post("/-/questionnaire/", {"role": ROLE}).status_code == 404
    assert "questionnaire/" not in client.get("/").content.decode()


def test_errors_keep_every_answer_and_say_what_to_fix(client, small_site):
    answers = [
        ("usefulness-1", "3"),
        ("likelihood-1", "9"),
        ("activities-1", "Advise users"),
        ("activities-2", "Standards"),
        ("activities-3", "Not one of ours"),
        ("comments", "Please keep these words"),
        ("organisation", "Example Council"),
    ]
    reply = client.post(
        "/-/questionnaire/", _encode([*start(client), *answers, ("action", "check")])
    )
    page = reply.content.decode()
    shown = html_lib.unescape(page)
    assert reply.status_code == 400
    assert "<title>Error: " in page and "There is a problem" in page
    assert "Select your role" in page
    assert "Select a likelihood score from 1 to 5 for “Shared tools”" in shown
    assert "Select activities for “Quiet idea” from the list" in shown
    assert 'href="#id_likelihood-1_0"' in page
    assert 'href="#id_activities-3_0"' in page
    assert 'href="#id_role_0"' in page
    assert 'id="id_likelihood-1_0"' in page and 'id="id_activities-3_0"' in page
    assert checked(page, "usefulness-1") == ["3"]
    assert checked(page, "activities-1") == ["Advise users"]
    assert checked(page, "activities-2") == ["Standards"]
    assert ">Please keep these words</textarea>" in page
    assert 'value="Example Council"' in page
    assert Response.objects.count() == 0


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("usefulness-2", "0", "Select a usefulness score from 1 to 5 for “Better data”"),
        ("likelihood-3", "five", "Select a likelihood score from 1 to 5 for “Quiet idea”"),
        ("activities-1", "Standards", "Select activities for “Shared tools” from the list"),
        ("comments", "x" * 10_001, "Comments must be 10,000 characters or fewer"),
        ("email", "not-an-address", "Enter an email address in the correct format"),
        ("organisation", "x" * 201, "Organisation must be 200 characters or fewer"),
        ("role", "Astronaut", "Select your role from the list"),
        ("nature", "Furious", "Select what kind of feedback this is from the list"),
    ],
)
def test_each_rule_has_a_clear_message(client, small_site, field, value, message):
    answers = [*start(client), (field, value)]
    if field != "role":
        answers.append(("role", ROLE))
    for action in ("check", "send"):
        reply = post(client, answers, action)
        assert reply.status_code == 400
        assert message in text(reply)
    assert Response.objects.count() == 0


def test_check_your_answers_shows_the_answers_and_carries_them(client, small_site):
    page, carried = check(client)
    shown = html_lib.unescape(page)
    assert "Check your answers before sending" in page
    assert re.search(r"How useful would it be\?</dt>\s*<dd[^>]*>3</dd>", shown)
    assert re.search(r"How likely are you to use it\?</dt>\s*<dd[^>]*>5 \(Very\)</dd>", shown)
    assert re.search(r"How useful would it be\?</dt>\s*<dd[^>]*>Not answered</dd>", shown)
    assert re.search(r"How likely are you to use it\?</dt>\s*<dd[^>]*>1 \(Not at all\)</dd>", shown)
    for activity in ("Advise users", "Quality tools", "Maturity"):
        assert f"<li>{activity}</li>" in shown
    assert "<li>Maintain products</li>" not in shown
    assert "Line one<br>Line two" in page
    assert DEFAULT_NATURES[1] in shown and ROLE in shown
    assert "Example Council" in page and "someone@example.org" in page
    assert "Send your answers" in page
    for pair in GOOD_ANSWERS:
        assert pair in carried
    names = [name for name, _ in carried]
    assert "token" in names and "about_you" in names and "hp_field" in names
    assert Response.objects.count() == 0


def test_change_your_answers_goes_back_with_everything_filled_in(client, small_site):
    _page, carried = check(client)
    reply = post(client, carried, "change")
    page = reply.content.decode()
    assert reply.status_code == 200
    assert "There is a problem" not in page
    assert checked(page, "usefulness-1") == ["3"]
    assert checked(page, "likelihood-1") == ["5"]
    assert checked(page, "likelihood-2") == ["1"]
    assert checked(page, "usefulness-2") == []
    assert checked(page, "activities-1") == ["Advise users"]
    assert checked(page, "activities-2") == ["Quality tools", "Maturity"]
    assert checked(page, "nature") == [DEFAULT_NATURES[1]]
    assert checked(page, "role") == [ROLE]
    assert ">Line one\nLine two</textarea>" in page
    assert 'value="someone@example.org"' in page
    token = dict(carried)["token"]
    assert ("token", token) in hidden_fields(page)  # still the same form, sent once


def test_sending_stores_one_response_with_a_row_per_score_and_tick(client, reference_site):
    ideas = yaml.safe_load(REFERENCE.read_text(encoding="utf-8"))["ideas"]
    ai, market = ideas[4], ideas[5]
    answers = [
        ("usefulness-5", "4"),
        ("likelihood-5", "2"),
        ("activities-5", ai["activities"][0]),
        ("activities-5", ai["activities"][2]),
        ("likelihood-6", "5"),
        ("activities-13", ideas[12]["activities"][1]),
        ("nature", DEFAULT_NATURES[0]),
        ("comments", "Useful\x00 ideas\x07"),
        ("role", ROLE),
        ("email", "me@example.org"),
    ]
    _page, carried = check(client, answers)
    reply = post(client, carried, "send")
    assert reply.status_code == 303
    reply = client.get(reply["Location"])
    page = text(reply)
    assert reply.status_code == 200
    assert "Answers received" in page
    stored = Response.objects.get()
    assert stored.reference in page
    assert stored.kind == Response.Kind.QUESTIONNAIRE
    assert stored.status == Response.Status.ACCEPTED
    assert (stored.page_path, stored.summary, stored.details) == ("", "", "")
    assert stored.nature == DEFAULT_NATURES[0]
    assert stored.comments == "Useful ideas"  # control characters removed
    assert stored.role == ROLE
    assert stored.contact.email == "me@example.org" and stored.contact.organisation == ""
    scores = {(s.idea, s.usefulness, s.likelihood) for s in IdeaScore.objects.all()}
    assert scores == {(ai["name"], 4, 2), (market["name"], None, 5)}
    ticks = {(t.idea, t.activity, t.matched, t.raw) for t in stored.ticks.all()}
    assert ticks == {
        (ai["name"], ai["activities"][0], True, f"{ai['name']}: {ai['activities'][0]}"),
        (ai["name"], ai["activities"][2], True, f"{ai['name']}: {ai['activities'][2]}"),
        (
            ideas[12]["name"],
            ideas[12]["activities"][1],
            True,
            f"{ideas[12]['name']}: {ideas[12]['activities'][1]}",
        ),
    }
    assert ActivityTick.objects.count() == 3
    assert COOKIE_NAME in client.cookies
    assert "no-store" in reply["Cache-Control"]


def test_the_same_form_sent_twice_stores_one_response(client, small_site):
    _page, carried = check(client)
    first = client.get(post(client, carried, "send")["Location"])
    second = client.get(post(client, carried, "send")["Location"])
    reference = Response.objects.get().reference
    assert reference in first.content.decode() and reference in second.content.decode()
    assert IdeaScore.objects.count() == 2 and ActivityTick.objects.count() == 3


def test_a_remembered_role_is_not_asked_again_and_is_stored(client, small_site):
    feedback = client.get("/").content.decode()
    hidden = dict(hidden_fields(feedback))
    client.post(
        "/-/feedback/",
        {
            **hidden,
            "about_you": "1",
            "summary": "Feedback on the home page",
            "role": ROLE,
            "organisation": "Example Council",
        },
    )
    page = client.get("/-/questionnaire/").content.decode()
    assert 'name="role"' not in page and 'name="about_you"' not in page
    assert "You are giving feedback as" in page
    assert ROLE in html_lib.unescape(page) and "Example Council" in page
    check_page, carried = check(client, [("usefulness-3", "2")])
    assert ROLE in html_lib.unescape(check_page) and "Example Council" in check_page
    assert "about_you" not in dict(carried)
    reply = post(client, carried, "send")
    assert reply.status_code == 303
    first, second = Response.objects.order_by("id")
    assert second.kind == Response.Kind.QUESTIONNAIRE and second.role == ROLE
    assert second.contact_id == first.contact_id and Contact.objects.count() == 1
    assert IdeaScore.objects.get().idea == "Quiet idea"


def test_remembered_details_can_be_changed_without_losing_answers(client, small_site):
    _page, carried = check(client, [("usefulness-1", "4"), ("role", ROLE)])
    post(client, carried, "send")  # now remembered
    hidden = start(client)
    answers = [*hidden, ("likelihood-2", "3"), ("comments", "Keep me")]
    page = post(client, answers, "change-details").content.decode()
    assert checked(page, "role") == [ROLE]  # asked again, filled in with what was remembered
    assert checked(page, "likelihood-2") == ["3"]
    assert ">Keep me</textarea>" in page
    other = DEFAULT_ROLES[5]
    changed = [(n, v) for n, v in hidden_fields(page) if n != "role"]
    changed += [("likelihood-2", "3"), ("role", other)]
    _page, carried = check_from(client, changed)
    post(client, carried, "send")
    assert Response.objects.order_by("id").last().role == other


def check_from(client: Client, pairs: list[tuple[str, str]]):
    reply = post(client, pairs, "check")
    assert reply.status_code == 200, text(reply)
    page = reply.content.decode()
    return page, hidden_fields(page)


def test_after_the_closing_date_the_form_is_replaced_and_answers_refused(
    client, tmp_path, use_consultations
):
    config = consultation_yml(SMALL, "opens: 2020-01-01\ncloses: 2020-03-31\n")
    use_consultations(write_consultation(tmp_path / "closed", config, PAGES))
    page = client.get("/-/questionnaire/").content.decode()
    assert "This consultation closed on 31 March 2020" in page
    assert 'name="usefulness-1"' not in page and '<form method="post"' not in page
    answers = {"usefulness-1": "4", "comments": "Too late now", "role": ROLE, "action": "send"}
    reply = client.post("/-/questionnaire/", answers)
    assert reply.status_code == 403
    shown = text(reply)
    assert "Too late now" in shown and "not saved" in shown  # shown back so it is not lost
    assert re.search(r"How useful would it be\?</dt>\s*<dd[^>]*>4</dd>", shown)
    assert Response.objects.count() == 0


def test_a_filled_honeypot_is_kept_aside_as_spam(client, small_site):
    data = [*start(client), ("role", ROLE), ("hp_field", "http://spam.example")]
    _page, carried = check_from(client, data)
    assert ("hp_field", "http://spam.example") in carried  # carried through the check page
    reply = post(client, carried, "send")
    assert reply.status_code == 303
    assert "Answers received" in client.get(reply["Location"]).content.decode()
    stored = Response.objects.get()
    assert stored.status == Response.Status.SPAM
    assert stored.spam_reason == "the hidden honeypot field was filled in"


def test_an_altered_token_is_kept_aside_as_spam(client, small_site):
    _page, carried = check(client)
    altered = [(n, v + "x" if n == "token" else v) for n, v in carried]
    post(client, altered, "send")
    stored = Response.objects.get()
    assert stored.status == Response.Status.SPAM
    assert stored.spam_reason == "the form's token was missing or altered"


def test_a_storage_failure_keeps_the_answers_and_never_confirms(client, small_site):
    _page, carried = check(client)
    with mock.patch(
        "soundingboard.collect.prepared_insert.PreparedInsert.run",
        side_effect=DatabaseError("disk full"),
    ):
        reply = post(client, carried, "send")
    page = reply.content.decode()
    assert reply.status_code == 503
    assert "Your answers have not been saved" in page
    assert "Answers received" not in page
    for pair in GOOD_ANSWERS:
        assert pair in hidden_fields(page)  # ready to send again
    assert Response.objects.count() == 0
    assert COOKIE_NAME not in client.cookies


def test_the_example_and_the_scaffold_have_questionnaires_of_the_right_shape():
    example = load_consultation(EXAMPLE).settings.questionnaire
    assert example is not None and 4 <= len(example.ideas) <= 6
    assert all(2 <= len(idea.activities) <= 3 for idea in example.ideas)
    scaffold = load_consultation(SCAFFOLD).settings.questionnaire
    assert scaffold is not None and len(scaffold.ideas) == 2
    assert all(idea.activities for idea in scaffold.ideas)


def test_sending_answers_see_other_to_a_confirmation_that_resends_nothing(client, small_site):
    _page, carried = check(client)
    reply = post(client, carried, "send")
    assert reply.status_code == 303
    confirmation = reply["Location"]
    assert confirmation.startswith("/-/questionnaire/?sent=")
    reference = Response.objects.get().reference
    for _refresh in range(2):
        shown = client.get(confirmation)
        html = shown.content.decode()
        assert 'class="govuk-panel govuk-panel--confirmation"' in html
        assert "Answers received" in html and reference in html
        assert "no-store" in shown["Cache-Control"]
    assert Response.objects.count() == 1 and IdeaScore.objects.count() == 2
    # Someone else with the address sees the reference, never the answers or contact details.
    html = Client().get(confirmation).content.decode()
    assert reference in html
    assert "Line one" not in html and "someone@example.org" not in html
    assert "Example Council" not in html


def test_an_altered_questionnaire_confirmation_shows_the_questions(client, small_site):
    _page, carried = check(client)
    confirmation = post(client, carried, "send")["Location"]
    html = client.get(
        confirmation[:-1] + ("B" if confirmation.endswith("A") else "A")
    ).content.decode()
    assert "govuk-panel--confirmation" not in html and "Answers received" not in html
    assert 'name="comments"' in html


# One fieldset per question, and a "Change" for every answer ------------------------------


def test_one_fieldset_per_question_none_inside_another(client, small_site):
    soup = BeautifulSoup(client.get("/-/questionnaire/").content.decode(), "html.parser")
    fieldsets = soup.find_all("fieldset")
    assert [f for f in fieldsets if f.find_parent("fieldset")] == []
    # Two scores and the activities for each of the three ideas, the kind of feedback, the role.
    assert len(fieldsets) == 3 * 3 + 2
    for number, idea in enumerate(SMALL["ideas"], start=1):
        section = soup.find("section", id=f"idea-{number}")
        assert section.h2.get_text(" ", strip=True) == f"Idea {number} of 3 {idea['name']}"
        legends = [f.legend.get_text(" ", strip=True) for f in section.find_all("fieldset")]
        # Each question names its idea for those who reach it without the heading.
        assert all(legend.endswith(f"({idea['name']})") for legend in legends), legends


def test_check_your_answers_has_a_change_for_every_answer_that_leads_to_it(client, small_site):
    page, _carried = check(client)
    questions = client.get("/-/questionnaire/").content.decode()
    rows = re.findall(r'<div class="govuk-summary-list__row">(.*?)</div>', page, re.S)
    assert len(rows) == 3 * 3 + 2 + 3  # the ideas' answers, your comments, about you
    for row in rows:
        button = re.search(r'<button type="submit" form="sb-check" formaction="([^"]+)"', row)
        assert button, row
        address, anchor = button.group(1).split("#")
        assert address.startswith("/-/questionnaire/?answer=")
        assert f'id="{anchor}"' in questions, anchor
    assert 'id="sb-check"' in page


@pytest.mark.parametrize(
    ("answer", "part"),
    [("likelihood-2", "idea-2"), ("comments", "comments"), ("email", "about-you")],
)
def test_change_comes_back_filled_in_with_a_way_back_after_that_answer(
    client, small_site, answer, part
):
    _page, carried = check(client)
    kept = [(n, v) for n, v in carried if n != "action"]
    reply = client.post(
        f"/-/questionnaire/?answer={answer}", _encode([*kept, ("action", "change")])
    )
    page = reply.content.decode()
    assert reply.status_code == 200
    assert checked(page, "likelihood-2") == ["1"]  # everything still filled in
    assert page.count("Return to check your answers") == 1
    back = page.index("Return to check your answers")
    start_of_part = page.index(f'id="{part}"')
    assert start_of_part < back < page.index('value="check" class="govuk-button"')


def test_an_unknown_answer_to_change_is_ignored(client, small_site):
    _page, carried = check(client)
    kept = [(n, v) for n, v in carried if n != "action"]
    attack = "<script>alert(1)</script>"
    reply = client.post(
        f"/-/questionnaire/?answer={attack}", _encode([*kept, ("action", "change")])
    )
    page = reply.content.decode()
    assert reply.status_code == 200
    assert "Return to check your answers" not in page and attack not in page
