"""Start `soundingboard serve` (nginx in front of gunicorn) for end-to-end tests."""

from __future__ import annotations

import contextlib
import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from django.db import connection

from soundingboard.nginx import find_nginx

REPO = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_database_url() -> str:
    """The address of the database the test process uses, for the server to share it."""
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings['NAME']}"
    user = settings.get("USER") or ""
    auth = f"{user}:{settings.get('PASSWORD') or ''}@" if user else ""
    return f"postgresql://{auth}{settings['HOST']}:{settings['PORT']}/{settings['NAME']}"


@dataclass
class LiveServer:
    url: str
    process: subprocess.Popen[str]
    opener: urllib.request.OpenerDirector

    def get(self, path: str) -> tuple[int, dict[str, str], str]:
        return self._open(urllib.request.Request(self.url + path))

    def post(self, path: str, fields: dict[str, str]) -> tuple[int, dict[str, str], str]:
        body = urllib.parse.urlencode(fields).encode()
        request = urllib.request.Request(self.url + path, data=body, method="POST")
        request.add_header("Referer", self.url + path)
        return self._open(request)

    def _open(self, request: urllib.request.Request) -> tuple[int, dict[str, str], str]:
        try:
            with self.opener.open(request, timeout=30) as reply:
                return reply.status, dict(reply.headers), reply.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read().decode()


@contextlib.contextmanager
def running_server(
    folders: list[Path],
    data_dir: Path,
    *,
    workers: int = 2,
    extra_env: dict[str, str] | None = None,
    proxy: bool = True,
) -> Iterator[LiveServer]:
    """`serve` on a free loopback port; `proxy=False` gives `--no-proxy` (gunicorn alone, as
    behind an operator's own proxy)."""
    if proxy:
        ensure_nginx()
    port = free_port()
    env = {
        **os.environ,
        "SOUNDINGBOARD_DATA_DIR": str(data_dir),
        "DATABASE_URL": test_database_url(),
        "SOUNDINGBOARD_FORM_MIN_SECONDS": "0",
        **(extra_env or {}),
    }
    command = [sys.executable, "-m", "soundingboard.cli", "serve", *map(str, folders)]
    command += ["--port", str(port), "--workers", str(workers)]
    command += [] if proxy else ["--no-proxy"]
    log = open(data_dir / "server.log", "w")  # noqa: SIM115 - closed below
    process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, text=True)
    server = LiveServer(
        f"http://127.0.0.1:{port}",
        process,
        urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())),
    )
    try:
        _wait_until_up(server, data_dir / "server.log")
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def ensure_nginx() -> None:
    """Debian's nginx, installed by the project's own script when it is missing."""
    if find_nginx() is None:
        subprocess.run(["bash", str(REPO / "scripts" / "install-nginx.sh")], check=True)


def _wait_until_up(server: LiveServer, log: Path, limit: float = 60) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"the server stopped:\n{log.read_text()}")
        with contextlib.suppress(OSError):
            if server.get("/-/healthz")[0] == 200:
                return
        time.sleep(0.2)
    raise RuntimeError(f"the server did not answer within {limit} s:\n{log.read_text()}")


def hidden_fields(html: str) -> dict[str, str]:
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html))
