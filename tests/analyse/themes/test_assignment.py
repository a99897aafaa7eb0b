"""Assigning answers to confirmed themes: the nearest theme and a close second, people's
corrections kept through the machine's re-runs, the classifier once there are enough
corrections, and the themes' tags kept in step."""

from __future__ import annotations

from collections import Counter

import pytest

from soundingboard.analyse.models import (
    ChangeRecord,
    ResponseTag,
    Theme,
    ThemeAssignment,
    ThemeRun,
)
from soundingboard.analyse.themes import assignment
from soundingboard.analyse.themes.common import ThemeError
from soundingboard.analyse.themes.engine.assignment import SECOND_THEME_RATIO

from .workspace_data import (  # noqa: F401
    ana_fixture,
    answers_fixture,
    draft_run,
    served_fixture,
)

pytestmark = pytest.mark.django_db


def main_themes(run: ThemeRun, responses) -> Counter:
    return Counter(
        ThemeAssignment.objects.filter(
            run=run, rank=1, response_id__in=[r.pk for r in responses]
        ).values_list("theme_id", flat=True)
    )


def theme_of_topic(run: ThemeRun, answers, topic: str) -> Theme:
    [(theme_id, _)] = main_themes(run, answers[topic]).most_common(1)
    return Theme.objects.get(pk=theme_id)


def tagged(theme: Theme) -> set[int]:
    return set(ResponseTag.objects.filter(tag=theme.tag).values_list("response_id", flat=True))


def with_theme(theme: Theme) -> set[int]:
    return set(ThemeAssignment.objects.filter(theme=theme).values_list("response_id", flat=True))


@pytest.fixture
def confirmed(served, answers, ana):
    user, _ = ana
    run = draft_run(user, served)
    outcome = assignment.confirm(user, served, run)
    run.refresh_from_db()
    return run, outcome


def test_confirming_gives_every_answer_its_nearest_theme_and_a_close_second(confirmed, answers):
    run, outcome = confirmed
    accepted = [r for topic, rs in answers.items() if topic != "spam" for r in rs]
    assert outcome == assignment.Outcome("centroid", len(accepted), 0, "sentence")
    assert run.is_confirmed and run.method == ThemeRun.Method.CENTROID
    mains = ThemeAssignment.objects.filter(run=run, rank=1)
    assert sorted(mains.values_list("response_id", flat=True)) == sorted(r.pk for r in accepted)
    assert not ThemeAssignment.objects.filter(response__in=answers["spam"]).exists()
    # Each topic's answers share one main theme, and the four topics have four themes.
    themes = {
        topic: theme_of_topic(run, answers, topic)
        for topic in ("hours", "parking", "books", "rooms")
    }
    assert len({t.pk for t in themes.values()}) == 4
    for topic, theme in themes.items():
        assert main_themes(run, answers[topic])[theme.pk] == len(answers[topic])
    # A second theme only when it is nearly as close as the first.
    score = dict(mains.values_list("response_id", "score"))
    for second in ThemeAssignment.objects.filter(run=run, rank=2):
        first = mains.get(response_id=second.response_id)
        assert second.theme_id != first.theme_id
        assert second.score >= SECOND_THEME_RATIO * score[second.response_id]
    # Every theme is a tag on exactly the answers that have it.
    for theme in run.themes.exclude(key=Theme.OTHER):
        assert theme.tag.name == f"Theme: {theme.label}"
        assert tagged(theme) == with_theme(theme)
    assert ChangeRecord.objects.filter(action="themes-confirmed").count() == 1
    assert ChangeRecord.objects.filter(action="themes-assigned").count() == 1


def test_a_correction_survives_the_machine_assigning_again(served, confirmed, answers, ana):
    run, _ = confirmed
    user, _ = ana
    parking = theme_of_topic(run, answers, "parking")
    books = theme_of_topic(run, answers, "books")
    response = answers["parking"][0]
    machine = ThemeAssignment.objects.get(run=run, response=response, rank=1)
    assert (machine.theme, machine.source) == (parking, "machine")

    assert assignment.correct(user, run, response, books)
    assert not assignment.correct(user, run, response, books)  # the same again: no change
    for _ in range(2):
        outcome = assignment.assign(user, served, run)
        assert outcome.kept == 1
        mine = ThemeAssignment.objects.get(run=run, response=response, rank=1)
        assert (mine.theme, mine.source, mine.changed_by) == (books, "person", user)
        assert (mine.machine_theme, mine.machine_score) == (parking, machine.score)
        second = ThemeAssignment.objects.get(run=run, response=response, rank=2)
        assert (second.theme, second.source) == (None, "person")  # "no second theme"
        assert response.pk in tagged(books) and response.pk not in tagged(parking)
    [record] = ChangeRecord.objects.filter(action="theme-corrected", response=response)
    assert record.before == {"themes": [parking.label]}
    assert record.after == {"themes": [books.label]}


def test_moving_in_bulk_replaces_the_theme_moved_from(served, confirmed, answers, ana):
    run, _ = confirmed
    user, _ = ana
    hours = theme_of_topic(run, answers, "hours")
    rooms = theme_of_topic(run, answers, "rooms")
    chosen = [r.pk for r in answers["hours"][:3]]
    assert assignment.move(user, run, chosen, rooms, from_theme=hours) == 3
    assert assignment.move(user, run, chosen, rooms, from_theme=hours) == 0
    assignment.assign(user, served, run)
    rows = ThemeAssignment.objects.filter(run=run, response_id__in=chosen, rank=1)
    assert {(r.theme_id, r.source, r.machine_theme_id) for r in rows} == {
        (rooms.pk, "person", hours.pk)
    }
    assert set(chosen) <= tagged(rooms) and not set(chosen) & tagged(hours)
    assert ChangeRecord.objects.filter(action="theme-corrected").count() == 3


def test_the_classifier_learns_from_enough_corrections_and_follows_them(
    served, confirmed, answers, ana
):
    run, _ = confirmed
    user, _ = ana
    parking = theme_of_topic(run, answers, "parking")
    rooms = theme_of_topic(run, answers, "rooms")
    hours = theme_of_topic(run, answers, "hours")
    books = theme_of_topic(run, answers, "books")
    # People decide that answers about the bus belong with the rooms, and answers about
    # Sunday opening with the books: 10 of each, moved; the rest left to the machine.
    bus = [r for r in answers["parking"] if "bus route" in r.summary + r.details]
    sunday = [r for r in answers["hours"] if "sunday" in r.summary + r.details]
    assert len(bus) > 10 and len(sunday) > 10
    assignment.move(user, run, [r.pk for r in bus[:10]], rooms, from_theme=parking)
    assignment.move(user, run, [r.pk for r in sunday[:9]], books, from_theme=hours)
    assert not assignment.uses_classifier(assignment.corrections(run))  # 19: not yet
    assert assignment.assign(user, served, run).method == "centroid"
    assert main_themes(run, bus[10:]) == Counter({parking.pk: len(bus) - 10})

    assignment.move(user, run, [sunday[9].pk], books, from_theme=hours)  # the 20th
    outcome = assignment.assign(user, served, run)
    run.refresh_from_db()
    assert (outcome.method, run.method, outcome.kept) == ("classifier", "classifier", 20)
    assert main_themes(run, bus[10:]) == Counter({rooms.pk: len(bus) - 10})
    assert main_themes(run, sunday[10:]) == Counter({books.pk: len(sunday) - 10})
    # What nobody corrected stays where it was: all but, at most, one answer. (The sentence
    # model reads "travel and parking costs" as near the bus route people moved, and the
    # classifier may follow them with one such answer.)
    others = [r for r in answers["parking"] if r not in bus]
    assert main_themes(run, others)[parking.pk] >= len(others) - 1
    assert main_themes(run, answers["books"]) == Counter({books.pk: len(answers["books"])})
    for theme in (parking, rooms, hours, books):
        assert tagged(theme) == with_theme(theme)


def test_only_a_confirmed_set_is_assigned_or_corrected(served, answers, ana):
    user, _ = ana
    run = draft_run(user, served)
    theme = run.themes.exclude(key=Theme.OTHER).first()
    with pytest.raises(ThemeError, match="Confirm"):
        assignment.assign(user, served, run)
    with pytest.raises(ThemeError, match="Confirm"):
        assignment.correct(user, run, answers["books"][0], theme)
    assignment.confirm(user, served, run)
    with pytest.raises(ThemeError, match="confirmed already"):
        assignment.confirm(user, served, run)
    other_run = draft_run(user, served)
    with pytest.raises(ThemeError, match="this set"):
        assignment.correct(user, run, answers["books"][0], other_run.themes.first())
    # The second set's themes get tags of their own, named apart from the first's.
    assignment.confirm(user, served, other_run)
    names = set(other_run.themes.exclude(tag=None).values_list("tag__name", flat=True))
    assert names and all(name.endswith(f"(set {other_run.pk})") for name in names)
