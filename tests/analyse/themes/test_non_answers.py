"""Answers that say nothing: recognised before grouping by a rule and a list that can be
extended, kept as one named group, which an analyst can open, keep or dissolve, and which
the machine fills with new answers that say nothing once the themes are confirmed."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from soundingboard.analyse.models import Theme, ThemeAssignment, ThemeRun
from soundingboard.analyse.themes import assignment, find_themes
from soundingboard.analyse.themes.engine.candidates import NON_ANSWER, OTHER
from soundingboard.analyse.themes.engine.non_answers import (
    LABEL,
    Vocabulary,
    find_non_answers,
    read_vocabulary,
    says_nothing,
    vocabulary,
)
from soundingboard.collect.models import Response
from tests.analyse.conftest import SLUG

from .test_pipeline import corpus
from .workspace_data import (  # noqa: F401
    ana_fixture,
    analyst_fixture,
    answers_fixture,
    draft_run,
    served_fixture,
)

SAY_NOTHING = [
    "Nothing",
    "nothing.",
    "None",
    "None!",
    "no",
    "No.",
    "Nope",
    "N/A",
    "n/a",
    "n.a.",
    "NA",
    "Not applicable",
    "No comment",
    "No comments.",
    "No further comments",
    "Did not answer",
    "Didn't answer",
    "Can't think of anything",
    "I can't think of anything else",
    "Cannot think of anything, sorry",
    "Nothing to add",
    "Nothing else to add, thank you",
    "Nothing to improve",
    "Nothing at all",
    "No complaints",
    "No complaints at all",
    "Nothing really",
    "Not really",
    "Don't know",
    "Not sure",
    "No, nothing at all thank you very much",
    "Nil",
    "...",
    "?",
    "-",
    "!!!",
    "the",
    "it is",
    "XXXX",
    "nothing comes to mind",
    "none that I can think of",
    "None at this time",
]

SAY_SOMETHING = [
    "Nothing, it was great",
    "No complaints, the nurses were lovely",
    "No complaints about the food but the parking is awful",
    "Thank you",
    "Thanks to the staff",
    "no parking",
    "No more waiting",
    "None of the staff listened",
    "Never again",
    "More staff",
    "Nothing was explained to me",
    "Not good enough",
    "Nobody answered the phone",
    "No one told me anything",
    "The wait",
    "Time",
    "Great",
    "OK",
    "Nothing to improve, the ward was spotless",
    "Not applicable to me as I drive, but buses are needed",
    "na na na the car park is full",
    "N/A - the form was too long",
    "Nothing is ever done about the noise",
    "No, the doctor was rude",
]


@pytest.mark.parametrize("text", SAY_NOTHING)
def test_answers_that_say_nothing_are_recognised(text):
    assert says_nothing(text)


@pytest.mark.parametrize("text", SAY_SOMETHING)
def test_answers_with_content_are_not_taken_for_non_answers(text):
    assert not says_nothing(text)


def test_a_long_answer_is_never_a_non_answer():
    assert not says_nothing("no " * 40)


def test_the_list_can_be_extended_with_a_file_of_the_same_form(tmp_path):
    path = tmp_path / "non_answers_cy.txt"
    path.write_text(
        "# Welsh\n[phrases]\ndim byd\ndim sylw\n\n[filler]\ndiolch yn\n[courtesy]\nfawr\n",
        encoding="utf-8",
    )
    sections = read_vocabulary(path)
    assert sections == {
        "phrases": ["dim byd", "dim sylw"],
        "filler": ["diolch yn"],
        "courtesy": ["fawr"],
    }
    welsh = Vocabulary.of(sections)
    assert says_nothing("Dim byd", welsh) and says_nothing("Dim sylw!", welsh)
    assert not says_nothing("Dim byd am y bysiau", welsh)
    assert not says_nothing("Nothing", welsh)  # its own words only
    english = vocabulary()
    both = Vocabulary.of(
        {
            "phrases": [" ".join(p) for p in english.phrases] + sections["phrases"],
            "filler": list(english.filler),
            "courtesy": list(english.courtesy),
        }
    )
    assert says_nothing("Dim byd", both) and says_nothing("Nothing", both)


def test_an_unknown_language_is_refused():
    with pytest.raises(ValueError, match="xx"):
        vocabulary(("xx",))


def test_find_non_answers_reads_each_text():
    assert find_non_answers(["Nothing", "The bus", "Nothing", "N/A"]) == [
        True,
        False,
        True,
        True,
    ]


def test_non_answers_are_one_named_group_before_the_themes():
    items, ids = corpus()
    empty = ["Nothing", "N/A", "No comment", "nothing.", "None", "Can't think of anything"]
    extra = [(1000 + i, text) for i, text in enumerate(empty * 3)]
    result = find_themes(items + extra, k=3)
    first = result.themes[0]
    assert first.key == NON_ANSWER and first.is_non_answer and first.label == LABEL
    assert set(first.response_ids) == {i for i, _ in extra}
    assert result.k == 3  # the group is not counted as a theme
    themes = [t for t in result.themes if t.key >= 0]
    for theme in themes:  # the three topics are found as before
        assert any(set(theme.response_ids) == ids[topic] for topic in ("bus", "library", "park"))
    assert first.terms[0] == "nothing"  # its commonest wordings
    assert first.size == len(extra)
    assert sum(t.share for t in result.themes) == pytest.approx(1.0)
    assert all(
        t.key != OTHER or not set(t.response_ids) & set(first.response_ids) for t in result.themes
    )
    assert result.vectors is not None and len(result.vectors) == len(items) + len(extra)


def test_without_non_answers_there_is_no_such_group():
    items, _ = corpus()
    assert all(not t.is_non_answer for t in find_themes(items, k=3).themes)


# In the workspace ---------------------------------------------------------------------------

EMPTY = ["Nothing", "N/A", "No comment", "Nothing to add, thanks", "none", "Did not answer"]


def add_empty_answers(start: int, texts: list[str]) -> list[Response]:
    when = dt.datetime(2026, 3, 26, 9, tzinfo=dt.UTC)
    return [
        Response.objects.create(
            reference=f"SB-NONE-{start + n:04d}",
            consultation=SLUG,
            kind="page",
            status="accepted",
            page_path="models/",
            summary=text,
            submitted_at=when + dt.timedelta(minutes=start + n),
        )
        for n, text in enumerate(texts)
    ]


def non_answer_theme(run: ThemeRun) -> Theme:
    return run.themes.get(key=Theme.NON_ANSWER)


@pytest.mark.django_db
def test_the_run_page_shows_the_group_and_it_can_be_dissolved(analyst, answers, ana, served):
    empty = add_empty_answers(0, EMPTY * 2)
    run = draft_run(ana[0], served)
    group = non_answer_theme(run)
    assert group.label == LABEL
    assert {r.pk for r in empty} == set(
        ThemeAssignment.objects.filter(theme=group).values_list("response_id", flat=True)
    )
    page = analyst.get(reverse("analyse:themes-run", args=[SLUG, run.pk])).content.decode()
    assert LABEL in page and "Rename or dissolve" in page and "Dissolve" in page
    theme_page = reverse("analyse:themes-theme", args=[SLUG, run.pk, group.pk])
    opened = analyst.get(theme_page)
    assert opened.status_code == 200 and "N/A" in opened.content.decode()

    refused = analyst.post(
        reverse("analyse:themes-split", args=[SLUG, run.pk, group.pk]), {"n": "2"}
    )
    assert "say nothing" in refused.content.decode()

    reply = analyst.post(
        reverse("analyse:themes-delete", args=[SLUG, run.pk, group.pk]), follow=True
    )
    assert "dissolved" in reply.content.decode()
    assert not run.themes.filter(key=Theme.NON_ANSWER).exists()
    other = run.themes.get(key=Theme.OTHER)
    assert {r.pk for r in empty} <= set(
        ThemeAssignment.objects.filter(theme=other).values_list("response_id", flat=True)
    )


@pytest.mark.django_db
def test_a_kept_group_takes_new_answers_that_say_nothing(answers, ana, served):
    add_empty_answers(0, EMPTY)
    run = draft_run(ana[0], served)
    assignment.confirm(ana[0], served, run)
    group = non_answer_theme(run)
    assert group.tag is not None
    later = add_empty_answers(100, ["Nothing more to say", "n/a"])
    said = add_empty_answers(200, ["Nothing, the opening hours are great"])
    assignment.assign(ana[0], served, run)
    holders = dict(
        ThemeAssignment.objects.filter(run=run, rank=1).values_list("response_id", "theme_id")
    )
    assert all(holders[r.pk] == group.pk for r in later)
    assert holders[said[0].pk] != group.pk
    # No answer with content went to the group.
    topic_ids = {r.pk for rs in answers.values() for r in rs}
    assert not {i for i, t in holders.items() if t == group.pk} & topic_ids
