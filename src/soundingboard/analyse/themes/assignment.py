"""Assigning answers to confirmed themes: by the machine, and by people correcting it.

    from . import assignment

    assignment.confirm(user, consultation, run)      # confirm the set, then assign
    assignment.assign(user, consultation, run)       # the machine assigns again
    assignment.correct(user, run, response, main, second)      # one response, by a person
    assignment.move(user, run, [response_id, ...], theme, from_theme=None)   # in bulk

The machine's rule is the engine's (`engine.assignment`). Each confirmed theme has its
answers when the set was confirmed as "anchors" (a theme the analyst added, the answers
with its phrases). Its centre is learnt from them and from every other answer: half the
mean of its anchors, half the mean of the answers that its anchors, and the answers people
put in it, reach through their nearest neighbours (label spreading). A linear classifier is
then trained on the anchors, people's corrections and every other answer with the theme of
its nearest centre (`engine.assignment.by_self_training`). Every answer the run reads (its
field and filter, new answers included) gets the theme the classifier finds most probable
as its main theme, and a second theme when that one is nearly as probable; an answer that
shares nothing with any theme goes to Other / unclear. An answer that says nothing
("N/A", "Nothing to add": `engine.non_answers`) goes to the run's "No comment or nothing to
add" group while the run has it (an analyst may have dissolved it), and no other answer does.
Answers are read with the sentence model where this server has it, whatever found the themes
(`sentence_vectors`).

Learning from people. From the first correction, an answer a person put in a theme counts
as one of its anchors (and no longer as an anchor of the theme it had). Once people have
corrected at least `MIN_CORRECTIONS` (20) answers, across at least `MIN_CORRECTED_THEMES`
(2) themes (Other / unclear counts as one), and the themes have enough examples to learn
from (`CLASSIFIER_EXAMPLES_PER_THEME` a theme, anchors and corrections), the machine uses a
linear classifier instead, trained on the corrected answers and on the anchors of each
theme (so that a theme nobody has corrected yet can still be chosen).

People always win. A correction fixes a response's main theme and its second theme (or that
it has none); it is stored as the person's, with the machine's theme and score of that moment
kept beside it, and the machine never changes it: assigning again replaces only the
machine's own rows. After every change the themes' tags are brought in step (`tags.sync`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from ...collect.models import Response
from ...publish.consultation import Consultation
from .. import tagging
from ..models import ChangeRecord, Theme, ThemeAssignment, ThemeRun
from . import store, tags
from .common import CHUNK, ThemeError
from .engine.assignment import (
    Choice,
    Embed,
    by_classifier,
    by_self_training,
    distinct_vectors,
    uses_classifier,
)
from .engine.non_answers import find_non_answers
from .runs import other_theme, record, refresh_sizes, split_theme
from .selection import run_items
from .sentence_vectors import ready_reading

Action = ChangeRecord.Action
Source = ThemeAssignment.Source


@dataclass(frozen=True)
class Outcome:
    """What the machine did: how (`ThemeRun.Method`), to how many answers, how many people's
    corrections it left as they were, and which representation it read the answers with."""

    method: str
    assigned: int
    kept: int
    assigned_with: str


# Confirming ----------------------------------------------------------------------------------


def confirm(
    user: Any,
    consultation: Consultation,
    run: ThemeRun,
    *,
    embed: Embed | None = None,
) -> Outcome:
    """Confirm a run's themes: each keeps its current answers as anchors and gets a tag in
    the codebook; then the machine assigns every answer."""
    if run.is_confirmed:
        raise ThemeError("These themes are confirmed already")
    themes = list(run.themes.exclude(key=Theme.OTHER))
    if not themes:
        raise ThemeError("There are no themes to confirm: find themes again")
    ready_reading(run, run_items(run, consultation))  # seconds, perhaps: not in the transaction
    with transaction.atomic():
        for theme in themes:
            theme.anchor_ids = list(
                ThemeAssignment.objects.filter(theme=theme, rank=1)
                .order_by("response_id")
                .values_list("response_id", flat=True)
            )
        Theme.objects.bulk_update(themes, ["anchor_ids"], batch_size=100)
        run.status = ThemeRun.Status.CONFIRMED
        run.confirmed_at = timezone.now()
        run.confirmed_by_name = tagging.signed_in_name(user)
        run.save(update_fields=["status", "confirmed_at", "confirmed_by_name"])
        for theme in themes:
            tags.create_tag(user, theme)
        record(
            user,
            Action.THEMES_CONFIRMED,
            run,
            after={"set": run.pk, "themes": [t.label for t in themes]},
        ).save()
        return assign(user, consultation, run, embed=embed)


# The machine ---------------------------------------------------------------------------------


def corrections(run: ThemeRun) -> dict[int, int]:
    """Response id -> the main theme a person gave it."""
    return dict(
        ThemeAssignment.objects.filter(
            run=run, source=Source.PERSON, rank=1, theme__isnull=False
        ).values_list("response_id", "theme_id")
    )


def assign(
    user: Any,
    consultation: Consultation,
    run: ThemeRun,
    *,
    embed: Embed | None = None,
) -> Outcome:
    """The machine assigns every answer the run reads to the confirmed themes, leaving
    people's corrections as they are. It may first compute sentence vectors for seconds
    (`sentence_vectors.ready_reading`): a caller that holds a transaction should call that
    before opening it."""
    if not run.is_confirmed:
        raise ThemeError("Confirm the themes first")
    themes = list(run.themes.exclude(key=Theme.OTHER).order_by("position", "id"))
    other = other_theme(run)
    all_items = run_items(run, consultation)
    nothing_theme = next((t for t in themes if t.is_non_answer), None)
    set_aside: set[int] = set()
    if nothing_theme is not None:
        themes.remove(nothing_theme)
        empty = find_non_answers([text for _, text in all_items])
        set_aside = {item[0] for item, e in zip(all_items, empty, strict=True) if e}
    items = [item for item in all_items if item[0] not in set_aside]
    embed = embed or store.cached_embed()
    representation = ready_reading(run, items)
    vectors = distinct_vectors(items, representation, embed)
    ids = [response_id for response_id, _ in items]
    row_of = {response_id: row for row, response_id in enumerate(ids)}
    corrected = {i: t for i, t in corrections(run).items() if i in row_of}
    theme_ids = [t.pk for t in themes]
    anchors = [t.anchor_ids for t in themes]
    examples = sum(len(a) for a in anchors) + len(corrected)
    if uses_classifier(corrected, examples, len(themes)) and len(themes) > 1:
        method = ThemeRun.Method.CLASSIFIER
        choices = by_classifier(vectors, theme_ids, anchors, other.pk, corrected, row_of, run.seed)
    else:
        method = ThemeRun.Method.CENTROID
        choices = by_self_training(
            vectors, theme_ids, anchors, other.pk, row_of, corrected, run.seed
        )
    if nothing_theme is not None:
        ids += sorted(set_aside)
        choices += [Choice(nothing_theme.pk, 1.0)] * len(set_aside)
    people = set(
        ThemeAssignment.objects.filter(run=run, source=Source.PERSON).values_list(
            "response_id", flat=True
        )
    )
    now = timezone.now()
    rows = []
    for response_id, choice in zip(ids, choices, strict=True):
        if response_id in people:
            continue
        rows.append(_machine_row(run, response_id, 1, choice.theme_id, choice.score, now))
        if choice.second_id is not None:
            rows.append(
                _machine_row(run, response_id, 2, choice.second_id, choice.second_score, now)
            )
    with transaction.atomic():
        ThemeAssignment.objects.filter(run=run, source=Source.MACHINE).delete()
        ThemeAssignment.objects.bulk_create(rows, batch_size=CHUNK)
        run.assigned_at = now
        run.method = method
        run.assigned_with = representation
        run.save(update_fields=["assigned_at", "method", "assigned_with"])
        refresh_sizes(run)
        tags.sync(user, run)
        outcome = Outcome(
            str(method), len(ids) - len(people & set(ids)), len(people), representation
        )
        record(
            user,
            Action.THEMES_ASSIGNED,
            run,
            after={
                "set": run.pk,
                "method": ThemeRun.Method(method).label,
                "representation": representation,
                "responses": outcome.assigned,
                "corrections_kept": outcome.kept,
            },
        ).save()
    return outcome


def _machine_row(
    run: ThemeRun, response_id: int, rank: int, theme_id: int, score: float | None, now: Any
) -> ThemeAssignment:
    return ThemeAssignment(
        run=run,
        response_id=response_id,
        rank=rank,
        theme_id=theme_id,
        score=None if score is None else round(float(score), 4),
        source=Source.MACHINE,
        machine_theme_id=theme_id,
        machine_score=None if score is None else round(float(score), 4),
        changed_at=now,
    )


# People's corrections -----------------------------------------------------------------------


def themes_of(run: ThemeRun, response_ids: Sequence[int]) -> dict[int, dict[int, ThemeAssignment]]:
    """Response id -> {rank: its assignment} in this run."""
    found: dict[int, dict[int, ThemeAssignment]] = {}
    ids = list(response_ids)
    for start in range(0, len(ids), CHUNK):
        rows = ThemeAssignment.objects.filter(
            run=run, response_id__in=ids[start : start + CHUNK]
        ).select_related("theme", "machine_theme")
        for row in rows:
            found.setdefault(row.response_id, {})[row.rank] = row
    return found


def _labels(current: dict[int, ThemeAssignment]) -> list[str]:
    themes = (current[rank].theme for rank in (1, 2) if rank in current)
    return [theme.label for theme in themes if theme is not None]


def _check(run: ThemeRun, *themes: Theme | None) -> None:
    if not run.is_confirmed:
        raise ThemeError("Confirm the themes before correcting answers")
    if any(t is not None and t.run_id != run.pk for t in themes):
        raise ThemeError("Choose a theme of this set")


def _set(
    user: Any,
    run: ThemeRun,
    response_id: int,
    current: dict[int, ThemeAssignment],
    main: Theme,
    second: Theme | None,
) -> ChangeRecord | None:
    """Make a person's main and second theme of one response; the record of the change, or
    None when they were the person's already."""
    if second is not None and (second.pk == main.pk or second.is_other):
        second = None
    wanted = {1: main, 2: second}
    if all(
        current.get(rank) is not None
        and current[rank].source == Source.PERSON
        and current[rank].theme_id == (theme.pk if theme else None)
        for rank, theme in wanted.items()
    ):
        return None
    before = {"themes": _labels(current)}
    now = timezone.now()
    for rank, theme in wanted.items():
        row = current.get(rank)
        if row is None:
            row = ThemeAssignment(run=run, response_id=response_id, rank=rank)
        elif row.source == Source.MACHINE:
            row.machine_theme_id, row.machine_score = row.theme_id, row.score
        row.theme = theme
        row.score = None
        row.source = Source.PERSON
        row.changed_by = tagging.signed_in_user(user)
        row.changed_at = now
        row.save()
    after = {"themes": [t.label for t in (main, second) if t is not None]}
    return record(
        user, Action.THEME_CORRECTED, run, response_id=response_id, before=before, after=after
    )


def correct(
    user: Any, run: ThemeRun, response: Response, main: Theme, second: Theme | None = None
) -> bool:
    """A person sets one response's main theme and second theme (None: no second theme).
    False when nothing changed."""
    _check(run, main, second)
    with transaction.atomic():
        current = themes_of(run, [response.pk]).get(response.pk, {})
        change = _set(user, run, response.pk, current, main, second)
        if change is None:
            return False
        change.save()
        refresh_sizes(run)
        tags.sync(user, run, [response.pk])
    return True


def move(
    user: Any,
    run: ThemeRun,
    response_ids: Sequence[int],
    target: Theme,
    *,
    from_theme: Theme | None = None,
) -> int:
    """A person moves responses to `target`: it takes the place of `from_theme` among each
    response's themes (or becomes its main theme). Returns how many changed."""
    _check(run, target, from_theme)
    ids = list(
        Response.objects.filter(consultation=run.consultation, pk__in=list(response_ids))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    with transaction.atomic():
        current = themes_of(run, ids)
        changes = []
        for response_id in ids:
            mine = current.get(response_id, {})
            main = mine[1].theme if 1 in mine else None
            second = mine[2].theme if 2 in mine else None
            if from_theme is not None and second is not None and second.pk == from_theme.pk:
                second = target
            else:
                main = target
            if second is not None and main is not None and second.pk == main.pk:
                second = None
            change = _set(user, run, response_id, mine, main or target, second)
            if change is not None:
                changes.append(change)
        ChangeRecord.objects.bulk_create(changes, batch_size=CHUNK)
        if changes:
            refresh_sizes(run)
            tags.sync(user, run, ids)
    return len(changes)


def split(user: Any, consultation: Consultation, theme: Theme, n: int) -> list[Theme]:
    """Split `theme` into `n` (`runs.split_theme`). Once the set is confirmed, the machine
    assigns every answer again with the new themes, in the same transaction."""
    run = theme.run
    if run.is_confirmed:
        ready_reading(run, run_items(run, consultation))  # seconds, perhaps: not in the transaction
    with transaction.atomic():
        made = split_theme(user, consultation, theme, n)
        if run.is_confirmed:
            assign(user, consultation, run)
    return made
