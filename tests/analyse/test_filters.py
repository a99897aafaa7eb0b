"""Reading filters from the address, writing them back, and applying them."""

from __future__ import annotations

import datetime as dt
import itertools
import random

import pytest
from django.http import QueryDict

from soundingboard.analyse.filters import (
    NOT_GIVEN,
    QUESTIONNAIRE,
    UNMATCHED_PAGES,
    ResponseFilter,
)
from soundingboard.analyse.stats.overview import _cube
from soundingboard.collect.models import Response
from soundingboard.publish.settings_schema import DEFAULT_NATURES, DEFAULT_ROLES

from .conftest import SLUG


def parse(consultation, query: str):
    return ResponseFilter.from_query(QueryDict(query), consultation)


def test_no_parameters_means_every_accepted_response(consultation):
    flt, problems = parse(consultation, "")
    assert problems == []
    assert flt == ResponseFilter(consultation=SLUG)
    assert flt.statuses == ("accepted",) and not flt.is_filtered
    assert flt.to_query() == ""


def test_every_parameter_is_read(consultation):
    query = QueryDict(mutable=True)
    query.setlist("role", [DEFAULT_ROLES[0], NOT_GIVEN])
    query.setlist("group", ["Private sector", "Other"])
    query.setlist("page", ["/models/", "/", UNMATCHED_PAGES, QUESTIONNAIRE, "mechanisms"])
    query.setlist("nature", [DEFAULT_NATURES[2]])
    query.setlist("status", ["accepted", "spam"])
    query.update({"from": "2026-03-01", "to": "2026-03-31", "kind": "page"})
    flt, problems = ResponseFilter.from_query(query, consultation)
    assert problems == []
    assert flt.date_from == dt.date(2026, 3, 1) and flt.date_to == dt.date(2026, 3, 31)
    assert flt.roles == (DEFAULT_ROLES[0], NOT_GIVEN)
    assert flt.role_groups == ("Private sector", "Other")
    assert flt.pages == ("/models/", "/", UNMATCHED_PAGES, QUESTIONNAIRE, "/mechanisms/")
    assert flt.natures == (DEFAULT_NATURES[2],)
    assert flt.kind == "page" and flt.statuses == ("accepted", "spam")


def test_the_govuk_date_input_is_read_too(consultation):
    flt, problems = parse(consultation, "from-day=9&from-month=3&from-year=2026&to=2026-03-10")
    assert problems == []
    assert (flt.date_from, flt.date_to) == (dt.date(2026, 3, 9), dt.date(2026, 3, 10))


@pytest.mark.parametrize(
    ("query", "field", "words"),
    [
        ("from=2026-02-30", "from", "Date from must be a real date"),
        ("to=yesterday", "to", "Date to must be a real date"),
        ("from-day=31&from-month=2&from-year=2026", "from-day", "must be a real date"),
        ("from-day=3&from-year=2026", "from-month", "must include a month"),
        # Numbers too big for a date once made the page fail with a server error (500).
        ("from-day=99999999999999999999&from-month=1&from-year=2025", "from-day", "real date"),
        ("from-day=1&from-month=1&from-year=99999999999999999999", "from-day", "real date"),
        ("from-day=1&from-month=-99999999999999999999&from-year=2025", "from-day", "real date"),
        ("from=2025-01-99999999", "from", "Date from must be a real date"),
        ("from=1066-10-14", "from", "between the years"),
        ("from=2026-03-10&to=2026-03-09", "to", "same as or after date from"),
        ("role=Astronaut", "role", "“Astronaut” is not a role"),
        ("group=Everyone", "group", "not a role group"),
        ("nature=Furious", "nature", "not a kind of feedback"),
        ("page=/nowhere/", "page", "not a page of this consultation"),
        ("kind=letters", "kind", "Kind must be"),
        ("status=deleted", "status", "not a status"),
    ],
)
def test_invalid_values_are_left_out_with_a_message(consultation, query, field, words):
    flt, problems = parse(consultation, query)
    assert [p.field for p in problems] == [field]
    assert words in problems[0].message
    expected_from = dt.date(2026, 3, 10) if "to=2026-03-09" in query else None
    assert flt.date_from == expected_from and flt.date_to is None
    assert flt.roles == flt.role_groups == flt.pages == flt.natures == ()
    assert flt.kind is None and flt.statuses == ("accepted",)


def test_hostile_input_never_raises(consultation):
    rng = random.Random(5)
    names = ["from", "to", "role", "group", "page", "nature", "kind", "status", "from-day"]
    samples = ["", " ", "<script>", "\x00", "9" * 400, "2026-13-01", "../..", "%", "(not given)"]
    for _ in range(300):
        query = QueryDict(mutable=True)
        for name in rng.sample(names, 4):
            query.setlist(name, rng.choices(samples, k=3))
        flt, problems = ResponseFilter.from_query(query, consultation)
        assert isinstance(problems, list)
        flt.to_query()
    many = QueryDict(mutable=True)
    many.setlist("role", ["Astronaut"] * 5000)
    _, problems = ResponseFilter.from_query(many, consultation)
    assert len(problems) == 200  # at most MAX_VALUES of one parameter are looked at


def test_to_query_gives_the_same_filter_back(consultation):
    flt = ResponseFilter.for_consultation(
        consultation,
        date_from=dt.date(2026, 3, 1),
        date_to=dt.date(2026, 3, 2),
        roles=(DEFAULT_ROLES[3], NOT_GIVEN),
        role_groups=("Local authority",),
        pages=("/", QUESTIONNAIRE),
        natures=(DEFAULT_NATURES[0],),
        kind="page",
        statuses=("accepted", "spam"),
    )
    query = flt.to_query()
    assert query.startswith("from=2026-03-01&to=2026-03-02&kind=page&status=accepted&status=spam")
    again, problems = parse(consultation, query)
    assert problems == [] and again == flt


def test_without_removes_one_value_or_a_whole_parameter(consultation):
    flt = ResponseFilter.for_consultation(
        consultation,
        date_from=dt.date(2026, 3, 1),
        roles=(DEFAULT_ROLES[0], DEFAULT_ROLES[1]),
        statuses=("spam",),
    )
    assert flt.without("role", DEFAULT_ROLES[0]).roles == (DEFAULT_ROLES[1],)
    assert flt.without("role").roles == ()
    assert flt.without("from").date_from is None
    assert flt.without("status", "spam").statuses == ("accepted",)
    assert flt.roles == (DEFAULT_ROLES[0], DEFAULT_ROLES[1])  # unchanged: filters are frozen


def test_describe_names_each_value_in_words(consultation):
    flt = ResponseFilter.for_consultation(
        consultation,
        date_from=dt.date(2026, 3, 1),
        pages=("/models/", UNMATCHED_PAGES),
        roles=(NOT_GIVEN,),
    )
    assert [words for _, _, words in flt.describe()] == [
        "From 1 March 2026",
        "Role: Not given",
        "Page: Models for delivery",
        "Page: Pages not in this consultation",
    ]


def test_filters_are_values(consultation):
    one = ResponseFilter.for_consultation(consultation, roles=(DEFAULT_ROLES[0],))
    two = ResponseFilter(consultation=SLUG, roles=(DEFAULT_ROLES[0], DEFAULT_ROLES[0]))
    assert one == two and hash(one) == hash(two)
    with pytest.raises(TypeError):
        ResponseFilter(consultation=SLUG, roles=DEFAULT_ROLES[0])


def test_a_filter_without_its_consultation_cannot_be_applied():
    with pytest.raises(ValueError, match="no consultation context"):
        ResponseFilter(consultation=SLUG, role_groups=("Other",)).q()


@pytest.mark.django_db
def test_sql_and_python_filters_agree_on_every_group_of_the_cube(consultation, records):
    """`apply` (SQL) and `matches` (Python, on the grouped counts) count the same responses."""
    rng = random.Random(11)
    roles = [*DEFAULT_ROLES[:3], NOT_GIVEN]
    groups = ["Local authority", "Central government", "Private sector", "Other", NOT_GIVEN]
    pages = ["/", "/models/", "/mechanisms/", "/quiet/", UNMATCHED_PAGES, QUESTIONNAIRE]
    natures = [*DEFAULT_NATURES[:3], NOT_GIVEN]

    def some(values):
        return tuple(rng.sample(values, rng.choice([0, 0, 1, 2])))

    for _ in range(40):
        flt = ResponseFilter.for_consultation(
            consultation,
            roles=some(roles),
            role_groups=some(groups),
            pages=some(pages),
            natures=some(natures),
            kind=rng.choice([None, None, "page", "questionnaire"]),
            statuses=rng.choice([("accepted",), ("spam",), ("accepted", "spam")]),
        )
        in_python = sum(n for values, n in _cube(flt).items() if flt.matches(*values))
        assert flt.apply(Response.objects.all()).count() == in_python, flt


def test_every_combination_of_page_values_is_accepted(consultation):
    values = ["/", "/models/", UNMATCHED_PAGES, QUESTIONNAIRE]
    for size in range(1, len(values) + 1):
        for chosen in itertools.combinations(values, size):
            query = QueryDict(mutable=True)
            query.setlist("page", list(chosen))
            flt, problems = ResponseFilter.from_query(query, consultation)
            assert problems == [] and flt.pages == chosen
