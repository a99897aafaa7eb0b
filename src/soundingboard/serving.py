"""Running the site in production: database migrations, static files and gunicorn.

Gunicorn's sync workers serve Django fastest here; the consultations are loaded once in the
master process (`preload_app`) so that every worker shares them and a broken folder stops
the server before it listens.
"""

from __future__ import annotations

import gc
import os
import traceback
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.management import call_command
from django.db import connections
from gunicorn import glogging
from gunicorn.app.base import BaseApplication

from .core.data_dir import keep_files_private

if TYPE_CHECKING:
    from wsgiref.types import WSGIApplication

# The request line without its query string, and no client address: no personal data in logs.
# Only these five values are filled in (`AccessLogger`).
ACCESS_LOG_FORMAT = '"%(m)s %(U)s" %(s)s %(B)s bytes %(M)s ms'


def default_workers() -> int:
    """One sync worker per core (at least 2): measured here, more workers than cores only
    lengthened the tail latencies of durable submissions (docs/performance.md)."""
    return max(2, os.cpu_count() or 1)


def prepare_database_and_static() -> str | None:
    """Migrate the database and collect static files; a message if that cannot be done."""
    built_css = settings.PACKAGE_DIR / "static" / "soundingboard" / "app.css"
    if not built_css.exists():
        return (
            "the front-end files have not been built; run `make assets` (needs npm) "
            "in the soundingboard source folder"
        )
    keep_files_private()  # before the database is opened: an older version left it 0644
    call_command("migrate", interactive=False, verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    keep_files_private()  # and whatever those two made, were the umask not 077
    connections.close_all()  # never share a database connection across fork
    return None


class AccessLogger(glogging.Logger):
    """gunicorn's logger, with the access line built from only the five values it shows.

    gunicorn's own `access()` works out some thirty values for every request (all request and
    response headers among them) and wraps them for case-insensitive look-up, whatever the
    format uses: about a twentieth of a worker's CPU per submission, measured under load."""

    def access(self, resp: Any, req: Any, environ: dict[str, Any], request_time: timedelta) -> None:
        if not self.access_log_enabled:
            return
        status = resp.status
        if isinstance(status, str):
            status = status.split(None, 1)[0]
        values = {
            "m": environ.get("REQUEST_METHOD"),
            "U": environ.get("PATH_INFO"),
            "s": status,
            "B": getattr(resp, "sent", None),
            "M": request_time.seconds * 1000 + request_time.microseconds // 1000,
        }
        try:
            self.access_log.info(self.cfg.access_log_format, values)
        except Exception:
            self.error(traceback.format_exc())


class _Gunicorn(BaseApplication):
    def __init__(self, options: dict[str, object]):
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)
        if "control_socket_disable" in self.cfg.settings:
            # gunicorn 25.1 and later open a control socket, by default one path (under
            # ~/.gunicorn/) for every server the user runs; soundingboard does not use it.
            self.cfg.set("control_socket_disable", True)

    def load(self) -> WSGIApplication:
        from django.urls import get_resolver

        from .wsgi import application

        get_resolver().url_patterns  # noqa: B018 - build the address table before forking
        connections.close_all()
        # Everything loaded so far lives as long as the server: keep the workers' garbage
        # collections from scanning it again and again (each full scan paused a worker for
        # about 35 ms), and keep those pages shared between the workers.
        gc.collect()
        gc.freeze()
        return application


def run_gunicorn(*, host: str, port: int, workers: int | None) -> None:
    _Gunicorn(
        {
            "bind": f"{host}:{port}",
            "workers": workers or default_workers(),
            "worker_class": "sync",
            "preload_app": True,
            "accesslog": "-",
            "access_log_format": ACCESS_LOG_FORMAT,
            "logger_class": AccessLogger,
            # Long enough for a large export download to be written and sent.
            "timeout": 300,
            "graceful_timeout": 10,
            "forwarded_allow_ips": os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1"),
        }
    ).run()
