"""The loaded, rendered form of a consultation: what every other part of soundingboard reads.

A `Consultation` is built once, when the server starts, from a folder (see `loader`), and is
never changed afterwards, so it can be shared by every request without locking.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from ..core.addresses import PLATFORM
from .settings_schema import ConsultationSettings

# Where the questionnaire is served inside a consultation when no page of the navigation
# holds it (see `Consultation.questionnaire_url`); the address table routes it there.
QUESTIONNAIRE_PATH = "questionnaire/"
RESPONSE_PATH = "response/"  # the published response to the consultation, once there is one


@dataclass(frozen=True)
class Heading:
    """A heading inside a page that can take feedback on its own section."""

    level: int
    id: str
    text: str
    # The section's plain text, from after the heading to the next h2 or h3: what the
    # section's feedback form quotes, and where search looks for its words.
    body: str = field(default="", compare=False, repr=False)

    def opening(self, words: int = 25) -> str:
        """The start of the section, to quote on its feedback form."""
        found = self.body.split()
        return " ".join(found[:words]) + ("…" if len(found) > words else "")


@dataclass(eq=False)
class Page:
    """One Markdown page, rendered to safe HTML. Pages are equal only to themselves."""

    source: Path  # the Markdown file
    path: str  # its address inside the consultation: "" for the home page, else "a/b/"
    title: str
    html: str
    text: str  # plain text, for search
    headings: list[Heading] = field(default_factory=list)
    section_trail: tuple[str, ...] = ()  # titles of the nav sections above the page
    url: str = ""  # where it is served, e.g. "/a/b/"
    feedback_url: str = ""  # where its feedback form posts, e.g. "/-/feedback/a/b/"
    previous: Page | None = field(default=None, repr=False)
    next: Page | None = field(default=None, repr=False)

    def heading(self, heading_id: str) -> Heading | None:
        return next((h for h in self.headings if h.id == heading_id), None)


@dataclass
class NavSection:
    """A titled group of pages (and sub-sections) in the navigation."""

    title: str
    children: list[NavItem]


NavItem = Page | NavSection


@dataclass
class Consultation:
    """A consultation paper, ready to serve."""

    slug: str
    root: Path  # the folder it was loaded from
    docs_dir: Path  # where its Markdown pages and files live
    settings: ConsultationSettings
    nav: list[NavItem]
    pages: list[Page]  # in reading order
    warnings: list[str] = field(default_factory=list)
    url_prefix: str = "/"  # "/" when it is the only consultation, else "/<slug>/"
    # The page whose words the questionnaire shows above its questions (`questionnaire.page`):
    # one of `pages` when the navigation lists it, else rendered for the questionnaire alone.
    questionnaire_page: Page | None = None
    # The files its pages link to or show (resolved): the only ones served at `-/files/`, so
    # that nothing else in the folder (an export of the responses, the team's notes, the
    # spreadsheet imported from) is published by being there.
    files: frozenset[Path] = frozenset()

    @property
    def title(self) -> str:
        return self.settings.title

    def page(self, path: str) -> Page | None:
        """The page at an address inside the consultation ("a/b" and "a/b/" alike)."""
        path = path.strip("/")
        return self._pages_by_path.get(f"{path}/" if path else "")

    def __post_init__(self) -> None:
        self._pages_by_path = {p.path: p for p in self.pages}

    def url(self, relative: str = "") -> str:
        """The address of one of soundingboard's own pages for this consultation, under
        `-/` where no page can be: url("search/") is "/-/search/" or "/<slug>/-/search/"."""
        return self.url_prefix + PLATFORM + relative

    @property
    def questionnaire_in_nav(self) -> bool:
        """Whether the questionnaire is served at one of the pages' own addresses."""
        return self.questionnaire_page is not None and self.questionnaire_page in self.pages

    @property
    def questionnaire_url(self) -> str:
        """Where the questionnaire is: its page's address when the navigation lists the page
        it replaces a pasted form on, else the platform's own questionnaire address."""
        if self.questionnaire_page is not None and self.questionnaire_in_nav:
            return self.questionnaire_page.url
        return self.url(QUESTIONNAIRE_PATH)

    @property
    def home_url(self) -> str:
        return self.url_prefix

    @property
    def search_url(self) -> str:
        return self.url("search/")

    @property
    def privacy_url(self) -> str:
        return self.url("privacy/")

    @property
    def accessibility_url(self) -> str:
        return self.url("accessibility/")

    @property
    def response_url(self) -> str:
        """The published response ("we asked, you said, we did"); 404 until published."""
        return self.url(RESPONSE_PATH)

    def is_open(self, now: dt.datetime) -> bool:
        return self.status(now) == "open"

    def next_change(self, now: dt.datetime) -> dt.datetime | None:
        """When the status next changes after `now` (it opens or closes), if ever."""
        moments = (self.settings.opens_at(), self.settings.closes_at())
        return min((m for m in moments if m and m > now), default=None)

    @property
    def accent_style(self) -> str:
        """The inline style every page carries: the consultation's accent colour."""
        return f":root {{ --sb-accent: {self.settings.accent_colour}; }}"

    def status(self, now: dt.datetime) -> str:
        """'not-open-yet', 'open' or 'closed' at the given aware time."""
        opens, closes = self.settings.opens_at(), self.settings.closes_at()
        if opens and now < opens:
            return "not-open-yet"
        if closes and now >= closes:
            return "closed"
        return "open"
