"""The analyst's framework: a theme added by name, with key phrases or example answers,
before or after the set is confirmed.

    from . import framework

    framework.add_theme(user, consultation, run, "Parking", "car park\nparking charges")

The theme takes the answers of the run that contain one of its phrases (whole words, case,
punctuation and spacing ignored; an example answer is a long phrase). Before confirming,
those answers move to it from their candidate theme, as if the grouping had found it. Once
confirmed, those answers are its anchors: it gets a tag, and the machine assigns every answer
again with it among the themes, leaving people's corrections as they are.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from ...publish.consultation import Consultation
from ..models import ChangeRecord, Theme, ThemeAssignment, ThemeRun
from .common import CHUNK, ThemeError
from .engine.duplicates import normalise
from .runs import (
    MAX_QUOTES,
    MAX_TERMS,
    _label_taken,
    clean_label,
    record,
    refresh_sizes,
)
from .selection import run_items

MAX_PHRASES = 20


def phrases_of(text: str) -> list[str]:
    """The key phrases or example answers given, one a line, normalised, without repeats."""
    found: list[str] = []
    for line in (text or "").splitlines():
        phrase = normalise(line)
        if phrase and phrase not in found:
            found.append(phrase)
    return found


def matching(items: list[tuple[int, str]], phrases: list[str]) -> list[int]:
    """Ids of the answers that contain one of the phrases as whole words."""
    wanted = [f" {phrase} " for phrase in phrases]
    return [i for i, text in items if any(p in f" {normalise(text)} " for p in wanted)]


def add_theme(
    user: Any, consultation: Consultation, run: ThemeRun, label: str, phrases_text: str
) -> Theme:
    """Add a theme named `label` with the answers that contain one of the phrases (one a
    line in `phrases_text`); see the module's docstring."""
    label = clean_label(label)
    if _label_taken(run, label):
        raise ThemeError(f"There is already a theme called “{label}”")
    phrases = phrases_of(phrases_text)
    if not phrases:
        raise ThemeError("Enter at least one key phrase or example answer, one a line")
    if len(phrases) > MAX_PHRASES:
        raise ThemeError(f"Enter {MAX_PHRASES} key phrases or example answers or fewer")
    ids = matching(run_items(run, consultation), phrases)
    if not ids:
        raise ThemeError(
            "No answer in this set contains any of these phrases: try shorter or other ones"
        )
    with transaction.atomic():
        keys = list(run.themes.values_list("key", flat=True))
        theme = Theme.objects.create(
            run=run,
            key=max([*keys, -1]) + 1,
            label=label,
            terms=phrases[:MAX_TERMS],
            quote_ids=ids[:MAX_QUOTES],
            position=len(keys),
            anchor_ids=ids if run.is_confirmed else [],
        )
        if not run.is_confirmed:
            for start in range(0, len(ids), CHUNK):
                ThemeAssignment.objects.filter(
                    run=run, rank=1, response_id__in=ids[start : start + CHUNK]
                ).update(theme=theme)
            refresh_sizes(run)
        record(
            user,
            ChangeRecord.Action.THEME_ADDED,
            run,
            after={"theme": label, "phrases": phrases, "responses": len(ids)},
        ).save()
    if run.is_confirmed:
        from .assignment import assign

        assign(user, consultation, run)
    return theme
