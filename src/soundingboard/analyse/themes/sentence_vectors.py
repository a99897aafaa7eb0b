"""The sentence model's vectors of answers: when they are read, and making them ready.

Assignment. The machine assigns answers to confirmed themes by reading them with the
sentence model whenever this server has it, whatever the themes were found with: with a 5%
seed of answers in their themes it assigns the rest markedly better than the static
embedding (sample-F1 0.71 against 0.59 on Banking77, docs/performance.md). Its vectors
cost about 2 ms of one core for a short answer and up to about 40 ms for a long one (the
model reads 256 tokens), so they are made ahead: when themes are found, the worker computes
and stores the sentence vectors of the run's answers, a batch at a time (`TASK_BUDGET`),
while the analyst reads and edits the themes, and confirming finds them ready.

When the machine is about to assign and some are still missing, they are computed there and
then if they are few (`NOW_BUDGET`, a few seconds: `ready_reading`, called before any
transaction opens, so that the database is not held meanwhile); beyond that, the run's own
representation is used this time, and the worker carries on, so that assigning again later
uses the sentence model.

Finding themes with the sentence model. The search runs while the analyst waits; when more
vectors are missing than `SEARCH_BUDGET` (about a minute), it is refused with the time it
would take, and the worker computes them, so that the same search a few minutes later reads
them (`check_search`).
"""

from __future__ import annotations

from dataclasses import dataclass

from django_tasks import TaskResultStatus, task
from django_tasks.base import Task
from django_tasks_db.models import DBTaskResult

from ...publish.registry import get_registry
from ..models import ThemeRun
from . import embedding, store
from .common import ThemeError
from .engine.assignment import first_of_each_text
from .selection import run_items, select_texts
from .store import Items

SENTENCE = "sentence"


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
# Computed while the analyst waits for a theme search with the sentence model: about a
# minute, well within the five minutes the server gives a page.
SEARCH_BUDGET = Budget(answers=20_000, characters=1_500_000)
# What a vector costs, for saying how long the missing ones would take: a 35-character answer
# took 2.4 ms, a 2,919-character one (256 tokens, the most read) 39 ms (docs/performance.md).
SECONDS_PER_ANSWER = 0.002
SECONDS_PER_CHARACTER = 0.000013


def check_search(slug: str, field: str | None, items: Items) -> None:
    """Refuse a theme search with the sentence model whose missing vectors would take longer
    than a page can wait (`SEARCH_BUDGET`), saying how long, and ask the worker for them."""
    missing = _missing(items)
    if len(SEARCH_BUDGET.take(missing)) == len(missing):
        return
    _ask_once(store_answer_vectors, slug, field or "")
    seconds = sum(SECONDS_PER_ANSWER + SECONDS_PER_CHARACTER * len(text) for _, text in missing)
    minutes = max(2, round(seconds / 60))
    raise ThemeError(
        f"Reading {len(missing):,} answers by meaning, most closely, would take about "
        f"{minutes} minutes: longer than a page can wait. They are now being read in the "
        f"background: find themes again in about {minutes} minutes, or read them by meaning, "
        "quickly"
    )


def ready_reading(run: ThemeRun, items: Items) -> str:
    """The representation to assign the run's `items` (its answers) with now: the sentence
    model, once the vectors they are missing are computed and stored, if they fit in
    `NOW_BUDGET`; if they do not, the run's own, and the worker is asked for them. Call it
    before opening a transaction: it can take seconds."""
    if _uses_own(run):
        return run.representation
    missing = _missing(items)
    if len(NOW_BUDGET.take(missing)) < len(missing):
        prepare(run)
        return run.representation
    if missing:
        store.embed_items(missing, SENTENCE)
    return SENTENCE


def prepare(run: ThemeRun) -> None:
    """Ask the worker to store the sentence vectors of the run's answers, unless it has been
    asked already (or the run reads with the sentence model, or this server has none)."""
    if _uses_own(run):
        return
    _ask_once(store_sentence_vectors, run.pk)


def _ask_once(job: Task[..., int], *args: int | str) -> None:
    """Queue `job(*args)` for the worker, unless it is waiting or running already."""
    asked = DBTaskResult.objects.filter(
        task_path=job.module_path,
        status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING],
        args_kwargs__args=list(args),
    )
    if not asked.exists():
        job.enqueue(*args)


def _uses_own(run: ThemeRun) -> bool:
    return run.representation == SENTENCE or embedding.availability().get(SENTENCE) is not None


def _missing(items: Items) -> list[tuple[int, str]]:
    """One item of each distinct text (what assignment reads: `distinct_vectors`) that has
    no stored sentence vector."""
    distinct = first_of_each_text(items)
    found = store.stored_ids(distinct, SENTENCE)
    return [item for item in distinct if item[0] not in found]


def _store_batch(items: Items) -> tuple[int, bool]:
    """Store the sentence vectors of a batch (`TASK_BUDGET`) of the items that have none:
    how many were stored, and whether any are left."""
    missing = _missing(items)
    batch = TASK_BUDGET.take(missing)
    if batch:
        store.embed_items(batch, SENTENCE)
    return len(batch), len(batch) < len(missing)


# Below email in the outbox: a message to a person should not wait behind the vectors.
@task(priority=-10)
def store_sentence_vectors(run_id: int) -> int:
    """Store the sentence vectors of a batch of the run's answers that have none, and queue
    a task for the rest; how many were stored."""
    run = ThemeRun.objects.filter(pk=run_id).first()
    consultation = get_registry().get(run.consultation) if run else None
    if run is None or consultation is None:
        return 0  # the run was deleted, or its consultation is no longer served
    stored, more = _store_batch(run_items(run, consultation))
    if more:
        store_sentence_vectors.enqueue(run_id)
    return stored


@task(priority=-10)
def store_answer_vectors(slug: str, field: str) -> int:
    """The same for a consultation's answers (one field of them, or "" for all their text),
    for a theme search with the sentence model."""
    stored, more = _store_batch(select_texts(slug, field=field or None))
    if more:
        store_answer_vectors.enqueue(slug, field)
    return stored
