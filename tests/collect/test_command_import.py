"""`soundingboard import FILE --mapping MAPPING`: end to end, again without doubling, a bad
row said with its line, a mapping that does not fit refused before the database is made."""

from __future__ import annotations

import sqlite3
import subprocess
from pathlib import Path

from tests.command_line import soundingboard

from .test_sheet_import import FIXTURES, consultation_folder


def import_command(*args: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    return soundingboard("import", *args, "--data-dir", str(data_dir), data_dir=data_dir)


def test_import_command_end_to_end(tmp_path, reference_ideas):
    folder = str(consultation_folder(tmp_path / "support-offer", reference_ideas))
    data = tmp_path / "data"
    sheet = str(FIXTURES / "feedback.csv")

    bad_mapping = tmp_path / "bad.yml"
    bad_mapping.write_text("date: Timestamp\ncolumns:\n  summary: Résumé\n  role: Role\n")
    refused = import_command(folder, sheet, "--mapping", str(bad_mapping), data_dir=data)
    assert refused.returncode == 2
    assert f"{bad_mapping}:3: summary: {sheet}:1 has no column “Résumé”" in refused.stderr
    assert not (data / "soundingboard.sqlite3").exists()

    first = import_command(folder, sheet, "--mapping", "original-feedback", data_dir=data)
    assert first.returncode == 0, first.stderr
    assert (
        first.stdout.strip()
        == f"{sheet}: 4 rows: imported 3, already there 0, skipped 0 (bad), spam 1"
    )
    again = import_command(folder, sheet, "--mapping", "original-feedback", data_dir=data)
    assert "imported 0, already there 4" in again.stdout

    bad_sheet = str(FIXTURES / "bad-feedback.csv")
    bad = import_command(folder, bad_sheet, "--mapping", "original-feedback", data_dir=data)
    assert bad.returncode == 1
    assert f"{bad_sheet}:7: role: “Astronaut” is not one of the consultation's roles" in bad.stderr
    with sqlite3.connect(data / "soundingboard.sqlite3") as db:
        channels = db.execute("select distinct channel from collect_response").fetchall()
    assert channels == [("import",)]
