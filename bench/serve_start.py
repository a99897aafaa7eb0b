"""How soon `soundingboard serve` answers after a restart on a database already migrated.

Starts `serve` on the bundled example with a fresh data directory once (the first start
migrates and collects static files), then restarts it `--restarts` times, each time timing
from the process's start to (1) the first 200 from the health check through the address
served and (2) the "Serving at" line. The reference, measured in the same run just before
each restart, is the time Python takes to start and set Django up (`python -c` importing
the settings and calling django.setup()), which every start pays. Prints each figure and the
median, with the machine's load average, since a busy machine stretches every start.

    python bench/serve_start.py [--restarts 5] [--no-proxy]
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "src" / "soundingboard" / "example"
DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def django_setup_seconds(env: dict[str, str]) -> float:
    started = time.perf_counter()
    code = "import django; django.setup()"
    subprocess.run([sys.executable, "-c", code], env=env, check=True)
    return time.perf_counter() - started


def one_start(data_dir: Path, env: dict[str, str], proxy: bool) -> tuple[float, float]:
    """Seconds to the first answer, and to the "Serving at" line."""
    port = free_port()
    command = [sys.executable, "-m", "soundingboard.cli", "serve", str(EXAMPLE)]
    command += ["--port", str(port), "--data-dir", str(data_dir)]
    command += [] if proxy else ["--no-proxy"]
    log = data_dir / "serve.log"
    started = time.perf_counter()
    with open(log, "w") as out:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
    answered = said = 0.0
    try:
        while time.perf_counter() - started < 120 and not (answered and said):
            if not answered:
                try:
                    url = f"http://127.0.0.1:{port}/-/healthz"
                    with DIRECT.open(url, timeout=1) as reply:
                        if reply.status == 200:
                            answered = time.perf_counter() - started
                except OSError:
                    pass
            if not said and "Serving at" in log.read_text():
                said = time.perf_counter() - started
            time.sleep(0.01)
    finally:
        process.terminate()
        process.wait(timeout=30)
    if not (answered and said):
        raise SystemExit(f"serve did not answer within 120 s:\n{log.read_text()}")
    return answered, said


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--restarts", type=int, default=5)
    parser.add_argument("--no-proxy", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="sb-start-") as folder:
        data_dir = Path(folder)
        env = {**os.environ, "SOUNDINGBOARD_DATA_DIR": str(data_dir)}
        env["DJANGO_SETTINGS_MODULE"] = "soundingboard.settings"
        env.pop("DATABASE_URL", None)
        first = one_start(data_dir, env, not args.no_proxy)
        print(f"first start (migrates, collects): answers after {first[0]:.2f} s")
        answers, says, setups = [], [], []
        for number in range(1, args.restarts + 1):
            setups.append(django_setup_seconds(env))
            answered, said = one_start(data_dir, env, not args.no_proxy)
            answers.append(answered)
            says.append(said)
            load = os.getloadavg()[0]
            print(
                f"restart {number}: answers after {answered:.2f} s, says 'Serving at' after "
                f"{said:.2f} s (Django set-up alone: {setups[-1]:.2f} s; load {load:.1f})"
            )
        print(
            f"median: answers after {statistics.median(answers):.2f} s, 'Serving at' after "
            f"{statistics.median(says):.2f} s; Django set-up alone "
            f"{statistics.median(setups):.2f} s"
        )


if __name__ == "__main__":
    main()
