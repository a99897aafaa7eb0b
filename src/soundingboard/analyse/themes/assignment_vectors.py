"""Which vectors the machine assigns answers to confirmed themes with, and making them ready.

Assignment reads answers with the sentence model whenever this server has it, whatever the
themes were found with: with a 5% seed of answers in their themes it assigns the rest
markedly better than the static embedding (sample-F1 0.71 against 0.59 on Banking77,
docs/performance.md). Its vectors cost about 2 ms of one core for a short answer and up to
about 35 ms for a long one (the model reads 256 tokens), so they are made ahead: when themes
are found, the worker computes and stores the sentence vectors of the run's answers, a
batch at a time (`TASK_BUDGET`), while the analyst reads and edits the themes, and
confirming finds them ready.

When the machine is about to assign and some are still missing, they are computed there and
then if they are few (`NOW_BUDGET`, a few seconds: `make_ready`, called before any
transaction opens, so that the database is not held meanwhile); beyond that, the run's own
representation is used this time, and the worker carries on, so that assigning again later
uses the sentence model.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django_tasks import TaskResultStatus, task
from django_tasks_db.models import DBTaskResult

from ...publish.registry import get_registry
from ..models import ThemeRun
from . import embedding, store
from .engine.assignment import first_of_each_text
from .runs import run_items

SENTENCE = "sentence"
Items = Sequence[tuple[int, str]]


@dataclass(frozen=True)
class Budget:
    """At most this many answers, and this many characters in all, computed in one go."""

    answers: int
    characters: int

    def take(self, items: Items) -> list[tuple[int, str]]:
        """The first items that fit."""
        taken: list[tuple[int, str]] = []
        characters = 0
        for item in items[: self.answers]:
            characters += len(item[1])
            if taken and characters > self.characters:
                break
            taken.append(item)
        return taken


# Computed while the analyst waits for assignment: about 5 s of one core at most.
NOW_BUDGET = Budget(answers=2_000, characters=150_000)
# Computed by one background task before it hands the rest to a task of its own: about 2 s
# at most, so that email waiting in the same outbox is never held up for long.
TASK_BUDGET = Budget(answers=1_000, characters=60_000)


def make_ready(run: ThemeRun, items: Items) -> None:
    """Compute and store the sentence vectors that the run's answers (`items`, as `run_items`
    gives them) are missing, if they fit in `NOW_BUDGET`. Call it before opening a
    transaction: it can take seconds."""
    if _uses_own(run):
        return
    missing = _missing(items)
    if missing and len(NOW_BUDGET.take(missing)) == len(missing):
        store.embed_items(missing, SENTENCE)


def assigned_with(run: ThemeRun, items: Items) -> str:
    """The representation to assign the run's `items` with now: the sentence model if every
    one of them has its vector; if not, the run's own, and the worker is asked for them."""
    if _uses_own(run):
        return run.representation
    if _missing(items):
        prepare(run)
        return run.representation
    return SENTENCE


def prepare(run: ThemeRun) -> None:
    """Ask the worker to store the sentence vectors of the run's answers, unless it has been
    asked already (or the run reads with the sentence model, or this server has none)."""
    if _uses_own(run):
        return
    asked = DBTaskResult.objects.filter(
        task_path=store_sentence_vectors.module_path,
        status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING],
        args_kwargs__args__0=run.pk,
    )
    if not asked.exists():
        store_sentence_vectors.enqueue(run.pk)


def _uses_own(run: ThemeRun) -> bool:
    return run.representation == SENTENCE or embedding.availability().get(SENTENCE) is not None


def _missing(items: Items) -> list[tuple[int, str]]:
    """One item of each distinct text (what assignment reads: `distinct_vectors`) that has
    no stored sentence vector."""
    distinct = first_of_each_text(items)
    found = store.stored_ids(distinct, SENTENCE)
    return [item for item in distinct if item[0] not in found]


# Below email in the outbox: a message to a person should not wait behind the vectors.
@task(priority=-10)
def store_sentence_vectors(run_id: int) -> int:
    """Store the sentence vectors of a batch of the run's answers that have none, and queue
    a task for the rest; how many were stored."""
    run = ThemeRun.objects.filter(pk=run_id).first()
    consultation = get_registry().get(run.consultation) if run else None
    if run is None or consultation is None:
        return 0  # the run was deleted, or its consultation is no longer served
    missing = _missing(run_items(run, consultation))
    batch = TASK_BUDGET.take(missing)
    if batch:
        store.embed_items(batch, SENTENCE)
    if len(batch) < len(missing):
        store_sentence_vectors.enqueue(run_id)
    return len(batch)
