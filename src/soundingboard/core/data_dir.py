"""The data directory, kept private to the user that runs soundingboard.

It holds respondents' contact details and analysts' live sessions (the SQLite database and
its -wal and -shm files), the secret key that signs cookies, and the collected static files.
No other local user may read any of it: the directory is 0700 and every file in it 0600,
made so whenever it is created and mended on every start (an older version left it 0755 and
its files 0644). The `soundingboard` command also sets the process's umask to 077, so that
anything written later (SQLite's -wal and -shm files, a new database, a static embedding)
is private from the start.

`soundingboard check` writes nothing at all: it runs with a throwaway key and no database.
"""

from __future__ import annotations

import logging
import os
import secrets
import stat
from pathlib import Path

logger = logging.getLogger(__name__)

PRIVATE_UMASK = 0o077
DIRECTORY_MODE = 0o700
FILE_MODE = 0o600
SECRET_KEY_FILE = "secret_key"
# SQLite's files beside a database: the write-ahead log, its index, a rollback journal.
SQLITE_COMPANIONS = ("-wal", "-shm", "-journal")


def use_private_umask() -> None:
    """Files and directories this process creates from now on are its user's alone."""
    os.umask(PRIVATE_UMASK)


def use_no_files() -> None:
    """Settings for a command that must write nothing, such as `check`: a throwaway secret
    key (so none is generated into a data directory) and an in-memory database."""
    os.environ["SOUNDINGBOARD_SECRET_KEY"] = secrets.token_urlsafe(50)
    os.environ["DATABASE_URL"] = "sqlite://:memory:"


def secret_key(data_dir: Path) -> str:
    """The key kept in the data directory, generated (0600) the first time."""
    make_directory(data_dir)
    key_file = data_dir / SECRET_KEY_FILE
    try:
        descriptor = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    except FileExistsError:
        _make_private(key_file, FILE_MODE)  # made by another process, or by an older version
    else:
        with os.fdopen(descriptor, "w") as handle:
            handle.write(secrets.token_urlsafe(50))
    return key_file.read_text().strip()


def make_directory(data_dir: Path) -> None:
    """The data directory, created (with its parents) if need be, and 0700."""
    data_dir.mkdir(mode=DIRECTORY_MODE, parents=True, exist_ok=True)
    _make_private(data_dir, DIRECTORY_MODE)


def make_private(data_dir: Path) -> None:
    """Create the data directory if need be, then make it and everything in it private:
    directories 0700, files 0600. Symbolic links are neither changed nor followed."""
    make_directory(data_dir)
    for folder, directories, files in os.walk(data_dir):
        for name in directories:
            _make_private(Path(folder, name), DIRECTORY_MODE)
        for name in files:
            _make_private(Path(folder, name), FILE_MODE)


def make_database_private(database: Path) -> None:
    """An SQLite database and its companion files, wherever they are, 0600."""
    for path in (database, *(Path(f"{database}{suffix}") for suffix in SQLITE_COMPANIONS)):
        _make_private(path, FILE_MODE)


def keep_files_private() -> None:
    """On start: the data directory of the settings in use (created if the SQLite database
    is to be made in it), and the SQLite database if it lies elsewhere, made private."""
    from django.conf import settings

    data_dir = Path(settings.DATA_DIR).resolve()
    database = settings.DATABASES["default"]
    name = str(database.get("NAME") or "")
    sqlite = database["ENGINE"].endswith("sqlite3") and name and ":memory:" not in name
    path = Path(name).resolve() if sqlite else None
    if data_dir.exists() or (path and path.is_relative_to(data_dir)):
        make_private(data_dir)
    if path and not path.is_relative_to(data_dir):
        make_database_private(path)


def _make_private(path: Path, mode: int) -> None:
    """Give a file or directory this mode unless it has it; a symbolic link, a missing file
    or one that cannot be changed (another user's) is left alone, with a warning for the
    last."""
    try:
        now = path.lstat()
    except FileNotFoundError:
        return
    if stat.S_ISLNK(now.st_mode) or stat.S_IMODE(now.st_mode) == mode:
        return
    try:
        os.chmod(path, mode)
    except OSError as error:
        logger.warning("Could not make %s private (mode %o): %s", path, mode, error)
