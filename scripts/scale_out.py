"""Scale out, as a worked example: two soundingboard servers on one PostgreSQL, with nginx
balancing requests between them, all on this machine's loopback address.

    export DATABASE_URL=postgresql://user:password@db.internal/soundingboard
    python scripts/scale_out.py FOLDER... [--port 8080] [--workers 2]
    bash scripts/with-postgres.sh python scripts/scale_out.py FOLDER   # a throwaway PostgreSQL

It stands for the production layout of docs/running-in-production.md ("Several machines"):
each app server would be a machine of its own running `soundingboard serve --no-proxy`, and
the balancer a machine (or a cloud load balancer) in front. Here each server is a process on
its own loopback port; the balancer is nginx with the configuration `serve`'s own nginx uses
(soundingboard.nginx: whole requests in, whole answers out, short timeouts), its upstream
listing both servers. What the servers share, and what each keeps to itself:

- shared: the database (DATABASE_URL), the secret key (SOUNDINGBOARD_SECRET_KEY: a key made
  for this run unless one is set), the rate-limit counts (SOUNDINGBOARD_RATE_LIMIT_STORE=
  database, kept in that database), and the same soundingboard and consultation folders,
  so that each collects identical static files;
- each its own: the data directory (collected static files, gunicorn's files; never a SQLite
  database, since DATABASE_URL names PostgreSQL), and the balancer's own directory for its
  configuration and the requests and answers it buffers.

The balancer sends a request that no server received to the other server, but never sends
a POST twice (soundingboard.nginx.RETRIES says why). To restart one server without failing
anyone, take it out of the balancer first (`Balancer.take_out`), stop it, start it and put
it back (`Balancer.put_back`).

The first server starts alone and applies the database migrations; the second starts once
the first answers. Everything lives in a temporary directory that is deleted at the end.
Ctrl-C (or SIGTERM) stops the balancer, then the servers, each gracefully.

tests/durability/test_scale_out.py runs this layout, restarts one server at a time under
load (killed, then taken out and stopped), and checks that every confirmed submission is
stored exactly once.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from soundingboard import nginx

HOST = "127.0.0.1"
MAX_BODY_BYTES = 2_621_440  # Django's DATA_UPLOAD_MAX_MEMORY_SIZE, as `serve` gives its nginx


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def healthy(port: int) -> bool:
    """Whether GET /-/healthz on the port answers 200 (the process and the database answer)."""
    connection = http.client.HTTPConnection(HOST, port, timeout=5)
    try:
        connection.request("GET", "/-/healthz")
        return connection.getresponse().status == 200
    except (OSError, http.client.HTTPException):
        return False
    finally:
        connection.close()


def _stop_group(process: subprocess.Popen[bytes], number: int, limit: float) -> None:
    """Send `number` to the process's group (it leads one of its own), SIGKILL the group if
    the process has not gone within `limit` seconds, and wait until no member is left."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, number)
    try:
        process.wait(timeout=limit)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:  # workers may outlive their master by a moment
        try:
            os.killpg(process.pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.02)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)


@dataclass
class AppServer:
    """One `soundingboard serve --no-proxy` on its own loopback port and data directory."""

    name: str
    folders: Sequence[Path]
    data_dir: Path
    env: dict[str, str]
    workers: int = 2
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def log(self) -> Path:
        return self.data_dir.parent / f"{self.name}.log"

    def start(self, limit: float = 60) -> None:
        """Start the server and wait until it answers /-/healthz."""
        command = [sys.executable, "-m", "soundingboard.cli", "serve", *map(str, self.folders)]
        command += ["--host", HOST, "--port", str(self.port), "--workers", str(self.workers)]
        command += ["--no-proxy"]  # the balancer in front does nginx's work
        env = {**os.environ, **self.env, "SOUNDINGBOARD_DATA_DIR": str(self.data_dir)}
        with open(self.log, "ab") as log:
            # A session of its own, so that a signal reaches the master and its workers.
            self.process = subprocess.Popen(
                command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        deadline = time.monotonic() + limit
        while not healthy(self.port):
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} stopped:\n{self.log.read_text()[-3000:]}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"{self.name} did not answer within {limit} s")
            time.sleep(0.05)

    def stop(self) -> None:
        """Stop gracefully: gunicorn closes its socket and finishes the requests it has."""
        if self.process is not None:
            _stop_group(self.process, signal.SIGTERM, limit=20)

    def kill(self) -> None:
        """Stop at once, master and workers, as a crash would."""
        if self.process is not None:
            _stop_group(self.process, signal.SIGKILL, limit=10)


@dataclass
class Balancer:
    """nginx on a loopback port, balancing between the servers' ports."""

    run_dir: Path
    upstream_ports: Sequence[int]
    port: int = field(default_factory=free_port)
    down: set[int] = field(default_factory=set)  # servers taken out, to be stopped
    process: subprocess.Popen[bytes] | None = None

    def write_config(self) -> Path:
        return nginx.write_config(
            self.run_dir,
            host=HOST,
            port=self.port,
            max_body_bytes=MAX_BODY_BYTES,
            upstreams=[f"{HOST}:{port}" for port in self.upstream_ports],
            down={f"{HOST}:{port}" for port in self.down},
        )

    def start(self, limit: float = 10) -> None:
        found = nginx.find_nginx()
        if found is None:
            raise RuntimeError(f"nginx is not installed: {nginx.INSTALL_COMMAND}")
        self.run_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        config = self.write_config()
        with open(self.run_dir / "nginx.log", "ab") as log:
            self.process = subprocess.Popen(
                nginx.command(found, config),
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + limit
        while not healthy(self.port):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"nginx did not start: {config}")
            time.sleep(0.05)

    def take_out(self, port: int) -> None:
        """Send a server no more requests, and return once it has answered those it had:
        then it can be stopped without failing anyone."""
        self.down.add(port)
        self.reload()

    def put_back(self, port: int) -> None:
        self.down.discard(port)
        self.reload()

    def reload(self, limit: float = 30) -> None:
        """Rewrite the configuration and have nginx load it (SIGHUP, as `nginx -s reload`);
        return once every worker that had the old one has finished its requests and gone."""
        assert self.process is not None
        old = self._workers()
        self.write_config()
        self.process.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + limit
        while (workers := self._workers()) & old or not workers:
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"nginx did not reload within {limit} s")
            time.sleep(0.05)

    def _workers(self) -> set[int]:
        """The nginx master's children (Linux's /proc)."""
        assert self.process is not None
        pid = self.process.pid
        with contextlib.suppress(OSError):
            return set(map(int, Path(f"/proc/{pid}/task/{pid}/children").read_text().split()))
        return set()

    def stop(self) -> None:
        """SIGQUIT: nginx stops taking connections and finishes sending its answers."""
        if self.process is not None:
            _stop_group(self.process, signal.SIGQUIT, limit=15)


@dataclass
class Site:
    servers: list[AppServer]
    balancer: Balancer

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.balancer.port}/"


def shared_env(database_url: str, secret_key: str) -> dict[str, str]:
    """The settings every server must have alike."""
    return {
        "DATABASE_URL": database_url,
        "SOUNDINGBOARD_SECRET_KEY": secret_key,
        "SOUNDINGBOARD_RATE_LIMIT_STORE": "database",
        # The balancer's address: the servers believe its X-Forwarded-For, and only its.
        "FORWARDED_ALLOW_IPS": HOST,
    }


@contextlib.contextmanager
def scale_out(
    folders: Sequence[Path],
    work_dir: Path,
    env: dict[str, str],
    *,
    servers: int = 2,
    workers: int = 2,
    port: int | None = None,
) -> Iterator[Site]:
    """Start `servers` app servers with `env` (shared_env and any more) and a balancer in
    front, under `work_dir`; stop them all at the end."""
    if not env.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        raise ValueError(
            "DATABASE_URL must name a PostgreSQL database: every server must use the same one, "
            "and a SQLite file belongs to one machine"
        )
    app_servers = [
        AppServer(f"server-{n}", folders, work_dir / f"server-{n}" / "data", env, workers)
        for n in range(1, servers + 1)
    ]
    balancer = Balancer(work_dir / "balancer", [s.port for s in app_servers])
    if port is not None:
        balancer.port = port
    try:
        for server in app_servers:
            server.data_dir.mkdir(mode=0o700, parents=True)
            server.start()  # one at a time: the first applies the migrations
        balancer.start()
        yield Site(app_servers, balancer)
    finally:
        balancer.stop()
        for server in app_servers:
            server.stop()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folders", nargs="+", type=Path, help="consultation folders")
    parser.add_argument("--port", type=int, default=8080, help="the balancer's port")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per server")
    arguments = parser.parse_args(argv)
    database_url = os.environ.get("DATABASE_URL", "")
    secret_key = os.environ.get("SOUNDINGBOARD_SECRET_KEY") or secrets.token_urlsafe(50)
    work_dir = Path(tempfile.mkdtemp(prefix="soundingboard-scale-out-"))
    stopped = False

    def on_stop(number: int, frame: object) -> None:
        nonlocal stopped
        stopped = True

    signal.signal(signal.SIGTERM, on_stop)
    signal.signal(signal.SIGINT, on_stop)
    try:
        env = shared_env(database_url, secret_key)
        with scale_out(
            arguments.folders, work_dir, env, workers=arguments.workers, port=arguments.port
        ) as site:
            for server in site.servers:
                print(f"{server.name}: {HOST}:{server.port}, log {server.log}", file=sys.stderr)
            print(f"Balancing between them at {site.url} (Ctrl-C stops)", file=sys.stderr)
            while not stopped:
                time.sleep(0.2)
    except (RuntimeError, ValueError) as problem:
        print(f"scale_out: {problem}", file=sys.stderr)
        return 1
    finally:
        shutil.rmtree(work_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
