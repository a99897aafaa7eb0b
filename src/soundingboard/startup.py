"""What `serve` does before and just after it listens: only the work a start needs, and word
when the site really answers.

A restart on a database that is already migrated, with static files already collected from
the same sources, skips both (`prepare_database_and_static`): together they took most of the
8–18 s a start used to take. "Serving at …" is printed once the health check answers through
the address served (`announce_when_ready`), and the address is kept in the data directory
(`run/address`) so that `createuser` can name the address the server really uses.
"""

from __future__ import annotations

import hashlib
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles.finders import get_finders
from django.core.management import call_command
from django.db import connection, connections
from django.db.migrations.executor import MigrationExecutor

from .core.data_dir import keep_files_private
from .core.served_address import address_file, answers

SOURCES_FILE = ".sources"  # in STATIC_ROOT: a digest of the files it was collected from
READY_TIMEOUT_SECONDS = 60.0


def prepare_database_and_static() -> str | None:
    """Migrate the database and collect static files where needed; a message if that cannot
    be done."""
    static = settings.PACKAGE_DIR / "static" / "soundingboard"
    # The public pages' stylesheet and the analyst workspace's (scripts/build-assets.sh).
    if not all((static / name).exists() for name in ("app.css", "workspace.css")):
        return (
            "the front-end files have not been built; run `make assets` (needs npm) "
            "in the soundingboard source folder"
        )
    keep_files_private()  # before the database is opened: an older version left it 0644
    if unapplied_migrations():
        call_command("migrate", interactive=False, verbosity=0)
    else:
        from .collect.deferred_indexes import ensure_indexes  # needs the apps loaded

        ensure_indexes()  # those of an import that was killed outright (migrate does it too)
    collect_static_if_changed()
    keep_files_private()  # and whatever those two made, were the umask not 077
    connections.close_all()  # never share a database connection across fork
    return None


def unapplied_migrations() -> int:
    """How many migrations the database has still to apply."""
    executor = MigrationExecutor(connection)
    return len(executor.migration_plan(executor.loader.graph.leaf_nodes()))


def static_sources_digest() -> str:
    """A digest of every static source file's name, size and modification time."""
    digest = hashlib.sha256()
    for finder in get_finders():
        for name, storage in sorted(finder.list([]), key=lambda found: found[0]):
            stat = Path(storage.path(name)).stat()
            digest.update(f"{name}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def collect_static_if_changed() -> bool:
    """Collect (and compress) the static files unless they were collected from exactly these
    sources; whether they were collected."""
    root = Path(settings.STATIC_ROOT)
    record, manifest = root / SOURCES_FILE, root / "staticfiles.json"
    digest = static_sources_digest()
    if manifest.exists() and record.exists() and record.read_text() == digest:
        return False
    record.unlink(missing_ok=True)  # a collection cut short is never taken for a whole one
    call_command("collectstatic", interactive=False, verbosity=0)
    record.write_text(digest)
    return True


@dataclass(frozen=True)
class Announcement:
    """What `serve` says once the site answers at `base` (such as http://127.0.0.1:8000)."""

    base: str
    message: str

    def now(self) -> None:
        """Say it, and keep the address in the data directory."""
        address_file().parent.mkdir(mode=0o700, exist_ok=True)
        address_file().write_text(self.base)
        print(self.message, flush=True)

    def when_answering(self, timeout: float = READY_TIMEOUT_SECONDS) -> threading.Thread:
        """Say it once the health check answers at `base`, from a thread of its own: started
        only by a process that forks no more (a child forked beside a running thread can
        inherit a lock that thread held, and hang)."""

        def wait() -> None:
            deadline = time.monotonic() + timeout
            while not answers(self.base, timeout=2):
                if time.monotonic() > deadline:
                    print(f"soundingboard: nothing answers at {self.base} yet", flush=True)
                    return
                time.sleep(0.05)
            self.now()

        thread = threading.Thread(target=wait, name="announce", daemon=True)
        thread.start()
        return thread
