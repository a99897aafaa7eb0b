"""Several processes calling `store_response` at once on one SQLite file: writer lock on/off.

This isolates what `collect.write_lock` is for, without HTTP: N processes (like N gunicorn
workers) each store submissions in a loop for a few seconds, optionally doing some CPU work
between writes (the rest of a request: parsing, checking, rendering). It reports, per
setting, how many were stored per second and the latency of `store_response` itself
(waiting for the lock included): p50, p99, p99.9 and max.

    python bench/write_lock_contention.py --processes 2,3,4,5 --work-ms 0,4
"""

from __future__ import annotations

import argparse
import math
import multiprocessing
import os
import sys
import tempfile
import time
import uuid
from collections.abc import Sequence


def _setup(data_dir: str) -> None:
    os.environ["SOUNDINGBOARD_DATA_DIR"] = data_dir
    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "soundingboard.settings")
    import django

    django.setup()


def machine_busy_seconds() -> float:
    """CPU time every process on the machine has used (all cores), from /proc/stat."""
    with open("/proc/stat") as stat:
        fields = [int(x) for x in stat.readline().split()[1:]]
    return (sum(fields[:8]) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")


def _spin(seconds: float) -> None:
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        pass


def _writer(lock: bool, duration: float, work: float, start_at: float, out: multiprocessing.Queue):  # type: ignore[type-arg]
    from soundingboard.collect import write_lock
    from soundingboard.collect.storage import store_response

    os.environ[write_lock.SWITCH] = "1" if lock else "0"
    fields = {"consultation": "load", "page_path": "intake/", "summary": "contention test"}
    latencies = []
    while time.time() < start_at:
        time.sleep(0.001)
    stop = time.perf_counter() + duration
    errors = 0
    while time.perf_counter() < stop:
        _spin(work)
        began = time.perf_counter()
        try:
            store_response(dict(fields), token=uuid.uuid4().hex)
        except Exception:  # counted and reported
            errors += 1
            continue
        latencies.append(time.perf_counter() - began)
    out.put((latencies, errors))


def measure(processes: int, lock: bool, duration: float, work_ms: float) -> dict[str, float]:
    from django.db import connections

    connections.close_all()  # never share a connection across fork
    context = multiprocessing.get_context("fork")
    out = context.Queue()
    start_at = time.time() + 0.5
    times, busy, wall = os.times(), machine_busy_seconds(), time.perf_counter()
    children = [
        context.Process(target=_writer, args=(lock, duration, work_ms / 1000, start_at, out))
        for _ in range(processes)
    ]
    for child in children:
        child.start()
    latencies: list[float] = []
    errors = 0
    for _ in children:
        got, failed = out.get(timeout=duration + 60)
        latencies += got
        errors += failed
    for child in children:
        child.join()
    after = os.times()
    mine = sum(after[:4]) - sum(times[:4])  # this process and its children
    other = (machine_busy_seconds() - busy - mine) / (time.perf_counter() - wall)
    latencies.sort()

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, math.ceil(p / 100 * len(latencies)) - 1)] * 1e3

    return {
        "per_s": len(latencies) / duration,
        "p50": pct(50),
        "p99": pct(99),
        "p999": pct(99.9),
        "max": latencies[-1] * 1e3,
        "errors": errors,
        "other_cpu": max(0.0, other * 100),
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--processes", default="2,3,4,5")
    parser.add_argument("--work-ms", default="0,4", help="CPU work between writes, per process")
    parser.add_argument("--duration", type=float, default=5)
    parser.add_argument("--repeat", type=int, default=1, help="run each setting this many times")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="sb-contention-") as data_dir:
        _setup(data_dir)
        from django.core.management import call_command

        call_command("migrate", interactive=False, verbosity=0)
        print(
            "| processes | work between writes | writer lock | stored/s | p50 ms | p99 ms "
            "| p99.9 ms | max ms | errors | other CPU |"
        )
        print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
        for work in (float(w) for w in args.work_ms.split(",")):
            for n in (int(p) for p in args.processes.split(",") for _ in range(args.repeat)):
                for lock in (False, True):
                    r = measure(n, lock, args.duration, work)
                    print(
                        f"| {n} | {work:g} ms | {'on' if lock else 'off'} | {r['per_s']:.0f} "
                        f"| {r['p50']:.2f} | {r['p99']:.2f} | {r['p999']:.2f} | {r['max']:.1f} "
                        f"| {r['errors']} | {r['other_cpu']:.0f}% |",
                        flush=True,
                    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
