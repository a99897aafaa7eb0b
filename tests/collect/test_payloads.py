"""The original site's JSON payloads, checked and stored as the web forms would be."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from soundingboard.collect.activity_matching import ActivityMatcher, normalise
from soundingboard.collect.models import ActivityTick, IdeaScore, Response
from soundingboard.collect.page_addresses import match_page
from soundingboard.collect.payloads import PayloadError, submission_from_payload
from soundingboard.publish.loader import load_consultation
from soundingboard.publish.settings_schema import (
    DEFAULT_NATURES,
    DEFAULT_ROLES,
    QuestionnaireSettings,
)
from tests.conftest import write_consultation


@pytest.fixture
def consultation(tmp_path: Path, reference_ideas):
    config = yaml.safe_dump(
        {
            "title": "Payloads",
            "site_url": "https://example.github.io/paper/",
            "questionnaire": {"ideas": reference_ideas},
        },
        allow_unicode=True,
    )
    pages = {
        "index.md": "# Home\n\n## Our invitation {#our-invitation}\n\nText.\n",
        "models-for-delivery.md": "# Models for delivery\n",
        "ideas/data-tools.md": "# Data tools\n",
    }
    return load_consultation(write_consultation(tmp_path / "c", config, pages))


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("https://example.github.io/paper/models-for-delivery/", "models-for-delivery/"),
        ("https://example.github.io/paper/models-for-delivery/index.html", "models-for-delivery/"),
        ("https://example.github.io/paper/ideas/data-tools/#top", "ideas/data-tools/"),
        ("http://localhost:8000/ideas/data-tools.html", "ideas/data-tools/"),
        ("https://example.github.io/paper/", ""),
        ("https://example.github.io/paper", ""),
        ("https://example.github.io/paper/index.html", ""),
        ("https://example.github.io/paper/?utm_source=email#our-invitation", ""),
        ("https://example.github.io/", ""),
        ("https://example.org", ""),
        ("/", ""),
        ("https://example.org/index.html", ""),
        ("https://example.github.io/paper/models-for-delivery?x=1#top", "models-for-delivery/"),
        ("https://example.org/?page=/paper/models-for-delivery/", "models-for-delivery/"),
        ("/models-for-delivery", "models-for-delivery/"),
    ],
)
def test_page_addresses_are_matched_from_their_end(consultation, address, expected):
    assert match_page(consultation, address).page.path == expected


@pytest.mark.parametrize(
    "address",
    [
        "https://example.org/retired-page/",
        "https://example.org/feedback/",
        "https://example.org/retired-page",
        "https://example.org/retired-page/index.html",
        "https://example.org/retired-page.html",
        "https://example.org/retired-page/?page=2#top",
        "https://example.org/paper/no-such/page/",
        "https://example.org/paper/no-such",
        "https://example.org/elsewhere/",  # one segment, not the path of site_url
        "https://example.org/?page=/paper/retired-page/",
        "retired-page",
    ],
)
def test_an_address_that_is_no_page_matches_nothing_and_is_kept(consultation, address):
    match = match_page(consultation, address)
    assert (match.page, match.address) == (None, address)


def test_without_a_site_url_only_the_root_and_its_own_address_are_the_home_page(
    tmp_path, reference_ideas
):
    config = yaml.safe_dump({"title": "Plain"}, allow_unicode=True)
    folder = write_consultation(tmp_path / "p", config, {"index.md": "# Home\n"})
    plain = load_consultation(folder, url_prefix="/plain/")
    assert match_page(plain, "https://example.org/").page.path == ""
    assert match_page(plain, "https://consult.example.org/plain/").page.path == ""
    assert match_page(plain, "https://example.github.io/paper/").page is None


def test_unknown_addresses_and_sections(consultation):
    assert match_page(consultation, "https://example.org/paper/no-such/page/").page is None
    match = match_page(consultation, "https://example.org/paper/#our-invitation")
    assert match.page.path == "" and match.section.id == "our-invitation"


@pytest.mark.parametrize(
    ("raw", "idea", "activity"),
    [
        (  # the group name drifted entirely
            "Procurement and configuration: Improving typical procurement practice and other "
            "CMS-related activity",
            "Making sense of case management systems",
            "Improving typical procurement practice and other CMS-related activity",
        ),
        (
            "Advanced technology: Advocating for good practice with strategies for AI RPA and "
            "other technologies",
            "Making sense of AI, RPA, and other advanced and integrative software",
            "Advocating for good practice with strategies for AI, RPA and other technologies",
        ),
        (
            "Supporting professional development: Developing provision to meet critical sector "
            "needs, eg- training and specialist capacity",
            "Supporting professional development",
            "Developing provision to meet critical sector needs, e.g. training and specialist "
            "capacity",
        ),
        (
            "Redefining cross-sector collaboration: Co-ordinating the sectors cross-government "
            "data-digital change processes",
            "Redefining cross-sector collaboration",
            "Co-ordinating the sector's cross-government data and digital change processes",
        ),
        (
            "Responding to large scale change: Helping LAs and government navigate the data and "
            "digital challenge of change",
            "Responding to large-scale change",
            "Helping local authorities and government navigate the data and digital challenge "
            "of change",
        ),
    ],
)
def test_drifted_activities_are_matched(reference_ideas, raw, idea, activity):
    tick = ActivityMatcher(QuestionnaireSettings(ideas=reference_ideas)).tick(raw)
    assert (tick.idea, tick.activity, tick.matched, tick.raw) == (idea, activity, True, raw)


def test_an_unmatchable_activity_is_kept_as_sent(reference_ideas):
    tick = ActivityMatcher(QuestionnaireSettings(ideas=reference_ideas)).tick(
        "Something else: Running a lottery"
    )
    assert (tick.matched, tick.idea, tick.raw) == (False, "", "Something else: Running a lottery")


def test_normalise_folds_punctuation_and_abbreviations():
    assert normalise("LAs’ needs, e.g. training") == normalise(
        "local authorities' needs eg training"
    )


def feedback(**overrides):
    payload = {
        "tab": "Feedback",
        "page": "https://example.github.io/paper/models-for-delivery/",
        "summary": "A thoughtful summary",
        "details": "",
        "role": DEFAULT_ROLES[1],
        "org": "",
        "email": "",
        "nature": "",
        "hp_field": "",
    }
    return {**payload, **overrides}


@pytest.mark.django_db
def test_page_feedback_payload_is_stored(consultation):
    submission = submission_from_payload(
        consultation,
        feedback(org="Example Council", email="a@example.org", nature=DEFAULT_NATURES[2]),
    )
    response, created = submission.store(token="key-1")
    assert created
    assert (response.kind, response.channel, response.page_path, response.page_matched) == (
        "page",
        "api",
        "models-for-delivery/",
        True,
    )
    assert response.page_title == "Models for delivery"
    assert response.contact.organisation == "Example Council"
    assert response.nature == DEFAULT_NATURES[2]


@pytest.mark.django_db
def test_unknown_page_is_kept_as_unmatched(consultation):
    response, _ = submission_from_payload(
        consultation, feedback(page="https://example.org/paper/gone-page/")
    ).store(token=None)
    assert response.page_matched is False
    assert response.page_path == "https://example.org/paper/gone-page/"


def test_payload_errors_use_the_forms_messages_and_payload_names(consultation):
    with pytest.raises(PayloadError) as caught:
        submission_from_payload(
            consultation, feedback(summary="abc", role="", org="x" * 201, email="nope", details=7)
        )
    assert caught.value.errors == {
        "details": ["details must be text"],
        "summary": ["Summary must be 5 characters or more"],
        "role": ["Select your role"],
        "org": ["Organisation must be 200 characters or fewer"],
        "email": ["Enter an email address in the correct format, like name@example.com"],
    }


@pytest.mark.parametrize(
    "payload",
    [
        [],
        "text",
        {"tab": "Other"},
        {},
        {"tab": {}},
        {"tab": ["Feedback"]},
        {"tab": "Feedback", "summary": "bad \ud800 text", "role": DEFAULT_ROLES[0]},
        {"tab": "MainFeedback", "role": DEFAULT_ROLES[0], "activities": ["\udfff"]},
    ],
)
def test_wrong_shapes_are_refused(consultation, payload):
    with pytest.raises(PayloadError):
        submission_from_payload(consultation, payload)


@pytest.mark.django_db
def test_honeypot_payload_is_kept_as_spam(consultation):
    response, _ = submission_from_payload(consultation, feedback(hp_field="gotcha")).store(
        token=None
    )
    assert response.status == "spam" and "honeypot" in response.spam_reason


@pytest.mark.django_db
def test_main_feedback_payload_is_stored_relationally(consultation):
    payload = {
        "tab": "MainFeedback",
        "page": "https://example.github.io/paper/questionnaire/",
        "role": DEFAULT_ROLES[0],
        "org": "",
        "email": "",
        "rank_usefulness": {"Data tool collaboration": 5, "Improving data quality": "4"},
        "rank_likelihood": {"Data tool collaboration": 3, "Curating standards": 2},
        "activities": [
            "Data tool collaboration: Facilitating collaborative design and development of "
            "future shared tools",
            "Curating standards: Managing processes for changes to relevant standards",
            "Mystery group: Something nobody listed",
        ],
        "section": "Ideas",
        "nature": DEFAULT_NATURES[0],
        "comments": "Overall, promising.",
        "hp_field": "",
    }
    response, _ = submission_from_payload(consultation, payload).store(token="main-1")
    assert response.kind == "questionnaire" and response.comments == "Overall, promising."
    scores = {s.idea: (s.usefulness, s.likelihood) for s in IdeaScore.objects.all()}
    assert scores == {
        "Data tool collaboration": (5, 3),
        "Improving data quality": (4, None),
        "Curating technical standards": (None, 2),
    }
    ticks = list(ActivityTick.objects.order_by("id").values_list("idea", "matched"))
    assert ticks == [
        ("Data tool collaboration", True),
        ("Curating technical standards", True),
        ("", False),
    ]
    assert Response.objects.count() == 1


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("rank_usefulness", {"Data tool collaboration": 6}),
        ("rank_usefulness", {"Data tool collaboration": True}),
        ("rank_likelihood", [3]),
        ("activities", "Data tool collaboration: x"),
        ("activities", [1, 2]),
    ],
)
def test_bad_scores_and_activities_are_refused(consultation, field, value):
    payload = {"tab": "MainFeedback", "role": DEFAULT_ROLES[0], field: value}
    with pytest.raises(PayloadError) as caught:
        submission_from_payload(consultation, payload)
    assert field in caught.value.errors


@pytest.mark.django_db
def test_unmatched_idea_names_are_kept_as_sent_in_one_field(consultation):
    payload = {
        "tab": "MainFeedback",
        "role": DEFAULT_ROLES[0],
        "rank_usefulness": {"Data tool collaboration": 5, "A long-gone idea": 2},
        "rank_likelihood": {"A long-gone idea": "4", "Another\x00 one": 1},
    }
    response, _ = submission_from_payload(consultation, payload).store(token=None)
    assert list(IdeaScore.objects.values_list("idea", flat=True)) == ["Data tool collaboration"]
    response.refresh_from_db()
    assert response.unmatched_ideas == [  # in the order sent
        {"idea": "A long-gone idea", "usefulness": 2, "likelihood": 4},
        {"idea": "Another one", "usefulness": None, "likelihood": 1},  # control characters dropped
    ]
    matched_only = {
        **payload,
        "rank_likelihood": {},
        "rank_usefulness": {"Improving data quality": 1},
    }
    other, _ = submission_from_payload(consultation, matched_only).store(token=None)
    other.refresh_from_db()
    assert other.unmatched_ideas is None


def test_unmatched_idea_names_are_limited_in_number_and_length(consultation):
    def errors(usefulness: dict, likelihood: dict | None = None) -> dict:
        payload = {"tab": "MainFeedback", "role": DEFAULT_ROLES[0], "rank_usefulness": usefulness}
        if likelihood is not None:
            payload["rank_likelihood"] = likelihood
        with pytest.raises(PayloadError) as caught:
            submission_from_payload(consultation, payload)
        return caught.value.errors

    twenty = {f"Invented {i}": 3 for i in range(20)}
    assert submission_from_payload(
        consultation, {"tab": "MainFeedback", "role": DEFAULT_ROLES[0], "rank_usefulness": twenty}
    ).fields["unmatched_ideas"] == [
        {"idea": name, "usefulness": 3, "likelihood": None} for name in twenty
    ]
    message = (
        "rank_usefulness and rank_likelihood may name at most 20 ideas "
        "that are not this consultation's own"
    )
    assert errors({**twenty, "Invented 20": 3}) == {"rank_usefulness": [message]}
    assert errors(twenty, {"Invented 21": 3}) == {"rank_likelihood": [message]}
    # The consultation's own ideas do not count towards the limit.
    many = {**twenty, "Data tool collaboration": 5, "Curating standards": 4}
    assert submission_from_payload(
        consultation, {"tab": "MainFeedback", "role": DEFAULT_ROLES[0], "rank_usefulness": many}
    )
    assert errors({"x" * 201: 3}) == {
        "rank_usefulness": [
            "Idea names that are not this consultation's own must be 200 characters or fewer"
        ]
    }
