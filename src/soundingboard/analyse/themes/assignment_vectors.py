"""Which vectors the machine assigns answers to confirmed themes with, and making them ready.

Assignment reads answers with the sentence model whenever this server has it, whatever the
themes were found with: with a 5% seed of answers in their themes it assigns the rest
markedly better than the static embedding (sample-F1 0.71 against 0.59 on Banking77,
docs/performance.md). Its vectors cost about 2 ms of one core an answer, so they are made
in the background: when themes are found with another representation, the worker computes
and stores the sentence vectors of the run's answers, `BATCH` at a time, while the analyst
reads and edits the themes, and confirming finds them ready.

When the machine assigns and some are still missing: up to `COMPUTE_NOW` are computed there
and then (a few seconds); beyond that, the run's own representation is used this time, and
the worker is asked again, so that assigning again later uses the sentence model.
"""

from __future__ import annotations

from collections.abc import Sequence

from django_tasks import task

from ...publish.registry import get_registry
from ..models import ThemeRun
from . import embedding, store
from .engine.assignment import first_of_each_text
from .runs import run_items

SENTENCE = "sentence"
# Answers whose sentence vectors are computed while the analyst waits for assignment: about
# 4 s of one core.
COMPUTE_NOW = 2_000
# Answers a background task computes before handing the rest to a task of its own: about 2 s,
# so that email waiting in the same outbox is never held up for long.
BATCH = 1_000


def assigned_with(run: ThemeRun, items: Sequence[tuple[int, str]]) -> str:
    """The representation to assign the run's `items` with now."""
    if run.representation == SENTENCE or embedding.availability().get(SENTENCE) is not None:
        return run.representation
    distinct = first_of_each_text(items)  # what assignment reads (`distinct_vectors`)
    missing = len(distinct) - len(store.stored_vectors(distinct, SENTENCE))
    if missing <= COMPUTE_NOW:
        return SENTENCE
    prepare(run)
    return run.representation


def prepare(run: ThemeRun) -> None:
    """Ask the worker to store the sentence vectors of the run's answers (nothing to do when
    the run reads with the sentence model, or this server does not have it)."""
    if run.representation != SENTENCE and embedding.availability().get(SENTENCE) is None:
        store_sentence_vectors.enqueue(run.pk)


# Below email in the outbox: a message to a person should not wait behind the vectors.
@task(priority=-10)
def store_sentence_vectors(run_id: int) -> int:
    """Store the sentence vectors of up to `BATCH` of the run's answers that have none (one
    answer of each distinct text, as assignment reads them), and queue a task for the rest;
    how many were stored."""
    run = ThemeRun.objects.filter(pk=run_id).first()
    consultation = get_registry().get(run.consultation) if run else None
    if run is None or consultation is None:
        return 0  # the run was deleted, or its consultation is no longer served
    items = first_of_each_text(run_items(run, consultation))
    found = store.stored_vectors(items, SENTENCE)
    missing = [item for item in items if item[0] not in found]
    if not missing:
        return 0
    store.embed_items(missing[:BATCH], SENTENCE)
    if len(missing) > BATCH:
        store_sentence_vectors.enqueue(run_id)
    return min(len(missing), BATCH)
