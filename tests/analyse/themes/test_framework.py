"""The analyst's framework: a theme added by name with key phrases or example answers,
before confirming (it takes those answers) and after (its anchors, a tag, and the machine
assigning with it), with clear messages for what cannot be done."""

from __future__ import annotations

import pytest
from django.urls import reverse

from soundingboard.analyse.models import ChangeRecord, ResponseTag, Tag, ThemeAssignment
from soundingboard.analyse.themes import assignment
from soundingboard.analyse.themes.common import ThemeError
from soundingboard.analyse.themes.engine.duplicates import normalise
from soundingboard.analyse.themes.framework import add_theme, matching, phrases_of
from soundingboard.analyse.themes.runs import split_theme
from soundingboard.collect.models import Response
from tests.analyse.conftest import SLUG

from .workspace_data import (  # noqa: F401
    ana_fixture,
    analyst_fixture,
    answers_fixture,
    draft_run,
    served_fixture,
)

pytestmark = pytest.mark.django_db


def parking_ids(answers, phrases=("car park", "parking")) -> set[int]:
    return {
        r.pk
        for rs in answers.values()
        for r in rs
        if r.status == "accepted"
        and any(p in normalise(f"{r.summary} {r.details}") for p in phrases)
    }


def test_phrases_are_lines_normalised_and_matched_as_whole_words():
    assert phrases_of("Car park\n\n  PARKING!\ncar park\n") == ["car park", "parking"]
    items = [(1, "The car-park is full"), (2, "Carparks"), (3, "parking costs"), (4, "x")]
    assert matching(items, ["car park", "parking"]) == [1, 3]


def test_a_theme_added_before_confirming_takes_its_answers(analyst, answers, ana, served):
    run = draft_run(ana[0], served)
    url = reverse("analyse:themes-add", args=[SLUG, run.pk])
    page = analyst.get(reverse("analyse:themes-run", args=[SLUG, run.pk])).content.decode()
    assert "Add a theme" in page
    reply = analyst.post(url, {"label": "Parking and travel", "phrases": "car park\nparking"})
    assert reply.status_code == 302
    theme = run.themes.get(label="Parking and travel")
    mine = set(ThemeAssignment.objects.filter(theme=theme).values_list("response_id", flat=True))
    assert mine == parking_ids(answers)
    assert theme.terms == ["car park", "parking"]
    assert ChangeRecord.objects.filter(action="theme-added").count() == 1
    shown = analyst.get(reply["Location"]).content.decode()
    assert "Parking and travel" in shown and f"with {len(mine)} responses" in shown


@pytest.mark.parametrize(
    ("label", "phrases", "message"),
    [
        ("", "parking", "Enter a name"),
        ("Getting there", "", "Enter at least one key phrase"),
        ("Getting there", "helicopter landing pads", "No answer in this set contains"),
        ("Other / unclear", "parking", "already a theme"),
    ],
)
def test_adding_a_theme_explains_what_is_wrong(
    analyst, answers, ana, served, label, phrases, message
):
    run = draft_run(ana[0], served)
    url = reverse("analyse:themes-add", args=[SLUG, run.pk])
    reply = analyst.post(url, {"label": label, "phrases": phrases})
    assert reply.status_code == 400
    page = reply.content.decode()
    assert message in page and 'href="#add-label"' in page


def test_a_theme_added_after_confirming_is_assigned_by_the_machine(answers, ana, served):
    run = draft_run(ana[0], served)
    assignment.confirm(ana[0], served, run)
    cycling = parking_ids(answers, ("cycle racks",))
    person = min(cycling)
    other_theme = run.themes.exclude(key=-1).first()
    assignment.correct(ana[0], run, Response.objects.get(pk=person), other_theme, None)
    theme = add_theme(ana[0], served, run, "Cycling", "cycle racks")
    theme.refresh_from_db()
    assert theme.tag is not None and set(theme.anchor_ids) == cycling
    given = set(ThemeAssignment.objects.filter(theme=theme).values_list("response_id", flat=True))
    # The machine uses it: most answers about cycle racks now have it, first or second.
    assert len(given & cycling) >= 0.6 * len(cycling)
    # A person's correction stays as it was.
    kept = ThemeAssignment.objects.get(run=run, response_id=person, rank=1)
    assert kept.source == "person" and kept.theme_id == other_theme.pk


def test_the_same_name_twice_is_refused(answers, ana, served):
    run = draft_run(ana[0], served)
    add_theme(ana[0], served, run, "Getting there", "parking")
    with pytest.raises(ThemeError, match="already a theme"):
        add_theme(ana[0], served, run, "getting THERE", "car park")


def test_confirmed_themes_can_be_merged_with_corrections_carried_over(
    analyst, answers, ana, served
):
    run = draft_run(ana[0], served)
    assignment.confirm(ana[0], served, run)
    first, second = list(run.themes.exclude(key=-1).order_by("position"))[:2]
    second_tag = second.tag
    moved = ThemeAssignment.objects.filter(theme=second, rank=1).values_list(
        "response_id", flat=True
    )
    person = min(moved)
    assignment.correct(ana[0], run, Response.objects.get(pk=person), second, None)
    before = set(
        ThemeAssignment.objects.filter(theme__in=[first, second]).values_list(
            "response_id", flat=True
        )
    )
    anchors = set(first.anchor_ids) | set(second.anchor_ids)
    reply = analyst.post(
        reverse("analyse:themes-merge", args=[SLUG, run.pk]),
        {"theme": [first.pk, second.pk], "label": "Merged after confirming"},
    )
    assert reply.status_code == 302
    merged = run.themes.get(label="Merged after confirming")
    assert merged.pk == first.pk and set(merged.anchor_ids) == anchors
    after = ThemeAssignment.objects.filter(theme=merged)
    assert set(after.values_list("response_id", flat=True)) == before
    # The person's correction moved with it, still theirs.
    kept = ThemeAssignment.objects.get(run=run, response_id=person, rank=1)
    assert kept.source == "person" and kept.theme_id == merged.pk
    # No answer has the merged theme twice; the other theme's tag left the codebook.
    assert (
        after.filter(rank=2, response_id__in=after.filter(rank=1).values("response_id")).count()
        == 0
    )
    assert not Tag.objects.filter(pk=second_tag.pk).exists()
    tagged = set(ResponseTag.objects.filter(tag=merged.tag).values_list("response_id", flat=True))
    assert tagged == before


def test_confirmed_themes_can_be_split_with_corrections_carried_over(analyst, answers, ana, served):
    run = draft_run(ana[0], served)
    assignment.confirm(ana[0], served, run)
    big = max(run.themes.exclude(key__lt=0), key=lambda t: t.size)
    old_tag = big.tag
    mine = list(
        ThemeAssignment.objects.filter(theme=big, rank=1).values_list("response_id", flat=True)
    )
    # A person gives it as the main theme of one answer, and as the second of another.
    first_person = mine[0]
    elsewhere = ThemeAssignment.objects.filter(run=run, rank=1).exclude(theme=big).first()
    second_person = elsewhere.response_id
    assignment.correct(ana[0], run, Response.objects.get(pk=first_person), big, None)
    assignment.correct(ana[0], run, Response.objects.get(pk=second_person), elsewhere.theme, big)
    anchors = set(big.anchor_ids)

    reply = analyst.post(reverse("analyse:themes-split", args=[SLUG, run.pk, big.pk]), {"n": "2"})
    assert reply.status_code == 302
    shown = analyst.get(reply["Location"]).content.decode()
    assert "split into 2 themes" in shown
    assert not run.themes.filter(pk=big.pk).exists()
    made = list(run.themes.filter(key__gte=0).exclude(tag__isnull=True).order_by("key"))[-2:]
    assert len({t.label for t in made}) == 2
    # The old anchors are shared out between the new themes, each keeping its own.
    assert set().union(*(set(t.anchor_ids) for t in made)) == anchors
    assert all(t.anchor_ids for t in made)
    # The people's corrections moved with their answers, still theirs.
    main = ThemeAssignment.objects.get(run=run, response_id=first_person, rank=1)
    assert main.source == "person" and main.theme_id in {t.pk for t in made}
    second = ThemeAssignment.objects.get(run=run, response_id=second_person, rank=2)
    assert second.source == "person" and second.theme_id in {t.pk for t in made}
    first = ThemeAssignment.objects.get(run=run, response_id=second_person, rank=1)
    assert first.source == "person" and first.theme_id == elsewhere.theme_id
    # The machine assigned every answer again: the old theme's answers have a new one.
    given = set(
        ThemeAssignment.objects.filter(theme__in=made).values_list("response_id", flat=True)
    )
    assert len(given & set(mine)) >= 0.8 * len(mine)
    # Each new theme has its tag on its answers; the old tag left the codebook.
    assert not Tag.objects.filter(pk=old_tag.pk).exists()
    for theme in made:
        having = set(
            ThemeAssignment.objects.filter(theme=theme).values_list("response_id", flat=True)
        )
        tagged = set(
            ResponseTag.objects.filter(tag=theme.tag).values_list("response_id", flat=True)
        )
        assert tagged == having
    assert ChangeRecord.objects.filter(action="theme-split").count() == 1


def test_other_unclear_is_not_split_once_confirmed(answers, ana, served):
    run = draft_run(ana[0], served)
    assignment.confirm(ana[0], served, run)
    other = run.themes.get(key=-1)
    with pytest.raises(ThemeError, match="add a theme by name instead"):
        split_theme(ana[0], served, other, 2)
