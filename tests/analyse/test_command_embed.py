"""`soundingboard embed`: a representation that is not stored refused, and --follow
computing vectors as answers arrive until stopped."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest

from tests.command_line import src_path

from .conftest import SLUG
from .test_command_themes import run

pytestmark = pytest.mark.django_db


def test_embed_refuses_a_representation_that_is_not_stored(tmp_path, consultation, capsys):
    status, _, err = run(capsys, "embed", str(tmp_path / "c"), "--representation", "tfidf")
    assert status == 1
    assert "“tfidf” vectors are not stored: choose static or sentence" in err


def test_embed_follow_polls_until_stopped(tmp_path, consultation):
    env = {**os.environ, "SOUNDINGBOARD_DATA_DIR": str(tmp_path / "data")}
    env["PYTHONPATH"] = src_path()
    env.pop("DATABASE_URL", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "soundingboard.cli", "embed", str(tmp_path / "c"), "--follow",
         "--every", "1"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    try:
        first = process.stdout.readline()
        if not first:
            pytest.skip(f"embed did not start: {process.stderr.read()}")
        assert f"new answers to {SLUG} every 1 seconds; stop with Ctrl+C" in first
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=60)
    finally:
        process.kill()
    assert process.returncode == 0, err
    assert "Stopped; the vectors stored so far are kept." in err
