"""`soundingboard erase`: it asks before erasing, erases every contact record with the
address, keeps the answers, and logs the erasure without the address."""

from __future__ import annotations

import sqlite3

from tests.command_line import soundingboard


def test_cli_erase_asks_then_erases(tmp_path):
    data_dir = tmp_path / "data"
    first = soundingboard("erase", "--email", "x@example.org", "--yes", data_dir=data_dir)
    assert first.returncode == 0, first.stderr
    assert "nothing was erased" in first.stdout
    db = sqlite3.connect(data_dir / "soundingboard.sqlite3")
    db.execute(
        "INSERT INTO collect_contact (email, organisation, created_at, visit_token, "
        "notify_when_published) "
        "VALUES ('X@example.org', 'X org', '2026-03-01 00:00:00', 'a-random-visit-token', 0)"
    )
    contact_id = db.execute("SELECT max(id) FROM collect_contact").fetchone()[0]
    db.execute(
        "INSERT INTO collect_response (reference, consultation, kind, channel, status, "
        "page_path, page_matched, page_title, section_id, section_title, nature, summary, "
        "details, comments, role, spam_reason, body_hash, submitted_at, contact_id) VALUES "
        "('SB-X', 'c', 'page', 'form', 'accepted', '', 1, '', '', '', '', 'kept', '', '', "
        "'', '', '', '2026-03-30 10:00:00', ?)",
        (contact_id,),
    )
    db.commit()
    refused = soundingboard("erase", "--email", "x@example.org", data_dir=data_dir, stdin="no\n")
    assert refused.returncode == 1
    assert "Found 1 contact record with" in refused.stdout
    assert db.execute("SELECT count(*) FROM collect_contact").fetchone()[0] == 1
    done = soundingboard("erase", "--email", "x@example.org", data_dir=data_dir, stdin="yes\n")
    assert done.returncode == 0, done.stderr
    assert db.execute("SELECT count(*) FROM collect_contact").fetchone()[0] == 0
    assert db.execute("SELECT summary, contact_id FROM collect_response").fetchall() == [
        ("kept", None)
    ]
    details = [
        d for (d,) in db.execute("SELECT detail FROM analyse_auditevent WHERE action='erasure'")
    ]
    assert len(details) == 1  # the first run found nothing and erased nothing
    assert "command line" in details[-1] and "example.org" not in "".join(details)
