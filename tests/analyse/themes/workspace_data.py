"""Made-up answers for the workspace's theme tests: four topics in plain words, a campaign
of identical copies, and a little suspected spam; plus the accounts that use them.

Import the fixtures into a test module (each is named without its "_fixture"):
    from .workspace_data import answers_fixture, served_fixture  # noqa: F401
"""

from __future__ import annotations

import datetime as dt
import random

import pytest

from soundingboard.accounts.models import Role
from soundingboard.analyse.filters import ResponseFilter
from soundingboard.analyse.themes.runs import start_run
from soundingboard.collect.models import Response
from tests.accounts.test_accounts import make_account, sign_in_verified
from tests.analyse.conftest import SLUG

TOPICS = {
    "hours": [
        "opening hours",
        "open later in the evening",
        "weekend opening times",
        "branch closes too early",
        "sunday opening hours",
    ],
    "parking": [
        "car park charges",
        "parking spaces nearby",
        "bus route to the branch",
        "cycle racks outside",
        "travel and parking costs",
    ],
    "books": [
        "more books on the shelves",
        "new novels and fiction",
        "children's picture books",
        "ebooks and audiobooks",
        "fresh book stock",
    ],
    "rooms": [
        "meeting rooms to hire",
        "quiet study space",
        "desks with wifi",
        "public computers and printing",
        "room booking online",
    ],
}
OPENERS = [
    "I think about",
    "Please improve",
    "We need",
    "It would help to have",
    "Look again at",
    "My family cares about",
    "Do something about",
]
ASIDES = [
    "That matters to us.",
    "Thank you for asking.",
    "This has been a problem for years.",
    "Most of my neighbours agree.",
    "It is the main thing for me.",
    "Others may disagree.",
    "I visit every week.",
    "We came here as a family.",
]
PER_TOPIC = 25
CAMPAIGN = (
    "Keep every branch open with trained staff, a full timetable and proper funding "
    "for the years ahead"
)
CAMPAIGN_COPIES = 12


def topic_text(topic: str, i: int) -> tuple[str, str]:
    """(summary, details) of the i-th answer about a topic: its phrases, mixed."""
    rng = random.Random(f"{topic}-{i}")
    first, second, third = rng.sample(TOPICS[topic], 3)
    summary = f"{rng.choice(OPENERS)} {first} and {second}"
    details = f"{rng.choice(ASIDES)} Also the {third}."
    return summary, details


def make_answers() -> dict[str, list[Response]]:
    """The answers by topic ("campaign" and "spam" too), stored."""
    made: dict[str, list[Response]] = {}
    start = dt.datetime(2026, 3, 25, 9, tzinfo=dt.UTC)
    n = 0

    def add(kind: str, summary: str, details: str = "", status: str = "accepted") -> None:
        nonlocal n
        made.setdefault(kind, []).append(
            Response.objects.create(
                reference=f"SB-THEM-{n:04d}",
                consultation=SLUG,
                kind="page",
                status=status,
                page_path="models/",
                summary=summary,
                details=details,
                submitted_at=start + dt.timedelta(minutes=n),
            )
        )
        n += 1

    for i in range(PER_TOPIC):
        for topic in TOPICS:
            add(topic, *topic_text(topic, i))
    for _ in range(CAMPAIGN_COPIES):
        add("campaign", CAMPAIGN)
    for i in range(3):
        add("spam", f"Cheap watches, visit now {i} times for free prizes", status="spam")
    return made


@pytest.fixture(name="served")
def served_fixture(tmp_path, consultation, use_consultations):
    use_consultations(tmp_path / "c")
    return consultation


@pytest.fixture(name="answers")
def answers_fixture(db) -> dict[str, list[Response]]:
    return make_answers()


@pytest.fixture(name="ana")
def ana_fixture(db):
    return make_account("ana", Role.ANALYST, two_factor=True)


@pytest.fixture(name="analyst")
def analyst_fixture(client, served, ana):
    sign_in_verified(client, *ana)
    return client


@pytest.fixture(name="reader")
def reader_fixture(client, served):
    user, device = make_account("rita", Role.READER)
    sign_in_verified(client, user, device)
    return client


def draft_run(user, consultation, k: int = 4):
    return start_run(
        user,
        consultation,
        response_filter=ResponseFilter.for_consultation(consultation),
        k=k,
        representation="tfidf",
    )


def topic_of(response_id: int, answers: dict[str, list[Response]]) -> str:
    for topic, responses in answers.items():
        if any(r.pk == response_id for r in responses):
            return topic
    raise KeyError(response_id)
