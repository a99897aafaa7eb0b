"""What every browser test shares: Debian's Chromium driven by Playwright, and live servers.

One Chromium is started for the whole of tests/browser/ and each test gets a fresh context
(its own cookies), so tests cannot see each other's respondents or sign-ins. Each module
starts its own gunicorn server once (`site`) and shares it between its tests; the database
is emptied after every test (`django_db(transaction=True)`), so rows never leak between them.

Chromium comes from Debian (`scripts/install-chromium.sh`, run by `make test`); Playwright
drives it and never downloads a browser of its own. Without it (or without Playwright) the
tests fail under CI (the CI environment variable is set) and are skipped elsewhere.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import yaml

from soundingboard.publish.loader import load_consultation
from tests.conftest import EXAMPLE, REPO, SEEDS, make_seed_site
from tests.live_server import LiveServer, running_server

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page

CHROMIUM = os.environ.get("SOUNDINGBOARD_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--no-proxy-server",
]
REFERENCE = REPO.parent / "shared" / "reference" / "main-questionnaire.yml"
DESKTOP = {"width": 1280, "height": 800}
# Every live server: no rate limit (the tests send faster than people), no time trap.
SERVER_ENV = {"SOUNDINGBOARD_RATE_LIMIT": "0"}


def missing(what: str) -> None:
    """Fail under CI, where everything must be there; skip on a developer's machine."""
    message = f"{what}: run `bash scripts/install-chromium.sh` (or `make test`)"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    """One headless Chromium for every browser test."""
    if not Path(CHROMIUM).exists():
        missing(f"Chromium is not at {CHROMIUM}")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing("Playwright is not installed (pip install -e '.[test]')")
    # Playwright's sync API keeps an asyncio loop running in this thread, which Django's
    # ORM takes for an async context; the tests' own queries are plain synchronous code.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                yield chromium
            finally:
                chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def new_context(browser: Browser) -> Iterator[Any]:
    """Make browser contexts (fresh cookies each) that are closed after the test."""
    made: list[BrowserContext] = []

    def make(**options: Any) -> BrowserContext:
        context = browser.new_context(viewport=DESKTOP, **options)
        context.set_default_timeout(15_000)
        made.append(context)
        return context

    yield make
    for context in made:
        context.close()


@pytest.fixture
def page(new_context: Any) -> Page:
    """A page in a fresh context, with JavaScript."""
    return new_context().new_page()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@contextlib.contextmanager
def static_site(root: Path) -> Iterator[str]:
    """Serve a folder on a port of its own; yields its origin, e.g. http://127.0.0.1:PORT."""
    handler = functools.partial(_QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def seed_site_with_questionnaire(parent: Path, **settings: Any) -> Path:
    """The seeds as an MkDocs project, with the reference main questionnaire and `settings`
    in its consultation.yml."""
    if not REFERENCE.is_file():
        pytest.skip(f"the reference questionnaire is not at {REFERENCE}")
    folder = make_seed_site(parent)
    config = {**settings, "questionnaire": yaml.safe_load(REFERENCE.read_text())}
    (folder / "consultation.yml").write_text(
        yaml.safe_dump(config, allow_unicode=True), encoding="utf-8"
    )
    return folder


@dataclass
class Site:
    """A live server of the example consultation and, when the seeds are here, the seeds."""

    server: LiveServer
    example: str  # the example's address, ending in "/"
    example_slug: str
    seeds: str | None  # the seeds' address, or None without the seed documents
    seeds_slug: str | None
    seeds_folder: Path | None

    @property
    def url(self) -> str:
        return self.server.url


@pytest.fixture(scope="module")
def site(django_db_setup: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """One server for the module's tests: the example and the seeds, each under its slug."""
    folders = [EXAMPLE]
    seeds = None
    if SEEDS.is_dir() and REFERENCE.is_file():
        seeds = seed_site_with_questionnaire(tmp_path_factory.mktemp("seeds"))
        folders.append(seeds)
    data = tmp_path_factory.mktemp("data")
    example_slug = load_consultation(EXAMPLE).slug
    seeds_slug = load_consultation(seeds).slug if seeds else None
    with running_server(folders, data, workers=1, extra_env=SERVER_ENV) as server:
        yield Site(
            server=server,
            example=f"{server.url}/{example_slug}/",
            example_slug=example_slug,
            seeds=f"{server.url}/{seeds_slug}/" if seeds_slug else None,
            seeds_slug=seeds_slug,
            seeds_folder=seeds,
        )
