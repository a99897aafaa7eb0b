"""Hypothesis settings profiles for the robustness tests.

- `soundingboard` (the default): quick enough for every `make test` (about 50 examples per
  test), derandomised, so that every run, on any machine, tries the same examples and a
  failure is found again.
- `long`: many more examples, for a run now and then when looking for trouble:
  `pytest tests/robustness --hypothesis-profile=long` (a few minutes per database).

Registered from tests/conftest.py, as pytest reads `--hypothesis-profile` before it reads
the conftest of this folder.
"""

from __future__ import annotations

from hypothesis import HealthCheck, settings

QUICK = "soundingboard"
LONG = "long"

_common = {
    "deadline": None,  # a request's time varies with the machine's load, not the input
    # Each test's fixtures (the database, the consultation) serve all its examples on
    # purpose: the checks compare what each example added.
    "suppress_health_check": [
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,
    ],
    "print_blob": True,
}
settings.register_profile(QUICK, max_examples=50, derandomize=True, database=None, **_common)
settings.register_profile(LONG, max_examples=1000, **_common)
settings.load_profile(QUICK)
