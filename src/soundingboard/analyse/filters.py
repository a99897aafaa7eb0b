"""Which responses an analysis counts: the filter behind every table and chart.

A `ResponseFilter` is read from the page's GET parameters (`from_query`), written back into
links (`to_query`, `without`), described in words (`describe`), and applied to a `Response`
queryset (`apply`) or, for counts already grouped by the database, to one group's values
(`matches`). The two must agree; the tests check that they do.

Within one kind of filter the values are alternatives (role A or role B); different kinds all
apply (this role, and this page). Roles and role groups are one kind: a response from a role
that is picked, or from a role in a picked group, is counted.

GET parameters (each may be repeated, except the dates and `kind`):

    from, to            dates in the consultation's time zone, both days included: 2026-03-31
                        (or from-day, from-month, from-year: the GOV.UK date input)
    role, group, nature the consultation's own option text; NOT_GIVEN for an empty answer
    page                a page's address, "/" for the home page, "/models/";
                        UNMATCHED_PAGES for addresses that are not a page of the consultation,
                        QUESTIONNAIRE for the main questionnaire (every questionnaire
                        response is under it, whatever page address it was sent with)
    kind                "page" or "questionnaire" (both when absent)
    status              "accepted" (the default), "spam" and/or "hidden"; "all" for all three

An invalid value is left out, with a message saying so: reading a filter never fails.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.db.models import Q

from ..publish.consultation import Consultation
from ..publish.settings_schema import DEFAULT_ROLE_GROUPS, UNGROUPED, ConsultationSettings
from .tables import NOT_GIVEN_LABEL

if TYPE_CHECKING:
    from django.db.models import QuerySet

_QuerySet = TypeVar("_QuerySet", bound="QuerySet[Any, Any]")

# Filter values that are not option text. The brackets keep them apart from the options a
# consultation lists (an option spelled exactly like one would be confused with it).
NOT_GIVEN = "(not given)"
UNMATCHED_PAGES = "(unmatched)"
QUESTIONNAIRE = "(questionnaire)"

KINDS = ("page", "questionnaire")
# Response.Status values, in the order they are shown. A status added later (hidden, say)
# is added here and to `STATUS_LABELS`.
STATUSES = ("accepted", "spam", "hidden")
STATUS_LABELS = {"accepted": "Accepted", "spam": "Suspected spam", "hidden": "Hidden by an analyst"}
DEFAULT_STATUSES = ("accepted",)
KIND_LABELS = {"page": "Page feedback", "questionnaire": "Main questionnaire"}
UNMATCHED_LABEL = "Pages not in this consultation"
QUESTIONNAIRE_LABEL = "Main questionnaire"

MAX_VALUES = 200  # of one parameter; more are ignored
EARLIEST = dt.date(2000, 1, 1)
LATEST = dt.date(2999, 12, 31)
PARAMETER_ORDER = ("from", "to", "kind", "status", "group", "role", "page", "nature")


@dataclass(frozen=True)
class FilterProblem:
    """A value in the address that was left out: `field` names the parameter ("from", "role")
    so that an error summary can link to its control."""

    field: str
    message: str


@dataclass(frozen=True, eq=False)
class FilterContext:
    """What a filter needs to know about its consultation: time zone, options, groups, pages."""

    slug: str
    zone: ZoneInfo
    roles: tuple[str, ...]
    natures: tuple[str, ...]
    group_names: tuple[str, ...]  # named groups in order, then "Other" when a role is in none
    group_members: Mapping[str, frozenset[str]]  # named group -> its roles (any role named)
    page_paths: tuple[str, ...]  # in reading order; "" is the home page
    page_titles: Mapping[str, str]
    has_questionnaire: bool

    @classmethod
    def of(cls, consultation: Consultation) -> FilterContext:
        settings: ConsultationSettings = consultation.settings
        feedback = settings.feedback
        groups = feedback.role_groups if feedback.role_groups is not None else DEFAULT_ROLE_GROUPS
        # As FeedbackSettings.group_of: a role named by two groups is in the last of them.
        group_by_role = {role: name for name, roles in groups.items() for role in roles}
        # Only the groups shown: a default group with none of the consultation's roles is not
        # one, and a role stored from it counts as "Other", as every other unlisted role.
        group_names = tuple(feedback.group_names())
        members = {
            name: frozenset(r for r, g in group_by_role.items() if g == name)
            for name in groups
            if name in group_names
        }
        return cls(
            slug=consultation.slug,
            zone=settings.zone(),
            roles=tuple(feedback.roles),
            natures=tuple(feedback.natures),
            group_names=group_names,
            group_members=members,
            page_paths=tuple(p.path for p in consultation.pages),
            page_titles={p.path: p.title for p in consultation.pages},
            has_questionnaire=settings.questionnaire is not None,
        )

    @property
    def has_role_groups(self) -> bool:
        """Whether counting by role group says more than the total (FeedbackSettings')."""
        return len(self.group_names) >= 2

    @cached_property
    def grouped_roles(self) -> frozenset[str]:
        return frozenset().union(*self.group_members.values())

    @cached_property
    def _group_by_role(self) -> dict[str, str]:
        return {role: name for name, roles in self.group_members.items() for role in roles}

    def group_of(self, role: str) -> str:
        """The analysis group of a stored role: NOT_GIVEN for none, "Other" for a role in none."""
        if not role:
            return NOT_GIVEN
        return self._group_by_role.get(role, UNGROUPED)

    @cached_property
    def _known_paths(self) -> frozenset[str]:
        return frozenset(self.page_paths)

    def page_key(self, kind: str, page_path: str) -> str:
        """The `page` filter value a stored response falls under."""
        if kind == "questionnaire":
            return QUESTIONNAIRE
        if page_path in self._known_paths:
            return page_value(page_path)
        return UNMATCHED_PAGES

    def page_label(self, key: str) -> str:
        if key == QUESTIONNAIRE:
            return QUESTIONNAIRE_LABEL
        if key == UNMATCHED_PAGES:
            return UNMATCHED_LABEL
        return self.page_titles.get(page_path_of(key), key)


def page_value(path: str) -> str:
    """The `page` filter value of a page address: "/" for the home page, "/a/b/" otherwise."""
    return "/" + path


def page_path_of(value: str) -> str:
    """The stored page address of a `page` filter value ("/a/b/" -> "a/b/")."""
    stripped = value.strip("/")
    return f"{stripped}/" if stripped else ""


def option_label(value: str) -> str:
    """How an option value reads in a table: "Not given" for an empty answer."""
    return NOT_GIVEN_LABEL if value in ("", NOT_GIVEN) else value


@dataclass(frozen=True)
class ResponseFilter:
    """Which responses of one consultation to count.

    Dates are days in the consultation's time zone, both included. An empty tuple means "any".
    By default only accepted responses are counted (not suspected spam).

    `context` (the consultation's options, groups and pages) is needed to apply role groups
    and the page values; `from_query` and `for_consultation` set it, and `bind` adds it.
    """

    consultation: str
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    roles: tuple[str, ...] = ()
    role_groups: tuple[str, ...] = ()
    pages: tuple[str, ...] = ()
    natures: tuple[str, ...] = ()
    kind: str | None = None
    statuses: tuple[str, ...] = DEFAULT_STATUSES
    context: FilterContext | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        for name in ("roles", "role_groups", "pages", "natures", "statuses"):
            value = getattr(self, name)
            if isinstance(value, str):
                raise TypeError(f"{name} must be a tuple of values, not one string")
            object.__setattr__(self, name, tuple(dict.fromkeys(value)))
        if self.kind is not None and self.kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS} or None, not {self.kind!r}")
        if not self.statuses:
            raise ValueError("statuses must name at least one status")

    # Building -----------------------------------------------------------------------------

    @classmethod
    def for_consultation(cls, consultation: Consultation, **values: Any) -> ResponseFilter:
        return cls(consultation=consultation.slug, context=FilterContext.of(consultation), **values)

    def bind(self, consultation: Consultation) -> ResponseFilter:
        """This filter with its consultation's context (which must be the one it names)."""
        if consultation.slug != self.consultation:
            raise ValueError(
                f"this filter is for “{self.consultation}”, not for “{consultation.slug}”"
            )
        if self.context is not None:
            return self
        return replace(self, context=FilterContext.of(consultation))

    @classmethod
    def from_query(
        cls, query: Mapping[str, Any], consultation: Consultation
    ) -> tuple[ResponseFilter, list[FilterProblem]]:
        """Read a filter from GET parameters (a QueryDict or a dict of lists or strings).

        Returns the filter and a message for each value that was left out.
        """
        context = FilterContext.of(consultation)
        problems: list[FilterProblem] = []
        date_from = _read_date(query, "from", "Date from", problems)
        date_to = _read_date(query, "to", "Date to", problems)
        if date_from and date_to and date_to < date_from:
            problems.append(FilterProblem("to", "Date to must be the same as or after date from"))
            date_to = None

        roles = _read_options(query, "role", "role", (*context.roles, NOT_GIVEN), problems)
        groups = _read_options(
            query, "group", "role group", (*context.group_names, UNGROUPED, NOT_GIVEN), problems
        )
        natures = _read_options(
            query, "nature", "kind of feedback", (*context.natures, NOT_GIVEN), problems
        )
        pages = []
        for value in _values(query, "page"):
            if value in (UNMATCHED_PAGES, QUESTIONNAIRE):
                pages.append(value)
            elif page_path_of(value) in context.page_paths:
                pages.append(page_value(page_path_of(value)))
            else:
                problems.append(
                    FilterProblem("page", f"“{_short(value)}” is not a page of this consultation")
                )

        kind = None
        kinds = _values(query, "kind")
        if kinds and kinds[0] not in ("", "all"):
            if kinds[0] in KINDS:
                kind = kinds[0]
            else:
                problems.append(
                    FilterProblem("kind", "Kind must be page feedback or the main questionnaire")
                )

        statuses: list[str] = []
        for value in _values(query, "status"):
            if value == "all":
                statuses.extend(STATUSES)
            elif value in STATUSES:
                statuses.append(value)
            else:
                problems.append(FilterProblem("status", f"“{_short(value)}” is not a status"))
        statuses = [s for s in STATUSES if s in statuses] or list(DEFAULT_STATUSES)

        flt = cls(
            consultation=consultation.slug,
            date_from=date_from,
            date_to=date_to,
            roles=tuple(roles),
            role_groups=tuple(groups),
            pages=tuple(pages),
            natures=tuple(natures),
            kind=kind,
            statuses=tuple(statuses),
            context=context,
        )
        return flt, problems

    # Writing back -------------------------------------------------------------------------

    def query_pairs(self) -> list[tuple[str, str]]:
        """The GET parameters that give this filter, in a fixed order."""
        pairs: list[tuple[str, str]] = []
        if self.date_from:
            pairs.append(("from", self.date_from.isoformat()))
        if self.date_to:
            pairs.append(("to", self.date_to.isoformat()))
        if self.kind:
            pairs.append(("kind", self.kind))
        if self.statuses != DEFAULT_STATUSES:
            pairs.extend(("status", s) for s in self.statuses)
        pairs.extend(("group", g) for g in self.role_groups)
        pairs.extend(("role", r) for r in self.roles)
        pairs.extend(("page", p) for p in self.pages)
        pairs.extend(("nature", n) for n in self.natures)
        return pairs

    def to_query(self) -> str:
        """The query string for a link to this filter ("" when nothing is filtered)."""
        return urlencode(self.query_pairs())

    def without(self, parameter: str, value: str | None = None) -> ResponseFilter:
        """This filter without one value of a parameter (or all its values), for "remove" links."""
        if parameter == "from":
            return replace(self, date_from=None)
        if parameter == "to":
            return replace(self, date_to=None)
        if parameter == "kind":
            return replace(self, kind=None)

        def kept(values: tuple[str, ...]) -> tuple[str, ...]:
            return tuple(v for v in values if value is not None and v != value)

        if parameter == "status":
            return replace(self, statuses=kept(self.statuses) or DEFAULT_STATUSES)
        if parameter == "group":
            return replace(self, role_groups=kept(self.role_groups))
        if parameter == "role":
            return replace(self, roles=kept(self.roles))
        if parameter == "page":
            return replace(self, pages=kept(self.pages))
        if parameter == "nature":
            return replace(self, natures=kept(self.natures))
        raise KeyError(parameter)

    @property
    def is_filtered(self) -> bool:
        """Whether anything narrows (or, with spam, widens) the default selection."""
        return bool(self.query_pairs())

    def describe(self) -> list[tuple[str, str, str]]:
        """(parameter, value, words) for each value filtered on, e.g. for filter tags."""
        context = self._context()
        described = []
        if self.date_from:
            described.append(("from", self.date_from.isoformat(), f"From {_day(self.date_from)}"))
        if self.date_to:
            described.append(("to", self.date_to.isoformat(), f"To {_day(self.date_to)}"))
        if self.kind:
            described.append(("kind", self.kind, KIND_LABELS[self.kind]))
        if self.statuses != DEFAULT_STATUSES:
            described.extend(("status", s, STATUS_LABELS.get(s, s)) for s in self.statuses)
        described.extend(("group", g, f"Role group: {option_label(g)}") for g in self.role_groups)
        described.extend(("role", r, f"Role: {option_label(r)}") for r in self.roles)
        described.extend(("page", p, f"Page: {context.page_label(p)}") for p in self.pages)
        described.extend(
            ("nature", n, f"Kind of feedback: {option_label(n)}") for n in self.natures
        )
        return described

    # Applying -----------------------------------------------------------------------------

    def bounds(self) -> tuple[dt.datetime | None, dt.datetime | None]:
        """The moments the date range starts and (exclusively) ends, in the consultation's zone."""
        zone = self._context().zone
        start = dt.datetime.combine(self.date_from, dt.time(), zone) if self.date_from else None
        end = (
            dt.datetime.combine(self.date_to + dt.timedelta(days=1), dt.time(), zone)
            if self.date_to
            else None
        )
        return start, end

    def date_q(self, prefix: str = "") -> Q:
        """This consultation, within the dates (no other filter)."""
        q = Q(**{f"{prefix}consultation": self.consultation})
        start, end = self.bounds()
        if start:
            q &= Q(**{f"{prefix}submitted_at__gte": start})
        if end:
            q &= Q(**{f"{prefix}submitted_at__lt": end})
        return q

    def q(self, prefix: str = "", *, statuses: bool = True) -> Q:
        """The whole filter as a Q on Response (with prefix "response__", on a related model);
        without the statuses when `statuses` is False, for a caller that applies them itself."""
        context = self._context()
        q = self.date_q(prefix)
        if statuses:
            q &= Q(**{f"{prefix}status__in": self.statuses})
        if self.kind:
            q &= Q(**{f"{prefix}kind": self.kind})
        if self.roles or self.role_groups:
            q &= self._role_q(prefix, context)
        if self.pages:
            q &= self._page_q(prefix, context)
        if self.natures:
            named = [n for n in self.natures if n != NOT_GIVEN]
            either = Q(**{f"{prefix}nature__in": named})
            if NOT_GIVEN in self.natures:
                either |= Q(**{f"{prefix}nature": ""})
            q &= either
        return q

    def apply(self, queryset: _QuerySet) -> _QuerySet:
        """The responses of a Response queryset that this filter counts."""
        return queryset.filter(self.q())

    def matches(self, kind: str, page_path: str, role: str, nature: str, status: str) -> bool:
        """Whether a response with these values is counted (all but its date: see `date_q`)."""
        return status in self.statuses and self.matches_except_status(kind, page_path, role, nature)

    def matches_except_status(self, kind: str, page_path: str, role: str, nature: str) -> bool:
        context = self._context()
        if self.kind and kind != self.kind:
            return False
        if self.roles or self.role_groups:
            chosen = self._role_sets
            if (role or NOT_GIVEN) not in chosen[0] and context.group_of(role) not in chosen[1]:
                return False
        if self.pages and context.page_key(kind, page_path) not in self._page_set:
            return False
        return not (self.natures and (nature or NOT_GIVEN) not in self._nature_set)

    # Internals ----------------------------------------------------------------------------

    def _context(self) -> FilterContext:
        if self.context is None:
            raise ValueError(
                "this filter has no consultation context; make it with from_query, "
                "for_consultation or bind"
            )
        return self.context

    @cached_property
    def _role_sets(self) -> tuple[frozenset[str], frozenset[str]]:
        return frozenset(self.roles), frozenset(self.role_groups)

    @cached_property
    def _page_set(self) -> frozenset[str]:
        return frozenset(self.pages)

    @cached_property
    def _nature_set(self) -> frozenset[str]:
        return frozenset(self.natures)

    def _role_q(self, prefix: str, context: FilterContext) -> Q:
        field_name = f"{prefix}role"
        named: set[str] = {r for r in self.roles if r != NOT_GIVEN}
        not_given = NOT_GIVEN in self.roles or NOT_GIVEN in self.role_groups
        ungrouped = False
        for group in self.role_groups:
            named |= context.group_members.get(group, frozenset())
            ungrouped |= group == UNGROUPED
        q = Q(**{f"{field_name}__in": sorted(named)})
        if not_given:
            q |= Q(**{field_name: ""})
        if ungrouped:
            q |= ~Q(**{f"{field_name}__in": sorted(context.grouped_roles)}) & ~Q(**{field_name: ""})
        return q

    def _page_q(self, prefix: str, context: FilterContext) -> Q:
        paths = [page_path_of(p) for p in self.pages if p not in (UNMATCHED_PAGES, QUESTIONNAIRE)]
        page_kind = ~Q(**{f"{prefix}kind": "questionnaire"})
        q = page_kind & Q(**{f"{prefix}page_path__in": paths})
        if UNMATCHED_PAGES in self.pages:
            q |= page_kind & ~Q(**{f"{prefix}page_path__in": list(context.page_paths)})
        if QUESTIONNAIRE in self.pages:
            q |= Q(**{f"{prefix}kind": "questionnaire"})
        return q


def _values(query: Mapping[str, Any], name: str) -> list[str]:
    if hasattr(query, "getlist"):
        raw = query.getlist(name)
    else:
        raw = query.get(name, [])
        raw = [raw] if isinstance(raw, str) else list(raw)
    values = []
    for value in raw[:MAX_VALUES]:
        if isinstance(value, str) and value.strip():
            values.append(value.strip())
    return values


def _read_options(
    query: Mapping[str, Any],
    name: str,
    noun: str,
    allowed: Iterable[str],
    problems: list[FilterProblem],
) -> list[str]:
    allowed_set = set(allowed)
    chosen = []
    for value in _values(query, name):
        if value in allowed_set:
            chosen.append(value)
        else:
            problems.append(
                FilterProblem(name, f"“{_short(value)}” is not a {noun} in this consultation")
            )
    return chosen


def _read_date(
    query: Mapping[str, Any], name: str, label: str, problems: list[FilterProblem]
) -> dt.date | None:
    whole = _values(query, name)
    parts = [_values(query, f"{name}-{part}") for part in ("day", "month", "year")]
    if whole:
        text = whole[0]
        try:
            value = dt.date.fromisoformat(text)
        except ValueError:
            problems.append(FilterProblem(name, f"{label} must be a real date, like 2026-03-31"))
            return None
    elif any(parts):
        if not all(parts):
            missing = [p for p, v in zip(("day", "month", "year"), parts, strict=True) if not v]
            problems.append(
                FilterProblem(f"{name}-{missing[0]}", f"{label} must include a {missing[0]}")
            )
            return None
        try:
            day, month, year = (int(p[0]) for p in parts)
            value = dt.date(year, month, day)
        except (ValueError, OverflowError):  # OverflowError: a number too big for a date
            problems.append(FilterProblem(f"{name}-day", f"{label} must be a real date"))
            return None
    else:
        return None
    if not EARLIEST <= value <= LATEST:
        problems.append(
            FilterProblem(
                name, f"{label} must be between the years {EARLIEST.year} and {LATEST.year}"
            )
        )
        return None
    return value


def _short(value: str, limit: int = 80) -> str:
    return value if len(value) <= limit else value[: limit - 1] + "…"


def _day(value: dt.date) -> str:
    return f"{value.day} {value:%B %Y}"
