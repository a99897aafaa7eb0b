"""The report as a PDF and a Word document: opened with pypdf and python-docx and read back,
every section's heading, the tables with their header rows and counts, small counts hidden,
quotes only from people who agreed and no one's contact details; the PDF tagged, with its
language and title, and nothing fetched from outside while it is made; the downloads."""

from __future__ import annotations

import datetime as dt
import io
import threading
import urllib.request
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.urls import reverse
from docx import Document
from docx.oxml.ns import qn
from docx.table import Table as WordTable
from docx.text.paragraph import Paragraph
from pypdf import PdfReader

from soundingboard.accounts.models import Role
from soundingboard.analyse import outcome
from soundingboard.analyse.documents.pdf import report_pdf
from soundingboard.analyse.documents.word import report_docx
from soundingboard.analyse.presentation.report import build_report
from soundingboard.collect.models import Contact, IdeaScore, Response
from soundingboard.publish.registry import get_consultation
from tests.accounts.test_accounts import make_account, sign_in_verified

from .conftest import SLUG
from .test_report import (
    CONSENTING,
    CONTACT_EMAIL,
    EMAIL,
    ORGANISATION,
    PHONE,
    REFUSING,
    UNASKED,
    confirmed_themes,
    folder,
    respond,
)

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 5, 1)
IDEA = "Shared data standards"
RESPONDENT_NAME = "Wilhelmina Quartermaine"
TEAM_TEXT = {
    "summary.md": "We **read every response** and changed *two* things.\n\n"
    "## What changes\n\n- A shared standard\n- Local networks\n\n"
    "1. First we publish\n2. Then we consult again\n\n"
    "See [the guidance](https://example.org/guidance).\n\n"
    "> We heard you\n\n"
    "| Change | When |\n|---|---|\n| A standard | 2027 |\n",
    "page-models.md": "We changed the models page.\n",
    "method.md": "Two analysts read every answer.\n",
}


@pytest.fixture
def consultation(tmp_path, use_consultations):
    """The report's consultation: 34 responses (two on paper, a hidden count; 20 scored the
    first idea, 3 of them 1 for its likelihood: hidden), a confirmed
    set of themes with three candidate quotes of which only one agreed to be quoted, a
    respondent's name, email and organisation, and the team's text for three sections."""
    use_consultations(folder(tmp_path, outcome_files=TEAM_TEXT))
    contact = Contact.objects.create(email=CONTACT_EMAIL, organisation=ORGANISATION)
    (yes,) = respond(
        1, summary=f"{CONSENTING}. Email {EMAIL} or ring {PHONE}.", may_quote=True, contact=contact
    )
    (no,) = respond(
        1, summary=f"{REFUSING}, signed {RESPONDENT_NAME}", may_quote=False, contact=contact
    )
    (unknown,) = respond(1, summary=UNASKED)
    respond(9, channel=Response.Channel.FORM)
    respond(2, channel=Response.Channel.PAPER)
    for n, answer in enumerate(respond(20, kind=Response.Kind.QUESTIONNAIRE, page_path="")):
        IdeaScore.objects.create(
            response=answer, idea=IDEA, usefulness=4 + n % 2, likelihood=3 if n < 17 else 1
        )
    confirmed_themes([no.pk, unknown.pk, yes.pk])
    return get_consultation(SLUG)


SECRETS = (REFUSING, UNASKED, RESPONDENT_NAME, EMAIL, PHONE, CONTACT_EMAIL, ORGANISATION)


def words(text: str) -> str:
    """Text with every run of white space made one space (PDF text breaks lines anywhere)."""
    return " ".join(text.split())


def pdf_text(reader: PdfReader) -> str:
    return words(" ".join(page.extract_text() for page in reader.pages))


def struct_elements(reader: PdfReader) -> list[dict]:
    """Every element of the PDF's structure tree (its tags), depth first."""
    found: list[dict] = []

    def walk(node) -> None:
        node = node.get_object()
        if isinstance(node, list):
            for child in node:
                walk(child)
        elif isinstance(node, dict):
            if "/S" in node:
                found.append(node)
            if "/K" in node:
                walk(node["/K"])

    walk(reader.trailer["/Root"]["/StructTreeRoot"])
    return found


# The PDF ----------------------------------------------------------------------------------


def test_the_pdf_is_tagged_with_every_section_its_language_and_title(consultation):
    report = build_report(consultation, TODAY)
    reader = PdfReader(io.BytesIO(report_pdf(report)))
    catalog = reader.trailer["/Root"]
    assert bool(catalog["/MarkInfo"]["/Marked"])
    assert catalog["/Lang"] == "en-GB"
    assert bool(catalog["/ViewerPreferences"]["/DisplayDocTitle"])  # the title, not the file
    assert reader.metadata.title == "Analysis test: summary of responses"
    assert reader.metadata.author == "Analysis test"

    text = pdf_text(reader)
    headings = [s.heading for s in report.sections.values() if s.key != "method"]
    assert len(headings) == 2 + 3 + 4  # summary, who responded, three ideas, four pages
    for heading in [*headings, "Annex: how we analysed the responses"]:
        assert words(heading) in text
    positions = [text.index(words(h)) for h in headings]
    assert positions == sorted(positions)

    tags = struct_elements(reader)
    kinds = [str(t["/S"]) for t in tags]
    assert kinds.count("/H1") == 1
    assert kinds.count("/H2") == len(headings) + 1
    assert "/Table" in kinds and "/TH" in kinds and "/TD" in kinds and "/L" in kinds
    figures = [t for t in tags if t["/S"] == "/Figure"]
    assert len(figures) == 6  # usefulness and likelihood of three ideas: each has its words
    assert all(str(f["/Alt"]).startswith(("Usefulness", "Likelihood")) for f in figures)
    # Each chart's numbers follow it as a table, and the team's text is there.
    assert "Usefulness of “Shared data standards” Based on 20 scores" in text
    assert "We read every response and changed two things." in text


def test_the_pdf_hides_small_counts_and_quotes_only_those_who_agreed(consultation):
    text = pdf_text(PdfReader(io.BytesIO(report_pdf(build_report(consultation, TODAY)))))
    assert "Paper [c] [c]" in text  # two on paper: hidden
    assert "Web form [c] [c]" in text  # hidden too, or the total would give the two away
    assert "Funding first 7 70%" in text and "Tiny theme [c] [c]" in text
    assert "[c] fewer than 5 responses, hidden." in text
    assert CONSENTING in text
    for secret in SECRETS:
        assert secret not in text
    assert "[contact details removed]" in text


class _Counting(BaseHTTPRequestHandler):
    asked: list[str] = []

    def do_GET(self) -> None:
        _Counting.asked.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "text/css")
        self.end_headers()
        self.wfile.write(b"body { color: red }")

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def watching_server():
    """A real HTTP server on loopback that notes every request it gets."""
    _Counting.asked = []
    server = HTTPServer(("127.0.0.1", 0), _Counting)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_nothing_is_fetched_from_outside_while_the_pdf_is_made(
    tmp_path, use_consultations, watching_server
):
    summary = (
        f"![A chart we drew]({watching_server}/chart.png)\n\n"
        f'<img src="{watching_server}/raw.png" alt="Raw image">\n\n'
        f'<link rel="stylesheet" href="{watching_server}/style.css">\n\n'
        f"<style>@import url({watching_server}/import.css);</style>\n\n"
        f'<p style="background: url({watching_server}/bg.png)">Styled</p>\n\n'
        f"[A link]({watching_server}/page)\n"
    )
    use_consultations(folder(tmp_path, outcome_files={"summary.md": summary}))
    respond(6)
    report = build_report(get_consultation(SLUG), TODAY)
    # The addresses reach the HTML the PDF is made from: the refusal is the fetcher's.
    assert report.sections["summary"].team_html.count(watching_server) >= 2
    text = pdf_text(PdfReader(io.BytesIO(report_pdf(report))))
    assert "A link" in text
    assert "A chart we drew" in text  # the refused image's alternative text, in its place
    assert _Counting.asked == []
    # The server does answer: a request that reached it would have been seen.
    urllib.request.urlopen(f"{watching_server}/check", timeout=5).read()
    assert _Counting.asked == ["/check"]


# The Word document ------------------------------------------------------------------------


def word_blocks(document) -> list:
    """The document's paragraphs and tables, in order."""
    return list(document.iter_inner_content())


def table_after(document, caption: str):
    blocks = word_blocks(document)
    for index, block in enumerate(blocks):
        if isinstance(block, Paragraph) and block.text.startswith(caption):
            return next(b for b in blocks[index:] if isinstance(b, WordTable))
    raise AssertionError(f"no table captioned {caption!r}")


def rows_of(table) -> list[list[str]]:
    return [[cell.text for cell in row.cells] for row in table.rows]


def test_the_word_document_has_heading_styles_in_order(consultation):
    report = build_report(consultation, TODAY)
    document = Document(io.BytesIO(report_docx(report)))
    headings = [
        (p.style.name, p.text) for p in document.paragraphs if p.style.name.startswith("Heading")
    ]
    assert headings[0] == ("Heading 1", "Analysis test: summary of responses")
    level_two = [text for style, text in headings if style == "Heading 2"]
    assert level_two == [
        *(s.heading for s in report.sections.values() if s.key != "method"),
        "Annex: how we analysed the responses",
    ]
    idea = headings.index(("Heading 2", "Idea 1: Shared data standards"))
    assert headings[idea + 1 : idea + 3] == [
        ("Heading 3", "Usefulness"),
        ("Heading 3", "Likelihood of use"),
    ]
    assert ("Heading 3", "Themes in Models for delivery") in headings
    assert ("Heading 4", "In their words: Funding first") in headings
    assert ("Heading 4", "What changes") in headings  # the team's "##", under its section

    properties = document.core_properties
    assert properties.title == "Analysis test: summary of responses"
    assert properties.language == "en-GB"
    assert properties.author == "Analysis test"


def test_the_word_documents_tables_have_header_rows_and_hidden_counts(consultation):
    document = Document(io.BytesIO(report_docx(build_report(consultation, TODAY))))
    channels = table_after(document, "Responses by channel")
    rows = rows_of(channels)
    assert rows[0] == ["Channel", "Responses", "Share"]
    assert ["Paper", "[c]", "[c]"] in rows and ["Web form", "[c]", "[c]"] in rows
    assert rows[-1] == ["Total", "34", "100%"]
    header = channels.rows[0]._tr
    assert header.trPr is not None and header.trPr.find(qn("w:tblHeader")) is not None

    usefulness = rows_of(table_after(document, "Usefulness of “Shared data standards”"))
    assert usefulness[0] == [
        "Respondents", "n", "Mean", "Median", "1 (Not at all)", "2", "3", "4", "5 (Very)"
    ]  # fmt: skip
    assert usefulness[1] == ["All respondents", "20", "4.50", "4.5", "0", "0", "0", "10", "10"]
    likelihood = rows_of(table_after(document, "Likelihood of use of “Shared data standards”"))
    assert likelihood[1][4] == "[c]"  # three scored it 1

    themes = rows_of(table_after(document, "Themes in Models for delivery"))
    assert themes[0] == ["Theme", "Answers", "Share"]
    assert ["Funding first", "7", "70%"] in themes and ["Tiny theme", "[c]", "[c]"] in themes


def test_the_word_document_keeps_the_teams_text_and_no_personal_data(consultation):
    document = Document(io.BytesIO(report_docx(build_report(consultation, TODAY))))
    paragraphs = {p.text: p for p in document.paragraphs}
    summary = paragraphs["We read every response and changed two things."]
    assert [r.text for r in summary.runs if r.bold] == ["read every response"]
    assert [r.text for r in summary.runs if r.italic] == ["two"]
    assert paragraphs["A shared standard"].style.name == "List Bullet"
    assert paragraphs["First we publish"].style.name == "List Number"
    link = paragraphs["See the guidance."]
    assert [h.address for h in link.hyperlinks] == ["https://example.org/guidance"]
    quotes = [p.text for p in document.paragraphs if p.style.name == "Quote"]
    assert quotes[0] == "We heard you"  # the team's own quote block
    assert len(quotes) == 2 and CONSENTING in quotes[1]  # and the one respondent's
    assert rows_of(document.tables[0]) == [["Change", "When"], ["A standard", "2027"]]

    everything = "\n".join(
        [p.text for p in document.paragraphs]
        + [cell.text for t in document.tables for row in t.rows for cell in row.cells]
        + [str(getattr(document.core_properties, name)) for name in ("title", "author", "comments")]
    )
    for secret in SECRETS:
        assert secret not in everything


def test_control_characters_in_the_text_stop_neither_document(tmp_path, use_consultations):
    """Word's XML cannot hold most control characters: an answer, a theme's name or the
    team's text carrying one must not stop the download."""
    use_consultations(folder(tmp_path, outcome_files={"summary.md": "Tab\x0bbed text\x01\n"}))
    (quoted,) = respond(1, summary="Funding\x0c matters to us", may_quote=True)
    respond(8)
    run = confirmed_themes([quoted.pk])
    run.themes.filter(key=0).update(label="Fund\x02ing first")
    report = build_report(get_consultation(SLUG), TODAY)
    document = Document(io.BytesIO(report_docx(report)))
    texts = [p.text for p in document.paragraphs]
    assert "Tabbed text" in texts
    assert "In their words: Funding first" in texts
    assert any(t.startswith("“Funding matters to us") for t in texts)
    assert "Funding first" in pdf_text(PdfReader(io.BytesIO(report_pdf(report))))


# The downloads ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "extension", "kind", "magic"),
    [
        ("analyse:report-pdf", "pdf", "application/pdf", b"%PDF-"),
        (
            "analyse:report-docx",
            "docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            b"PK",
        ),
    ],
)
def test_the_report_tab_offers_the_pdf_and_the_word_document(
    client, consultation, monkeypatch, name, extension, kind, magic
):
    monkeypatch.setattr(outcome, "today_in", lambda consultation: TODAY)
    address = reverse(name, args=[SLUG])
    assert client.get(address).status_code in (302, 403)  # not signed in
    user, _ = make_account("rhea", Role.READER)  # readers may open the report tab
    sign_in_verified(client, user, None)
    assert (
        f'href="{address}"' in client.get(reverse("analyse:report", args=[SLUG])).content.decode()
    )
    reply = client.get(address)
    assert reply.status_code == 200
    assert reply["Content-Type"] == kind
    assert reply["Content-Disposition"] == (
        f'attachment; filename="{SLUG}-report-2026-05-01.{extension}"'
    )
    assert reply.content.startswith(magic)


# Characters Word's XML cannot hold, wherever they come from


def hostile_report(tmp_path, use_consultations, config: str, outcome_files: dict[str, str]):
    from .conftest import CONFIG
    from .test_report import CLOSING, folder, respond

    use_consultations(
        folder(tmp_path, config=CONFIG + CLOSING + config, outcome_files=outcome_files)
    )
    (quoted,) = respond(1, summary="Funding", may_quote=True)
    respond(8)
    confirmed_themes([quoted.pk])
    return build_report(get_consultation(SLUG), TODAY)


@pytest.mark.parametrize(
    ("config", "outcome_files"),
    [
        ('organisation: "North\\fshire"\n', {}),  # the document's author
        ("", {"summary.md": "See [the plan](https://example.org/a\x0bb).\n"}),
        ("", {"summary.md": 'See <a href="https://example.org/a\x0cb">the plan</a>.\n'}),
        ("", {"summary.md": "See [the plan](https://example.org/a\ufffeb).\n"}),
    ],
)
def test_the_word_document_is_made_whatever_characters_its_sources_hold(
    tmp_path, use_consultations, config, outcome_files
):
    """python-docx refuses the characters XML 1.0 forbids; YAML's escapes and a link's
    address can carry one, and the document failed to be made (a 500 on download and on
    publishing)."""
    report = hostile_report(tmp_path, use_consultations, config, outcome_files)
    document = Document(io.BytesIO(report_docx(report)))
    assert document.core_properties.author


def test_team_text_nested_too_deeply_is_left_out_and_the_pdf_says_why(tmp_path, use_consultations):
    from soundingboard.analyse.documents.pdf import TOO_DEEP, PdfUnavailable

    quotes = "> " * 250 + "deep\n"  # too deep to render: the section is left to be written
    report = hostile_report(tmp_path, use_consultations, "", {"summary.md": quotes})
    assert "deep" not in outcome.team_text(report.consultation, "summary")
    nested = "".join("    " * level + "- a point\n" for level in range(200))
    report = hostile_report(tmp_path / "lists", use_consultations, "", {"summary.md": nested})
    with pytest.raises(PdfUnavailable) as caught:
        report_pdf(report)
    assert str(caught.value) == TOO_DEEP
    report_docx(report)  # Word has no such limit
