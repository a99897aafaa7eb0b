"""The installed `soundingboard` command, run in a process of its own as a person runs it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def soundingboard(*args: str, data_dir: Path, stdin: str = "") -> subprocess.CompletedProcess:
    """`soundingboard ARGS`, with its data (and a SQLite database of its own) in data_dir."""
    env = {**os.environ, "SOUNDINGBOARD_DATA_DIR": str(data_dir), "PYTHONPATH": src_path()}
    env.pop("DATABASE_URL", None)  # a database of its own, in data_dir, that the test can open
    return subprocess.run(
        [sys.executable, "-m", "soundingboard.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        input=stdin,
        timeout=120,
    )


def src_path() -> str:
    """PYTHONPATH with this checkout's code first."""
    src = str(Path(__file__).resolve().parents[1] / "src")
    return os.pathsep.join(p for p in (src, os.environ.get("PYTHONPATH", "")) if p)
