"""Confirmed themes as tags in the codebook, so that the responses list's filters, the
charts and the exports use them like any other tag.

When a theme set is confirmed, each theme (not Other / unclear) gets a tag named
"Theme: <its name>" (with " (set N)" added if the codebook has that name already). `sync`
then keeps each tag on exactly the responses that have its theme, as main or second theme:
after every machine assignment and every correction. The tags are changed through
`tagging`, so each change is in the responses' history. A theme tag added or removed by hand
is put back in step at the next sync: change themes on the Themes pages.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from django.db import transaction

from ...collect.models import Response
from .. import tagging
from ..models import ResponseTag, Tag, Theme, ThemeAssignment, ThemeRun
from .common import CHUNK, ThemeError

PREFIX = "Theme: "


def tag_name(theme: Theme, *, suffix: str = "") -> str:
    room = tagging.MAX_TAG_NAME - len(PREFIX) - len(suffix)
    # A name made from answers may hold a semicolon, which a tag's may not (exports separate
    # a response's tags with it).
    label = theme.label.replace(tagging.LIST_SEPARATOR.strip(), ",")
    label = label if len(label) <= room else label[: room - 1] + "…"
    return f"{PREFIX}{label}{suffix}"


def _names(theme: Theme) -> list[str]:
    return [tag_name(theme), tag_name(theme, suffix=f" (set {theme.run_id})")]


def _tagged_themes(run: ThemeRun) -> list[Theme]:
    return list(run.themes.exclude(key=Theme.OTHER).select_related("tag"))


def create_tag(user: Any, theme: Theme) -> Tag:
    """The theme's tag, made (and recorded) if it has none."""
    if theme.tag is not None:
        return theme.tag
    for name in _names(theme):
        if not Tag.objects.filter(consultation=theme.run.consultation, name__iexact=name).exists():
            try:
                tag = tagging.create_tag(user, theme.run.consultation, name)
            except tagging.TaggingError as error:
                raise ThemeError(str(error)) from None
            theme.tag = tag
            theme.save(update_fields=["tag"])
            return tag
    raise ThemeError(
        f"The codebook already has a tag called “{_names(theme)[0]}”: rename the theme first"
    )


def rename_tag(user: Any, theme: Theme) -> None:
    """Rename a theme's tag after its theme."""
    if theme.tag is None:
        return
    problem = ""
    for name in _names(theme):
        try:
            tagging.rename_tag(user, theme.tag, name)
            return
        except tagging.TaggingError as error:
            problem = problem or str(error)
    raise ThemeError(problem)


def sync(user: Any, run: ThemeRun, response_ids: Iterable[int] | None = None) -> tuple[int, int]:
    """Put each confirmed theme's tag on the responses that have the theme (of those given,
    or all) and take it off the others. Returns (tags added, tags removed)."""
    if not run.is_confirmed:
        return 0, 0
    only = None if response_ids is None else set(response_ids)
    added = removed = 0
    with transaction.atomic():
        for theme in _tagged_themes(run):
            tag = create_tag(user, theme)
            assigned = ThemeAssignment.objects.filter(theme=theme)
            tagged = ResponseTag.objects.filter(tag=tag)
            if only is not None and len(only) <= CHUNK:  # a few: corrections
                assigned = assigned.filter(response_id__in=sorted(only))
                tagged = tagged.filter(response_id__in=sorted(only))
            wanted = set(assigned.values_list("response_id", flat=True))
            having = set(tagged.values_list("response_id", flat=True))
            if only is not None:
                wanted, having = wanted & only, having & only
            for ids in _chunks(wanted - having):
                added += tagging.add_tag(user, Response.objects.filter(pk__in=ids), tag)
            for ids in _chunks(having - wanted):
                removed += tagging.remove_tag(user, Response.objects.filter(pk__in=ids), tag)
    return added, removed


def _chunks(ids: set[int]) -> Iterator[list[int]]:
    ordered = sorted(ids)
    for start in range(0, len(ordered), CHUNK):
        yield ordered[start : start + CHUNK]
