"""The published response to a consultation: its 12-week clock and the team's own text.

The clock: the published response is due 12 weeks (84 days) after feedback closes
(`settings.closes_at()`); `clock(consultation, today)` says when, and how many days are left
or overdue, in plain words.

The team's text: what the team did about each part of the report ("we did"), written as
Markdown in the consultation's folder, in `outcome/`:

    outcome/summary.md          the summary at the top of the report
    outcome/respondents.md      who responded
    outcome/idea-1.md ...       each idea of the main questionnaire, numbered as listed
    outcome/page-home.md        the home page; other pages by their address with "/" as "-":
    outcome/page-models.md      the page at models/, outcome/page-a-b.md the page at a/b/
    outcome/method.md           how the responses were analysed

It is rendered by the same renderer as the consultation's pages (`publish.render`), which
makes it safe: scripts, styles and event handlers never survive.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from bs4 import BeautifulSoup
from django.utils import timezone

from ..publish.consultation import Consultation
from ..publish.errors import ConsultationError
from ..publish.loader import OUTCOME_FOLDER
from ..publish.render import render_markdown
from ..publish.settings_schema import describe_moment

RESPONSE_DUE_DAYS = 84  # 12 weeks after feedback closes


@dataclass(frozen=True)
class Clock:
    """When the published response is due, from the closing date."""

    closes: dt.date | None
    due: dt.date | None
    today: dt.date

    @property
    def days_left(self) -> int | None:
        """Days from today to the due date: negative when overdue, None without a date."""
        return None if self.due is None else (self.due - self.today).days

    @property
    def overdue(self) -> bool:
        return self.days_left is not None and self.days_left < 0

    @property
    def words(self) -> str:
        """The clock in a sentence."""
        if self.due is None or self.closes is None:
            return (
                "This consultation has no closing date, so there is no date by which the "
                "published response is due."
            )
        due = describe_moment(self.due)
        left = self.days_left
        assert left is not None
        if left > 0:
            when = f"{_days(left)} left"
        elif left == 0:
            when = "due today"
        else:
            when = f"{_days(-left)} overdue"
        closed = "closes" if self.closes >= self.today else "closed"
        return (
            f"Feedback {closed} on {describe_moment(self.closes)}. The published response "
            f"is due 12 weeks later, on {due}: {when}."
        )


def _days(n: int) -> str:
    return f"{n:,} day{'' if n == 1 else 's'}"


def today_in(consultation: Consultation) -> dt.date:
    """Today in the consultation's time zone (the clock's "today"; tests move it)."""
    return timezone.now().astimezone(consultation.settings.zone()).date()


def clock(consultation: Consultation, today: dt.date) -> Clock:
    """The clock of a consultation on `today` (a day in the consultation's time zone)."""
    closes_at = consultation.settings.closes_at()
    if closes_at is None:
        return Clock(None, None, today)
    # A bare closing date closes at the start of the next day: the date is the last moment's.
    last_moment = closes_at.astimezone(consultation.settings.zone()) - dt.timedelta(microseconds=1)
    closes = last_moment.date()
    return Clock(closes, closes + dt.timedelta(days=RESPONSE_DUE_DAYS), today)


# The team's text ----------------------------------------------------------------------------


def page_section(path: str) -> str:
    """The section key (and file name, less ".md") of the page at `path`."""
    stripped = path.strip("/")
    return "page-" + (stripped.replace("/", "-") if stripped else "home")


def idea_section(number: int) -> str:
    return f"idea-{number}"


def outcome_folder(consultation: Consultation) -> Path:
    return consultation.root / OUTCOME_FOLDER


def team_text(consultation: Consultation, section: str) -> str:
    """The safe HTML of outcome/<section>.md, or "" when there is none (or it is empty). A
    file (or folder) that is a link leading out of the consultation's folder is not read,
    as the loader reads no page from outside it: the report would publish what it holds."""
    folder = outcome_folder(consultation)
    source = folder / f"{section}.md"
    if not source.is_file() or not source.resolve().is_relative_to(consultation.root.resolve()):
        return ""
    text = source.read_text(encoding="utf-8-sig", errors="replace")
    if not text.strip():
        return ""
    try:
        rendered = render_markdown(
            text,
            source_path=source,
            docs_dir=folder,
            link_for_page=lambda _path: None,
            file_url=lambda _path: "",
        )
        return _placed(rendered.html, section)
    except (ConsultationError, RecursionError):
        return ""  # nested too deeply to show: the section is still to be written


def _placed(html: str, section: str) -> str:
    """The team's HTML made to fit inside its section of the report: headings moved two
    levels down (a "# Heading" sits under the section's own h2) and ids prefixed with the
    section's key, so that none repeats another on the page."""
    soup = BeautifulSoup(html, "html.parser")
    for heading in soup.find_all(["h1", "h2", "h3", "h4", "h5", "h6"]):
        heading.name = f"h{min(int(heading.name[1]) + 2, 6)}"
    for tag in soup.find_all(id=True):
        tag["id"] = f"{section}-{tag['id']}"
    for link in soup.find_all("a", href=True):
        href = str(link["href"])
        if href.startswith("#") and len(href) > 1:
            link["href"] = f"#{section}-{href[1:]}"
    return str(soup)
