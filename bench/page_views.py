"""Content page views a second through `soundingboard serve`, beside the same page as a
static file from nginx, in the same run.

`serve` (its nginx in front of gunicorn's sync workers, `--workers`, default 2) serves the
bundled example consultation on a throwaway data directory. The reference is a second nginx,
started from the very configuration `serve` wrote (same binary, one worker process, same
buffers and time-outs) on another port, with one location more: the page's HTML, fetched
from `serve` once, as a file. The load generator is Debian's `wrk` (C, epoll; `apt-get
install wrk`): the static file measures its own ceiling on this machine too, since nothing
can be served faster.

Phases, taking turns in rounds (`--rounds`, default 3) so that each meets the machine in the
same state, each `--duration` seconds with `--connections` connections over 2 threads:
- `static file`: the reference.
- `page (shared)`: the content page as an unknown visitor asks for it: nginx's copy.
- `page (shared), br`: the same with `Accept-Encoding: gzip, deflate, br`, as a browser.
- `page (own)`: the same page for a visitor with remembered details (a respondent cookie):
  built by Django for every view, as every view was before pages were shared.
`--close` adds each phase again with a new connection for every request.

Everything stays on loopback; counts and durations are bounded. Results are in
docs/performance.md ("Page views").
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import intake_load  # the server helpers of bench/intake_load.py

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "src" / "soundingboard" / "example"
PAGE = "/how-to-respond/"
STATIC = "/reference.html"
BROWSER_ENCODING = "gzip, deflate, br"


@dataclass
class Phase:
    name: str
    port_of: str  # "serve" or "static"
    path: str
    headers: tuple[str, ...] = ()


@dataclass
class Result:
    requests_per_second: float
    errors: int
    latency_p50_ms: float
    latency_p99_ms: float
    generator_cpu: float  # share of one core
    others_cpu: float  # what the rest of the machine used, share of one core


def wrk(
    url: str, headers: tuple[str, ...], *, connections: int, duration: int
) -> tuple[float, int, float, float, float]:
    """Requests a second, errors and latency percentiles (ms), and the CPU wrk used (s)."""
    command = ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency"]
    for header in headers:
        command += ["-H", header]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(
        [*command, url], capture_output=True, text=True, timeout=duration + 30, check=True
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    text = done.stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))  # type: ignore[union-attr]
    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", text))
    if found := re.search(r"Non-2xx or 3xx responses: (\d+)", text):
        errors += int(found.group(1))
    return rate, errors, _percentile(text, "50%"), _percentile(text, "99%"), cpu


def _percentile(text: str, label: str) -> float:
    found = re.search(rf"{re.escape(label)}\s+([\d.]+)(us|ms|s)", text)
    if not found:
        return float("nan")
    value, unit = float(found.group(1)), found.group(2)
    return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value


def start_reference_nginx(serve_config: Path, html: bytes, work: Path) -> tuple[int, object]:
    """A second nginx from `serve`'s configuration, on a port of its own, serving `html`."""
    (work / "reference.html").write_bytes(html)
    port = intake_load.free_port()
    text = serve_config.read_text()
    text = re.sub(r"listen [^;]+;", f"listen 127.0.0.1:{port};", text, count=1)
    text = re.sub(r"pid [^;]+;", f"pid {work / 'nginx.pid'};", text, count=1)
    text = text.replace(str(serve_config.parent), str(work))
    location = (
        f"        location = {STATIC} {{\n"
        f"            alias {work / 'reference.html'};\n"
        "            default_type text/html;\n"
        "        }\n\n        location / {"
    )
    text = text.replace("        location / {", location, 1)
    config = work / "nginx.conf"
    config.write_text(text)
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    process = subprocess.Popen(
        [nginx, "-p", str(work), "-e", "stderr", "-c", str(config)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{STATIC}", timeout=2) as reply:
                if reply.read() == html:
                    return port, process
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("the reference nginx did not start")


def measure(phase: Phase, port: int, *, connections: int, duration: int) -> Result:
    busy_before = intake_load.machine_busy_seconds()
    started = time.monotonic()
    rate, errors, p50, p99, generator = wrk(
        f"http://127.0.0.1:{port}{phase.path}",
        phase.headers,
        connections=connections,
        duration=duration,
    )
    elapsed = time.monotonic() - started
    busy = intake_load.machine_busy_seconds() - busy_before
    return Result(rate, errors, p50, p99, generator / elapsed, 0.0 if busy < 0 else busy / elapsed)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--close", action="store_true", help="also a new connection per request")
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        print("wrk is missing: sudo apt-get install wrk", file=sys.stderr)
        return 1
    duration = max(1, min(args.duration, 120))
    connections = max(1, min(args.connections, 1000))
    rounds = max(1, min(args.rounds, 10))

    with tempfile.TemporaryDirectory(prefix="sb-page-views-") as temp:
        work = Path(temp)
        data_dir = work / "data"
        data_dir.mkdir(mode=0o700)
        (work / "ref").mkdir()
        with intake_load.running_server(
            EXAMPLE,
            data_dir,
            workers=args.workers,
            secret_key=secrets.token_urlsafe(40),
            database_url=None,
            write_lock=True,
        ) as server:
            with urllib.request.urlopen(f"http://127.0.0.1:{server.port}{PAGE}") as reply:
                html = reply.read()
            cookie = _respondent_cookie(server.port)
            static_port, reference = start_reference_nginx(
                data_dir / "run" / "nginx.conf", html, work / "ref"
            )
            phases = [
                Phase("static file", "static", STATIC),
                Phase("page (shared)", "serve", PAGE),
                Phase(
                    "page (shared), br", "serve", PAGE, (f"Accept-Encoding: {BROWSER_ENCODING}",)
                ),
                Phase("page (own)", "serve", PAGE, (f"Cookie: {cookie}",)),
            ]
            if args.close:
                phases += [
                    Phase(
                        f"{p.name}, new connections",
                        p.port_of,
                        p.path,
                        (*p.headers, "Connection: close"),
                    )
                    for p in list(phases)
                ]
            ports = {"serve": server.port, "static": static_port}
            results: dict[str, list[Result]] = {p.name: [] for p in phases}
            try:
                for number in range(rounds):
                    for phase in phases:
                        result = measure(
                            phase, ports[phase.port_of], connections=connections, duration=duration
                        )
                        results[phase.name].append(result)
                        print(
                            f"round {number + 1} {phase.name:<40}"
                            f" {result.requests_per_second:>9,.0f}/s"
                            f"  errors {result.errors}  p50 {result.latency_p50_ms:.2f} ms"
                            f"  p99 {result.latency_p99_ms:.2f} ms  wrk {result.generator_cpu:.0%}"
                            f"  machine {result.others_cpu:.0%}",
                            flush=True,
                        )
            finally:
                reference.kill()  # type: ignore[attr-defined]
                reference.wait()  # type: ignore[attr-defined]
    _report(results, len(html), duration, connections, rounds, args.workers)
    return 0


def _respondent_cookie(port: int) -> str:
    """A remembered respondent's cookie, from sending the page's form once."""
    page = urllib.request.urlopen(f"http://127.0.0.1:{port}{PAGE}").read().decode()
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page))
    fields.update(about_you="1", summary="A benchmark's one submission", role="Library member")
    body = urllib.parse.urlencode(fields).encode()
    request = urllib.request.Request(f"http://127.0.0.1:{port}/feedback{PAGE}", data=body)

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: object, **kwargs: object) -> None:
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        opener.open(request, timeout=30)
    except urllib.error.HTTPError as reply:
        cookie = reply.headers.get("Set-Cookie", "")
        if reply.code == 303 and "sb_respondent=" in cookie:
            return cookie.split(";", 1)[0]
    raise RuntimeError("sending the form remembered no one")


def _report(
    results: dict[str, list[Result]],
    html_bytes: int,
    duration: int,
    connections: int,
    rounds: int,
    workers: int,
) -> None:
    print()
    print(
        f"{rounds} rounds x {duration} s, {connections} connections (wrk, 2 threads), "
        f"serve --workers {workers}, page {html_bytes:,} bytes of HTML, {os.cpu_count()} CPUs"
    )
    print(f"{'phase':<42} {'median/s':>10} {'range/s':>19} {'vs static':>9} {'errors':>6}")
    static = statistics.median(r.requests_per_second for r in results["static file"])
    for name, runs in results.items():
        rates = [r.requests_per_second for r in runs]
        median = statistics.median(rates)
        print(
            f"{name:<42} {median:>10,.0f} {min(rates):>9,.0f}-{max(rates):<9,.0f}"
            f" {median / static:>8.0%} {sum(r.errors for r in runs):>6}"
        )


if __name__ == "__main__":
    raise SystemExit(main())
