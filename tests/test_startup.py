"""What `serve` does before it listens: only the work a start needs (soundingboard.startup)."""

from __future__ import annotations

import pytest

from soundingboard import startup


@pytest.fixture
def commands_run(tmp_path, settings, monkeypatch):
    """The management commands `prepare_database_and_static` runs, by name, instead of
    running them; collectstatic leaves a manifest as the real one does."""
    settings.STATIC_ROOT = tmp_path / "static"
    run: list[str] = []

    def call_command(name: str, **options: object) -> None:
        run.append(name)
        if name == "collectstatic":
            settings.STATIC_ROOT.mkdir(exist_ok=True)
            (settings.STATIC_ROOT / "staticfiles.json").write_text("{}")

    monkeypatch.setattr(startup, "call_command", call_command)
    # Closed before gunicorn forks; here it would close the test's own connection.
    monkeypatch.setattr(startup.connections, "close_all", lambda: None)
    return run


@pytest.mark.django_db
def test_a_restart_on_a_migrated_database_migrates_and_collects_nothing(commands_run):
    assert startup.unapplied_migrations() == 0  # the test database is migrated
    assert startup.prepare_database_and_static() is None
    assert commands_run == ["collectstatic"]
    commands_run.clear()
    assert startup.prepare_database_and_static() is None
    assert commands_run == []


@pytest.mark.django_db
def test_changed_static_files_are_collected_again(commands_run, settings, monkeypatch):
    startup.prepare_database_and_static()
    monkeypatch.setattr(startup, "static_sources_digest", lambda: "another")
    startup.prepare_database_and_static()
    assert commands_run == ["collectstatic", "collectstatic"]


@pytest.mark.django_db
def test_a_collection_cut_short_is_made_again(commands_run, settings):
    startup.prepare_database_and_static()
    (settings.STATIC_ROOT / "staticfiles.json").unlink()
    startup.prepare_database_and_static()
    assert commands_run == ["collectstatic", "collectstatic"]


def test_the_digest_follows_the_static_sources(tmp_path, settings):
    settings.STATICFILES_DIRS = [tmp_path]
    (tmp_path / "a.css").write_text("a {}")
    first = startup.static_sources_digest()
    assert startup.static_sources_digest() == first
    (tmp_path / "a.css").write_text("a { color: red }")
    assert startup.static_sources_digest() != first


@pytest.mark.django_db
def test_a_database_with_migrations_to_apply_is_migrated(commands_run, monkeypatch):
    monkeypatch.setattr(startup, "unapplied_migrations", lambda: 2)
    startup.prepare_database_and_static()
    assert commands_run == ["migrate", "collectstatic"]


@pytest.mark.django_db
def test_a_start_remakes_indexes_an_import_killed_outright_left_dropped(commands_run):
    from django.db import connection

    from soundingboard.collect import deferred_indexes

    declared = {index.name for _, index in deferred_indexes.declared()}
    with connection.cursor() as cursor:
        cursor.execute(f"DROP INDEX {connection.ops.quote_name('response_analysis_cube_idx')}")
    assert "response_analysis_cube_idx" not in deferred_indexes.present()
    assert startup.prepare_database_and_static() is None
    assert deferred_indexes.present() >= declared
