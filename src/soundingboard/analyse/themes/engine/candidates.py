"""Candidate themes for a set of free-text answers: the whole pipeline.

0. Answers that say nothing ("Nothing", "N/A", "No comment": `non_answers`) are set aside
   as one group of their own, "No comment or nothing to add", before anything else.
1. Identical and near-identical answers (template or campaign text) are grouped first; each
   such group is one unit from then on: read once, counted once in sizes and shares.
2. Each unit's text becomes a vector (`representations.embed`, or the caller's cached
   vectors).
3. The vectors are grouped (`grouping.group`): k groups, and "Other / unclear" for units
   that fit none.
4. Each group gets its most distinctive words and phrases, a label made from them, and its
   most representative quotes.

The same answers and settings always give the same themes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from . import grouping as grouping_module
from . import representations
from .duplicates import DuplicateGroup, find_duplicates, normalise
from .labels import name_theme, representative_quotes, terms_with_shares
from .non_answers import LABEL as NON_ANSWER_LABEL
from .non_answers import find_non_answers

OTHER = grouping_module.OTHER
OTHER_LABEL = "Other / unclear"
NON_ANSWER = -2  # the key of the group of answers that say nothing

Items = Sequence[tuple[int, str]]
Progress = Callable[[int, int], None]
Embed = Callable[[Items, str], np.ndarray]

# What `on_stage` is told as each step starts; `progress` then counts that step's work.
STAGES = {
    "duplicates": "Finding duplicates",
    "embed": "Reading the answers",
    "group": "Grouping",
    "label": "Labelling",
}


@dataclass
class CandidateTheme:
    key: int  # the group's number (0 is the largest); OTHER (-1), NON_ANSWER (-2)
    label: str  # short, from its most distinctive words and phrases
    terms: list[str]  # those words and phrases, best first
    response_ids: list[int]  # every member, duplicates included, in order of id
    quote_ids: list[int]  # its 3 to 5 most representative answers (different texts)
    size: int  # members, with each group of duplicates counted once
    share: float  # size / the total size of all themes (duplicates counted once)

    @property
    def is_other(self) -> bool:
        return self.key == OTHER

    @property
    def is_non_answer(self) -> bool:
        return self.key == NON_ANSWER


@dataclass
class ThemeResult:
    representation: str
    description: str  # representations.describe(representation)
    k: int  # themes found, not counting Other / unclear or the non-answers
    themes: list[CandidateTheme]  # non-answers (if any) first, then largest first, Other last
    duplicates: list[DuplicateGroup]
    vectors: np.ndarray | None  # row i belongs to item_ids[i]; a duplicate has its unit's
    item_ids: list[int]
    # How far grouping again from other seeds agrees (adjusted Rand index, 1 = the same);
    # None when there was nothing to group.
    stability: float | None = None

    @property
    def total(self) -> int:
        """The answers grouped, with each group of duplicates counted once."""
        return sum(theme.size for theme in self.themes)


def find_themes(
    items: Items,
    *,
    k: int | None = None,
    representation: str = "tfidf",
    seed: int = 0,
    progress: Progress | None = None,
    embed: Embed | None = None,
    on_stage: Callable[[str], None] | None = None,
) -> ThemeResult:
    """Candidate themes for (response id, text) items.

    `k` is the number of themes (None: chosen automatically). `embed(items, representation)`
    returns one vector per item; by default `representations.embed` on their texts (pass a
    caching one to reuse stored vectors).
    `progress(done, total)` counts the work of each step in turn, and `on_stage` is told each
    step's name (a value of STAGES) as it starts.

    Raises ValueError for an unknown representation, a k below 1 or repeated response ids,
    and `representations.RepresentationUnavailable` (saying how to fix it) for one that
    cannot be used here.
    """
    description = representations.describe(representation)
    if k is not None and k < 1:
        raise ValueError("The number of themes must be at least 1")
    ids = [response_id for response_id, _ in items]
    if len(set(ids)) != len(ids):
        raise ValueError("Each response may be given once only")

    def stage(name: str) -> None:
        if on_stage:
            on_stage(STAGES[name])

    stage("duplicates")
    if progress:
        progress(0, len(items))
    all_items = items
    keys = [normalise(text) for _, text in items]  # both steps compare normalised texts
    nothing = find_non_answers([text for _, text in items], normalised=keys)
    items = [item for item, empty in zip(items, nothing, strict=True) if not empty]
    keys = [key for key, empty in zip(keys, nothing, strict=True) if not empty]
    duplicates = find_duplicates(items, keys)
    units, unit_of, members_of_unit = _units(items, duplicates)
    if progress:
        progress(len(items), len(items))

    stage("embed")
    unit_items = [items[i] for i in units]
    if embed is None:
        vectors = representations.embed(
            [text for _, text in unit_items], representation, progress=progress
        )
    else:
        vectors = np.asarray(embed(unit_items, representation), dtype=np.float32)
    if len(unit_items) and vectors.shape[0] != len(unit_items):
        raise ValueError(
            f"embed gave {vectors.shape[0]} vectors for {len(unit_items)} answers: one each"
        )

    stage("group")
    stability = None
    if len(unit_items):
        found = grouping_module.group(vectors, k, seed=seed, progress=progress)
        labels, group_count = np.asarray(found.labels), found.k
        if group_count >= 2:
            stability = grouping_module.stability(vectors, group_count)
    else:
        labels, group_count = np.zeros(0, dtype=np.int64), 0

    stage("label")
    said_nothing = [item for item, empty in zip(all_items, nothing, strict=True) if empty]
    themes = _themes(
        items, units, members_of_unit, vectors, labels, group_count, progress, len(said_nothing)
    )
    if said_nothing:
        themes.insert(0, _non_answer_theme(said_nothing, len(units) + len(said_nothing)))
    return ThemeResult(
        representation=representation,
        description=description,
        k=sum(1 for theme in themes if theme.key >= 0),
        themes=themes,
        duplicates=duplicates,
        vectors=_all_vectors(vectors[unit_of] if len(unit_items) else None, nothing),
        item_ids=ids,
        stability=stability,
    )


def _all_vectors(vectors: np.ndarray | None, nothing: list[bool]) -> np.ndarray | None:
    """One row per item: the grouped items' vectors, zeros for those that say nothing."""
    if vectors is None or not any(nothing):
        return vectors
    result = np.zeros((len(nothing), vectors.shape[1]), dtype=np.float32)
    result[~np.asarray(nothing, dtype=bool)] = vectors
    return result


def _non_answer_theme(items: Items, total: int) -> CandidateTheme:
    """The group of answers that say nothing; its quotes are its commonest wordings."""

    first: dict[str, int] = {}
    count: dict[str, int] = {}
    for response_id, text in items:
        key = normalise(text) or text.strip()
        first.setdefault(key, response_id)
        count[key] = count.get(key, 0) + 1
    common = sorted(count, key=lambda key: (-count[key], first[key]))
    return CandidateTheme(
        key=NON_ANSWER,
        label=NON_ANSWER_LABEL,
        terms=[key for key in common if key][:5],
        response_ids=sorted(response_id for response_id, _ in items),
        quote_ids=[first[key] for key in common[:5]],
        size=len(items),
        share=len(items) / total if total else 0.0,
    )


def _units(
    items: Items, duplicates: list[DuplicateGroup]
) -> tuple[list[int], np.ndarray, dict[int, list[int]]]:
    """The positions of the items that stand for each unit (an answer on its own, or a
    group's representative), in order of position; each item's unit number; and the
    response ids of each unit that is a group of duplicates."""
    position = {response_id: i for i, (response_id, _) in enumerate(items)}
    leader = np.arange(len(items))
    for group in duplicates:
        first = position[group.response_ids[0]]
        for response_id in group.response_ids[1:]:
            leader[position[response_id]] = first
    units = [i for i in range(len(items)) if leader[i] == i]
    number = np.full(len(items), -1, dtype=np.int64)
    number[units] = np.arange(len(units))
    members = {
        int(number[position[group.response_ids[0]]]): group.response_ids for group in duplicates
    }
    return units, number[leader], members


def _themes(
    items: Items,
    units: list[int],
    members_of_unit: dict[int, list[int]],
    vectors: np.ndarray,
    labels: np.ndarray,
    group_count: int,
    progress: Progress | None,
    set_aside: int = 0,
) -> list[CandidateTheme]:
    keys = [*range(group_count), OTHER]
    unit_lists = [np.flatnonzero(labels == key) for key in keys]
    texts = [[items[units[u]][1] for u in members] for members in unit_lists]
    terms = terms_with_shares(texts)
    total = len(units) + set_aside
    themes = []
    used_labels: set[str] = set()
    for done, (key, members, group_texts, group_terms) in enumerate(
        zip(keys, unit_lists, texts, terms, strict=True)
    ):
        if progress:
            progress(done, len(keys))
        if not len(members):
            continue
        quotes = representative_quotes(group_texts, vectors[members])
        if key == OTHER:
            label, group_terms = OTHER_LABEL, []
        else:
            central = group_texts[quotes[0]] if quotes else ""
            label = _unique_label(group_terms, central, f"Theme {key + 1}", used_labels)
        response_ids = sorted(
            response_id
            for u in members
            for response_id in members_of_unit.get(int(u), [items[units[u]][0]])
        )
        themes.append(
            CandidateTheme(
                key=key,
                label=label,
                terms=[term for term, _ in group_terms],
                response_ids=response_ids,
                quote_ids=[items[units[members[q]]][0] for q in quotes],
                size=len(members),
                share=len(members) / total,
            )
        )
    if progress:
        progress(len(keys), len(keys))
    themes.sort(key=lambda t: (t.is_other, -t.size, t.key))
    return themes


def _unique_label(
    terms: list[tuple[str, float]], central: str, fallback: str, used: set[str]
) -> str:
    """The group's name (`labels.name_theme`); if another group has it already, the name
    from its next terms, or its central answer, or the name numbered."""
    tries = [name_theme(terms, central, fallback)]
    tries += [name_theme(terms[start:], central, fallback) for start in range(1, len(terms))]
    tries.append(name_theme([], central, fallback))
    for label in tries:
        if label.casefold() not in used:
            used.add(label.casefold())
            return label
    label = f"{tries[0]} ({len(used) + 1})"
    used.add(label.casefold())
    return label
