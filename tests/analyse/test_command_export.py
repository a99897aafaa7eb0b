"""`soundingboard export`: every format written from the command line, formulas inert, each
export in the audit log; XLSX refused on standard output."""

from __future__ import annotations

import json
import sqlite3

import openpyxl

from tests.command_line import soundingboard

from .conftest import SLUG
from .test_exports import read_csv


def test_cli_export_writes_every_format_and_logs(tmp_path, consultation):
    data_dir = tmp_path / "data"
    folder = str(tmp_path / "c")
    made = soundingboard("check", folder, data_dir=data_dir)
    assert made.returncode == 0, made.stderr
    out = tmp_path / "out.csv"
    done = soundingboard(
        "export", folder, "--format", "csv", "--output", str(out), data_dir=data_dir
    )
    assert done.returncode == 0, done.stderr
    assert "Exported 0 responses" in done.stderr
    assert read_csv(out.read_bytes()) == []
    assert out.read_bytes().decode("utf-8-sig").startswith("id,reference,")

    db = sqlite3.connect(data_dir / "soundingboard.sqlite3")
    db.execute(
        "INSERT INTO collect_response (reference, consultation, kind, channel, status, "
        "page_path, page_matched, page_title, section_id, section_title, nature, summary, "
        "details, comments, role, spam_reason, body_hash, submitted_at) VALUES ('SB-AAAA-AAAA', ?, "
        "'page', 'form', 'accepted', '', 1, 'Home', '', '', '', '=1+2', '', '', '', '', '', "
        "'2026-03-30 10:00:00')",
        (SLUG,),
    )
    db.commit()
    for format in ("json", "xlsx"):
        target = tmp_path / f"out.{format}"
        done = soundingboard(
            "export", folder, "--format", format, "-o", str(target), data_dir=data_dir
        )
        assert done.returncode == 0, done.stderr
    assert json.loads((tmp_path / "out.json").read_text())[0]["summary"] == "=1+2"
    sheet = openpyxl.load_workbook(tmp_path / "out.xlsx").active
    cell = sheet.cell(2, 1)
    assert cell.value == 1  # the id
    summary = next(c for c in sheet[2] if c.value == "=1+2")
    assert summary.data_type == "s"
    stdout = soundingboard("export", folder, "--format", "csv", "-o", "-", data_dir=data_dir)
    assert "'=1+2" in stdout.stdout
    events = db.execute(
        "SELECT username, detail FROM analyse_auditevent WHERE action = 'export'"
    ).fetchall()
    assert len(events) == 4
    assert all(username == "" for username, _ in events)
    assert all("command line" in detail for _, detail in events)


def test_cli_export_refuses_xlsx_to_standard_output(tmp_path, consultation):
    done = soundingboard(
        "export", str(tmp_path / "c"), "--format", "xlsx", "-o", "-", data_dir=tmp_path / "d"
    )
    assert done.returncode == 1
    assert "XLSX needs a file" in done.stderr
