"""Shared fixtures: consultation folders to serve, and a way to serve them in a test."""

from __future__ import annotations

import importlib
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.test import override_settings
from django.urls import clear_url_caches

from soundingboard.collect import ratelimit
from soundingboard.publish.registry import Registry, get_registry, reset_registry
from tests.robustness import profiles  # noqa: F401 - Hypothesis profiles, before pytest reads --hypothesis-profile

REPO = Path(__file__).resolve().parents[1]
SEEDS = REPO.parent / "shared" / "seeds"
EXAMPLE = REPO / "src" / "soundingboard" / "example"
# The four Markdown seeds, as the pages of an MkDocs project.
SEED_PAGES = {
    "index.md": "002_eabb676612777297.txt",
    "mechanisms.md": "004_832c7b34b5ff61f2.txt",
    "models.md": "003_9aa6026d31a4fa08.txt",
    "large-scale-change.md": "000_72582377825078c8.txt",
}
SEED_MKDOCS = """\
site_name: Imagining a support offer
nav:
  - Home: index.md
  - Ideas:
      - mechanisms.md
      - models.md
  - large-scale-change.md
markdown_extensions:
  - toc:
      permalink: true
"""

PLAIN_STATIC = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}


@pytest.fixture(autouse=True)
def _plain_static_files(settings) -> None:
    """Views are tested without `collectstatic`; the server tests run the real thing.
    Tests send forms at once, faster than a person could: the time trap is tested on its own."""
    settings.STORAGES = PLAIN_STATIC
    settings.SOUNDINGBOARD_FORM_MIN_SECONDS = 0
    ratelimit.reset_for_tests()  # every test starts with no submissions counted


@pytest.fixture
def seed_site(tmp_path: Path) -> Path:
    """An MkDocs project whose docs/ holds the four Markdown seeds."""
    return make_seed_site(tmp_path)


def make_seed_site(parent: Path) -> Path:
    """An MkDocs project, `parent`/seed-site, whose docs/ holds the four Markdown seeds."""
    if not SEEDS.is_dir():
        pytest.skip(f"the seed documents are not at {SEEDS}")
    docs = parent / "seed-site" / "docs"
    docs.mkdir(parents=True)
    for name, seed in SEED_PAGES.items():
        shutil.copy(SEEDS / seed, docs / name)
    (docs.parent / "mkdocs.yml").write_text(SEED_MKDOCS, encoding="utf-8")
    return docs.parent


def write_consultation(folder: Path, config: str, pages: dict[str, str]) -> Path:
    """A consultation folder with the given consultation.yml text and Markdown pages."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "consultation.yml").write_text(config, encoding="utf-8")
    for name, text in pages.items():
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    return folder


@pytest.fixture
def use_consultations() -> Iterator[Callable[..., Registry]]:
    """Serve these consultation folders for the rest of the test."""
    overrides: list[override_settings] = []

    def use(*folders: Path) -> Registry:
        override = override_settings(SOUNDINGBOARD_CONSULTATIONS=[str(f) for f in folders])
        override.enable()
        overrides.append(override)
        _reload_addresses()
        return get_registry()

    yield use
    for override in reversed(overrides):
        override.disable()
    _reload_addresses()


def _reload_addresses() -> None:
    reset_registry()
    import soundingboard.urls

    importlib.reload(soundingboard.urls)
    clear_url_caches()
