"""What a new analyst found on the overview and ideas pages (issue 15), each checked in the
real output: score axes that run 1 to 5, descriptions in sentences, one day of data as a
narrow column, charts whose table does not repeat their heading, and no role-group rows that
only repeat the total when a consultation sets no role groups."""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET

import pytest

from soundingboard.accounts.models import Role
from soundingboard.analyse import charts
from soundingboard.analyse.filters import ResponseFilter
from soundingboard.analyse.presentation.figures import Figure, TableView
from soundingboard.analyse.stats import ideas as ideas_stats
from soundingboard.analyse.stats import overview as overview_stats
from soundingboard.collect.models import IdeaScore, Response
from soundingboard.publish.loader import load_consultation
from tests.accounts.test_accounts import make_account, sign_in_verified
from tests.conftest import write_consultation

from .conftest import SLUG

SVG = "{http://www.w3.org/2000/svg}"


def axis_labels(svg: str) -> list[str]:
    root = ET.fromstring(svg)
    return [t.text or "" for t in root.iter(f"{SVG}text") if re.fullmatch(r"\d\.\d", t.text or "")]


@pytest.mark.django_db
def test_the_scatter_axes_run_from_1_to_5_whatever_the_means(consultation, records):
    result = ideas_stats.ideas(consultation, ResponseFilter.for_consultation(consultation))
    means = [i.usefulness.overall.mean for i in result.ideas if i.usefulness.overall.mean]
    assert (means and all(1 < m < 5 for m in means)) or means
    labels = axis_labels(charts.scatter(result))
    # Each axis: 1.0, 2.0, 3.0, 4.0 and 5.0, once across and once up.
    assert sorted(labels) == sorted(["1.0", "2.0", "3.0", "4.0", "5.0"] * 2)


@pytest.mark.django_db
def test_one_day_of_responses_is_a_narrow_column_described_as_one_day(consultation):
    day = dt.datetime(2026, 3, 25, 12, tzinfo=dt.UTC)
    for i in range(3):
        Response.objects.create(
            reference=f"SB-ONE{i}", consultation=SLUG, page_path="models/", submitted_at=day
        )
    result = overview_stats.overview(consultation, ResponseFilter.for_consultation(consultation))
    svg = charts.time_series(result.over_time)
    widths = [float(w) for w in re.findall(r'<rect [^>]*width="([\d.]+)"[^>]*sb-chart__bar', svg)]
    assert len(widths) == 1 and widths[0] <= charts.MAX_COLUMN_WIDTH
    assert "Column chart: Responses per day, on 25 March 2026." in svg


def test_descriptions_are_sentences_after_a_question():
    table = TableView("t", "Useful?", "Based on 90 scores", "Row", (), ())
    shown = Figure("f", "Usefulness", None, table, "How useful would libraries be?")
    assert shown.description == "How useful would libraries be? Based on 90 scores."
    assert Figure("f", "Usefulness", None, table).description == "Based on 90 scores."
    svg = charts.bar_chart(
        __import__("soundingboard.analyse.tables", fromlist=["count_table"]).count_table(
            "Are libraries useful?", "Answer", [("yes", "Yes", 3)]
        ),
        title="Are libraries useful?",
    )
    assert "useful?." not in svg and "Bar chart: Are libraries useful? Based on" in svg


NO_GROUPS = f"""\
title: Roles of its own
slug: {SLUG}
timezone: Europe/London
pages:
  - index.md
feedback:
  roles:
    - Librarian
    - Reader
questionnaire:
  ideas:
    - name: Longer opening hours
      activities:
        - Evenings
"""


@pytest.fixture
def own_roles(tmp_path, use_consultations, client):
    """A consultation whose roles are in none of the default groups, and sets none."""
    folder = write_consultation(tmp_path / "own", NO_GROUPS, {"index.md": "# Home\n"})
    use_consultations(folder)
    consultation = load_consultation(folder)
    when = dt.datetime(2026, 3, 25, 12, tzinfo=dt.UTC)
    for i, role in enumerate(["Librarian", "Reader", "Reader"]):
        response = Response.objects.create(
            reference=f"SB-OWN{i}", consultation=SLUG, kind="questionnaire", role=role,
            submitted_at=when,
        )  # fmt: skip
        IdeaScore.objects.create(
            response=response, idea="Longer opening hours", usefulness=4, likelihood=2
        )
    user, _ = make_account("rhea", Role.READER)
    sign_in_verified(client, user, None)
    return consultation


@pytest.mark.django_db
def test_without_role_groups_no_section_or_row_only_repeats_the_total(own_roles, client):
    assert not own_roles.settings.feedback.has_role_groups()
    overview = client.get(f"/-/analyse/{SLUG}/").content.decode()
    assert 'id="role-group"' not in overview and "Responses by role group" not in overview
    assert 'id="role"' in overview
    assert 'name="group"' not in overview  # no filter by a group that is everyone
    ideas = client.get(f"/-/analyse/{SLUG}/ideas/").content.decode()
    table = ideas.split('id="table-idea-1-usefulness"', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r'<th scope="row" class="govuk-table__header">([^<]+)</th>', table)
    assert rows == ["All respondents"]
    assert ">Other</th>" not in ideas
    assert "Who answered" not in ideas
    assert "by role group" not in ideas


@pytest.mark.django_db
def test_with_role_groups_the_sections_stay(
    consultation, records, tmp_path, use_consultations, client
):
    use_consultations(tmp_path / "c")
    user, _ = make_account("rhea", Role.READER)
    sign_in_verified(client, user, None)
    assert consultation.settings.feedback.has_role_groups()
    overview = client.get(f"/-/analyse/{SLUG}/").content.decode()
    assert 'id="role-group"' in overview
    ideas = client.get(f"/-/analyse/{SLUG}/ideas/").content.decode()
    table = ideas.split('id="table-idea-1-usefulness"', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r'<th scope="row" class="govuk-table__header">([^<]+)</th>', table)
    assert rows[0] == "All respondents" and len(rows) > 2
    assert len(rows) == len(set(rows))


@pytest.mark.django_db
def test_a_chart_table_is_behind_a_disclosure_without_a_second_heading(own_roles, client):
    ideas = client.get(f"/-/analyse/{SLUG}/ideas/").content.decode()
    section = ideas.split('id="idea-1-usefulness"', 1)[1].split("</section>", 1)[0]
    assert section.count("Usefulness") >= 1
    figcaption = re.search(r"<figcaption[^>]*>([^<]*)</figcaption>", section).group(1)
    assert "Usefulness" not in figcaption  # the heading is not said again under it
    assert re.search(r'<details class="govuk-details sb-figure__numbers">', section)
    caption = re.search(r'<caption class="([^"]+)"', section).group(1)
    assert "govuk-visually-hidden" in caption
