"""The example consultation, read from its folder once per test session.

Nearly every test here serves the example consultation, and `use_consultations` reads the
folders again for each test (about half a second for the example). The example is part of
the package and never changes during a run, so what was read once is served again.

Import the fixture into a folder's conftest.py to use it there (it applies itself)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from unittest import mock

import pytest

from soundingboard.publish import registry
from tests.conftest import EXAMPLE


@pytest.fixture(scope="session", autouse=True)
def example_read_once() -> Iterator[None]:
    read: dict[tuple[Path, str], Any] = {}
    load = registry.load_consultation

    def load_once(folder: Path, **kwargs: Any) -> Any:
        if Path(folder).resolve() != EXAMPLE.resolve():
            return load(folder, **kwargs)
        key = (Path(folder).resolve(), repr(sorted(kwargs.items())))
        if key not in read:
            read[key] = load(folder, **kwargs)
        return read[key]

    with mock.patch.object(registry, "load_consultation", load_once):
        yield
