"""How steady the machine's own speed is: the same pure-Python work, timed window by window.

The intake benchmark's figures move by a quarter or more between runs of the same code. This
measures the machine alone, with nothing of soundingboard running: one busy process per CPU
counts how many fixed units of Python work it gets through in each window (0.5 s by default),
and reports each window as a percentage of the fastest window any process had. It also
reports the share of the window the process was on a CPU, so that time taken by other
processes of this machine can be told apart from a CPU that runs slower.

    python bench/machine_speed.py --seconds 30
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import time


def _unit() -> None:
    """A small fixed piece of interpreter work (loops, calls, small allocations)."""
    total = 0
    for i in range(1000):
        total += i
    sum(range(200))


def windows(seconds: float, window: float) -> list[tuple[int, float]]:
    """(units of work done, share of the window spent on a CPU) for each window."""
    found: list[tuple[int, float]] = []
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        start, cpu_start, units = time.perf_counter(), time.process_time(), 0
        while time.perf_counter() - start < window:
            _unit()
            units += 1
        elapsed = time.perf_counter() - start
        found.append((units, (time.process_time() - cpu_start) / elapsed))
    return found


def _run(args: tuple[float, float]) -> list[tuple[int, float]]:
    return windows(*args)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--window", type=float, default=0.5, help="seconds per window")
    parser.add_argument(
        "--processes", type=int, default=os.cpu_count() or 1, help="busy processes (one a CPU)"
    )
    args = parser.parse_args()
    with multiprocessing.Pool(args.processes) as pool:
        results = pool.map(_run, [(args.seconds, args.window)] * args.processes)
    fastest = max(units for result in results for units, _ in result)
    speeds = []
    print(f"# {args.processes} busy processes, {args.window} s windows; % of the fastest window")
    for number, result in enumerate(results, 1):
        row = [100 * units / fastest for units, _ in result]
        speeds += row
        on_cpu = statistics.median(share for _, share in result)
        print(f"process {number}: {' '.join(f'{s:.0f}' for s in row)}")
        print(f"  on a CPU {100 * on_cpu:.0f} % of each window (median)")
    slow = sum(s < 75 for s in speeds) / len(speeds)
    print(
        f"speed: min {min(speeds):.0f} %, median {statistics.median(speeds):.0f} %; "
        f"{100 * slow:.0f} % of windows ran below three quarters of the fastest"
    )


if __name__ == "__main__":
    main()
