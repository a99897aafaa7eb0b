"""Slow and idle clients against each way of serving, and what each way costs in throughput.

The attack: idle connections (open, sending nothing), slow-header connections (a request
line, then a header line every few seconds, never finishing) and slow-body connections
(complete headers announcing a body, then one byte of it every few seconds), held open for a
while; a connection the server closes is opened again at once. Every attack connection comes
from a loopback address of its own (127.1.x.y), as a crowd of machines would, so that a limit
per client address does not decide the result; the probe comes from 127.0.0.1 and asks for a
page once a second on a new connection. The attack has failed if every probe is answered,
200, within 1 s.

Throughput: K clients each asking for a page (or /-/healthz) on a new connection as soon as the
last one was answered (bench/intake_load.py's generator), for each design in turn, in rounds,
so that every design is measured beside the others while the machine is in the same state.

The designs: `sync` (gunicorn's sync workers alone on the network: `serve --no-proxy`),
`nginx` (`serve`: nginx in front of the sync workers), `gthread` (gunicorn's threaded
workers alone on the network; started by this script, since `serve` does not offer them).
Loopback only; every count and duration is bounded. See bench/README.md; results in
docs/performance.md ("Slow clients").
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import http.client
import os
import platform
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import intake_load  # the generator and server helpers of bench/intake_load.py

HOST = "127.0.0.1"
DESIGNS = ("sync", "nginx", "gthread")
PROBE_PATH = "/"
CONTENT_PATH = "/intake/"


# --- the attack -----------------------------------------------------------------------------


@dataclass
class Attack:
    idle: int = 200
    slow_header: int = 50
    slow_body: int = 50
    interval: float = 5.0  # seconds between the slow connections' bytes
    hold: float = 60.0  # seconds the attack is held, probing once a second
    probe_timeout: float = 5.0  # a probe not answered by then counts as unanswered


@dataclass
class AttackResult:
    design: str
    # (seconds, "HTTP 200" or what went wrong); seconds is None for no answer in time
    probes: list[tuple[float | None, str]] = field(default_factory=list)
    statuses: Counter[str] = field(default_factory=Counter)
    baseline: list[float] = field(default_factory=list)  # probes before the attack
    reopened: int = 0  # attack connections the server closed (and the attacker reopened)
    opened: int = 0

    @property
    def within_1s(self) -> int:
        """Probes answered 200 within 1 s."""
        return sum(1 for t, s in self.probes if t is not None and t <= 1.0 and s == "HTTP 200")

    def row(self) -> dict[str, object]:
        answered = sorted(t for t, _ in self.probes if t is not None)
        return {
            "design": self.design,
            "probes": len(self.probes),
            "within_1s": self.within_1s,
            "unanswered": sum(1 for t, _ in self.probes if t is None),
            "p50_ms": statistics.median(answered) * 1000 if answered else float("nan"),
            "max_ms": answered[-1] * 1000 if answered else float("nan"),
            "baseline_ms": statistics.median(self.baseline) * 1000 if self.baseline else 0.0,
            "statuses": dict(self.statuses),
            "attack_reopened": self.reopened,
        }


def attacker_address(i: int) -> str:
    """A loopback source address of its own for attack connection `i` (Linux answers the whole
    of 127.0.0.0/8)."""
    return f"127.1.{i // 250}.{i % 250 + 1}"


async def _connect(port: int, source: str | None) -> socket.socket:
    loop = asyncio.get_running_loop()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setblocking(False)
    if source:
        sock.bind((source, 0))
    await loop.sock_connect(sock, (HOST, port))
    return sock


async def _hold(kind: str, port: int, source: str, attack: Attack, result: AttackResult) -> None:
    """One attack connection, opened again whenever the server closes it, until cancelled."""
    loop = asyncio.get_running_loop()
    start = {
        "idle": b"",
        "header": b"GET / HTTP/1.1\r\nHost: localhost\r\nUser-Agent: slow\r\n",
        "body": (
            b"POST /-/api/intake HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json"
            b"\r\nContent-Length: 100000\r\n\r\n{"
        ),
    }[kind]
    drip = {"idle": b"", "header": b"X-Slow: 1\r\n", "body": b" "}[kind]
    first = True
    while True:
        try:
            sock = await _connect(port, source)
        except OSError:
            await asyncio.sleep(0.5)
            continue
        result.opened += 1
        if not first:
            result.reopened += 1
        first = False
        try:
            if start:
                await loop.sock_sendall(sock, start)
            while True:
                # Wait for the server to close (or answer) while dripping the next byte.
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(attack.interval):
                        if not await loop.sock_recv(sock, 4096):
                            break  # closed by the server: open another
                        break  # answered (e.g. refused): open another
                if drip:
                    await loop.sock_sendall(sock, drip)
        except OSError:
            pass
        finally:
            sock.close()


async def _probe_once(port: int, path: str, timeout: float) -> tuple[float | None, str]:
    raw = f"GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n".encode()
    start = time.perf_counter()
    try:
        intake_load.PORT[0] = port
        status, *_ = await intake_load._exchange(raw, timeout)
    except TimeoutError:
        return None, f"no answer in {timeout:g} s"
    except (OSError, asyncio.IncompleteReadError, ValueError) as error:
        return None, type(error).__name__
    return time.perf_counter() - start, f"HTTP {status}"


async def attack_and_probe(
    port: int, attack: Attack, design: str = "", *, baseline_probes: int = 3
) -> AttackResult:
    """Probe a few times, open the attack, probe once a second while it is held, stop it."""
    result = AttackResult(design)
    for _ in range(baseline_probes):
        latency, _ = await _probe_once(port, PROBE_PATH, attack.probe_timeout)
        if latency is not None:
            result.baseline.append(latency)
        await asyncio.sleep(0.2)
    kinds = ["idle"] * attack.idle + ["header"] * attack.slow_header + ["body"] * attack.slow_body
    tasks = [
        asyncio.ensure_future(_hold(kind, port, attacker_address(i), attack, result))
        for i, kind in enumerate(kinds)
    ]
    try:
        await asyncio.sleep(min(2.0, attack.hold / 4))  # let every attack connection open
        end = time.monotonic() + attack.hold
        while (now := time.monotonic()) < end:
            latency, status = await _probe_once(port, PROBE_PATH, attack.probe_timeout)
            result.probes.append((latency, status))
            result.statuses[status] += 1
            await asyncio.sleep(max(0.0, 1.0 - (time.monotonic() - now)))
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    return result


# --- the servers ----------------------------------------------------------------------------


def _gthread_main(folder: str, port: int, workers: int, threads: int) -> None:
    """`--gthread-server`: gunicorn's threaded workers on the address, set up as `serve` is."""
    os.environ["SOUNDINGBOARD_CONSULTATIONS"] = folder
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "soundingboard.settings")
    import django

    django.setup()
    from soundingboard.publish.registry import get_registry
    from soundingboard.serving import _Gunicorn, gunicorn_options
    from soundingboard.startup import prepare_database_and_static

    get_registry()
    problem = prepare_database_and_static()
    if problem:
        sys.exit(problem)
    options = gunicorn_options(f"{HOST}:{port}", workers)
    _Gunicorn(options | {"worker_class": "gthread", "threads": threads}).run()


@contextlib.contextmanager
def running(
    design: str, folder: Path, data_dir: Path, *, workers: int, threads: int
) -> Iterator[intake_load.Server]:
    """`serve` (or the gthread server) on a free port; yields intake_load's Server."""
    port = intake_load.free_port()
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(
        SOUNDINGBOARD_DATA_DIR=str(data_dir),
        SOUNDINGBOARD_RATE_LIMIT="0",
        SOUNDINGBOARD_FORM_MIN_SECONDS="0",
    )
    if design == "gthread":
        command = [sys.executable, __file__, "--gthread-server", str(folder), str(port)]
        command += [str(workers), str(threads)]
    else:
        command = [sys.executable, "-m", "soundingboard.cli", "serve", str(folder)]
        command += ["--port", str(port), "--workers", str(workers)]
        command += ["--no-proxy"] if design == "sync" else []
    log_path = data_dir / f"{design}.log"
    with open(log_path, "ab") as log:
        process = subprocess.Popen(
            command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    server = intake_load.Server(port, process, data_dir, None)
    try:
        _wait_until_up(server, log_path)
        yield server
    finally:
        server.stop()


def _wait_until_up(server: intake_load.Server, log: Path, limit: float = 60) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(log.read_text()[-3000:])
        with contextlib.suppress(OSError):
            connection = http.client.HTTPConnection(HOST, server.port, timeout=5)
            connection.request("GET", "/-/healthz")
            if connection.getresponse().status == 200:
                return
        time.sleep(0.1)
    raise RuntimeError(f"the server did not start within {limit} s")


# --- throughput -----------------------------------------------------------------------------


class PageGet:
    """intake_load's Intake for a plain GET: any 200 counts."""

    def __init__(self, path: str):
        self.name = path
        self.path = path

    def prepare(self, host: str, port: int) -> None:
        pass

    def request(self, marker: str) -> bytes:
        return f"GET {self.path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n".encode()

    def reference(self, status: int, head: bytes, body: bytes) -> str | None:
        return "ok" if status == 200 else None


def throughput(
    server: intake_load.Server, path: str, connections: int, duration: float
) -> intake_load.Phase:
    phase = intake_load.Phase(path, None, connections=connections, duration=duration)
    # A few hundred requests a second at most here: bound how many are prepared.
    return intake_load.run_phase(phase, PageGet(path), server, "tp", ceiling=3000)


@dataclass
class Rates:
    """One throughput phase: requests a second, and CPU as % of one core."""

    per_s: float
    server_cpu_pct: float
    other_cpu_pct: float


# --- a run ----------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--designs", default=",".join(DESIGNS), help="of " + ", ".join(DESIGNS))
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument("--threads", type=int, default=8, help="threads per gthread worker")
    parser.add_argument("--idle", type=int, default=200)
    parser.add_argument("--slow-header", type=int, default=50)
    parser.add_argument("--slow-body", type=int, default=50)
    parser.add_argument("--interval", type=float, default=5.0, help="seconds between drips")
    parser.add_argument("--hold", type=float, default=60.0, help="seconds the attack is held")
    parser.add_argument("--connections", type=int, default=8, help="throughput clients (K)")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per throughput")
    parser.add_argument("--rounds", type=int, default=3, help="throughput rounds over designs")
    parser.add_argument("--skip-attack", action="store_true")
    parser.add_argument("--skip-throughput", action="store_true")
    parser.add_argument("--quiet-wait", type=float, default=20, help="see intake_load.py")
    args = parser.parse_args(argv)
    designs = [d for d in args.designs.split(",") if d]
    if unknown := set(designs) - set(DESIGNS):
        parser.error(f"unknown designs: {', '.join(sorted(unknown))}")
    limits = [(args.idle, 1000), (args.slow_header, 500), (args.slow_body, 500)]
    if any(n > most for n, most in limits) or not 0 < args.hold <= 300:
        parser.error("at most 1000 idle, 500 slow-header and 500 slow-body, for up to 300 s")
    intake_load.QUIET_WAIT[0] = args.quiet_wait
    attack = Attack(args.idle, args.slow_header, args.slow_body, args.interval, args.hold)
    print(
        f"# {time.strftime('%Y-%m-%d %H:%M %Z')}, {platform.node()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}, {args.workers} workers, {attack}",
        file=sys.stderr,
        flush=True,
    )
    attacks: list[AttackResult] = []
    rows: dict[tuple[str, str], list[Rates]] = {}
    with tempfile.TemporaryDirectory(prefix="sb-slow-") as temp:
        folder = Path(temp) / "consultation"
        folder.mkdir()
        (folder / "consultation.yml").write_text(intake_load.CONSULTATION_YML)
        for name, text in intake_load.PAGES.items():
            (folder / name).write_text(text)

        def serving(design: str) -> contextlib.AbstractContextManager[intake_load.Server]:
            data_dir = Path(temp) / f"data-{design}-{secrets.token_hex(2)}"
            data_dir.mkdir()
            return running(design, folder, data_dir, workers=args.workers, threads=args.threads)

        if not args.skip_attack:
            for design in designs:
                with serving(design) as server:
                    intake_load.wait_for_quiet(args.quiet_wait)
                    result = asyncio.run(attack_and_probe(server.port, attack, design))
                    attacks.append(result)
                    print(f"  attack {result.row()}", file=sys.stderr, flush=True)
        if not args.skip_throughput:
            for round_ in range(args.rounds):
                for design in designs:
                    with serving(design) as server:
                        for path in (CONTENT_PATH, "/-/healthz"):
                            gc.collect()
                            phase = throughput(server, path, args.connections, args.duration)
                            row = phase.row()
                            rows.setdefault((design, path), []).append(
                                Rates(
                                    phase.confirmed / phase.wall,
                                    100 * phase.server_cpu / phase.wall,
                                    100 * phase.other_cpu / phase.wall,
                                )
                            )
                            print(
                                f"  round {round_ + 1} {design} {path}: {row}",
                                file=sys.stderr,
                                flush=True,
                            )
    print(markdown(attacks, rows, designs))
    return 0


def markdown(
    attacks: Sequence[AttackResult],
    rows: dict[tuple[str, str], list[Rates]],
    designs: list[str],
) -> str:
    lines = []
    if attacks:
        lines += [
            "| design | probes | answered 200 within 1 s | no answer in 5 s | median | slowest "
            "| before the attack (median) | attack connections closed by the server |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        for a in attacks:
            r = a.row()
            lines.append(
                f"| {a.design} | {r['probes']} | {r['within_1s']} | {r['unanswered']} | "
                f"{r['p50_ms']:.0f} ms | {r['max_ms']:.0f} ms | {r['baseline_ms']:.0f} ms | "
                f"{r['attack_reopened']} |"
            )
        lines.append("")
    if rows:
        reference = designs[0]
        lines += [
            f"| design | path | per s (median of rounds, range) | vs {reference} (median of "
            "rounds' ratios) | per second of server CPU | server CPU | others' CPU |",
            "| --- | --- | ---: | ---: | ---: | ---: | ---: |",
        ]
        for path in (CONTENT_PATH, "/-/healthz"):
            ref = [r.per_s for r in rows.get((reference, path), [])]
            for design in designs:
                mine = rows.get((design, path), [])
                if not mine:
                    continue
                rates = [r.per_s for r in mine]
                per_cpu = [r.per_s / r.server_cpu_pct * 100 for r in mine if r.server_cpu_pct]
                ratios = [m / r for m, r in zip(rates, ref, strict=False) if r]
                server = statistics.median(r.server_cpu_pct for r in mine)
                others = statistics.median(r.other_cpu_pct for r in mine)
                lines.append(
                    f"| {design} | `{path}` | {statistics.median(rates):.0f} "
                    f"({min(rates):.0f}–{max(rates):.0f}) | "
                    f"{statistics.median(ratios):.2f} | "
                    f"{statistics.median(per_cpu):.0f} ({min(per_cpu):.0f}–{max(per_cpu):.0f}) | "
                    f"{server:.0f} % | {others:.0f} % |"
                )
    return "\n".join(lines)


if __name__ == "__main__":
    if len(sys.argv) == 6 and sys.argv[1] == "--gthread-server":
        _gthread_main(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]))
    else:
        sys.exit(main())
