"""A small consultation and a known set of responses to it, kept as plain records too, so
that the tests can count them in plain Python, independently of the code under test."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import pytest

from soundingboard.collect.models import ActivityTick, IdeaScore, Response
from soundingboard.publish.loader import load_consultation
from soundingboard.publish.settings_schema import DEFAULT_NATURES, DEFAULT_ROLES
from tests.conftest import write_consultation

LONDON = ZoneInfo("Europe/London")
UTC = dt.UTC
SLUG = "analysis-test"
IDEAS = {
    "Shared data standards": ["Agree a schema", "Publish guidance"],
    "A <b>bold</b> idea & more": ["Pilot it"],
    "Local networks": ["Meet quarterly", "Share code"],
}
CONFIG = f"""\
title: Analysis test
slug: {SLUG}
timezone: Europe/London
pages:
  - index.md
  - models.md
  - mechanisms.md
  - quiet.md
questionnaire:
  ideas:
""" + "".join(
    f'    - name: "{name}"\n      activities:\n' + "".join(f"        - {a}\n" for a in activities)
    for name, activities in IDEAS.items()
)
PAGES = {
    "index.md": "# Home\n",
    "models.md": "# Models for delivery\n",
    "mechanisms.md": "# Mechanisms\n",
    "quiet.md": "# A page no one answers\n",
}
PAGE_PATHS = ["", "models/", "mechanisms/"]  # quiet/ gets no responses
UNMATCHED = "https://old.example.org/gone/"
LEGACY_ROLE = "Retired role"  # a role the consultation no longer lists
ROLES = [*DEFAULT_ROLES[:3], DEFAULT_ROLES[4], DEFAULT_ROLES[9], DEFAULT_ROLES[12], "", LEGACY_ROLE]
NATURES = [*DEFAULT_NATURES[:3], ""]


@dataclass
class Record:
    """A response as created, for counting in plain Python."""

    kind: str
    status: str
    page_path: str
    role: str
    nature: str
    submitted_at: dt.datetime
    consultation: str = SLUG
    scores: list[tuple[str, int | None, int | None]] = field(default_factory=list)
    ticks: list[tuple[str, str, bool]] = field(default_factory=list)

    @property
    def local_date(self) -> dt.date:
        return self.submitted_at.astimezone(LONDON).date()


@pytest.fixture
def consultation(tmp_path):
    return load_consultation(write_consultation(tmp_path / "c", CONFIG, PAGES))


@pytest.fixture
def retained(tmp_path):
    """The consultation, in tmp_path/r, with its contact details kept until 30 April 2026."""
    config = CONFIG.replace(
        "timezone: Europe/London\n",
        "timezone: Europe/London\ncontact_retention_until: 2026-04-30\n",
    )
    return load_consultation(write_consultation(tmp_path / "r", config, PAGES))


def make_records() -> list[Record]:
    rng = random.Random(20260329)
    records = []
    # 40 page responses over 25 March to 5 April 2026 (British Summer Time from 29 March).
    start = dt.datetime(2026, 3, 25, tzinfo=UTC)
    for i in range(40):
        records.append(
            Record(
                kind="page",
                status="accepted",
                page_path=rng.choice([*PAGE_PATHS, UNMATCHED]),
                role=rng.choice(ROLES),
                nature=rng.choice(NATURES),
                submitted_at=start + dt.timedelta(minutes=rng.randrange(12 * 24 * 60), seconds=i),
            )
        )
    # Edges of days in London: 23:30 UTC on 31 March is 00:30 on 1 April (summer time),
    # 00:30 UTC on 28 March is 00:30 on 28 March (winter time).
    for moment in (
        dt.datetime(2026, 3, 31, 23, 30, tzinfo=UTC),
        dt.datetime(2026, 3, 31, 22, 59, 59, tzinfo=UTC),
        dt.datetime(2026, 3, 28, 0, 30, tzinfo=UTC),
        dt.datetime(2026, 3, 27, 23, 59, 59, tzinfo=UTC),
    ):
        records.append(Record("page", "accepted", "models/", DEFAULT_ROLES[0], NATURES[0], moment))
    for i in range(4):
        records.append(
            Record(
                "page",
                "spam",
                "models/",
                DEFAULT_ROLES[1],
                NATURES[1],
                start + dt.timedelta(days=i, hours=3),
            )
        )
    for i in range(3):
        records.append(
            Record(
                "page",
                "accepted",
                "models/",
                DEFAULT_ROLES[0],
                NATURES[0],
                start + dt.timedelta(days=i),
                consultation="another-consultation",
            )
        )
    # 14 questionnaire responses, one of them spam; scores (some left blank) and ticks.
    ideas = list(IDEAS)
    for i in range(14):
        scores = []
        for idea in ideas:
            if rng.random() < 0.15:
                continue
            usefulness = None if rng.random() < 0.2 else rng.randint(1, 5)
            likelihood = None if rng.random() < 0.2 else rng.randint(1, 5)
            if usefulness is None and likelihood is None:
                usefulness = 3
            scores.append((idea, usefulness, likelihood))
        ticks = [
            (idea, activity, True)
            for idea in ideas
            for activity in IDEAS[idea]
            if rng.random() < 0.5
        ]
        if i % 5 == 0:
            ticks.append(("", "", False))  # sent, but matched no activity
        if i == 3:
            ticks.append(("Shared data standards", "An activity since removed", True))
        records.append(
            Record(
                kind="questionnaire",
                status="spam" if i == 13 else "accepted",
                page_path="",
                role=rng.choice(ROLES),
                nature=rng.choice(NATURES),
                submitted_at=start + dt.timedelta(hours=7 * i + 5),
                scores=scores,
                ticks=ticks,
            )
        )
    return records


@pytest.fixture
def records(db) -> list[Record]:
    """The responses, stored, as plain records."""
    made = make_records()
    for i, record in enumerate(made):
        response = Response.objects.create(
            reference=f"SB-TEST-{i:04d}",
            consultation=record.consultation,
            kind=record.kind,
            status=record.status,
            page_path=record.page_path,
            page_matched=record.page_path != UNMATCHED,
            role=record.role,
            nature=record.nature,
            submitted_at=record.submitted_at,
        )
        for idea, usefulness, likelihood in record.scores:
            IdeaScore.objects.create(
                response=response, idea=idea, usefulness=usefulness, likelihood=likelihood
            )
        for idea, activity, matched in record.ticks:
            ActivityTick.objects.create(
                response=response,
                idea=idea,
                activity=activity,
                matched=matched,
                raw=f"{idea}: {activity}" if matched else "Something else",
            )
    return made
