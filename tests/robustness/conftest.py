"""Fixtures of the robustness tests: the example consultation, with no rate limit (Hypothesis
sends far more than a person could) and quick password hashes."""

from __future__ import annotations

import pytest

from soundingboard.collect import ratelimit
from soundingboard.publish.consultation import Consultation
from tests.conftest import EXAMPLE

from .example_cache import example_read_once  # noqa: F401 - an autouse fixture


@pytest.fixture(autouse=True)
def _no_rate_limit_and_quick_hashes(settings) -> None:
    settings.SOUNDINGBOARD_RATE_LIMIT = "0"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    ratelimit.reset_for_tests()


@pytest.fixture
def example(use_consultations, db) -> Consultation:
    return use_consultations(EXAMPLE).single
