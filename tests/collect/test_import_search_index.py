"""A large import fills the search index once at its end (SQLite), whatever stops it; a killed
one's responses are indexed by the next import, `migrate` or `serve`'s start."""

from __future__ import annotations

import io
import shutil
import time
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection

from soundingboard.analyse import search
from soundingboard.collect import bulk_storage, deferred_indexes, row_import, search_index
from soundingboard.collect.mapped_import import import_mapped
from soundingboard.collect.mapping import load_mapping
from soundingboard.collect.models import Response
from soundingboard.collect.tables import open_table
from soundingboard.publish.loader import load_consultation
from tests.analyse.test_search import indexed

from .test_sheet_import import FIXTURES, consultation_folder

pytestmark = pytest.mark.django_db
sqlite_only = pytest.mark.skipif(
    "connection.vendor != 'sqlite'", reason="PostgreSQL's index is a column of the row"
)


@pytest.fixture
def consultation(tmp_path: Path, reference_ideas):
    return load_consultation(consultation_folder(tmp_path / "support-offer", reference_ideas))


@pytest.fixture
def feedback(tmp_path: Path) -> Path:
    return Path(shutil.copy(FIXTURES / "feedback.csv", tmp_path / "Feedback.csv"))


def run(consultation, path: Path):
    bound = load_mapping("original-feedback").bind(open_table(path), consultation)
    return import_mapped(consultation, bound, out=io.StringIO(), progress=False)


def triggers() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        return {name for (name,) in cursor.fetchall()}


def pending() -> int | None:
    with connection.cursor() as cursor:
        return search_index._pending(cursor)


def integrity_check() -> None:
    """FTS5's own check of the index against the response table: raises if any response is
    missing from it, indexed twice, or indexed with other text."""
    with connection.cursor() as cursor:
        table = search_index.FTS_TABLE
        cursor.execute(f"INSERT INTO {table}({table}, rank) VALUES ('integrity-check', 1)")


def searchable() -> None:
    """Every stored response found by its words, once."""
    assert indexed("funding") == 1
    assert indexed("reorganisation") == 1
    assert indexed("moved") == 1
    found = {
        reference
        for word in ("funding", "reorganisation", "moved", "watches")
        for reference in search.matching(Response.objects.all(), word).values_list(
            "reference", flat=True
        )
    }
    assert found == set(Response.objects.values_list("reference", flat=True))
    if connection.vendor == "sqlite":
        integrity_check()
        assert triggers() >= set(search_index.SQLITE_TRIGGERS)
        assert pending() is None


def test_a_large_import_indexes_at_its_end(consultation, feedback, monkeypatch):
    monkeypatch.setattr(deferred_indexes, "DEFER_MIN_ROWS", 1)
    seen: list[tuple[bool, int | None]] = []
    store = bulk_storage._insert

    def watched(batch):
        if connection.vendor == "sqlite":
            seen.append((search_index.INSERT_TRIGGER in triggers(), pending()))
        return store(batch)

    monkeypatch.setattr(bulk_storage, "_insert", watched)
    report = run(consultation, feedback)
    assert (report.imported, report.spam) == (3, 1)
    if connection.vendor == "sqlite":
        assert seen == [(False, 0)]  # stored without the trigger; the index held nothing
    searchable()


def test_a_small_import_indexes_as_it_stores(consultation, feedback, monkeypatch):
    store = bulk_storage._insert
    seen: list[int | None] = []

    def watched(batch):
        seen.append(pending() if connection.vendor == "sqlite" else None)
        return store(batch)

    monkeypatch.setattr(bulk_storage, "_insert", watched)
    run(consultation, feedback)
    assert seen == [None]
    searchable()


@pytest.mark.parametrize("stop", [KeyboardInterrupt, RuntimeError])
def test_an_interrupted_import_leaves_search_working(consultation, feedback, monkeypatch, stop):
    monkeypatch.setattr(deferred_indexes, "DEFER_MIN_ROWS", 1)
    monkeypatch.setattr(row_import, "BATCH_SIZE", 2)
    insert = bulk_storage._insert
    batches = 0

    def interrupted(batch):
        nonlocal batches
        batches += 1
        if batches == 2:
            raise stop()  # in the second batch's transaction
        return insert(batch)

    monkeypatch.setattr(bulk_storage, "_insert", interrupted)
    with pytest.raises(stop):
        bound = load_mapping("original-feedback").bind(open_table(feedback), consultation)
        import_mapped(consultation, bound, out=io.StringIO(), progress=False, batch_size=2)
    assert Response.objects.count() == 2  # the first batch, whole
    assert indexed("funding") == 1
    assert indexed("reorganisation") == 1
    if connection.vendor == "sqlite":
        integrity_check()
        assert pending() is None
    run(consultation, feedback)
    searchable()


def killed_midway(consultation, feedback, monkeypatch) -> None:
    """As an import killed outright (SIGKILL) leaves things: its rows stored, the search
    index deferred, nothing caught up."""
    monkeypatch.setattr(deferred_indexes, "DEFER_MIN_ROWS", 1)
    monkeypatch.setattr(deferred_indexes, "ensure_indexes", lambda using="default": [])
    run(consultation, feedback)
    monkeypatch.undo()


@sqlite_only
def test_the_next_import_indexes_what_a_killed_one_stored(consultation, feedback, monkeypatch):
    killed_midway(consultation, feedback, monkeypatch)
    assert pending() == 0
    assert indexed("funding") == 0  # not searchable yet
    report = run(consultation, feedback)
    assert report.already_there == 4
    searchable()


@sqlite_only
@pytest.mark.parametrize("how", ["migrate", "serve"])
def test_migrate_and_serve_index_what_a_killed_import_stored(
    consultation, feedback, monkeypatch, how
):
    killed_midway(consultation, feedback, monkeypatch)
    if how == "migrate":
        call_command("migrate", interactive=False, verbosity=0)
    else:
        deferred_indexes.ensure_indexes()  # what `serve` runs as it starts (startup.py)
    searchable()


@sqlite_only
def test_changes_while_deferred_leave_the_index_exact(consultation, feedback):
    run(consultation, feedback)  # indexed as usual: up to here the index is complete
    before = Response.objects.order_by("id")
    first, second = before[0], before[1]
    assert search_index.defer()
    assert not search_index.defer()  # deferred once
    upto = pending()
    assert upto == Response.objects.order_by("-id").values_list("id", flat=True)[0]
    later = Response.objects.create(
        reference="SB-T-1",
        consultation="support-offer",
        summary="Allotments for everyone",
        role="x",
    )
    changed_later = Response.objects.create(
        reference="SB-T-2", consultation="support-offer", summary="Bandstands first", role="x"
    )
    assert indexed("allotments") == 0
    # Changed and deleted meanwhile, some indexed before and some not.
    Response.objects.filter(pk=first.pk).update(summary="Cycle lanes instead")
    Response.objects.filter(pk=second.pk).delete()
    Response.objects.filter(pk=changed_later.pk).update(summary="Drinking fountains")
    Response.objects.filter(pk=later.pk).delete()
    assert search_index.catch_up()
    assert not search_index.catch_up()
    integrity_check()
    assert (indexed("funding"), indexed("cycle"), indexed("reorganisation")) == (0, 1, 0)
    assert (indexed("allotments"), indexed("bandstands"), indexed("fountains")) == (0, 0, 1)
    assert triggers() >= set(search_index.SQLITE_TRIGGERS)
    Response.objects.create(
        reference="SB-T-3", consultation="support-offer", summary="Escalators", role="x"
    )
    assert indexed("escalators") == 1


@sqlite_only
def test_catching_up_a_part_at_a_time_leaves_the_index_exact(consultation, feedback):
    """`catch_up_part` indexes the oldest responses stored since `defer`, never past the last
    one stored; changes to the responses it indexed are then kept in the index."""
    run(consultation, feedback)
    assert search_index.defer()
    made = [
        Response.objects.create(
            reference=f"SB-P-{n}", consultation="support-offer", summary=word, role="x"
        )
        for n, word in enumerate(["Allotments", "Bandstands", "Canals"])
    ]
    assert search_index.catch_up_part(2)  # more are left
    assert pending() == made[1].pk
    assert (indexed("allotments"), indexed("bandstands"), indexed("canals")) == (1, 1, 0)
    # Indexed now: its change and its deletion reach the index, as for any indexed one.
    Response.objects.filter(pk=made[0].pk).update(summary="Duck ponds")
    Response.objects.filter(pk=made[1].pk).delete()
    assert (indexed("allotments"), indexed("ponds"), indexed("bandstands")) == (0, 1, 0)
    assert not search_index.catch_up_part(10)  # the last one: nothing is left
    assert pending() == made[2].pk
    assert not search_index.catch_up_part(10)
    later = Response.objects.create(
        reference="SB-P-9", consultation="support-offer", summary="Escalators", role="x"
    )
    assert indexed("escalators") == 0  # still deferred: stored after the last part
    assert search_index.catch_up()
    assert indexed("escalators") == 1 and indexed("canals") == 1
    integrity_check()
    assert later.pk > made[2].pk and pending() is None
    assert not search_index.catch_up_part(10)  # nothing deferred


@sqlite_only
def test_a_large_import_indexes_a_part_while_it_waits_for_rows(consultation, tmp_path, monkeypatch):
    """In its second process's pauses the import puts what it stored in the search index;
    what is left is indexed at its end, the index exact either way."""
    from soundingboard.collect.payloads import PayloadChecker
    from soundingboard.collect.sheet_import import import_sheet, read_sheet

    parts: list[bool] = []
    real_part = search_index.catch_up_part

    def counted(rows: int, using: str = "default") -> bool:
        parts.append(real_part(rows, using))
        return parts[-1]

    real_check = PayloadChecker.check

    def slow_check(self, payload, channel):  # the second process: slower than the storing
        time.sleep(0.002)
        return real_check(self, payload, channel)

    monkeypatch.setattr(search_index, "catch_up_part", counted)
    monkeypatch.setattr(PayloadChecker, "check", slow_check)
    monkeypatch.setattr(deferred_indexes, "DEFER_MIN_ROWS", 100)
    monkeypatch.setattr(deferred_indexes, "CATCH_UP_ROWS", 50)
    monkeypatch.setattr(row_import, "PARALLEL_MIN_ROWS", 100)
    monkeypatch.setattr(row_import, "BATCH_SIZE", 50)  # rows checked at a time
    monkeypatch.setattr(row_import, "LARGE_BATCH_SIZE", 100)  # stored at a time
    rows = "".join(
        f"15/03/2024 10:{n // 60:02d}:{n % 60:02d},/,Row number {n} of the file,"
        "Local authority leadership\n"
        for n in range(600)
    )
    path = tmp_path / "many.csv"
    path.write_text("Timestamp,page,summary,role\n" + rows, encoding="utf-8")
    report = import_sheet(consultation, read_sheet(path, "Feedback"), progress=False)
    assert report.imported == 600
    assert True in parts, "nothing was indexed while the import waited"
    assert pending() is None
    integrity_check()
    assert indexed("row") == 600
