"""Local files are private: another user on the machine cannot read the data directory, which
holds respondents' contact details and analysts' live sessions (the SQLite database and its
-wal and -shm files) and the secret key. An older version left the directory 0755 and its
files 0644; a session key read from it, sent as a cookie, was an analyst's session with
two-factor authentication already passed.

The attack is repeated on a running server, whose data directory starts as an older
version left it; `check` writes nothing; gunicorn's control socket stays off."""

from __future__ import annotations

import html
import os
import re
import sqlite3
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from soundingboard.core import data_dir
from tests.accounts.test_accounts import PASSWORD
from tests.conftest import EXAMPLE
from tests.live_server import hidden_fields, running_server


def mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


def everything_in(folder: Path) -> Iterator[Path]:
    yield folder
    yield from folder.rglob("*")


def readable_by_others(folder: Path) -> list[str]:
    """What in the folder a user other than its owner could read, write or enter."""
    return [
        f"{path.relative_to(folder.parent)} is {mode(path):o}"
        for path in everything_in(folder)
        if not path.is_symlink() and mode(path) & 0o077
    ]


def as_an_older_version_left_it(folder: Path) -> None:
    """A data directory 0755 with its secret key, database and static files 0644."""
    (folder / "static").mkdir(parents=True)
    (folder / "secret_key").write_text("an-older-versions-key-" + "x" * 40)
    sqlite3.connect(folder / "soundingboard.sqlite3").close()
    (folder / "static" / "old.css").write_text("body {}")
    for path in everything_in(folder):
        path.chmod(0o755 if path.is_dir() else 0o644)


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_running_servers_data_directory_is_private(tmp_path):
    data = tmp_path / "data"
    as_an_older_version_left_it(data)
    home = tmp_path / "home"
    home.mkdir()
    environment = {
        "SOUNDINGBOARD_DATA_DIR": str(data),
        "DATABASE_URL": f"sqlite:///{data / 'soundingboard.sqlite3'}",
        "HOME": str(home),
        "XDG_RUNTIME_DIR": "",  # so that gunicorn's control socket would go under HOME
    }
    with running_server([EXAMPLE], tmp_path, extra_env=environment) as server:
        page = "/-/feedback/proposals/opening-hours/"
        _status, _, form = server.get(page)
        status, _, _ = server.post(
            page,
            {
                **hidden_fields(form),
                "about_you": "1",
                "summary": "Stored while the server runs",
                "role": html.unescape(re.search(r'name="role"[^>]*value="([^"]+)"', form)[1]),
                "email": "pat@example.org",
            },
        )
        assert status == 200
        files = ["secret_key", "soundingboard.sqlite3", "soundingboard.sqlite3-wal"]
        files += ["soundingboard.sqlite3-shm", "static/old.css"]
        for name in files:
            assert mode(data / name) == 0o600, name
        assert mode(data) == mode(data / "static") == 0o700
        assert (data / "static" / "soundingboard").is_dir()  # collected while private
        assert readable_by_others(data) == []
        assert list(home.iterdir()) == []  # no ~/.gunicorn/ control socket


def test_the_data_directory_is_made_private(tmp_path, private_umask_off):
    folder = tmp_path / "new" / "data"
    key = data_dir.secret_key(folder)
    assert len(key) > 50
    assert mode(folder) == 0o700
    assert mode(folder / "secret_key") == 0o600
    assert data_dir.secret_key(folder) == key


def test_an_older_data_directory_is_mended_and_links_left_alone(tmp_path, private_umask_off):
    folder = tmp_path / "data"
    as_an_older_version_left_it(folder)
    (folder / "static" / "deep").mkdir()
    (folder / "static" / "deep" / "file.js").write_text("")
    outside = tmp_path / "outside.txt"
    outside.write_text("not ours to change")
    outside.chmod(0o644)
    (folder / "link").symlink_to(outside)
    assert readable_by_others(folder)

    data_dir.make_private(folder)
    assert readable_by_others(folder) == []
    assert mode(outside) == 0o644  # the link was not followed


def test_a_database_outside_the_data_directory_is_made_private(tmp_path, private_umask_off):
    database = tmp_path / "elsewhere.sqlite3"
    for path in (database, Path(f"{database}-wal"), Path(f"{database}-shm")):
        path.write_bytes(b"")
        path.chmod(0o644)
    data_dir.make_database_private(database)
    assert [mode(p) for p in sorted(tmp_path.iterdir())] == [0o600, 0o600, 0o600]


def test_a_command_makes_a_new_database_private(tmp_path):
    """The `soundingboard` command's umask makes what it creates private: here the data
    directory, secret key and database of a first `createuser`."""
    data = tmp_path / "data"
    command = ["createuser", "jo", "--role", "admin", "--password-stdin", "--data-dir", str(data)]
    made = subprocess.run(
        [sys.executable, "-m", "soundingboard.cli", *command],
        input=PASSWORD + "\n",
        env=without_storage_settings(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert made.returncode == 0, made.stderr
    assert (data / "soundingboard.sqlite3").is_file()
    assert readable_by_others(data) == []


def test_check_writes_nothing(tmp_path):
    """`check`, run in an empty folder, leaves it empty: no data directory, no secret key,
    no database."""
    here = tmp_path / "here"
    here.mkdir()
    environment = without_storage_settings() | {"HOME": str(here)}
    checked = subprocess.run(
        [sys.executable, "-m", "soundingboard.cli", "check", str(EXAMPLE)],
        cwd=here,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert checked.returncode == 0, checked.stderr
    assert list(here.iterdir()) == []


def without_storage_settings() -> dict[str, str]:
    """This process's environment without a data directory or database named, so that a
    command run with it uses the defaults, wherever it runs: the soundingboard imported here
    comes first on its path, and it writes no bytecode."""
    unset = ("SOUNDINGBOARD_DATA_DIR", "DATABASE_URL", "SOUNDINGBOARD_SECRET_KEY")
    environment = {k: v for k, v in os.environ.items() if k not in unset}
    source = str(Path(data_dir.__file__).resolve().parents[2])
    path = os.pathsep.join([source, *filter(None, [environment.get("PYTHONPATH")])])
    return environment | {"PYTHONPATH": path, "PYTHONDONTWRITEBYTECODE": "1"}


@pytest.fixture
def private_umask_off() -> Iterator[None]:
    """The usual umask (022) of a process that did not set its own, so that what is tested
    is that the files are made private, not that the umask made them so."""
    before = os.umask(0o022)
    yield
    os.umask(before)
