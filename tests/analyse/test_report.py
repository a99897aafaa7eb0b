"""The report tab: small counts hidden, quotes only from people who agreed and never their
contact details, what is missing, the 12-week clock, the team's Markdown made safe, and the
open data files."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re

import pytest
from django.urls import reverse

from soundingboard.accounts.models import Role
from soundingboard.analyse import outcome
from soundingboard.analyse.models import Theme, ThemeRun
from soundingboard.analyse.stats.report import quote_text
from soundingboard.collect.models import Contact, Response
from soundingboard.publish.loader import load_consultation
from soundingboard.publish.settings_schema import DEFAULT_ROLES
from tests.accounts.test_accounts import make_account, sign_in_verified
from tests.conftest import write_consultation

from .conftest import CONFIG, PAGES, SLUG

pytestmark = pytest.mark.django_db

CLOSING = "closes: 2026-03-31\n"
CONSENTING = "Funding for local teams must come before any new standard is agreed"
REFUSING = "I would rather nobody quoted this sentence about funding at all"
UNASKED = "This answer never said whether it may be quoted about funding"
EMAIL = "jo.bloggs@example.org"
PHONE = "07700 900123"
CONTACT_EMAIL = "private.person@example.com"
ORGANISATION = "Secret Widgets Limited"


def folder(tmp_path, config: str = CONFIG + CLOSING, outcome_files: dict[str, str] | None = None):
    pages = dict(PAGES)
    for name, text in (outcome_files or {}).items():
        pages[f"outcome/{name}"] = text
    return write_consultation(tmp_path / "c", config, pages)


@pytest.fixture
def analyst(client):
    user, device = make_account("ana", Role.ANALYST, two_factor=True)
    sign_in_verified(client, user, device)
    return client


def respond(n: int, **fields) -> list[Response]:
    made = []
    for _ in range(n):
        values = {"consultation": SLUG, "page_path": "models/", "role": DEFAULT_ROLES[0]}
        values.update(fields)
        made.append(Response.objects.create(reference=f"R{Response.objects.count():06d}", **values))
    return made


def confirmed_themes(quote_ids: list[int], size: int = 7) -> ThemeRun:
    run = ThemeRun.objects.create(
        consultation=SLUG,
        representation="words",
        status=ThemeRun.Status.CONFIRMED,
        filter_query="page=%2Fmodels%2F",
        filter_words=["Models for delivery"],
        k=2,
        responses=10,
        counted=10,
    )
    Theme.objects.create(
        run=run, key=0, label="Funding first", size=size, share=size / 10, quote_ids=quote_ids
    )
    Theme.objects.create(run=run, key=1, label="Tiny theme", size=2, share=0.2, position=1)
    Theme.objects.create(run=run, key=Theme.OTHER, label="Other", size=1, share=0.1, position=2)
    return run


def report_page(client) -> str:
    reply = client.get(reverse("analyse:report", args=[SLUG]))
    assert reply.status_code == 200
    return reply.content.decode()


def open_json(client) -> dict:
    reply = client.get(reverse("analyse:report-json", args=[SLUG]))
    assert reply.status_code == 200
    assert "attachment" in reply["Content-Disposition"]
    return json.loads(reply.content)


def open_csv(client) -> list[list[str]]:
    reply = client.get(reverse("analyse:report-csv", args=[SLUG]))
    assert reply.status_code == 200
    assert reply["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(reply.content.decode())))


def table(document: dict, title: str) -> dict[str, list]:
    found = next(t for t in document["tables"] if t["title"] == title)
    return {row["label"]: row["values"] for row in found["rows"]}


# Suppression ------------------------------------------------------------------------------


def test_small_counts_are_hidden_in_the_page_and_the_open_data(
    tmp_path, use_consultations, analyst
):
    use_consultations(folder(tmp_path))
    respond(12, channel=Response.Channel.FORM)
    respond(6, channel=Response.Channel.API)
    respond(2, channel=Response.Channel.PAPER)
    respond(3, channel=Response.Channel.EMAIL, role=DEFAULT_ROLES[4])

    channels = table(open_json(analyst), "Responses by channel")
    assert channels["Paper"] == ["[c]"]
    assert channels["Email"] == ["[c]"]  # two hidden in the column: no secondary needed
    assert channels["Web form"] == [12]
    assert channels["Intake API"] == [6]
    groups = table(open_json(analyst), "Responses by role group")
    # 3 in central government: hidden, and so is the only other count, which with the
    # total would give it away.
    assert groups["Central government"] == ["[c]"]
    assert groups["Local authority"] == ["[c]"]
    assert groups["Private sector"] == [0]

    text = report_page(analyst)
    row = text.split('id="table-channel"', 1)[1].split(">Paper</th>", 1)[1].split("</tr>", 1)[0]
    assert "[c]" in row and ">2<" not in row


# Quotes and contact details ---------------------------------------------------------------


def test_only_consenting_responses_are_quoted_and_never_contact_details(
    tmp_path, use_consultations, analyst
):
    use_consultations(folder(tmp_path))
    contact = Contact.objects.create(email=CONTACT_EMAIL, organisation=ORGANISATION)
    (yes,) = respond(1, summary=f"{CONSENTING}. Email {EMAIL} or ring {PHONE}.", may_quote=True)
    yes.contact = contact
    yes.save()
    (no,) = respond(1, summary=REFUSING, may_quote=False, contact=contact)
    (unknown,) = respond(1, summary=UNASKED)
    respond(6)
    confirmed_themes([no.pk, unknown.pk, yes.pk])

    text = report_page(analyst)
    assert CONSENTING in text
    assert REFUSING not in text and UNASKED not in text
    data = json.dumps(open_json(analyst)) + repr(open_csv(analyst))
    for secret in (EMAIL, PHONE, CONTACT_EMAIL, ORGANISATION):
        assert secret not in text
        assert secret not in data
    assert CONSENTING not in data  # the open data holds counts, never quotes
    assert "[contact details removed]" in text


def test_a_quote_is_cut_and_loses_links_and_contact_details():
    quoted = quote_text(f"See https://x.example/a?b=1 or {EMAIL} or +44 20 7946 0958. " * 20)
    assert EMAIL not in quoted and "https://" not in quoted and "7946" not in quoted
    assert len(quoted) <= 400 and quoted.endswith("…")


def test_theme_shares_are_shown_and_small_themes_hidden(tmp_path, use_consultations, analyst):
    use_consultations(folder(tmp_path))
    respond(10)
    confirmed_themes([])
    document = open_json(analyst)
    (run,) = document["themes"]
    assert run["section"] == "page-models"
    themes = {t["label"]: t for t in run["themes"]}
    assert themes["Funding first"] == {"label": "Funding first", "answers": "7", "share": "70%"}
    assert themes["Tiny theme"] == {"label": "Tiny theme", "answers": "[c]", "share": "[c]"}
    assert themes["Other"]["answers"] == "[c]"
    text = report_page(analyst)
    assert "Funding first" in text.split('id="page-models"', 1)[1]


# What is missing --------------------------------------------------------------------------


def test_the_missing_parts_are_listed(tmp_path, use_consultations, analyst):
    use_consultations(folder(tmp_path, outcome_files={"summary.md": "We read everything.\n"}))
    respond(9)
    ThemeRun.objects.create(consultation=SLUG, representation="words")  # a draft
    text = report_page(analyst)
    missing = text.split('id="missing-list"', 1)[1].split("</ul>", 1)[0]
    assert "9 responses not yet read or coded." in missing
    assert "9 responses not yet coded." in missing
    assert "1 set of themes not confirmed." in missing
    assert "No themes have been confirmed yet." in missing
    assert "Who responded" in missing and "Models for delivery" in missing
    assert "Summary;" not in missing  # it has the team's text


# The clock --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("today", "words"),
    [
        (dt.date(2026, 3, 1), "Feedback closes on 31 March 2026."),
        (dt.date(2026, 6, 13), "due 12 weeks later, on 23 June 2026: 10 days left."),
        (dt.date(2026, 6, 22), "on 23 June 2026: 1 day left."),
        (dt.date(2026, 6, 23), "on 23 June 2026: due today."),
        (dt.date(2026, 6, 25), "on 23 June 2026: 2 days overdue."),
    ],
)
def test_the_clock_says_when_the_response_is_due(
    tmp_path, use_consultations, analyst, monkeypatch, today, words
):
    use_consultations(folder(tmp_path))
    monkeypatch.setattr(outcome, "today_in", lambda consultation: today)
    for name in ("analyse:report", "analyse:overview"):
        assert words in analyst.get(reverse(name, args=[SLUG])).content.decode()


def test_without_a_closing_date_there_is_no_due_date(tmp_path, use_consultations, analyst):
    use_consultations(folder(tmp_path, config=CONFIG))
    assert "no date by which the published response is due" in report_page(analyst)


# The team's text --------------------------------------------------------------------------


def test_the_teams_markdown_is_shown_in_place_and_made_safe(tmp_path, use_consultations, analyst):
    files = {
        "summary.md": "We **read every response**.\n\n<script>alert('x')</script>\n\n"
        '<img src="x" onerror="alert(2)"> [bad](javascript:alert(3))\n',
        "idea-1.md": "We will *publish a standard* first.\n",
        "page-models.md": "We changed the models page.\n",
        "method.md": "# Summary\n\nTwo analysts read every answer.\n",
    }
    use_consultations(folder(tmp_path, outcome_files=files))
    text = report_page(analyst)
    summary = text.split('id="summary-team-text"', 1)[1].split("</div>", 1)[0]
    assert "<strong>read every response</strong>" in summary
    assert "<script" not in summary and "onerror" not in summary
    assert "javascript:" not in summary
    idea = text.split('id="idea-1"', 1)[1].split("</section>", 1)[0]
    assert "<em>publish a standard</em>" in idea
    assert "We changed the models page." in text.split('id="page-models"', 1)[1]
    assert "Two analysts read every answer." in text.split('id="method"', 1)[1]
    assert 'id="page-mechanisms-no-text"' in text
    # The team's own heading sits under the section's and repeats no id of the page.
    method = text.split('id="method"', 1)[1]
    assert '<h3 id="method-summary">Summary' in method
    ids = re.findall(r' id="([^"]+)"', text)
    assert len(ids) == len(set(ids))


# Open data --------------------------------------------------------------------------------


def test_the_open_data_holds_the_reports_tables(tmp_path, use_consultations, analyst):
    use_consultations(folder(tmp_path))
    respond(8, summary="Some words a respondent wrote", may_quote=True)
    confirmed_themes([])
    rows = open_csv(analyst)
    assert rows[0] == ["table", "row", "column", "value"]
    assert ["Responses by channel", "Web form", "Responses", "8"] in rows
    assert ["Themes in Models for delivery", "Funding first", "answers", "7"] in rows
    assert ["Themes in Models for delivery", "Funding first", "share", "70%"] in rows
    assert not any("Some words a respondent wrote" in cell for row in rows for cell in row)
    document = open_json(analyst)
    assert document["consultation"] == SLUG
    titles = [t["title"] for t in document["tables"]]
    assert "Usefulness of Shared data standards" in titles


def test_readers_may_open_the_report_but_not_anonymous_people(client, tmp_path, use_consultations):
    use_consultations(folder(tmp_path))
    assert client.get(reverse("analyse:report", args=[SLUG])).status_code in (302, 403)
    user, _ = make_account("rhea", Role.READER)
    sign_in_verified(client, user, None)
    assert client.get(reverse("analyse:report", args=[SLUG])).status_code == 200


def test_the_outcome_folder_is_never_published_as_pages(tmp_path):
    config = CONFIG.split("pages:\n")[0] + "questionnaire:" + CONFIG.split("questionnaire:")[1]
    loaded = load_consultation(folder(tmp_path, config, {"summary.md": "# Our secret draft\n"}))
    assert [p.path for p in loaded.pages if p.path.startswith("outcome")] == []
    assert loaded.pages  # the real pages are still found


SECRET = "A-SECRET-KEY-0123456789"


@pytest.mark.parametrize("linked", ["file", "folder"])
def test_the_teams_text_is_never_read_from_outside_the_folder(tmp_path, linked):
    """A link in outcome/ that leads out of the consultation's folder (to the data folder's
    secret key, say) is not read: the report would show and publish what it holds."""
    outside = tmp_path / "data"
    outside.mkdir()
    (outside / "summary.md").write_text(SECRET + "\n", encoding="utf-8")
    folder = write_consultation(tmp_path / "c", CONFIG, PAGES)
    if linked == "file":
        (folder / "outcome").mkdir()
        (folder / "outcome" / "summary.md").symlink_to(outside / "summary.md")
    else:
        (folder / "outcome").symlink_to(outside)
    consultation = load_consultation(folder)
    assert outcome.team_text(consultation, "summary") == ""
    # Inside the folder, a link is followed as before.
    (outside / "summary.md").unlink()
    if linked == "folder":
        (folder / "outcome").unlink()
        (folder / "outcome").mkdir()
    else:
        (folder / "outcome" / "summary.md").unlink()
    (folder / "notes.md").write_text("We read every response.\n", encoding="utf-8")
    (folder / "outcome" / "summary.md").symlink_to(folder / "notes.md")
    assert "We read every response." in outcome.team_text(consultation, "summary")
