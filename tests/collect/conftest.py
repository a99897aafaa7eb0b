"""Shared fixtures of the intake tests: the original site's main questionnaire."""

from __future__ import annotations

import pytest
import yaml

from tests.conftest import REPO

REFERENCE = REPO.parent / "shared" / "reference" / "main-questionnaire.yml"


@pytest.fixture(scope="module")
def reference_ideas() -> list[dict]:
    """The ideas and activities of the original site's main questionnaire."""
    if not REFERENCE.is_file():
        pytest.skip(f"the reference questionnaire is not at {REFERENCE}")
    return yaml.safe_load(REFERENCE.read_text())["ideas"]
