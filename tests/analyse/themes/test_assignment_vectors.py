"""Which vectors the machine assigns with: the sentence model's, made ready by the worker
while the analyst reads the themes, or computed at once when few are missing; the run's own
representation when too many are missing or the server has no sentence model."""

from __future__ import annotations

import pytest
from django_tasks_db.models import DBTaskResult

from soundingboard.analyse.models import ChangeRecord, ResponseEmbedding, ThemeRun
from soundingboard.analyse.themes import assignment, assignment_vectors, embedding, store
from soundingboard.analyse.themes.engine.assignment import first_of_each_text
from soundingboard.analyse.themes.runs import run_items
from soundingboard.core.worker import run_due_tasks

from .workspace_data import (  # noqa: F401
    ana_fixture,
    answers_fixture,
    draft_run,
    served_fixture,
)

pytestmark = pytest.mark.django_db(transaction=True)


def queued() -> int:
    return DBTaskResult.objects.filter(
        task_path__endswith="store_sentence_vectors", status="READY"
    ).count()


def sentence_vectors() -> int:
    return ResponseEmbedding.objects.filter(representation="sentence").count()


def test_finding_themes_asks_the_worker_for_the_sentence_vectors(served, answers, ana, monkeypatch):
    user, _ = ana
    monkeypatch.setattr(assignment_vectors, "BATCH", 30)
    run = draft_run(user, served)
    # A campaign's copies share one vector: the first copy's.
    items = first_of_each_text(run_items(run, served))
    assert len(items) < len(run_items(run, served))
    assert run.representation == "tfidf" and queued() == 1 and sentence_vectors() == 0
    run_due_tasks()  # 30 at a time, each task queueing the next, until all are stored
    assert sentence_vectors() == len(items) > 60
    assert queued() == 0
    tasks = DBTaskResult.objects.filter(task_path__endswith="store_sentence_vectors")
    assert tasks.count() == (len(items) + 29) // 30
    stored = store.stored_vectors(items, "sentence")
    expected = store.embed_items(items[:3], "sentence")
    for row, (response_id, _) in enumerate(items[:3]):
        assert (stored[response_id] == expected[row]).all()


def test_the_machine_assigns_with_the_sentence_model_when_its_vectors_are_ready(
    served, answers, ana
):
    user, _ = ana
    run = draft_run(user, served)
    run_due_tasks()
    ready = sentence_vectors()
    assignment.confirm(user, served, run)
    run.refresh_from_db()
    assert run.assigned_with == "sentence" and sentence_vectors() == ready
    record = ChangeRecord.objects.get(action="themes-assigned")
    assert record.after["representation"] == "sentence"


def test_a_few_missing_sentence_vectors_are_computed_there_and_then(served, answers, ana):
    user, _ = ana
    run = draft_run(user, served)
    DBTaskResult.objects.all().delete()  # as if the worker had not got to it
    assignment.confirm(user, served, run)
    run.refresh_from_db()
    assert run.assigned_with == "sentence"
    assert sentence_vectors() == len(first_of_each_text(run_items(run, served)))


def test_too_many_missing_uses_the_runs_own_and_asks_the_worker_again(
    served, answers, ana, monkeypatch
):
    user, _ = ana
    monkeypatch.setattr(assignment_vectors, "COMPUTE_NOW", 10)
    run = draft_run(user, served)
    DBTaskResult.objects.all().delete()
    assignment.confirm(user, served, run)
    run.refresh_from_db()
    assert run.assigned_with == "tfidf" and sentence_vectors() == 0 and queued() == 1

    run_due_tasks()
    assignment.assign(user, served, run)
    run.refresh_from_db()
    assert run.assigned_with == "sentence"


def test_without_the_sentence_model_the_runs_own_is_used_and_nothing_queued(
    served, answers, ana, monkeypatch
):
    user, _ = ana
    available = embedding.availability()
    monkeypatch.setattr(
        embedding, "availability", lambda: {**available, "sentence": "not installed"}
    )
    run = draft_run(user, served)
    assert queued() == 0
    assignment.confirm(user, served, run)
    run.refresh_from_db()
    assert (run.assigned_with, sentence_vectors()) == ("tfidf", 0)


def test_a_deleted_run_leaves_its_task_nothing_to_do(served, answers, ana):
    user, _ = ana
    run = draft_run(user, served)
    ThemeRun.objects.filter(pk=run.pk).delete()
    run_due_tasks()
    assert sentence_vectors() == 0
    assert DBTaskResult.objects.get(task_path__endswith="store_sentence_vectors").status == (
        "SUCCESSFUL"
    )
