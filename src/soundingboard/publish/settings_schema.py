"""What `consultation.yml` may say, with its defaults and its checks.

Pydantic does the checking; `loader` turns its errors into messages that name the line.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

DEFAULT_NATURES = [
    "I’m enthusiastic about this",
    "I’m unsure about this",
    "I disagree with this",
    "I have a general reflection on this",
    "I’ve identified a specific issue with this",
    "Other",
]

DEFAULT_ROLES = [
    "Local authority data professional",
    "Local authority digital professional",
    "Local authority children’s social care professional",
    "Local authority leadership",
    "Central government data professional",
    "Central government digital professional",
    "Central government social care professional",
    "Central government leadership",
    "Other public sector professional role",
    "Data and digital supplier/partner",
    "Data and digital consultant",
    "Other private sector professional role",
    "Person (with current or previous social care involvement as a service user)",
    "Person (without current or previous social care involvement as a service user)",
]

SLUG_PATTERN = r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$"
OptionText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


def contrast_with_white(hex_colour: str) -> float:
    """WCAG contrast ratio of a #rrggbb colour against white."""

    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    luminance = 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)
    return 1.05 / (luminance + 0.05)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# How the default roles group for analysis: by sector, and people with and without
# experience of social care.
DEFAULT_ROLE_GROUPS = {
    "Local authority": DEFAULT_ROLES[0:4],
    "Central government": DEFAULT_ROLES[4:8],
    "Other public sector": DEFAULT_ROLES[8:9],
    "Private sector": DEFAULT_ROLES[9:12],
    "People with experience of social care": DEFAULT_ROLES[12:13],
    "People without experience of social care": DEFAULT_ROLES[13:14],
}
UNGROUPED = "Other"


class FeedbackSettings(_Strict):
    """The option lists of the forms, and how the roles group for analysis."""

    natures: list[OptionText] = Field(default_factory=lambda: list(DEFAULT_NATURES), min_length=1)
    roles: list[OptionText] = Field(default_factory=lambda: list(DEFAULT_ROLES), min_length=1)
    # Group name -> the roles in it. Without it, the default roles keep their default groups
    # and any other role is in the group "Other".
    role_groups: dict[OptionText, list[OptionText]] | None = None

    def group_of(self, role: str) -> str:
        """The analysis group of a role ("Other" for a role in no group)."""
        return self._group_by_role().get(role, UNGROUPED)

    def group_names(self) -> list[str]:
        """Every group, in the order given, with "Other" last when some role is in none."""
        groups = self.role_groups if self.role_groups is not None else DEFAULT_ROLE_GROUPS
        names = [name for name, roles in groups.items() if set(roles) & set(self.roles)]
        if any(role not in self._group_by_role() for role in self.roles):
            names.append(UNGROUPED)
        return names

    def has_role_groups(self) -> bool:
        """Whether the roles fall into two groups or more: with one ("Other", when no
        group names any of the roles), counting by group only repeats the total."""
        return len(self.group_names()) >= 2

    def _group_by_role(self) -> dict[str, str]:
        groups = self.role_groups if self.role_groups is not None else DEFAULT_ROLE_GROUPS
        return {role: name for name, roles in groups.items() for role in roles}

    @model_validator(mode="after")
    def _groups_name_known_roles(self) -> FeedbackSettings:
        for name, roles in (self.role_groups or {}).items():
            unknown = [role for role in roles if role not in self.roles]
            if unknown:
                raise ValueError(
                    f"role group “{name}” names “{unknown[0]}”, which is not one of the roles"
                )
        return self

    @field_validator("natures", "roles")
    @classmethod
    def _no_repeats(cls, options: list[str]) -> list[str]:
        seen: set[str] = set()
        for option in options:
            if option in seen:
                raise ValueError(f"“{option}” is listed twice; list each option once")
            seen.add(option)
        return options


class IdeaSettings(_Strict):
    """One idea of the main questionnaire and the activities under it."""

    name: OptionText
    activities: list[OptionText] = Field(default_factory=list)
    # Other names for this idea's group of activities, as an earlier site sent them
    # (e.g. "Procurement and configuration" for "Making sense of case management systems").
    aliases: list[OptionText] = Field(default_factory=list)


class QuestionnaireSettings(_Strict):
    """The main questionnaire: each idea scored twice from 1 to 5, and activities to tick."""

    title: OptionText = "Main questionnaire"
    introduction: str = ""
    # A Markdown file of the pages folder whose words are shown above the questions, in place
    # of a questionnaire form pasted into it (`soundingboard adopt` sets it). When the page is
    # in the navigation, the questionnaire is served at that page's own address.
    page: OptionText | None = None
    usefulness_question: OptionText = "How useful would each idea be, if it were achieved?"
    likelihood_question: OptionText = (
        "How likely is your organisation to use what each idea produces?"
    )
    scale_low: OptionText = "Not at all"
    scale_high: OptionText = "Very"
    activities_question: OptionText = "Which activities would you most like explored further?"
    ideas: list[IdeaSettings] = Field(min_length=1)
    save_days: int = Field(default=28, ge=1, le=365)
    """How many days answers saved with "Save and come back later" are kept."""

    @field_validator("ideas")
    @classmethod
    def _unique_ideas(cls, ideas: list[IdeaSettings]) -> list[IdeaSettings]:
        seen: set[str] = set()
        for idea in ideas:
            for name in (idea.name, *idea.aliases):
                if name.casefold() in seen:
                    raise ValueError(f"“{name}” names two ideas; give each idea its own name")
                seen.add(name.casefold())
        return ideas

    def idea(self, name: str) -> IdeaSettings | None:
        return next((i for i in self.ideas if i.name == name), None)


# The largest document a consultation may accept: nginx lets requests this size through to the
# feedback form's address only (soundingboard.nginx), and the form checks the setting's own.
ATTACHMENT_MAX_MB_LIMIT = 50
MAX_FILES_LIMIT = 5


class AttachmentSettings(_Strict):
    """Documents (PDF, DOCX, ODT) a respondent may attach to page feedback."""

    max_mb: int = Field(default=10, ge=1, le=ATTACHMENT_MAX_MB_LIMIT)
    """The largest document accepted, in megabytes."""
    max_files: int = Field(default=1, ge=0, le=MAX_FILES_LIMIT)
    """How many documents one response may attach; 0 turns attachments off."""


DEFAULT_QUOTE_QUESTION = "May we quote your response, without your name, in what we publish?"


class ConsultationSettings(_Strict):
    """Everything `consultation.yml` can set. Only `title` is needed (or `site_name` in MkDocs)."""

    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    slug: Annotated[str, Field(pattern=SLUG_PATTERN)] | None = None
    organisation: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] = ""
    accent_colour: Annotated[str, Field(pattern=r"^#[0-9a-fA-F]{6}$")] = "#1d70b8"
    opens: dt.date | dt.datetime | None = None
    closes: dt.date | dt.datetime | None = None
    timezone: str = "Europe/London"
    contact_email: EmailStr | None = None
    privacy_notice: str = ""
    contact_retention_until: dt.date | None = None
    """The retention date: respondents' contact details (email, organisation) are kept until
    the end of this day, then `soundingboard purge-contacts` removes them, keeping the answers.
    The generated privacy notice states it."""
    docs_dir: str = "."
    pages: list[Any] | None = None
    feedback: FeedbackSettings = Field(default_factory=FeedbackSettings)
    questionnaire: QuestionnaireSettings | None = None
    allowed_origins: list[Annotated[str, Field(pattern=r"^https?://[^/\s]+$")]] = Field(
        default_factory=list
    )
    attachments: AttachmentSettings = Field(default_factory=AttachmentSettings)
    quote_consent: bool | OptionText = False
    """Whether both forms and the intake API ask if a response may be quoted, without the
    respondent's name, in what is published: `true` asks `DEFAULT_QUOTE_QUESTION`, text asks
    in those words, `false` (the default) does not ask."""
    site_url: Annotated[str, Field(pattern=r"^(https?://[^/\s]+(/\S*)?)?$")] = ""
    """Where the site's own pages are published, as in MkDocs: its path tells the intake API
    that an address such as https://example.github.io/paper/ is the home page."""

    @property
    def quote_question(self) -> str | None:
        """The consent-to-quote question the forms ask, or None when they do not ask it."""
        if self.quote_consent is True:
            return DEFAULT_QUOTE_QUESTION
        return self.quote_consent or None

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"“{value}” is not a time zone name; use one like Europe/London"
            ) from None
        return value

    @field_validator("accent_colour")
    @classmethod
    def _readable_accent(cls, value: str) -> str:
        ratio = contrast_with_white(value)
        if ratio < 4.5:
            raise ValueError(
                f"white text on {value} has a contrast of {ratio:.1f}:1, below the 4.5:1 that "
                "WCAG AA needs; choose a darker colour"
            )
        return value.lower()

    @model_validator(mode="after")
    def _dates_in_order(self) -> ConsultationSettings:
        opens, closes = self.opens_at(), self.closes_at()
        if opens and closes and closes <= opens:
            raise ValueError("closes must be after opens")
        return self

    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def opens_at(self) -> dt.datetime | None:
        """The moment feedback opens: a bare date means the start of that day."""
        return _moment(self.opens, self.zone(), end_of_day=False)

    def closes_at(self) -> dt.datetime | None:
        """The moment feedback closes: a bare date means the end of that day."""
        return _moment(self.closes, self.zone(), end_of_day=True)


def describe_moment(value: dt.date | dt.datetime | None) -> str:
    """A date as people write it: "31 March 2027", or "31 March 2027 at 5pm" with a time."""
    if value is None:
        return ""
    text = f"{value.day} {value:%B %Y}"
    if isinstance(value, dt.datetime):
        hour = value.hour % 12 or 12
        minutes = f":{value.minute:02d}" if value.minute else ""
        text += f" at {hour}{minutes}{'am' if value.hour < 12 else 'pm'}"
    return text


def _moment(
    value: dt.date | dt.datetime | None, zone: ZoneInfo, *, end_of_day: bool
) -> dt.datetime | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=zone)
    if end_of_day:
        return dt.datetime.combine(value + dt.timedelta(days=1), dt.time(), tzinfo=zone)
    return dt.datetime.combine(value, dt.time(), tzinfo=zone)


def slugify_folder_name(name: str) -> str:
    """A usable slug from a folder name: lower case, hyphens, at most 64 characters."""
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:64].strip("-")
    return slug or "consultation"
