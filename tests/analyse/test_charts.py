"""The SVG charts: valid, described, escaped, readable and the same every time."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from soundingboard.analyse import charts
from soundingboard.analyse.filters import ResponseFilter
from soundingboard.analyse.stats import ideas as ideas_stats
from soundingboard.analyse.stats import overview as overview_stats
from soundingboard.analyse.suppression import suppress, suppress_ideas
from soundingboard.analyse.tables import count_table
from soundingboard.publish.settings_schema import contrast_with_white

SVG = "{http://www.w3.org/2000/svg}"
HOSTILE = '<script>alert("x")</script> & “quotes” \x07'


def parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    return root


def check_chart(svg: str, *, title: str) -> ET.Element:
    root = parse(svg)
    assert root.get("role") == "img"
    assert re.fullmatch(r"0 0 \d+ \d+", root.get("viewBox"))
    assert root.get("width") is None and root.get("height") is None  # scales to its container
    children = list(root)
    assert children[0].tag == f"{SVG}title" and children[0].text == title
    assert children[1].tag == f"{SVG}desc" and len(children[1].text) > 30
    assert root.get("aria-labelledby") == children[0].get("id")
    assert root.get("aria-describedby") == children[1].get("id")
    for element in root.iter():
        assert "style" not in element.attrib, element.tag
        assert element.tag != f"{SVG}script" and element.tag != f"{SVG}style"
        assert not any(a.startswith("on") for a in element.attrib)
        for name in ("href", "{http://www.w3.org/1999/xlink}href"):
            assert element.get(name) is None  # nothing fetched from elsewhere
    assert "style=" not in svg and "<script" not in svg
    return root


def texts(root: ET.Element) -> str:
    return " ".join(t.text or "" for t in root.iter(f"{SVG}text"))


def test_bar_chart_labels_each_bar_and_describes_the_largest():
    table = count_table(
        "Responses by role",
        "Role",
        [
            ("a", "Local authority data professional", 120),
            ("b", "Consultant", 30),
            ("c", "Other", 0),
        ],
    )
    svg = charts.bar_chart(table)
    root = check_chart(svg, title="Responses by role")
    words = texts(root)
    assert "Local authority data professional" in words and "120" in words
    desc = list(root)[1].text
    assert "Based on 150 responses" in desc
    assert "Local authority data professional: 120 (80%)" in desc
    assert "1 of 3 with none" in desc
    assert len(root.findall(f"{SVG}rect")) == 2  # no bar for 0


def test_labels_from_configuration_are_escaped():
    table = count_table("Pages <b>", "Page", [("x", HOSTILE, 7), ("y", "Safe", 3)])
    for svg in (
        charts.bar_chart(table, title=HOSTILE),
        charts.bar_chart(suppress(table), title=HOSTILE),
    ):
        root = parse(svg)  # would fail on a stray < or &
        assert next(iter(root)).text == HOSTILE.replace("\x07", "")
        assert "<script>" not in svg and "&lt;script&gt;" in svg
        assert "\x07" not in svg


def test_hidden_counts_show_as_c_and_are_named_in_the_description():
    table = suppress(count_table("T", "Row", [("a", "A", 2), ("b", "B", 40), ("c", "C", 90)]))
    root = check_chart(charts.bar_chart(table), title="T")
    assert "[c] hidden" in texts(root)
    assert "2 small counts hidden" in list(root)[1].text


def test_charts_are_the_same_every_time():
    table = count_table("T", "Row", [("a", "A", 3), ("b", "B", 4)])
    assert charts.bar_chart(table) == charts.bar_chart(table)
    assert charts.bar_chart(table) != charts.bar_chart(count_table("T", "Row", [("a", "A", 4)]))


def test_the_colours_of_data_have_3_to_1_contrast_with_white():
    for colour in (charts.BAR, *charts.SCORE_COLOURS):
        assert contrast_with_white(colour) >= 3, colour
    for colour in (charts.TEXT, charts.SECONDARY_TEXT):
        assert contrast_with_white(colour) >= 4.5, colour
    # 1 and 2, and 4 and 5, differ by pattern as well as by colour.
    assert charts.SCORE_PATTERNS[0] != charts.SCORE_PATTERNS[1]
    assert charts.SCORE_PATTERNS[3] != charts.SCORE_PATTERNS[4]


@pytest.mark.django_db
def test_charts_of_real_results(consultation, records):
    flt = ResponseFilter.for_consultation(consultation)
    overview = overview_stats.overview(consultation, flt)
    root = check_chart(charts.time_series(overview.over_time), title="Responses per day")
    desc = list(root)[1].text
    assert f"{overview.n} responses in total" in desc
    assert "from 25 March 2026 to" in desc
    check_chart(charts.bar_chart(overview.by_page), title="Responses by page")

    ideas = ideas_stats.ideas(consultation, flt)
    scatter = charts.scatter(ideas)
    root = check_chart(scatter, title="Ideas by usefulness and likelihood of use")
    assert "A &lt;b&gt;bold&lt;/b&gt; idea &amp; more" in scatter
    assert "2. A <b>bold</b> idea & more" in texts(root)
    assert len(root.findall(f"{SVG}circle")) == 3
    assert "Most useful:" in list(root)[1].text

    idea = ideas.ideas[0]
    rows = [("All respondents", idea.usefulness.overall)]
    rows += [(g.label, g.summary) for g in idea.usefulness.groups]
    svg = charts.distribution_chart(rows, title="Usefulness", low="Not at all", high="Very")
    root = check_chart(svg, title="Usefulness")
    assert root.find(f"{SVG}defs") is not None
    desc = list(root)[1].text
    assert f"All respondents ({idea.usefulness.overall.n} scores" in desc
    assert "1 Not at all" in texts(root) and "5 Very" in texts(root)
    ids = [e.get("id") for e in root.iter() if e.get("id")]
    assert len(ids) == len(set(ids))

    hidden = suppress_ideas(ideas)
    rows = [(g.label, g.summary) for g in hidden.ideas[0].usefulness.groups]
    root = check_chart(charts.distribution_chart(rows, title="Hidden"), title="Hidden")
    if any(r"[c]" in str(g.summary.n) for g in hidden.ideas[0].usefulness.groups):
        assert "too few to show" in texts(root)
    check_chart(charts.scatter(hidden), title="Ideas by usefulness and likelihood of use")


@pytest.mark.django_db
def test_charts_without_any_responses(consultation):
    flt = ResponseFilter.for_consultation(consultation)
    overview = overview_stats.overview(consultation, flt)
    root = check_chart(charts.time_series(overview.over_time), title="Responses per day")
    assert "No responses" in texts(root)
    check_chart(charts.bar_chart(overview.by_role), title="Responses by role")
    ideas = ideas_stats.ideas(consultation, flt)
    root = check_chart(charts.scatter(ideas), title="Ideas by usefulness and likelihood of use")
    assert root.findall(f"{SVG}circle") == []
    assert "3 ideas without enough scores" in list(root)[1].text
    summary = ideas.ideas[0].likelihood.overall
    check_chart(charts.distribution_bar(summary, title="Likelihood"), title="Likelihood")


def test_two_charts_on_one_page_have_different_ids():
    one = charts.bar_chart(count_table("A", "Row", [("a", "A", 1)]))
    two = charts.bar_chart(count_table("B", "Row", [("a", "A", 1)]))
    assert parse(one).get("aria-labelledby") != parse(two).get("aria-labelledby")
    named = charts.bar_chart(count_table("A", "Row", [("a", "A", 1)]), id_prefix="roles")
    assert parse(named).get("aria-labelledby") == "roles-title"


@pytest.mark.parametrize(
    ("top", "ceiling", "step"),
    [(0, 1, 1), (3, 3, 1), (7, 8, 2), (38, 40, 10), (20211, 25000, 5000)],
)
def test_axis_scales_are_round_numbers(top, ceiling, step):
    assert charts._nice_scale(top) == (ceiling, step)


def test_long_labels_wrap_and_long_words_break():
    lines = charts.wrap(
        "Person (without current or previous social care involvement as a service user)", 300, 14
    )
    assert len(lines) > 1 and all(len(line) <= 38 for line in lines)
    assert charts.wrap("x" * 100, 200, 14)[0].endswith("-")
    assert charts.wrap("", 200, 14) == [""]
