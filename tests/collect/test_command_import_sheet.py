"""`soundingboard import-sheet`: a tab imported end to end, again without doubling, bad rows
skipped and said; refused whole, before the database is made, when it cannot be imported."""

from __future__ import annotations

import datetime as dt
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest
from django.core.management.base import CommandError

from soundingboard.collect.import_command import ImportCommand
from soundingboard.collect.management.commands import import_sheet as command
from soundingboard.collect.sheet_import import TABS
from soundingboard.collect.tables import TableError, Unreadable
from tests.command_line import soundingboard

from .test_sheet_import import FIXTURES, consultation_folder


def import_command(*args: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    """`soundingboard import-sheet ARGS --data-dir DATA_DIR`, on a SQLite database there."""
    return soundingboard("import-sheet", *args, "--data-dir", str(data_dir), data_dir=data_dir)


def test_the_command_knows_the_tabs_the_import_reads():
    assert command.TABS == TABS
    assert command.tab_name("main feedback") == "MainFeedback"


def test_import_sheet_command_end_to_end(tmp_path, reference_ideas):
    folder = str(consultation_folder(tmp_path / "support-offer", reference_ideas))
    data = tmp_path / "data"
    sheet = tmp_path / "Feedback.csv"
    shutil.copy(FIXTURES / "feedback.csv", sheet)

    first = import_command(folder, str(sheet), "--tab", "Feedback", data_dir=data)
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip() == (
        f"{sheet}: 4 rows: imported 3, already there 0, skipped 0 (bad), spam 1"
    )
    again = import_command(folder, str(sheet), "--tab", "feedback", data_dir=data)
    assert again.returncode == 0, again.stderr
    assert "imported 0, already there 4, skipped 0 (bad), spam 0" in again.stdout

    bad_sheet = FIXTURES / "bad-feedback.csv"
    bad = import_command(folder, str(bad_sheet), "--tab", "Feedback", data_dir=data)
    assert bad.returncode == 1
    assert f"{bad_sheet}:7: role: Select your role from the list" in bad.stderr
    assert "imported 3, already there 0, skipped 3 (bad)" in bad.stdout

    with sqlite3.connect(data / "soundingboard.sqlite3") as db:
        stored = db.execute(
            "select submitted_at, channel from collect_response where summary like 'The hub%'"
        ).fetchall()
        total = db.execute("select count(*) from collect_response").fetchone()[0]
    assert total == 7
    assert [(dt.datetime.fromisoformat(when), channel) for when, channel in stored] == [
        (dt.datetime(2024, 3, 15, 9, 5, 7), "import")  # SQLite keeps UTC, without an offset
    ]

    missing_sheet = FIXTURES / "missing-role-column.csv"
    missing = import_command(folder, str(missing_sheet), "--tab", "Feedback", data_dir=data)
    assert missing.returncode == 2
    assert "no “role” column" in missing.stderr

    # Found only as the file is read through: refused all the same, nothing of it stored.
    broken = tmp_path / "broken.csv"
    lines = (FIXTURES / "feedback.csv").read_bytes().splitlines(keepends=True)
    broken.write_bytes(b"".join(lines[:-1]) + b"\xff" + lines[-1])
    refused = import_command(folder, str(broken), "--tab", "Feedback", data_dir=data)
    assert refused.returncode == 2, refused.stderr
    assert f"{broken}:{len(lines)}: is not UTF-8" in refused.stderr
    assert "Traceback" not in refused.stderr
    with sqlite3.connect(data / "soundingboard.sqlite3") as db:
        assert db.execute("select count(*) from collect_response").fetchone()[0] == total


def test_import_sheet_command_needs_a_slug_for_several_consultations(tmp_path, reference_ideas):
    consultation_folder(tmp_path / "many" / "one", reference_ideas, slug="one")
    consultation_folder(tmp_path / "many" / "two", None, slug="two")
    many, data = str(tmp_path / "many"), tmp_path / "data"
    feedback, main = str(FIXTURES / "feedback.csv"), str(FIXTURES / "main-feedback.csv")
    unsure = import_command(many, feedback, "--tab", "Feedback", data_dir=data)
    assert unsure.returncode == 2
    assert "say which with --slug" in unsure.stderr and "one, two" in unsure.stderr
    wrong = import_command(many, feedback, "--tab", "Feedback", "--slug", "three", data_dir=data)
    assert wrong.returncode == 2 and "no consultation “three”" in wrong.stderr
    plain = import_command(many, main, "--tab", "MainFeedback", "--slug", "two", data_dir=data)
    assert plain.returncode == 2 and "no main questionnaire" in plain.stderr
    assert not (data / "soundingboard.sqlite3").exists()  # refused before the database is made


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("error", "status", "said"),
    [
        (Unreadable("sheet.csv:9: is not UTF-8"), 2, "sheet.csv:9: is not UTF-8"),
        (
            TableError("sheet.csv: changed while it was being read; import it again"),
            1,
            "the rows stored so far stay",
        ),
    ],
)
def test_a_file_unreadable_when_read_through_is_refused_one_changed_later_stops(
    error, status, said
):
    """Read through before anything is stored, a file that cannot all be read is refused
    (nothing done); one that changes once rows are stored stops, keeping them."""

    def run():
        raise error

    with pytest.raises(CommandError) as caught:
        ImportCommand().run_import(run, "sheet.csv")
    assert caught.value.returncode == status
    assert said in str(caught.value)
