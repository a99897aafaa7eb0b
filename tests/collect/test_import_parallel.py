"""A large import reads and checks its rows in a forked process while the first stores them:
the same reports, lines, counts and stored rows as when one process does both.

The sheet and mapped imports' own tests are run again here with every import forked."""

from __future__ import annotations

import io
import multiprocessing
import shutil
from pathlib import Path

import pytest

from soundingboard.collect import bulk_storage, forked_stream, row_import
from soundingboard.collect.models import Response
from soundingboard.collect.sheet_import import import_sheet, read_sheet
from soundingboard.collect.tables import TableError
from soundingboard.publish.loader import load_consultation

from .test_mapped_import import (  # noqa: F401  # run again here, forked
    test_a_survey_export_through_a_mapping_of_ones_own,
    test_original_feedback_tab_through_its_mapping,
    test_original_main_feedback_tab_through_its_mapping,
    test_values_that_map_to_nothing_are_reported_with_row_and_mapping_line,
    test_xlsx_rows_are_named_by_sheet_and_row,
)
from .test_sheet_import import (  # noqa: F401  # run again here, forked
    FIXTURES,
    consultation_folder,
    test_another_export_of_the_same_rows_adds_nothing,
    test_bad_questionnaire_rows_leave_nothing_behind,
    test_bad_rows_are_reported_with_their_line_and_skipped,
    test_batches_keep_counts_and_lines_across_them,
    test_feedback_sheet_is_imported,
    test_identical_rows_within_a_file_are_one_response,
    test_main_feedback_sheet_is_imported,
    test_progress_bar_counts_rows,
    test_rows_of_another_tab_and_stray_cells_are_refused,
    test_running_again_adds_nothing,
    test_unreadable_files_are_refused_whole,
)


@pytest.fixture
def consultation(tmp_path: Path, reference_ideas):
    return load_consultation(consultation_folder(tmp_path / "support-offer", reference_ideas))


forks = "fork" in multiprocessing.get_all_start_methods()
pytestmark = pytest.mark.skipif(not forks, reason="no fork() here: imports check in-process")


@pytest.fixture(autouse=True)
def forked(monkeypatch):
    """Every import in these tests checks its rows in a forked process."""
    started: list[int] = []
    checked = row_import._checked_batches

    def watched(*args, parallel, **kwargs):
        checking = checked(*args, parallel=True, **kwargs)
        assert isinstance(checking, forked_stream.ForkedStream)
        started.append(checking.worker.pid or 0)
        return checking

    monkeypatch.setattr(row_import, "_checked_batches", watched)
    yield started
    assert not multiprocessing.active_children()  # every checking process ended


def import_bad(consultation, tmp_path: Path) -> tuple[row_import.ImportReport, str]:
    path = Path(shutil.copy(FIXTURES / "bad-feedback.csv", tmp_path / "bad.csv"))
    out = io.StringIO()
    report = import_sheet(consultation, read_sheet(path, "Feedback"), out=out, progress=False)
    return report, out.getvalue()


@pytest.mark.django_db
def test_forked_and_not_say_and_store_the_same(consultation, tmp_path, forked, monkeypatch):
    report, out = import_bad(consultation, tmp_path)
    assert forked and report.skipped and report.imported
    stored = sorted(Response.objects.values_list("submission_token", "summary", "status"))
    Response.objects.all().delete()
    monkeypatch.undo()  # checked here, in this process
    here, out_here = import_bad(consultation, tmp_path)
    assert (report, out) == (here, out_here)
    assert sorted(Response.objects.values_list("submission_token", "summary", "status")) == stored


class Unpicklable(Exception):
    def __reduce__(self):
        raise TypeError("cannot be sent")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("stop", "raised", "message"),
    [
        (TableError("Feedback.csv:4: is not valid CSV"), TableError, "Feedback.csv:4: is not"),
        (Unpicklable("odd"), RuntimeError, "Unpicklable: odd"),
    ],
)
def test_an_error_reading_rows_is_raised_here(
    consultation, tmp_path, monkeypatch, stop, raised, message
):
    path = Path(shutil.copy(FIXTURES / "feedback.csv", tmp_path / "Feedback.csv"))
    sheet = read_sheet(path, "Feedback")
    rows = sheet.rows

    def failing():
        yield from list(rows())[:2]
        raise stop

    monkeypatch.setattr(sheet, "rows", failing)
    with pytest.raises(raised, match=message):
        import_sheet(consultation, sheet, out=io.StringIO(), progress=False, batch_size=1)
    assert Response.objects.count() <= 2  # the batches before it, whole


@pytest.mark.django_db
def test_ctrl_c_while_storing_stops_the_checking_process(consultation, tmp_path, monkeypatch):
    def interrupted(batch):
        raise KeyboardInterrupt

    monkeypatch.setattr(bulk_storage, "_insert", interrupted)
    with pytest.raises(KeyboardInterrupt):
        import_bad(consultation, tmp_path)
    assert Response.objects.count() == 0
