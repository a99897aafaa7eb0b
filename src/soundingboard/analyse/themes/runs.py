"""Theme runs in the workspace: finding candidate themes and storing them, then renaming,
merging, splitting and deleting them before the set is confirmed (`assignment.confirm`).

    from . import runs

    run = runs.start_run(user, consultation, response_filter=flt, field=None, k=None,
                         representation="tfidf")
    runs.rename_theme(user, theme, "Funding for libraries")
    runs.merge_themes(user, run, [a, b], "Money")
    runs.split_theme(user, consultation, theme, 3)  # once confirmed: assignment.split
    runs.delete_theme(user, theme)             # its answers go to Other / unclear

Every run has one "Other / unclear" theme (key -1) beside its themes. A theme's size counts
each duplicate group (template or campaign text) once; its share is its size over the run's
answers counted the same way (`refresh_sizes`, after every change). Every change is recorded
in `ChangeRecord` (through `tagging`'s record) in the same transaction. A problem the analyst
can fix raises `ThemeError` with a message to show.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from django.db import transaction

from ...publish.consultation import Consultation
from .. import tagging
from ..filters import ResponseFilter
from ..models import ChangeRecord, Theme, ThemeAssignment, ThemeDuplicateGroup, ThemeRun
from . import embedding, store, tags
from .common import CHUNK, ThemeError
from .engine import representations
from .selection import run_items, select_texts
from .sentence_vectors import SENTENCE, check_search, prepare

if TYPE_CHECKING:
    from .engine.candidates import ThemeResult

Action = ChangeRecord.Action
Progress = Callable[[int, int], None]

OTHER_LABEL = "Other / unclear"
MAX_LABEL = 200
MIN_ANSWERS = 10  # fewer than this and there is nothing to group
MIN_K, MAX_K = 2, 50
MAX_SPLIT = 10
MIN_PER_SPLIT = 3  # answers per new theme, at least, when splitting
MAX_QUOTES = 5
MAX_TERMS = 10


def record(
    user: Any, action: str, run: ThemeRun, *, response_id: int | None = None, **change: Any
) -> ChangeRecord:
    """A change to a run (or to one response's themes), unsaved: `before` and `after`."""
    return tagging.record_change(
        user,
        action,
        run.consultation,
        response_id=response_id,
        before=change.get("before"),
        after=change.get("after"),
    )


# Reading a run's answers -----------------------------------------------------------------


def other_theme(run: ThemeRun) -> Theme:
    theme, _ = Theme.objects.get_or_create(
        run=run, key=Theme.OTHER, defaults={"label": OTHER_LABEL, "position": 10_000}
    )
    return theme


def members(theme: Theme, *, rank: int | None = 1) -> list[int]:
    """Ids of the responses with this theme (at this rank; any rank when None)."""
    rows = ThemeAssignment.objects.filter(theme=theme)
    if rank is not None:
        rows = rows.filter(rank=rank)
    return list(rows.order_by("response_id").values_list("response_id", flat=True))


# Starting a run ------------------------------------------------------------------------


def check_k(k: int | None) -> None:
    if k is not None and not MIN_K <= k <= MAX_K:
        raise ThemeError(f"The number of themes must be between {MIN_K} and {MAX_K}")


def start_run(
    user: Any,
    consultation: Consultation,
    *,
    response_filter: ResponseFilter,
    field: str | None = None,
    k: int | None = None,
    representation: str = "tfidf",
    seed: int = 0,
    progress: Progress | None = None,
) -> ThemeRun:
    """Find candidate themes in the answers that the filter and field select, and store them
    as a draft run."""
    check_k(k)
    if representation not in representations.NAMES:
        raise ThemeError("Choose how to read the answers")
    reason = embedding.availability().get(representation)
    if reason:
        raise ThemeError(reason)
    items = select_texts(consultation.slug, field=field, response_filter=response_filter)
    if len(items) < MIN_ANSWERS:
        raise ThemeError(
            f"There {'is' if len(items) == 1 else 'are'} {len(items):,} answer"
            f"{'' if len(items) == 1 else 's'} to read: themes need at least {MIN_ANSWERS}. "
            "Choose another field or fewer filters"
        )
    if k is not None and k > len(items) // MIN_PER_SPLIT:
        raise ThemeError(
            f"{len(items):,} answers are too few for {k} themes: "
            f"choose {max(MIN_K, len(items) // MIN_PER_SPLIT)} or fewer"
        )
    if representation == SENTENCE:
        check_search(consultation.slug, field, items)
    started = time.perf_counter()
    result = _find_themes(
        items,
        k=k,
        representation=representation,
        seed=seed,
        progress=progress,
        embed=store.cached_embed(progress=progress),
    )
    seconds = time.perf_counter() - started
    with transaction.atomic():
        run = ThemeRun.objects.create(
            consultation=consultation.slug,
            field=field or "",
            filter_query=response_filter.to_query(),
            filter_words=[words for _, _, words in response_filter.describe()],
            representation=result.representation,
            description=result.description,
            k_requested=k,
            k=result.k,
            seed=seed,
            responses=len(items),
            seconds=round(seconds, 2),
            stability=None if result.stability is None else round(result.stability, 3),
            created_by=tagging.signed_in_user(user),
            created_by_name=tagging.signed_in_name(user),
        )
        for position, candidate in enumerate(result.themes):
            theme = Theme.objects.create(
                run=run,
                key=candidate.key,
                label=(OTHER_LABEL if candidate.key == Theme.OTHER else candidate.label)[
                    :MAX_LABEL
                ],
                terms=list(candidate.terms)[:MAX_TERMS],
                quote_ids=list(candidate.quote_ids)[:MAX_QUOTES],
                position=position,
            )
            _add_members(run, theme, candidate.response_ids)
        other_theme(run)
        ThemeDuplicateGroup.objects.bulk_create(
            [
                ThemeDuplicateGroup(
                    run=run,
                    representative_id=group.response_ids[0],
                    member_ids=list(group.response_ids),
                    count=len(group.response_ids),
                    exact=group.exact,
                )
                for group in result.duplicates
            ],
            batch_size=CHUNK,
        )
        refresh_sizes(run)
        record(
            user,
            Action.THEMES_FOUND,
            run,
            after={
                "set": run.pk,
                "number_of_themes": run.k,
                "responses": run.responses,
                "representation": run.representation,
            },
        ).save()
        # The sentence vectors these themes' assignment will read, made while the analyst
        # reads them.
        prepare(run)
    return run


def _find_themes(items: list[tuple[int, str]], **settings: Any) -> ThemeResult:
    """`candidates.find_themes`, with a representation that cannot be used a ThemeError.
    (Imported here, not above: it loads scikit-learn, which the workspace's other pages
    need not wait for.)"""
    from .engine.candidates import find_themes

    try:
        return find_themes(items, **settings)
    except representations.RepresentationUnavailable as error:
        raise ThemeError(str(error)) from None


def _add_members(run: ThemeRun, theme: Theme, response_ids: Iterable[int]) -> None:
    ThemeAssignment.objects.bulk_create(
        [
            ThemeAssignment(run=run, response_id=i, rank=1, theme=theme, source="machine")
            for i in response_ids
        ],
        batch_size=CHUNK,
    )


# Sizes and shares --------------------------------------------------------------------------


def duplicate_units(run: ThemeRun) -> dict[int, int]:
    """Response id -> the representative of its duplicate group (responses in none left out)."""
    unit_of: dict[int, int] = {}
    for ids in run.duplicate_groups.values_list("member_ids", flat=True):
        for response_id in ids:
            unit_of[response_id] = ids[0]
    return unit_of


def refresh_sizes(run: ThemeRun) -> None:
    """Each theme's size (its answers, each duplicate group counted once) and share, the
    run's totals, and the themes' order: largest first, Other / unclear last."""
    unit_of = duplicate_units(run)
    units: dict[int, set[int]] = defaultdict(set)
    everything: set[int] = set()
    answers: set[int] = set()
    rows = ThemeAssignment.objects.filter(run=run, theme__isnull=False).values_list(
        "theme_id", "response_id"
    )
    for theme_id, response_id in rows.iterator(chunk_size=5000):
        unit = unit_of.get(response_id, response_id)
        units[theme_id].add(unit)
        everything.add(unit)
        answers.add(response_id)
    total = len(everything)
    themes = list(run.themes.all())
    themes.sort(key=lambda t: (t.is_other, -len(units[t.pk]), t.position, t.pk))
    for position, theme in enumerate(themes):
        theme.size = len(units[theme.pk])
        theme.share = theme.size / total if total else 0.0
        theme.position = position
    Theme.objects.bulk_update(themes, ["size", "share", "position"], batch_size=CHUNK)
    run.counted = total
    if answers:
        run.responses = len(answers)
    run.save(update_fields=["counted", "responses"])


# Changing candidate themes ---------------------------------------------------------------


def clean_label(label: str) -> str:
    label = " ".join((label or "").split())
    if not label:
        raise ThemeError("Enter a name for the theme")
    if len(label) > MAX_LABEL:
        raise ThemeError(f"A theme's name must be {MAX_LABEL} characters or fewer")
    return label


def _check_draft(run: ThemeRun, doing: str) -> None:
    if run.is_confirmed:
        raise ThemeError(
            f"These themes are confirmed: you cannot {doing} them now. "
            "Find themes again to start a new set"
        )


def _label_taken(run: ThemeRun, label: str, *, other_than: Sequence[Theme] = ()) -> bool:
    same = run.themes.filter(label__iexact=label).exclude(pk__in=[t.pk for t in other_than])
    return label.casefold() == OTHER_LABEL.casefold() or same.exists()


def rename_theme(user: Any, theme: Theme, label: str) -> bool:
    """Rename a theme (and, once confirmed, its tag); False when the name is the same."""
    label = clean_label(label)
    if theme.is_other:
        raise ThemeError("The Other / unclear group cannot be renamed")
    if label == theme.label:
        return False
    run = theme.run
    if _label_taken(run, label, other_than=[theme]):
        raise ThemeError(f"There is already a theme called “{label}”: merge the two instead")
    with transaction.atomic():
        before = theme.label
        theme.label = label
        theme.save(update_fields=["label"])
        if run.is_confirmed:
            tags.rename_tag(user, theme)
        record(
            user, Action.THEME_RENAMED, run, before={"theme": before}, after={"theme": label}
        ).save()
    return True


def merge_themes(user: Any, run: ThemeRun, themes: Sequence[Theme], label: str = "") -> Theme:
    """Merge two or more themes into the first chosen (the largest), named `label` or as
    that one was. Once confirmed too: every answer of theirs, the machine's and people's
    corrections alike, then has the merged theme (once, if it had two of them), its anchors
    are theirs together, and the others' tags leave the codebook."""
    themes = sorted({t.pk: t for t in themes}.values(), key=lambda t: (t.position, t.pk))
    if len(themes) < 2:
        raise ThemeError("Choose two or more themes to merge")
    if any(t.is_other for t in themes):
        raise ThemeError("The Other / unclear group cannot be merged: split it instead")
    if any(t.run_id != run.pk for t in themes):
        raise ThemeError("Choose themes of this set")
    target, rest = themes[0], themes[1:]
    label = clean_label(label) if label.strip() else target.label
    if _label_taken(run, label, other_than=themes):
        raise ThemeError(f"There is already a theme called “{label}”")
    with transaction.atomic():
        before = [t.label for t in themes]
        if run.is_confirmed:
            _merge_confirmed(user, run, target, rest)
        ThemeAssignment.objects.filter(theme__in=rest).update(theme=target)
        target.label = label
        target.terms = _interleave([t.terms for t in themes], MAX_TERMS)
        target.quote_ids = _interleave([t.quote_ids for t in themes], MAX_QUOTES)
        target.anchor_ids = sorted({i for t in themes for i in t.anchor_ids})
        target.save(update_fields=["label", "terms", "quote_ids", "anchor_ids"])
        Theme.objects.filter(pk__in=[t.pk for t in rest]).delete()
        refresh_sizes(run)
        if run.is_confirmed:
            tags.rename_tag(user, target)
            tags.sync(user, run)
        record(
            user, Action.THEMES_MERGED, run, before={"themes": before}, after={"theme": label}
        ).save()
    return target


def _merge_confirmed(user: Any, run: ThemeRun, target: Theme, rest: Sequence[Theme]) -> None:
    """Before a confirmed set's themes are merged: an answer that would have the merged
    theme twice (first and second) keeps it first only; the others' tags are deleted."""
    merged = [target, *rest]
    both = set(
        ThemeAssignment.objects.filter(run=run, rank=1, theme__in=merged).values_list(
            "response_id", flat=True
        )
    )
    ThemeAssignment.objects.filter(
        run=run, rank=2, theme__in=merged, response_id__in=sorted(both)
    ).delete()
    for theme in rest:
        if theme.tag is not None:
            tagging.delete_tag(user, theme.tag)


def _interleave(lists: Sequence[Sequence[Any]], limit: int) -> list[Any]:
    """The first of each list, then the second of each, and so on, without repeats."""
    merged: list[Any] = []
    for i in range(max((len(values) for values in lists), default=0)):
        for values in lists:
            if i < len(values) and values[i] not in merged:
                merged.append(values[i])
    return merged[:limit]


def split_theme(
    user: Any,
    consultation: Consultation,
    theme: Theme,
    n: int,
) -> list[Theme]:
    """Group one theme's answers (or the Other / unclear group's) again, into `n` themes.
    What fits none of them goes to Other / unclear; what says nothing, to the run's group of
    non-answers. Once confirmed (`_split_confirmed`), every answer of the theme goes to one
    of the new themes, people's corrections included; `assignment.split` then has the
    machine assign again."""
    run = theme.run
    if theme.is_non_answer:
        raise ThemeError("These answers say nothing: there are no themes in them to find")
    if run.is_confirmed and theme.is_other:
        raise ThemeError(
            "Other / unclear cannot be split once the themes are confirmed: "
            "add a theme by name instead"
        )
    if not 2 <= n <= MAX_SPLIT:
        raise ThemeError(f"Split into between 2 and {MAX_SPLIT} themes")
    ids = set(members(theme))
    if len(ids) < MIN_PER_SPLIT * n:
        most = len(ids) // MIN_PER_SPLIT
        raise ThemeError(
            f"This theme has {len(ids):,} answers: "
            + (f"split it into {most} or fewer" if most >= 2 else "too few to split")
        )
    # Once confirmed, a person may have given it as a second theme: those answers are read too.
    corrected = _person_rows(theme) if run.is_confirmed else []
    wanted = ids | {row.response_id for row in corrected}
    items = [item for item in run_items(run, consultation) if item[0] in wanted]
    if len([item for item in items if item[0] in ids]) < MIN_PER_SPLIT * n:
        raise ThemeError("Too few of this theme's answers can still be read to split it")
    grouped = [item for item in items if item[0] in ids]
    result = _find_themes(
        grouped,
        k=n,
        representation=run.representation,
        seed=run.seed,
        embed=store.cached_embed(),
    )
    with transaction.atomic():
        made = _new_themes(run, theme, result)
        if run.is_confirmed:
            _split_confirmed(user, consultation, run, theme, made, result, items, corrected)
        else:
            other = other_theme(run)
            for candidate in result.themes:
                target = made.get(candidate.key)
                if target is None and candidate.key == Theme.NON_ANSWER:
                    target, _ = Theme.objects.get_or_create(
                        run=run,
                        key=Theme.NON_ANSWER,
                        defaults={"label": candidate.label, "position": theme.position},
                    )
                _move(theme, candidate.response_ids, target or other)
            # Answers that could not be read again (marked spam since, say) fit none of them.
            ThemeAssignment.objects.filter(theme=theme).update(theme=other)
        before = theme.label
        if not theme.is_other:
            theme.delete()
        refresh_sizes(run)
        record(
            user,
            Action.THEME_SPLIT,
            run,
            before={"theme": before},
            after={"themes": [t.label for t in made.values()]},
        ).save()
    return list(made.values())


def _new_themes(run: ThemeRun, theme: Theme, result: ThemeResult) -> dict[int, Theme]:
    """The themes a split found (not Other / unclear or the non-answers), by their key in
    `result`, made in the run where `theme` was, with names no other theme has."""
    next_key = max(run.themes.values_list("key", flat=True)) + 1
    made: dict[int, Theme] = {}
    for candidate in result.themes:
        if candidate.key < 0:
            continue
        label = candidate.label[:MAX_LABEL]
        taken = [t.label for t in made.values()]
        if _label_taken(run, label, other_than=[theme]) or label in taken:
            label = f"{label} ({len(made) + 1})"[:MAX_LABEL]
        made[candidate.key] = Theme.objects.create(
            run=run,
            key=next_key,
            label=label,
            terms=list(candidate.terms)[:MAX_TERMS],
            quote_ids=list(candidate.quote_ids)[:MAX_QUOTES],
            position=theme.position,
        )
        next_key += 1
    return made


def _move(theme: Theme, response_ids: Sequence[int], target: Theme) -> None:
    moved = list(response_ids)
    for start in range(0, len(moved), CHUNK):
        ThemeAssignment.objects.filter(
            theme=theme, response_id__in=moved[start : start + CHUNK]
        ).update(theme=target)


def _person_rows(theme: Theme) -> list[ThemeAssignment]:
    """People's corrections that give this theme, first or second."""
    return list(ThemeAssignment.objects.filter(theme=theme, source=ThemeAssignment.Source.PERSON))


def _split_confirmed(
    user: Any,
    consultation: Consultation,
    run: ThemeRun,
    theme: Theme,
    made: dict[int, Theme],
    result: ThemeResult,
    items: list[tuple[int, str]],
    corrected: list[ThemeAssignment],
) -> None:
    """A confirmed theme split into `made`: each of its answers belongs to the new theme it
    was grouped into, or else (Other / unclear, says nothing, or a person's second theme)
    to the one whose centre is nearest. People's corrections move with their answers, still
    theirs; each new theme's anchors are the old anchors among its answers (all its answers
    when none are); the new themes get tags and the old one's leaves the codebook. The
    machine's rows go with the old theme: `assign` then gives every answer its themes."""
    if not made:
        raise ThemeError("No themes were found in these answers: try a smaller number")
    new_of: dict[int, Theme] = {}
    for candidate in result.themes:
        if candidate.key in made:
            new_of.update(dict.fromkeys(candidate.response_ids, made[candidate.key]))
    keys = list(made)
    placed = [response_id for response_id, _ in items if response_id in new_of]
    unplaced = [response_id for response_id, _ in items if response_id not in new_of]
    if unplaced:
        # One embedding of them all, so that the centres and the answers are in one space
        # (TF-IDF's depends on the texts it is given).
        vectors = store.cached_embed()(items, run.representation)
        at = {response_id: i for i, (response_id, _) in enumerate(items)}
        centres = np.stack(
            [
                vectors[[at[i] for i in placed if new_of[i] == made[key]]].mean(axis=0)
                for key in keys
            ]
        )
        nearest = np.argmax(vectors[[at[i] for i in unplaced]] @ centres.T, axis=1)
        for response_id, index in zip(unplaced, nearest, strict=True):
            new_of[response_id] = made[keys[int(index)]]
    anchors = set(theme.anchor_ids)
    grouped = set(result.item_ids)
    for new in made.values():
        mine = sorted(i for i, t in new_of.items() if t == new and i in grouped)
        new.anchor_ids = [i for i in mine if i in anchors] or mine
    Theme.objects.bulk_update(list(made.values()), ["anchor_ids"], batch_size=CHUNK)
    for row in corrected:
        target = new_of.get(row.response_id, made[keys[0]])
        row.theme = target
        if row.machine_theme_id == theme.pk:
            row.machine_theme = target
    ThemeAssignment.objects.bulk_update(corrected, ["theme", "machine_theme"], batch_size=CHUNK)
    for new in made.values():
        tags.create_tag(user, new)
    if theme.tag is not None:
        tagging.delete_tag(user, theme.tag)


def delete_theme(user: Any, theme: Theme) -> int:
    """Delete a candidate theme: its answers go to Other / unclear. Returns how many. (For
    the group of answers that say nothing, this dissolves it.)"""
    run = theme.run
    _check_draft(run, "delete")
    if theme.is_other:
        raise ThemeError("The Other / unclear group cannot be deleted")
    with transaction.atomic():
        n = ThemeAssignment.objects.filter(theme=theme).update(theme=other_theme(run))
        label = theme.label
        theme.delete()
        refresh_sizes(run)
        record(
            user,
            Action.THEME_DELETED,
            run,
            before={"theme": label, "responses": n},
            after={"theme": OTHER_LABEL},
        ).save()
    return n
