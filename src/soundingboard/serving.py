"""Running the site in production: gunicorn and nginx (what comes before: `startup`).

Gunicorn's sync workers serve Django fastest here; the consultations are loaded once in the
master process (`preload_app`) so that every worker shares them and a broken folder stops
the server before it listens. A sync worker is held by one connection until its request has
arrived whole, so the workers never face the network: `serve` starts nginx (soundingboard.nginx)
on the address asked for, and gunicorn on a private unix socket behind it, and watches both.
With `--no-proxy` gunicorn listens on the address itself, for use behind a buffering proxy the
operator runs (docs/running-in-production.md).
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import os
import shutil
import signal
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import connections
from gunicorn import glogging
from gunicorn.app.base import BaseApplication

from . import nginx
from .core.shared_cache import private_cookies
from .core.worker import run_worker

if TYPE_CHECKING:
    from collections.abc import Iterable
    from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

    from .startup import Announcement

# The request line without its query string, and no client address: no personal data in logs.
# Only these five values are filled in (`AccessLogger`).
ACCESS_LOG_FORMAT = '"%(m)s %(U)s" %(s)s %(B)s bytes %(M)s ms'


def default_workers() -> int:
    """One sync worker per core (at least 2): measured here, more workers than cores only
    lengthened the tail latencies of durable submissions (docs/performance.md)."""
    return max(2, os.cpu_count() or 1)


def proxy_problem(*, proxy: bool) -> str | None:
    """Why `serve` cannot start its own nginx, if it cannot; checked before anything is done."""
    if not proxy:
        return None
    if nginx.find_nginx() is None:
        return (
            "nginx is not installed, and `serve` runs it in front of gunicorn so that slow "
            f"or idle clients cannot hold every worker. Install it with `{nginx.INSTALL_COMMAND}`"
            " (in the soundingboard source folder: `bash scripts/install-nginx.sh`), or give "
            "--no-proxy if a buffering proxy of your own stands in front "
            "(docs/running-in-production.md)"
        )
    if settings.HTTPS:
        return (
            "SOUNDINGBOARD_HTTPS=1 says an HTTPS proxy stands in front, and `serve`'s own nginx "
            "would hide from Django which clients came over HTTPS: give --no-proxy, and set "
            "that proxy up as docs/running-in-production.md says"
        )
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
    def __init__(self, options: dict[str, object], *, behind_own_proxy: bool = False):
        self.options = options
        self.behind_own_proxy = behind_own_proxy
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
        return client_from_own_proxy(application) if self.behind_own_proxy else application


def client_from_own_proxy(application: WSGIApplication) -> WSGIApplication:
    """The client's address as soundingboard's own nginx saw it, as REMOTE_ADDR.

    Over the unix socket gunicorn has no peer address to give. Only that nginx can reach the
    private socket, and it replaces any X-Real-IP a client sends, so the header is its word."""

    def with_client(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        environ["REMOTE_ADDR"] = environ.get("HTTP_X_REAL_IP", "")
        return application(environ, start_response)

    return with_client


def gunicorn_options(bind: str, workers: int | None) -> dict[str, object]:
    return {
        "bind": bind,
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


def run_gunicorn(
    *, host: str, port: int, workers: int | None, announcement: Announcement | None = None
) -> None:
    """gunicorn alone on the address (`--no-proxy`)."""
    options = gunicorn_options(f"{host}:{port}", workers)
    if announcement is not None:  # once it listens, before it forks its workers
        options["when_ready"] = lambda server: announcement.now()
    _Gunicorn(options).run()


def serve(
    *,
    host: str,
    port: int,
    workers: int | None,
    proxy: bool,
    announcement: Announcement | None = None,
) -> int:
    """Serve until stopped; the exit status. With `proxy`, nginx on the address and gunicorn
    behind it; if either stops by itself the other is stopped too and the status is 1. The
    outbox's worker (core.worker) runs beside them, as a child process stopped with them.
    `announcement` is made once the site answers."""
    if not proxy:
        worker = _fork(run_worker)
        try:
            run_gunicorn(host=host, port=port, workers=workers, announcement=announcement)
        finally:
            _send(worker, signal.SIGTERM)
            with contextlib.suppress(ChildProcessError):  # gunicorn may have reaped it
                os.waitpid(worker, 0)
        return 0
    run_dir = private_dir(settings.DATA_DIR / "run")
    socket_path = run_dir / "gunicorn.sock"
    spare_dir = None
    if len(os.fsencode(socket_path)) > 100:  # a unix socket's path has at most 107 bytes
        spare_dir = Path(tempfile.mkdtemp(prefix="soundingboard-"))
        socket_path = spare_dir / "gunicorn.sock"
    socket_path.unlink(missing_ok=True)
    config = nginx.write_config(
        run_dir,
        host=host,
        port=port,
        socket=socket_path,
        max_body_bytes=settings.DATA_UPLOAD_MAX_MEMORY_SIZE,
        private_cookies=private_cookies(),
    )
    options = gunicorn_options(f"unix:{socket_path}", workers) | {"umask": 0o077}
    try:
        return _Supervisor().run(
            lambda: _Gunicorn(options, behind_own_proxy=True).run(),
            socket_path,
            nginx.command(str(nginx.find_nginx()), config),
            announcement.when_answering if announcement is not None else None,
        )
    finally:
        socket_path.unlink(missing_ok=True)
        if spare_dir is not None:
            shutil.rmtree(spare_dir, ignore_errors=True)


def private_dir(path: Path) -> Path:
    """A directory only this user may enter (made, or mended, 0700)."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    path.chmod(0o700)
    return path


# How the supervisor stops each child gracefully: gunicorn finishes the requests it has
# (graceful_timeout), nginx finishes sending answers (worker_shutdown_timeout).
_GRACEFUL = {"gunicorn": signal.SIGTERM, "nginx": signal.SIGQUIT, "worker": signal.SIGTERM}
_KILL_AFTER_SECONDS = 20


class _Supervisor:
    """gunicorn, nginx and the outbox's worker as this process's children: started in that
    order, stopped together, and the first to stop by itself stops the others."""

    def __init__(self) -> None:
        self.children: dict[int, str] = {}
        self.stopping = False
        self.failed: str | None = None

    def run(
        self,
        run_gunicorn: Callable[[], None],
        socket: Path,
        nginx_command: list[str],
        when_both_run: Callable[[], object] | None = None,
    ) -> int:
        for number in (signal.SIGINT, signal.SIGTERM):
            signal.signal(number, self._on_stop_signal)
        signal.signal(signal.SIGALRM, lambda *_: self._signal_all(signal.SIGKILL))
        self.children[_fork(run_gunicorn)] = "gunicorn"
        if self._wait_for(socket):
            self.children[_fork(lambda: os.execv(nginx_command[0], nginx_command))] = "nginx"
            self.children[_fork(run_worker)] = "worker"
            if when_both_run is not None:  # after the last fork
                when_both_run()
        while self.children:
            try:
                pid, status = os.waitpid(-1, 0)
            except ChildProcessError:
                break
            name = self.children.pop(pid, None)
            if name and not self.stopping:
                self._fail(f"{name} stopped by itself ({_describe(status)})")
        return 1 if self.failed else 0

    def _wait_for(self, socket: Path) -> bool:
        """Whether gunicorn is listening on its socket (not stopped, not asked to stop)."""
        while not self.stopping:
            if socket.exists():
                return True
            pid, status = os.waitpid(-1, os.WNOHANG)
            if pid:
                self.children.pop(pid, None)
                self._fail(f"gunicorn stopped before it listened ({_describe(status)})")
                return False
            time.sleep(0.05)
        return False

    def _fail(self, reason: str) -> None:
        self.failed = reason
        rest = " and ".join(self.children.values())
        print(
            f"soundingboard: {reason}" + (f"; stopping {rest}" if rest else ""),
            file=sys.stderr,
            flush=True,
        )
        self._stop()

    def _on_stop_signal(self, number: int, frame: object) -> None:
        if self.stopping:  # asked twice: do not wait for the children
            self._signal_all(signal.SIGKILL)
        self._stop()

    def _stop(self) -> None:
        if self.stopping:
            return
        self.stopping = True
        for pid, name in list(self.children.items()):
            _send(pid, _GRACEFUL[name])
        signal.alarm(_KILL_AFTER_SECONDS)

    def _signal_all(self, number: int) -> None:
        for pid in list(self.children):
            _send(pid, number)


def _fork(run: Callable[[], object]) -> int:
    """A child process that runs `run`, and stops if this process dies."""
    parent = os.getpid()
    pid = os.fork()
    if pid:
        return pid
    status = 1
    try:
        for number in (signal.SIGINT, signal.SIGTERM, signal.SIGALRM):
            signal.signal(number, signal.SIG_DFL)
        _die_with_parent(parent)
        run()
        status = 0
    except SystemExit as stop:
        status = stop.code if isinstance(stop.code, int) else int(stop.code is not None)
    except BaseException:
        traceback.print_exc()
    finally:
        sys.stderr.flush()
        sys.stdout.flush()
        os._exit(status)


def _die_with_parent(parent: int) -> None:
    """Linux only: SIGTERM when the parent dies, so that a killed `serve` leaves nothing
    behind (the signal survives nginx's exec)."""
    pr_set_pdeathsig = 1
    try:
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # the parent died before the call
        os._exit(1)


def _send(pid: int, number: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, number)


def _describe(status: int) -> str:
    if os.WIFSIGNALED(status):
        return f"killed by {signal.Signals(os.WTERMSIG(status)).name}"
    return f"exit status {os.waitstatus_to_exitcode(status)}"
