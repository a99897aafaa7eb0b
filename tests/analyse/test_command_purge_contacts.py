"""`soundingboard purge-contacts`: refused without a retention date or --before, done with
one, and a date that is not one refused."""

from __future__ import annotations

from tests.command_line import soundingboard


def test_cli_purge_contacts(tmp_path, retained, consultation):
    data_dir = tmp_path / "data"
    refused = soundingboard("purge-contacts", str(tmp_path / "c"), data_dir=data_dir)
    assert refused.returncode == 1
    assert "give the date with --before" in refused.stderr
    done = soundingboard(
        "purge-contacts", str(tmp_path / "r"), "--before", "2026-04-01", data_dir=data_dir
    )
    assert done.returncode == 0, done.stderr
    assert "Removed 0 contact records" in done.stdout
    bad = soundingboard(
        "purge-contacts", str(tmp_path / "r"), "--before", "soon", data_dir=data_dir
    )
    assert bad.returncode == 2
    assert "not a date" in bad.stderr
