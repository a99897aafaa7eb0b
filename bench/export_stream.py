"""Exports of 20,000 and 100,000 responses: time, and peak memory that stays flat.

    PYTHONPATH=src python bench/export_stream.py                       # 20,000 and 100,000
    PYTHONPATH=src python bench/export_stream.py --responses 5000 50000

For each size it makes a fresh SQLite database with the real schema in a temporary data
directory and fills it as `analysis_scale.py` does (one response in ten is the main
questionnaire, with 13 idea scores and 10 ticked activities; 2% belong to another
consultation). Then each format is exported by the same code as `soundingboard export`
(`Export.write`), each in a fresh process, so that the peak resident memory
(`resource.getrusage`, ru_maxrss) is that export's alone. It prints a Markdown table: if
exports stream, the peak memory of 100,000 responses is about that of 20,000.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import analysis_scale

FORMATS = ("csv", "xlsx", "json")


def fill(data_dir: Path, n: int) -> Path:
    root = data_dir / "folder"
    folder = analysis_scale.consultation_folder(root)
    analysis_scale.setup_django(data_dir)
    from soundingboard.publish.loader import load_consultation

    consultation = load_consultation(folder)
    analysis_scale.fill_sqlite(data_dir / "soundingboard.sqlite3", n, consultation)
    return folder


def measure(folder: Path, data_dir: Path, format: str) -> None:
    """In a process of its own: export, then print what it took, as JSON."""
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    analysis_scale.setup_django(data_dir)
    from soundingboard.analyse.exports import Export
    from soundingboard.publish.loader import load_consultation

    consultation = load_consultation(folder)
    export = Export(consultation)
    output = data_dir / f"export.{format}"
    rows = 0

    def progress(n: int) -> None:
        nonlocal rows
        rows += n

    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    export.write(format, output, progress=progress)
    took = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps(
            {
                "rows": rows,
                "seconds": took,
                "peak_mib": peak / 1024,
                "before_mib": before / 1024,
                "start_mib": baseline / 1024,
                "size_mib": output.stat().st_size / 2**20,
            }
        )
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--responses", type=int, nargs="+", default=[20_000, 100_000])
    # The steps, each run in a process of its own by the default run:
    parser.add_argument("--fill", nargs=2, metavar=("N", "DATA_DIR"), help=argparse.SUPPRESS)
    parser.add_argument(
        "--measure", nargs=3, metavar=("FOLDER", "DATA_DIR", "FORMAT"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.fill:
        print(fill(Path(args.fill[1]), int(args.fill[0])))
        return 0
    if args.measure:
        folder, data_dir, format = args.measure
        measure(Path(folder), Path(data_dir), format)
        return 0

    results = []
    for n in args.responses:
        data_dir = Path(tempfile.mkdtemp(prefix="sb-export-bench-"))
        try:
            env = {**os.environ, "SOUNDINGBOARD_DATA_DIR": str(data_dir)}
            env.pop("DATABASE_URL", None)
            filled = subprocess.run(
                [sys.executable, __file__, "--fill", str(n), str(data_dir)],
                env=env,
                check=True,
                capture_output=True,
                text=True,
            )
            folder = filled.stdout.strip().splitlines()[-1]
            for format in FORMATS:
                done = subprocess.run(
                    [sys.executable, __file__, "--measure", folder, str(data_dir), format],
                    env=env,
                    check=True,
                    capture_output=True,
                    text=True,
                )
                result = json.loads(done.stdout.strip().splitlines()[-1])
                results.append((n, format, result))
                print(
                    f"{n:>7,} {format:4}: {result['seconds']:6.1f} s, peak "
                    f"{result['peak_mib']:.0f} MiB (before export {result['before_mib']:.0f}), "
                    f"file {result['size_mib']:.1f} MiB",
                    file=sys.stderr,
                )
        finally:
            shutil.rmtree(data_dir, ignore_errors=True)

    print(
        "| responses | format | time (s) | rows/s | peak RSS (MiB) | RSS before export (MiB) "
        "| file (MiB) |"
    )
    print("| ---: | --- | ---: | ---: | ---: | ---: | ---: |")
    for n, format, r in results:
        print(
            f"| {n:,} | {format} | {r['seconds']:.1f} | {r['rows'] / r['seconds']:,.0f} "
            f"| {r['peak_mib']:.0f} | {r['before_mib']:.0f} | {r['size_mib']:.1f} |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
