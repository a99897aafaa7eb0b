"""Which vectors the machine assigns with: the sentence model's, made ready by the worker
while the analyst reads the themes, or computed at once when few are missing; the run's own
representation when too many are missing or the server has no sentence model."""

from __future__ import annotations

import importlib

import numpy as np
import pytest
from django_tasks_db.models import DBTaskResult

from soundingboard.analyse.filters import ResponseFilter
from soundingboard.analyse.models import ChangeRecord, ResponseEmbedding, ThemeRun
from soundingboard.analyse.themes import assignment, embedding, sentence_vectors, store
from soundingboard.analyse.themes.common import ThemeError
from soundingboard.analyse.themes.engine.assignment import first_of_each_text
from soundingboard.analyse.themes.runs import start_run
from soundingboard.analyse.themes.selection import run_items, select_texts
from soundingboard.analyse.themes.sentence_vectors import Budget
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


def stored_count() -> int:
    return ResponseEmbedding.objects.filter(representation="sentence").count()


def test_finding_themes_asks_the_worker_for_the_sentence_vectors(served, answers, ana, monkeypatch):
    user, _ = ana
    monkeypatch.setattr(sentence_vectors, "TASK_BUDGET", Budget(30, 100_000))
    run = draft_run(user, served)
    # A campaign's copies share one vector: the first copy's.
    items = first_of_each_text(run_items(run, served))
    assert len(items) < len(run_items(run, served))
    assert run.representation == "tfidf" and queued() == 1 and stored_count() == 0
    run_due_tasks()  # 30 at a time, each task queueing the next, until all are stored
    assert stored_count() == len(items) > 60
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
    ready = stored_count()
    assignment.confirm(user, served, run)
    run.refresh_from_db()
    assert run.assigned_with == "sentence" and stored_count() == ready
    record = ChangeRecord.objects.get(action="themes-assigned")
    assert record.after["representation"] == "sentence"


def test_a_few_missing_sentence_vectors_are_computed_there_and_then(served, answers, ana):
    user, _ = ana
    run = draft_run(user, served)
    DBTaskResult.objects.all().delete()  # as if the worker had not got to it
    assignment.confirm(user, served, run)
    run.refresh_from_db()
    assert run.assigned_with == "sentence"
    assert stored_count() == len(first_of_each_text(run_items(run, served)))


def test_too_many_missing_uses_the_runs_own_and_asks_the_worker_again(
    served, answers, ana, monkeypatch
):
    user, _ = ana
    monkeypatch.setattr(sentence_vectors, "NOW_BUDGET", Budget(10, 100_000))
    run = draft_run(user, served)
    DBTaskResult.objects.all().delete()
    assignment.confirm(user, served, run)
    run.refresh_from_db()
    assert run.assigned_with == "tfidf" and stored_count() == 0 and queued() == 1

    assignment.assign(user, served, run)  # the worker is still to come: not asked twice
    assert queued() == 1
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
    assert (run.assigned_with, stored_count()) == ("tfidf", 0)


def test_a_deleted_run_leaves_its_task_nothing_to_do(served, answers, ana):
    user, _ = ana
    run = draft_run(user, served)
    ThemeRun.objects.filter(pk=run.pk).delete()
    run_due_tasks()
    assert stored_count() == 0
    assert DBTaskResult.objects.get(task_path__endswith="store_sentence_vectors").status == (
        "SUCCESSFUL"
    )


def test_a_consultation_no_longer_served_leaves_its_task_nothing_to_do(
    served, answers, ana, monkeypatch
):
    user, _ = ana
    draft_run(user, served)
    registry = sentence_vectors.get_registry()
    monkeypatch.setattr(registry, "get", lambda slug: None)
    run_due_tasks()
    assert stored_count() == 0 and queued() == 0


def test_a_budget_counts_answers_and_characters():
    items = [(1, "a" * 40), (2, "b" * 40), (3, "c" * 40), (4, "d")]
    assert Budget(answers=3, characters=1_000).take(items) == items[:3]
    assert Budget(answers=10, characters=100).take(items) == items[:2]
    # One long answer is never left out for being long alone: it is taken on its own.
    assert Budget(answers=10, characters=10).take(items) == items[:1]
    assert Budget(answers=10, characters=10).take([]) == []


def test_long_answers_are_computed_in_the_background_not_while_the_analyst_waits(
    served, answers, ana, monkeypatch
):
    user, _ = ana
    run = draft_run(user, served)
    DBTaskResult.objects.all().delete()
    # Few answers, but more characters than the budget: the request does not compute them.
    monkeypatch.setattr(sentence_vectors, "NOW_BUDGET", Budget(2_000, 500))
    assignment.confirm(user, served, run)
    run.refresh_from_db()
    assert run.assigned_with == "tfidf" and stored_count() == 0 and queued() == 1


def test_sentence_vectors_stored_before_the_shipped_model_are_forgotten(served, answers):
    """They were PyTorch's: never read again, yet `embed_pending` counted their answers as
    done, so `soundingboard embed` would never give them the shipped model's vectors."""
    from django.apps import apps

    migration = importlib.import_module(
        "soundingboard.analyse.migrations.0008_theme_run_assigned_with"
    )
    first = answers["hours"][0]
    for representation in ("sentence", "static"):
        ResponseEmbedding.objects.create(
            response=first,
            representation=representation,
            text_hash="an earlier model's",
            dimensions=3,
            vector=store.to_bytes(np.ones(3)),
        )
    migration.forget_old_sentence_vectors(apps, None)
    assert not ResponseEmbedding.objects.filter(representation="sentence").exists()
    assert ResponseEmbedding.objects.filter(representation="static").count() == 1
    assert store.embed_pending(served.slug, "sentence") > 0
    assert ResponseEmbedding.objects.filter(response=first, representation="sentence").exists()


def test_a_sentence_search_longer_than_a_page_can_wait_is_refused_and_prepared(
    served, answers, ana, monkeypatch
):
    user, _ = ana
    monkeypatch.setattr(sentence_vectors, "SEARCH_BUDGET", Budget(20, 100_000))
    everyone = ResponseFilter.for_consultation(served)

    def search():
        return start_run(user, served, response_filter=everyone, k=4, representation="sentence")

    for _ in range(2):  # asked twice: the worker is asked once
        with pytest.raises(ThemeError) as refused:
            search()
        assert "answers by meaning, most closely, would take about 2 minutes" in str(refused.value)
        assert "find themes again in about 2 minutes, or read them by meaning, quickly" in str(
            refused.value
        )
    assert ThemeRun.objects.count() == 0 and stored_count() == 0
    assert DBTaskResult.objects.filter(task_path__endswith="store_answer_vectors").count() == 1

    run_due_tasks()
    ready = stored_count()
    assert ready == len(first_of_each_text(select_texts(served.slug)))
    run = search()  # now within the budget: every vector is read, none computed
    assert run.representation == "sentence" and run.k == 4 and stored_count() == ready
    assert queued() == 0  # a set found with the sentence model needs nothing more
