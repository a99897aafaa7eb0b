"""The overview and ideas pages of one consultation: access, numbers (checked against counts
made here from the ORM and the plain records), filters, hidden small counts, charts, escaping."""

from __future__ import annotations

import html
import re
from collections import Counter

import pytest

from soundingboard.accounts.models import Role
from soundingboard.collect.models import IdeaScore, Response
from soundingboard.publish.settings_schema import DEFAULT_ROLE_GROUPS, DEFAULT_ROLES
from tests.accounts.test_accounts import make_account, sign_in_verified
from tests.conftest import write_consultation

from .conftest import CONFIG, IDEAS, PAGES, SLUG

pytestmark = pytest.mark.django_db

OVERVIEW = f"/-/analyse/{SLUG}/"
IDEAS_PAGE = f"/-/analyse/{SLUG}/ideas/"


@pytest.fixture
def served(tmp_path, consultation, use_consultations):
    """The test consultation served (its folder is tmp_path / "c": see conftest)."""
    use_consultations(tmp_path / "c")
    return consultation


@pytest.fixture
def reader(client, served):
    user, _ = make_account("rhea", Role.READER)
    sign_in_verified(client, user, None)
    return client


def page(reply) -> str:
    assert reply.status_code == 200, reply.status_code
    return reply.content.decode()


def total_shown(text: str) -> str:
    return re.search(r'id="total-responses">([^<]+)<', text).group(1)


def table_html(text: str, table_id: str) -> str:
    return text.split(f'id="{table_id}"', 1)[1].split("</table>", 1)[0]


def row_cells(text: str, table_id: str, label: str) -> list[str]:
    """The cells of a table's row, by the row's (escaped) label."""
    table = table_html(text, table_id)
    row = table.split(f">{html.escape(label)}</th>", 1)[1].split("</tr>", 1)[0]
    return re.findall(r"<td[^>]*>([^<]*)</td>", row)


def accepted(**lookups) -> int:
    return Response.objects.filter(consultation=SLUG, status="accepted", **lookups).count()


# Access ------------------------------------------------------------------------------------


def test_a_signed_in_reader_opens_both_pages_which_are_never_cached(reader, records):
    for address in (OVERVIEW, IDEAS_PAGE):
        reply = reader.get(address)
        assert reply.status_code == 200, address
        assert "no-store" in reply["Cache-Control"]
        assert reply["X-Robots-Tag"] == "noindex, nofollow"
        assert "style=" not in reply.content.decode()


def test_anyone_not_signed_in_is_sent_to_sign_in(client, served):
    for address in (OVERVIEW, IDEAS_PAGE):
        reply = client.get(address)
        assert reply.status_code == 302
        assert reply["Location"].startswith("/-/sign-in/")
        assert "next=" in reply["Location"]


def test_an_unknown_consultation_is_not_found(reader):
    assert reader.get("/-/analyse/no-such-consultation/").status_code == 404
    assert reader.get("/-/analyse/no-such-consultation/ideas/").status_code == 404


def test_the_fixed_addresses_still_win_over_a_slug(reader):
    assert reader.get("/-/account/").status_code == 200
    assert b"Your account" in reader.get("/-/account/").content


def test_every_analysis_page_links_every_tab_carrying_the_filter_where_it_applies(reader, records):
    tabs = ["", "ideas/", "responses/", "codebook/", "themes/", "report/", "export/"]
    # Whether the overview's tab and the export's keep ?kind=page: pages that read the filter
    # carry it on (the ideas page ignores the kind, but passes its address to the export).
    carried = {
        "": (True, True),
        "ideas/": (False, True),
        "responses/": (True, True),
        "codebook/": (False, False),
        "themes/": (False, False),
        "report/": (False, False),
        "export/": (True, True),
    }
    for tab in tabs:
        text = page(reader.get(f"/-/analyse/{SLUG}/{tab}?kind=page"))
        nav = text.split('class="sb-subnav"', 1)[1].split("</nav>", 1)[0]
        hrefs = [html.unescape(h) for h in re.findall(r'href="([^"]*)"', nav)]
        assert [h.split("?")[0] for h in hrefs] == [f"/-/analyse/{SLUG}/{t}" for t in tabs]
        kept = (hrefs[0].endswith("?kind=page"), hrefs[-1].endswith("?kind=page"))
        assert kept == carried[tab], tab


def test_the_landing_page_links_to_the_overview(reader):
    assert f'href="{OVERVIEW}"' in page(reader.get("/-/analyse/"))


# Overview ----------------------------------------------------------------------------------


def test_the_overview_totals_match_the_database(reader, records):
    text = page(reader.get(OVERVIEW))
    assert total_shown(text) == f"{accepted():,}"
    # By role: each configured role that answered, as counted by the ORM.
    for role in DEFAULT_ROLES[:3]:
        assert row_cells(text, "table-role", role)[0] == str(accepted(role=role))
    # By page: the models page, page feedback only.
    assert row_cells(text, "table-page", "Models for delivery")[0] == str(
        accepted(kind="page", page_path="models/")
    )
    # By kind.
    assert row_cells(text, "table-kind", "Main questionnaire")[0] == str(
        accepted(kind="questionnaire")
    )
    # Spam is counted in the status table only, never in the totals.
    spam = Response.objects.filter(consultation=SLUG, status="spam").count()
    assert spam > 0
    assert row_cells(text, "table-status", "Suspected spam")[0] == str(spam)
    assert f"Based on {accepted():,} responses" in text


def test_the_page_by_nature_table_adds_up(reader, records):
    text = page(reader.get(OVERVIEW))
    nature = records[0].nature or "Not given"
    expected = sum(
        1
        for r in records
        if r.consultation == SLUG
        and r.status == "accepted"
        and r.kind == "page"
        and r.page_path == "models/"
        and (r.nature or "Not given") == nature
    )
    table = table_html(text, "table-page-nature")
    headings = re.findall(r'<th scope="col"[^>]*>([^<]*)</th>', table)
    column = headings.index(html.escape(nature)) - 1
    assert row_cells(text, "table-page-nature", "Models for delivery")[column] == str(expected)


def test_a_role_filter_changes_the_total(reader, records):
    role = DEFAULT_ROLES[0]
    expected = accepted(role=role)
    assert 0 < expected < accepted()
    text = page(reader.get(OVERVIEW, {"role": role}))
    assert total_shown(text) == str(expected)
    assert "match these filters" in text
    # The filter is shown as a tag whose link removes it, and its box is ticked.
    assert f"Remove filter: </span>Role: {html.escape(role)}" in text
    assert re.search(r'name="role" type="checkbox" value="[^"]*" checked', text)


def test_a_role_group_and_a_date_range_filter_together(reader, records):
    group = "Local authority"
    members = DEFAULT_ROLE_GROUPS[group]
    expected = sum(
        1
        for r in records
        if r.consultation == SLUG
        and r.status == "accepted"
        and r.role in members
        and r.local_date.isoformat() >= "2026-03-28"
        and r.local_date.isoformat() <= "2026-04-01"
    )
    text = page(reader.get(OVERVIEW, {"group": group, "from": "2026-03-28", "to": "2026-04-01"}))
    assert total_shown(text) == str(expected)
    assert "From 28 March 2026" in text and "To 1 April 2026" in text
    # The time series covers exactly the five days asked for.
    assert len(re.findall(r"<th scope=\"row\"", table_html(text, "table-over-time"))) == 5 + 1


def test_removing_a_filter_keeps_the_others(reader, records):
    text = page(reader.get(OVERVIEW, {"role": DEFAULT_ROLES[0], "nature": "", "suppress": "1"}))
    link = re.search(
        r'<a class="sb-filter-tag" href="([^"]+)"><span class="govuk-visually-hidden">'
        r"Remove filter: </span>Role:",
        text,
    ).group(1)
    link = html.unescape(link)
    assert link.startswith(OVERVIEW + "?")
    assert "role=" not in link
    assert "suppress=1" in link


def test_filter_problems_are_listed_and_left_out(reader, records):
    text = page(reader.get(OVERVIEW, {"role": "Astronaut", "from": "2026-13-45", "threshold": "1"}))
    assert "There is a problem with the filters" in text
    assert "“Astronaut” is not a role in this consultation" in text
    assert 'href="#filter-role"' in text and 'id="filter-role"' in text
    assert 'href="#filter-from"' in text and 'id="filter-from"' in text
    assert 'href="#filter-threshold"' in text
    assert "<title>Error: " in text
    assert total_shown(text) == f"{accepted():,}"  # nothing was filtered


def test_spam_cannot_be_counted_in_through_the_address(reader, records):
    text = page(reader.get(OVERVIEW, {"status": "spam"}))
    assert total_shown(text) == f"{accepted():,}"


def test_hiding_small_counts_shows_c_where_a_count_is_1_to_4(reader, records):
    counts = Counter(
        r.role for r in records if r.consultation == SLUG and r.status == "accepted" and r.role
    )
    small = [role for role, n in counts.items() if 0 < n < 5 and role in DEFAULT_ROLES]
    big = [role for role, n in counts.items() if n >= 5 and role in DEFAULT_ROLES]
    assert small, counts
    plain = page(reader.get(OVERVIEW))
    assert row_cells(plain, "table-role", small[0])[0] == str(counts[small[0]])
    assert "[c]" not in plain

    text = page(reader.get(OVERVIEW, {"suppress": "1"}))
    for role in small:
        assert row_cells(text, "table-role", role)[0] == "[c]"
    for role in big:  # a big count stays, unless it is hidden to protect a small one
        assert row_cells(text, "table-role", role)[0] in (str(counts[role]), "[c]")
    assert "[c] fewer than 5 responses, hidden." in text
    assert "Before publishing these tables" in text
    assert 'name="suppress" type="checkbox" value="1" checked' in text
    # The charts are drawn from the hidden counts too.
    assert "[c] hidden" in text


def test_the_threshold_can_be_raised(reader, records):
    counts = Counter(
        r.role for r in records if r.consultation == SLUG and r.status == "accepted" and r.role
    )
    between = [r for r, n in counts.items() if 5 <= n < 10 and r in DEFAULT_ROLES]
    if not between:
        pytest.skip("no role with 5 to 9 responses in this data")
    text = page(reader.get(OVERVIEW, {"suppress": "1", "threshold": "10"}))
    assert row_cells(text, "table-role", between[0])[0] == "[c]"
    assert "[c] fewer than 10 responses, hidden." in text


def test_the_overview_has_accessible_charts_each_with_its_table(reader, records):
    text = page(reader.get(OVERVIEW))
    svgs = re.findall(r"<svg .*?</svg>", text, re.S)
    assert len(svgs) == 5  # over time, page, role group, role, nature
    for svg in svgs:
        assert 'role="img"' in svg
        assert re.search(r"<title id=\"[^\"]+\">[^<]+</title>", svg)
        assert "<desc" in svg
    assert text.count("<figure") == 5 and text.count("<figcaption") == 5
    for table_id in ("table-over-time", "table-page", "table-role-group", "table-role"):
        assert f'id="{table_id}"' in text
    assert "govuk-table__cell--numeric" in text
    assert 'class="govuk-breadcrumbs' in text
    assert f'href="{IDEAS_PAGE}"' in text
    assert 'aria-current="page">Overview' in text


# Ideas -------------------------------------------------------------------------------------


def test_the_ideas_page_shows_each_idea_with_its_n(reader, records):
    text = page(reader.get(IDEAS_PAGE))
    questionnaires = accepted(kind="questionnaire")
    assert total_shown(text) == str(questionnaires)
    for number, name in enumerate(IDEAS, start=1):
        assert f"{number}.</span> {html.escape(name)}" in text
        scored = IdeaScore.objects.filter(
            idea=name,
            usefulness__isnull=False,
            response__consultation=SLUG,
            response__status="accepted",
        ).count()
        assert row_cells(text, f"table-idea-{number}-usefulness", "All respondents")[0] == str(
            scored
        )
        assert f"Based on {scored} scores" in text
    # The scatter of the ideas, and the activities ranked by ticks.
    assert 'class="sb-chart sb-chart--scatter"' in text
    assert 'id="table-scatter"' in text and 'id="table-activities"' in text
    assert 'aria-current="page">Ideas' in text


def test_the_ideas_page_follows_a_role_filter(reader, records):
    role = DEFAULT_ROLES[0]
    text = page(reader.get(IDEAS_PAGE, {"role": role}))
    assert total_shown(text) == str(accepted(kind="questionnaire", role=role))


def test_the_ideas_page_says_when_there_is_no_questionnaire(client, tmp_path, use_consultations):
    config = "title: No questions\nslug: no-questions\npages:\n  - index.md\n"
    use_consultations(write_consultation(tmp_path / "nq", config, {"index.md": "# Home\n"}))
    user, _ = make_account("rhea", Role.READER)
    sign_in_verified(client, user, None)
    text = page(client.get("/-/analyse/no-questions/ideas/"))
    assert "This consultation has no questionnaire" in text
    assert "<svg" not in text
    assert page(client.get("/-/analyse/no-questions/")).count("<svg") == 5


def test_script_like_names_are_escaped(client, tmp_path, use_consultations):
    script = "<script>alert(1)</script>"
    config = CONFIG.replace(
        '    - name: "Local networks"', f'    - name: "{script} networks"'
    ).replace("title: Analysis test", f'title: "{script} test"')
    pages = {**PAGES, "models.md": f"# Models {script}\n"}
    use_consultations(write_consultation(tmp_path / "evil", config, pages))
    Response.objects.create(
        reference="SB-EVIL-1", consultation=SLUG, kind="page", page_path="models/"
    )
    user, _ = make_account("rhea", Role.READER)
    sign_in_verified(client, user, None)
    for address in (OVERVIEW, IDEAS_PAGE):
        text = page(client.get(address))
        assert script not in text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    # Names that look like markup stay text, in the table and in the charts.
    text = page(client.get(IDEAS_PAGE))
    assert "A &lt;b&gt;bold&lt;/b&gt; idea &amp; more" in text
    assert "<b>bold</b>" not in text


def test_the_pages_make_a_few_queries_whatever_the_number_of_rows(
    reader, records, django_assert_max_num_queries
):
    # Signing in (session, account, role, devices) and the stats layer's own few queries:
    # nothing per row, idea or activity.
    with django_assert_max_num_queries(15):
        page(reader.get(OVERVIEW, {"suppress": "1"}))
    with django_assert_max_num_queries(15):
        page(reader.get(IDEAS_PAGE, {"suppress": "1"}))
