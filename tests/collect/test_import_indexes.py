"""A large import drops the secondary indexes while it stores and makes them again, whatever
stops it; a killed one's are made again by the next import, `migrate` or `serve`."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection

from soundingboard.collect import bulk_storage, deferred_indexes
from soundingboard.collect.mapped_import import import_mapped
from soundingboard.collect.mapping import load_mapping
from soundingboard.collect.models import Response
from soundingboard.collect.tables import open_table
from soundingboard.publish.loader import load_consultation

from .test_sheet_import import FIXTURES, consultation_folder

DECLARED = {index.name for _, index in deferred_indexes.declared()}


@pytest.fixture
def consultation(tmp_path: Path, reference_ideas):
    return load_consultation(consultation_folder(tmp_path / "support-offer", reference_ideas))


@pytest.fixture
def feedback(tmp_path: Path) -> Path:
    return Path(shutil.copy(FIXTURES / "feedback.csv", tmp_path / "Feedback.csv"))


def run(consultation, path: Path):
    bound = load_mapping("original-feedback").bind(open_table(path), consultation)
    out = io.StringIO()
    return import_mapped(consultation, bound, out=out, progress=False), out.getvalue()


def unique_columns() -> set[str]:
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, Response._meta.db_table)
    return {c for info in constraints.values() if info["unique"] for c in info["columns"]}


def drop(name: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")


@pytest.mark.django_db
def test_every_declared_index_is_there_after_migrate():
    assert DECLARED and deferred_indexes.present() >= DECLARED
    assert deferred_indexes.ensure_indexes() == []


@pytest.mark.django_db
def test_a_large_import_stores_without_the_indexes_and_ends_with_them(
    consultation, feedback, monkeypatch
):
    monkeypatch.setattr(deferred_indexes, "DEFER_MIN_ROWS", 1)
    seen: list[tuple[set[str], set[str]]] = []
    store = bulk_storage._insert

    def watched(batch):
        seen.append((deferred_indexes.present() & DECLARED, unique_columns()))
        return store(batch)

    monkeypatch.setattr(bulk_storage, "_insert", watched)
    report, out = run(consultation, feedback)
    assert out == ""
    assert (report.imported, report.spam, report.skipped) == (3, 1, 0)
    # While storing: no secondary index, every unique one kept.
    assert seen and all(present == set() for present, _ in seen)
    assert all({"reference", "submission_token"} <= unique for _, unique in seen)
    assert deferred_indexes.present() >= DECLARED
    again, _ = run(consultation, feedback)
    assert (again.imported, again.already_there) == (0, 4)
    assert Response.objects.count() == 4


@pytest.mark.django_db
@pytest.mark.parametrize("stop", [KeyboardInterrupt, RuntimeError])
def test_an_interrupted_import_ends_with_its_indexes(consultation, feedback, monkeypatch, stop):
    monkeypatch.setattr(deferred_indexes, "DEFER_MIN_ROWS", 1)

    def interrupted(batch):
        assert deferred_indexes.present() & DECLARED == set()
        raise stop()

    monkeypatch.setattr(bulk_storage, "_insert", interrupted)
    with pytest.raises(stop):
        run(consultation, feedback)
    assert deferred_indexes.present() >= DECLARED
    assert Response.objects.count() == 0


@pytest.mark.django_db
def test_a_small_import_keeps_the_indexes(consultation, feedback, monkeypatch):
    seen: list[set[str]] = []
    store = bulk_storage._insert

    def watched(batch):
        seen.append(deferred_indexes.present() & DECLARED)
        return store(batch)

    monkeypatch.setattr(bulk_storage, "_insert", watched)
    run(consultation, feedback)
    assert seen == [DECLARED]


@pytest.mark.django_db
def test_the_next_import_remakes_indexes_a_killed_one_left_dropped(consultation, feedback):
    # A process killed by SIGKILL runs no `finally`: its dropped indexes stay dropped.
    drop("response_analysis_cube_idx")
    drop("response_analysis_time_idx")
    assert "response_analysis_cube_idx" not in deferred_indexes.present()
    report, _ = run(consultation, feedback)
    assert report.imported == 3
    assert deferred_indexes.present() >= DECLARED


@pytest.mark.django_db
def test_migrate_remakes_missing_indexes():
    drop("response_analysis_time_idx")
    call_command("migrate", interactive=False, verbosity=0)
    assert deferred_indexes.present() >= DECLARED


@pytest.mark.django_db
def test_a_re_import_that_stores_nothing_keeps_the_indexes(consultation, feedback, monkeypatch):
    run(consultation, feedback)
    monkeypatch.setattr(deferred_indexes, "DEFER_MIN_ROWS", 1)
    dropped: list[list[str]] = []
    drop_statements = deferred_indexes._drop_statements

    def watched(connection, names):
        dropped.append(names)
        return drop_statements(connection, names)

    monkeypatch.setattr(deferred_indexes, "_drop_statements", watched)
    again, _ = run(consultation, feedback)
    assert (again.imported, again.already_there) == (0, 4)
    assert dropped == []
