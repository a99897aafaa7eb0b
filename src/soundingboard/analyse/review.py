"""The record of consideration: whether each response is new, read or coded, by whom and when.

Public bodies must be able to show that every response was conscientiously considered. Each
response's progress is one of:

    new     nobody has said they read it (opening its page alone does not count)
    read    an analyst marked it as read
    coded   an analyst gave it a tag or corrected its themes (which means it was read)

    from soundingboard.analyse import review

    review.mark(user, [response.pk], review.READ, "Marked as read")
    review.mark(user, ids, review.CODED, "Tag “Funding” added")
    review.states_of([response.pk, ...])      # {id: Review}; a response with none is new
    review.history(response)                  # its changes, newest first
    review.progress(consultation)             # accepted responses by page: new, read, coded

Marking read leaves a coded response coded; marking new undoes either. Every change writes a
`ReviewChange` (before, after, what the analyst did, who, when) in the same transaction as
the new state. Both are deleted with their response, so an erasure leaves no trace of it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from ..collect.models import Response
from ..publish.consultation import Consultation
from .filters import QUESTIONNAIRE_LABEL
from .models import Review, ReviewChange, ReviewState
from .tagging import CHUNK, signed_in_name, signed_in_user

NEW, READ, CODED = ReviewState.NEW, ReviewState.READ, ReviewState.CODED
LABELS = dict(ReviewState.choices)
MAX_VIA = 200


def _allowed(before: str, after: str) -> bool:
    """Whether a response at `before` moves to `after`: read never undoes coded."""
    if before == after:
        return False
    return not (after == READ and before == CODED)


def states_of(response_ids: Iterable[int]) -> dict[int, Review]:
    """The progress of each response that has one (others are new), a query per 500."""
    ids = list(dict.fromkeys(response_ids))
    found: dict[int, Review] = {}
    for start in range(0, len(ids), CHUNK):
        for row in Review.objects.filter(response_id__in=ids[start : start + CHUNK]):
            found[row.response_id] = row
    return found


def state_of(response: Response) -> Review | None:
    return Review.objects.filter(response=response).first()


def mark(user: Any, response_ids: Iterable[int], state: str, via: str) -> int:
    """Set the progress of these responses to `state`, as `user`, saying what was done
    (`via`, e.g. "Marked as read"). Returns how many changed."""
    if state not in ReviewState.values:
        raise ValueError(f"not a progress state: {state!r}")
    ids = list(dict.fromkeys(response_ids))
    now = timezone.now()
    who, name = signed_in_user(user), signed_in_name(user)
    changed = 0
    with transaction.atomic():
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start : start + CHUNK]
            # A row for each (new ones as "new"), then lock them: two analysts marking the
            # same response at once write one change each, in turn.
            Review.objects.bulk_create(
                [Review(response_id=i, state=NEW, at=now) for i in chunk],
                ignore_conflicts=True,
            )
            current = dict(
                Review.objects.select_for_update()
                .filter(response_id__in=chunk)
                .values_list("response_id", "state")
            )
            moving = [i for i in chunk if _allowed(current.get(i, NEW), state)]
            if not moving:
                continue
            Review.objects.filter(response_id__in=moving).update(
                state=state, by=who, by_name=name, at=now
            )
            ReviewChange.objects.bulk_create(
                [
                    ReviewChange(
                        response_id=i,
                        before=current.get(i, NEW),
                        after=state,
                        via=via[:MAX_VIA],
                        user=who,
                        username=name,
                        at=now,
                    )
                    for i in moving
                ]
            )
            changed += len(moving)
    return changed


def history(response: Response) -> QuerySet[ReviewChange]:
    """The changes of a response's progress, newest first."""
    return ReviewChange.objects.filter(response=response).order_by("-at", "-id")


# Progress of a consultation ------------------------------------------------------------------


@dataclass(frozen=True)
class ProgressRow:
    """Accepted responses of one page (or the questionnaire): how many in each state."""

    label: str
    total: int
    read: int
    coded: int

    @property
    def new(self) -> int:
        return self.total - self.read - self.coded

    @property
    def considered(self) -> int:
        """Read or coded."""
        return self.read + self.coded

    @property
    def percent(self) -> int:
        """Read or coded, as a whole percentage (rounded down: 100 only when all are)."""
        return self.considered * 100 // self.total if self.total else 0


def progress(consultation: Consultation) -> tuple[ProgressRow, list[ProgressRow]]:
    """The accepted responses of a consultation, new, read and coded: all of them, and by
    page (the questionnaire as one row), in the order of the consultation's pages. One
    query, grouped by what the response is about."""
    rows = (
        Response.objects.filter(consultation=consultation.slug, status=Response.Status.ACCEPTED)
        .values("kind", "page_path")
        .annotate(
            total=Count("id"),
            read=Count("id", filter=Q(review__state=READ)),
            coded=Count("id", filter=Q(review__state=CODED)),
        )
        .order_by()
    )
    by_label: dict[str, list[int]] = {}
    order: dict[str, int] = {}
    for position, each in enumerate(consultation.pages):
        order.setdefault(each.title, position)
    for row in rows:
        if row["kind"] == Response.Kind.QUESTIONNAIRE:
            label = QUESTIONNAIRE_LABEL
            order.setdefault(label, -1)
        else:
            page = consultation.page(row["page_path"])
            label = page.title if page is not None else "Other addresses"
        counts = by_label.setdefault(label, [0, 0, 0])
        counts[0] += row["total"]
        counts[1] += row["read"]
        counts[2] += row["coded"]
    pages = [
        ProgressRow(label, *counts)
        for label, counts in sorted(
            by_label.items(), key=lambda item: (order.get(item[0], len(order)), item[0])
        )
    ]
    total = ProgressRow(
        "All responses",
        sum(r.total for r in pages),
        sum(r.read for r in pages),
        sum(r.coded for r in pages),
    )
    return total, pages
