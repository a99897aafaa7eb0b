"""The candidate-themes pipeline: which answers are read, duplicates counted once, labels and
quotes from each group, Other / unclear last, and the same themes every time."""

from __future__ import annotations

import datetime as dt
import itertools

import numpy as np
import pytest

from soundingboard.analyse.filters import QUESTIONNAIRE, ResponseFilter
from soundingboard.analyse.themes import (
    OTHER,
    OTHER_LABEL,
    RepresentationUnavailable,
    find_duplicates,
    find_themes,
)
from soundingboard.analyse.themes.engine import representations
from soundingboard.analyse.themes.engine.candidates import STAGES
from soundingboard.analyse.themes.engine.fields import SelectionError
from soundingboard.analyse.themes.selection import select_texts
from soundingboard.collect.models import Response
from soundingboard.publish.settings_schema import DEFAULT_NATURES, DEFAULT_ROLES

from ..conftest import SLUG

# Three topics with words of their own: every answer is two of its topic's phrases.
TOPICS = {
    "bus": [
        "the bus is often late",
        "fares keep rising on the bus",
        "the bus timetable is confusing",
        "rural bus routes were cut",
        "we need more buses at weekends",
        "bus stops need shelters",
        "a reliable bus to the hospital",
        "cheaper bus passes for students",
        "the bus driver was kind",
        "buses should take card payments",
    ],
    "library": [
        "keep the library open longer",
        "library books for children matter",
        "the library is a warm space",
        "hire more library staff",
        "library computers are slow",
        "reading groups at the library",
        "bring back the mobile library van",
        "library opening hours on sundays",
        "the library cafe is lovely",
        "quiet study desks in the library",
    ],
    "park": [
        "plant more trees in the park",
        "the park needs cleaner toilets",
        "dogs off leads in the park",
        "park benches are broken",
        "wildflowers along the park paths",
        "the park playground is unsafe",
        "more bins in the park",
        "lighting in the park at night",
        "the park pond smells",
        "a cafe by the park gates",
    ],
}
CAMPAIGN = (
    "We the undersigned residents of Millbrook ask the council to restore the number twelve "
    "bus route to the hospital because older people have no other way to reach their "
    "appointments. Signed {name}"
)
NAMES = ["Ana", "Ben", "Cat", "Dev", "Eli", "Fay", "Gus", "Hal", "Ivy", "Jo"]


def topic_answers(per_topic: int = 30) -> dict[str, list[str]]:
    """`per_topic` different answers on each topic, none a near copy of another."""
    answers = {}
    for topic, phrases in TOPICS.items():
        combos = list(itertools.combinations(phrases, 2))
        chosen = [combos[i * len(combos) // per_topic] for i in range(per_topic)]
        answers[topic] = [". ".join(p.capitalize() for p in combo) + "." for combo in chosen]
    return answers


def campaign_answers(count: int) -> list[str]:
    """The same template, signed by different people, some with small edits."""
    texts = []
    for i in range(count):
        text = CAMPAIGN.format(name=NAMES[i % len(NAMES)])
        if i % 3 == 1:
            text = text.replace("older people", "elderly people")
        if i % 7 == 2:
            text = text.upper()
        texts.append(text)
    return texts


def corpus(campaign: int = 0, unreadable: int = 0) -> tuple[list[tuple[int, str]], dict]:
    """Items in order of id, and which ids are which: topics, campaign, unreadable."""
    texts, kinds = [], []
    for topic, answers in topic_answers().items():
        texts += answers
        kinds += [topic] * len(answers)
    texts += campaign_answers(campaign)
    kinds += ["campaign"] * campaign
    # Numbers alone: not nothing (a reference, a price), but no word to group by.
    texts += ["1234", "5678", "9012", "3456"][:unreadable]
    kinds += ["unreadable"] * unreadable
    # Interleave, so that nothing depends on the answers arriving topic by topic.
    order = sorted(range(len(texts)), key=lambda i: (i * 7919) % len(texts))
    items = [(100 + n, texts[i]) for n, i in enumerate(order)]
    ids: dict[str, set[int]] = {}
    for n, i in enumerate(order):
        ids.setdefault(kinds[i], set()).add(100 + n)
    return items, ids


def test_the_topic_answers_are_not_duplicates_of_each_other():
    items, _ = corpus()
    assert find_duplicates(items) == []


def test_three_topics_give_three_themes_labelled_by_their_own_words():
    items, ids = corpus()
    result = find_themes(items, k=3)
    assert result.representation == "tfidf"
    assert result.description == representations.describe("tfidf")
    assert result.k == 3
    assert [t.key for t in result.themes] == [0, 1, 2]
    for theme in result.themes:
        members = set(theme.response_ids)
        topic = next(t for t in TOPICS if members <= ids[t])  # one topic each, whole
        assert members == ids[topic]
        assert topic in theme.label.lower()
        assert theme.label == theme.label[0].upper() + theme.label[1:]
        others = [t for t in TOPICS if t != topic]
        assert not any(o in term for term in theme.terms for o in others)
    assert sum(t.share for t in result.themes) == pytest.approx(1.0)


def test_quotes_are_three_to_five_different_members():
    items, _ = corpus()
    texts = dict(items)
    for theme in find_themes(items, k=3).themes:
        assert 3 <= len(theme.quote_ids) <= 5
        assert set(theme.quote_ids) <= set(theme.response_ids)
        assert len({texts[q] for q in theme.quote_ids}) == len(theme.quote_ids)


def test_the_same_answers_give_the_same_themes_twice():
    items, _ = corpus(campaign=40, unreadable=2)
    first, second = find_themes(items), find_themes(items)
    assert [vars(t) for t in first.themes] == [vars(t) for t in second.themes]
    assert first.k == second.k
    assert first.duplicates == second.duplicates
    assert np.array_equal(first.vectors, second.vectors)


def test_a_campaign_counts_once_in_sizes_and_shares_and_is_read_once():
    items, ids = corpus(campaign=200)
    read: list[list[tuple[int, str]]] = []

    def embed(units, representation):
        read.append(list(units))
        return representations.embed([text for _, text in units], representation)

    result = find_themes(items, k=3, embed=embed)
    assert len(read) == 1 and len(read[0]) == 90 + 1  # each topic answer, and one campaign
    [campaign] = result.duplicates
    assert set(campaign.response_ids) == ids["campaign"]
    assert campaign.response_ids[0] == min(ids["campaign"])
    assert not campaign.exact  # small edits: near-identical, not all identical
    # All its answers are in one theme, where they count once.
    [theirs] = [t for t in result.themes if ids["campaign"] & set(t.response_ids)]
    assert ids["campaign"] <= set(theirs.response_ids)
    assert theirs.size == len(theirs.response_ids) - 200 + 1
    assert theirs.share == pytest.approx(theirs.size / 91)
    assert result.total == 91
    assert all(t.size == len(t.response_ids) for t in result.themes if t is not theirs)
    assert sum(t.share for t in result.themes) == pytest.approx(1.0)
    # Every answer keeps its vector: a campaign answer has the campaign's.
    assert result.item_ids == [i for i, _ in items]
    assert result.vectors.shape[0] == len(items)
    rows = [result.item_ids.index(i) for i in sorted(ids["campaign"])]
    assert np.array_equal(result.vectors[rows], np.repeat(result.vectors[rows[:1]], 200, axis=0))


def test_answers_that_fit_nowhere_are_other_or_unclear_and_last():
    items, ids = corpus(unreadable=3)
    result = find_themes(items, k=3)
    other = result.themes[-1]
    assert other.key == OTHER and other.is_other
    assert other.label == OTHER_LABEL
    assert other.terms == []
    assert ids["unreadable"] <= set(other.response_ids)
    assert sum(1 for t in result.themes if t.is_other) == 1
    assert result.k == len(result.themes) - 1
    sizes = [t.size for t in result.themes[:-1]]
    assert sizes == sorted(sizes, reverse=True)


def test_bad_calls_are_refused_with_a_reason():
    items, _ = corpus()
    with pytest.raises(ValueError, match="once"):
        find_themes([*items, items[0]])
    with pytest.raises(ValueError, match="at least 1"):
        find_themes(items, k=0)
    with pytest.raises(ValueError, match="choose one of"):
        find_themes(items, representation="magic")


def test_an_unavailable_representation_says_how_to_fix_it(monkeypatch, tmp_path):
    monkeypatch.setattr(representations, "STATIC_MODEL_DIR", tmp_path / "missing")
    assert representations.availability()["static"]
    with pytest.raises(RepresentationUnavailable, match="Install soundingboard again"):
        representations.embed(["a text"], "static")


def test_each_step_is_announced_and_its_progress_counted():
    items, _ = corpus()
    steps: list[str] = []
    counts: list[tuple[str, int, int]] = []
    find_themes(
        items,
        k=3,
        on_stage=steps.append,
        progress=lambda done, total: counts.append((steps[-1], done, total)),
    )
    assert steps == list(STAGES.values())
    assert all(0 <= done <= total for _, done, total in counts)
    for step in steps:  # every step reports, and reaches its end
        assert any(s == step and done == total for s, done, total in counts)


def test_no_answers_give_no_themes():
    result = find_themes([])
    assert result.themes == [] and result.k == 0 and result.duplicates == []


# Which answers are read -------------------------------------------------------------------

MARCH = dt.datetime(2026, 3, 10, 12, tzinfo=dt.UTC)


def make_response(n: int, **fields) -> Response:
    values = {
        "reference": f"SB-THEM-{n:04d}",
        "consultation": SLUG,
        "kind": "page",
        "page_path": "models/",
        "role": DEFAULT_ROLES[0],
        "nature": DEFAULT_NATURES[0],
        "submitted_at": MARCH,
    } | fields
    return Response.objects.create(**values)


@pytest.fixture
def answers(db):
    made = {
        "page": make_response(1, summary="Buses run late", details="Every morning"),
        "summary only": make_response(2, summary="Libraries close early", details="  "),
        "home": make_response(3, page_path="", summary="Parks need bins"),
        "questionnaire": make_response(
            4, kind="questionnaire", page_path="", comments="More trees please"
        ),
        "spam": make_response(5, status="spam", summary="Buy cheap watches"),
        "hidden": make_response(6, status="hidden", summary="Something rude"),
        "blank": make_response(7, summary="   ", details="\n"),
        "other role": make_response(8, role=DEFAULT_ROLES[5], summary="Data standards"),
        "other nature": make_response(9, nature=DEFAULT_NATURES[2], summary="I disagree"),
        "april": make_response(
            10, summary="Later answer", submitted_at=MARCH + dt.timedelta(days=30)
        ),
        "elsewhere": make_response(11, consultation="another", summary="Not this one"),
    }
    return {name: response.pk for name, response in made.items()}


def names(items, answers) -> set[str]:
    by_id = {pk: name for name, pk in answers.items()}
    return {by_id[i] for i, _ in items}


def test_selection_reads_accepted_non_blank_answers_only(answers):
    items = select_texts(SLUG)
    assert names(items, answers) == {
        "page", "summary only", "home", "questionnaire", "other role", "other nature", "april",
    }  # fmt: skip
    assert [i for i, _ in items] == sorted(i for i, _ in items)
    text = dict(items)
    assert text[answers["page"]] == "Buses run late\n\nEvery morning"
    assert text[answers["summary only"]] == "Libraries close early"
    assert text[answers["questionnaire"]] == "More trees please"


def test_selection_reads_one_field(answers):
    assert dict(select_texts(SLUG, field="details")) == {answers["page"]: "Every morning"}
    assert names(select_texts(SLUG, field="comments"), answers) == {"questionnaire"}
    with pytest.raises(SelectionError, match="summary, details, comments or attachment_text"):
        select_texts(SLUG, field="title")


def test_selection_never_reads_spam_or_hidden_whatever_the_filter(answers, consultation):
    everything = ResponseFilter.for_consultation(
        consultation, statuses=("accepted", "spam", "hidden")
    )
    read = names(select_texts(SLUG, response_filter=everything), answers)
    assert not read & {"spam", "hidden", "elsewhere"}


def test_selection_respects_the_page_and_the_filter(answers, consultation):
    assert names(select_texts(SLUG, page="/"), answers) == {"home"}
    assert names(select_texts(SLUG, page=QUESTIONNAIRE), answers) == {"questionnaire"}
    assert "page" in names(select_texts(SLUG, page="/models/"), answers)
    assert "home" not in names(select_texts(SLUG, page="models/"), answers)

    def read(**values) -> set[str]:
        flt = ResponseFilter.for_consultation(consultation, **values)
        return names(select_texts(SLUG, response_filter=flt), answers)

    assert read(roles=(DEFAULT_ROLES[5],)) == {"other role"}
    assert read(natures=(DEFAULT_NATURES[2],)) == {"other nature"}
    assert read(date_from=dt.date(2026, 4, 1)) == {"april"}
    assert "april" not in read(date_to=dt.date(2026, 3, 31))
    assert read(pages=("/",)) == {"home"}
    with pytest.raises(SelectionError, match="another"):
        select_texts("another", response_filter=ResponseFilter.for_consultation(consultation))
