"""Exports: the rows agree with the database, formulas are inert in CSV and XLSX, personal
data only for those who may see it (and logged), streaming."""

from __future__ import annotations

import csv
import io
import json

import openpyxl
import pytest
from django.http import StreamingHttpResponse

from soundingboard.accounts.models import AuditEvent, Role
from soundingboard.analyse.exports import XLSX_CUT, XLSX_MAX_TEXT, Export, neutralise
from soundingboard.analyse.filters import ResponseFilter
from soundingboard.collect.models import ActivityTick, Contact, IdeaScore, Response
from tests.accounts.test_accounts import make_account, sign_in_verified

from .conftest import IDEAS, SLUG

pytestmark = pytest.mark.django_db

EXPORT_PAGE = f"/-/analyse/{SLUG}/export/"
DOWNLOAD = f"/-/analyse/{SLUG}/export/download/"
NASTY = ['=HYPERLINK("http://evil.example/","Click")', "+1", "-1", "@x", "\tcmd", "=1+2"]
# Full-width and small forms (＝ ＋ － ＠ ﹦) once passed the guard: NFKC makes them = + - @.
NASTY += ['＝HYPERLINK("http://evil.example/","Click")', "＋1", "－1", "＠x", "﹦1+2"]


@pytest.fixture
def served(tmp_path, consultation, use_consultations):
    use_consultations(tmp_path / "c")
    return consultation


@pytest.fixture
def with_contacts(records):
    """Contact details on the first three page responses; the nasty summaries on others."""
    responses = list(Response.objects.filter(consultation=SLUG).order_by("id"))
    contacts = []
    for i, response in enumerate(responses[:3]):
        contact = Contact.objects.create(email=f"person{i}@example.org", organisation=f"Org {i}")
        response.contact = contact
        response.save(update_fields=["contact"])
        contacts.append(contact)
    for response, text in zip(responses[5:], NASTY, strict=False):
        response.summary = text
        response.save(update_fields=["summary"])
    return contacts


def client_as(client, role: str, name: str):
    user, device = make_account(name, role, two_factor=role != Role.READER)
    sign_in_verified(client, user, device)
    return client


def body(reply) -> bytes:
    if isinstance(reply, StreamingHttpResponse):
        return b"".join(reply.streaming_content)
    return b"".join(reply) if hasattr(reply, "streaming_content") else reply.content


def read_csv(data: bytes) -> list[dict[str, str]]:
    assert data.startswith(b"\xef\xbb\xbf")  # a byte order mark, for Excel
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def expected_ids(**lookups) -> list[int]:
    return list(
        Response.objects.filter(consultation=SLUG, **lookups)
        .order_by("id")
        .values_list("id", flat=True)
    )


# The rows ----------------------------------------------------------------------------------


def test_csv_has_exactly_the_filtered_responses_with_their_values(consultation, records):
    flt, problems = ResponseFilter.from_query({"kind": "page", "page": "/models/"}, consultation)
    assert not problems
    out = io.StringIO(newline="")
    Export(consultation, flt).write_csv(out)
    rows = read_csv(out.getvalue().encode("utf-8"))
    wanted = expected_ids(kind="page", page_path="models/", status="accepted")
    assert [int(r["id"]) for r in rows] == wanted
    # Counted independently from the plain records too.
    assert len(rows) == sum(
        1
        for r in records
        if r.consultation == SLUG
        and r.kind == "page"
        and r.page_path == "models/"
        and r.status == "accepted"
    )
    by_id = {r.id: r for r in Response.objects.filter(id__in=wanted)}
    for row in rows:
        stored = by_id[int(row["id"])]
        assert row["reference"] == stored.reference
        assert row["role"] == stored.role
        assert row["nature"] == stored.nature
        assert row["status"] == "accepted"
        assert row["submitted_at"].endswith("Z")
    assert "email" not in rows[0] and "organisation" not in rows[0]


def test_questionnaire_scores_and_activities_columns(consultation, records):
    flt = ResponseFilter.for_consultation(consultation, kind="questionnaire")
    out = io.StringIO(newline="")
    export = Export(consultation, flt)
    export.write_csv(out)
    rows = read_csv(out.getvalue().encode("utf-8"))
    assert (
        len(rows)
        == Response.objects.filter(
            consultation=SLUG, kind="questionnaire", status="accepted"
        ).count()
    )
    for idea in IDEAS:
        assert f"usefulness: {idea}" in rows[0]
        assert f"likelihood: {idea}" in rows[0]
    for row in rows:
        response_id = int(row["id"])
        for score in IdeaScore.objects.filter(response_id=response_id):
            assert row[f"usefulness: {score.idea}"] == (
                str(score.usefulness) if score.usefulness else ""
            )
            assert row[f"likelihood: {score.idea}"] == (
                str(score.likelihood) if score.likelihood else ""
            )
        scored = set(IdeaScore.objects.filter(response_id=response_id).values_list("idea", flat=1))
        for idea in set(IDEAS) - scored:
            assert row[f"usefulness: {idea}"] == row[f"likelihood: {idea}"] == ""
        ticks = ActivityTick.objects.filter(response_id=response_id).order_by("id")
        assert row["activities"] == "; ".join(f"{t.idea}: {t.activity}" for t in ticks if t.matched)
        assert row["unmatched_activities"] == "; ".join(t.raw for t in ticks if not t.matched)
    # A response that ticked an activity since removed still shows it, by its stored names.
    assert any("An activity since removed" in row["activities"] for row in rows)


def test_json_and_xlsx_agree_with_the_csv(consultation, records, tmp_path):
    flt = ResponseFilter.for_consultation(consultation, statuses=("accepted", "spam"))
    export = Export(consultation, flt, batch_size=7)  # several batches
    out = io.StringIO(newline="")
    export.write_json(out)
    items = json.loads(out.getvalue())
    wanted = expected_ids(status__in=("accepted", "spam"))
    assert [item["id"] for item in items] == wanted
    assert {item["status"] for item in items} == {"accepted", "spam"}
    questionnaire = next(i for i in items if i["kind"] == "questionnaire" and i["scores"])
    stored = {
        s.idea: {"usefulness": s.usefulness, "likelihood": s.likelihood}
        for s in IdeaScore.objects.filter(response_id=questionnaire["id"])
    }
    assert questionnaire["scores"] == stored
    assert questionnaire["activities"] == [
        {"idea": t.idea, "activity": t.activity}
        for t in ActivityTick.objects.filter(
            response_id=questionnaire["id"], matched=True
        ).order_by("id")
    ]

    path = tmp_path / "out.xlsx"
    export.write_xlsx(path)
    sheet = openpyxl.load_workbook(path, read_only=True).active
    values = list(sheet.iter_rows(values_only=True))
    assert list(values[0]) == export.columns
    assert [row[0] for row in values[1:]] == wanted


def test_tags_column_comes_from_tagging(consultation, records):
    from soundingboard.analyse import tagging

    first, second = expected_ids(status="accepted")[:2]
    user, _ = make_account("ana", Role.ANALYST)
    tag = tagging.create_tag(user, SLUG, "Costs")
    other = tagging.create_tag(user, SLUG, "Access")
    tagging.add_tag(user, Response.objects.filter(id__in=[first, second]), tag)
    tagging.add_tag(user, Response.objects.filter(id=first), other)
    out = io.StringIO(newline="")
    Export(consultation, ResponseFilter.for_consultation(consultation)).write_csv(out)
    rows = {int(r["id"]): r for r in read_csv(out.getvalue().encode("utf-8"))}
    assert rows[first]["tags"] == "Access; Costs"
    assert rows[second]["tags"] == "Costs"
    assert sum(1 for r in rows.values() if r["tags"]) == 2


# Formulas ----------------------------------------------------------------------------------


def test_neutralise():
    for text in NASTY:
        assert neutralise(text) == "'" + text
    assert neutralise("Plain text = fine") == "Plain text = fine"
    assert neutralise("\rcmd") == "'\rcmd"  # never stored (clean_text drops it), but guarded
    assert neutralise("Ｐlain ＝ fine") == "Ｐlain ＝ fine"
    assert neutralise("") == ""


def test_formulas_are_inert_in_csv_and_xlsx(consultation, with_contacts, tmp_path):
    export = Export(consultation, ResponseFilter.for_consultation(consultation))
    out = io.StringIO(newline="")
    export.write_csv(out)
    summaries = {r["summary"] for r in read_csv(out.getvalue().encode("utf-8"))}
    for text in NASTY:
        assert "'" + text in summaries
        assert text not in summaries

    path = tmp_path / "out.xlsx"
    export.write_xlsx(path)
    sheet = openpyxl.load_workbook(path).active
    column = export.columns.index("summary") + 1
    found = {}
    for row in sheet.iter_rows(min_row=2, min_col=column, max_col=column):
        cell = row[0]
        if cell.value in NASTY:
            found[cell.value] = cell
    assert set(found) == set(NASTY)  # exact text, no apostrophe added
    for cell in found.values():
        assert cell.data_type == "s"  # a string, not a formula ("f")
        assert cell.quotePrefix  # and kept as text when edited in Excel


# The pages ---------------------------------------------------------------------------------


def test_reader_never_gets_contact_details_even_when_asking(client, served, with_contacts):
    client_as(client, Role.READER, "rhea")
    page = client.get(EXPORT_PAGE).content.decode()
    assert 'name="personal"' not in page
    for format in ("csv", "json"):
        reply = client.post(DOWNLOAD, {"format": format, "personal": "1"})
        assert reply.status_code == 200
        data = body(reply)
        assert b"@example.org" not in data
        assert b"Org 0" not in data
    rows = read_csv(body(client.post(DOWNLOAD, {"format": "csv", "personal": "1"})))
    assert "email" not in rows[0]
    event = AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).first()
    assert event.username == "rhea"
    assert event.detail["with_personal_data"] is False
    assert "personal_data_refused" in event.detail


def test_analyst_gets_contact_details_when_asking_and_it_is_logged(client, served, with_contacts):
    client_as(client, Role.ANALYST, "ana")
    assert 'name="personal"' in client.get(EXPORT_PAGE).content.decode()
    without = read_csv(body(client.post(DOWNLOAD, {"format": "csv"})))
    assert "email" not in without[0]
    assert AuditEvent.objects.get(action="export").detail["with_personal_data"] is False

    reply = client.post(DOWNLOAD, {"format": "csv", "personal": "1"})
    rows = read_csv(body(reply))
    emails = {r["email"] for r in rows if r["email"]}
    assert emails == {c.email for c in with_contacts}
    organisations = {r["organisation"] for r in rows if r["organisation"]}
    assert organisations == {"Org 0", "Org 1", "Org 2"}
    event = AuditEvent.objects.filter(action="export").first()  # newest first
    assert event.username == "ana"
    assert event.role == "analyst"
    assert event.consultation == SLUG
    assert event.detail["with_personal_data"] is True
    assert event.detail["rows"] == len(rows)
    assert event.detail["format"] == "csv"
    assert "@" not in json.dumps(event.detail)


def test_downloads_stream_csv_and_json_and_send_xlsx(client, served, records):
    client_as(client, Role.READER, "rhea")
    for format, kind in (("csv", "text/csv"), ("json", "application/json")):
        reply = client.post(DOWNLOAD, {"format": format})
        assert isinstance(reply, StreamingHttpResponse)
        assert reply["Content-Type"].startswith(kind)
        assert reply["Content-Disposition"].startswith("attachment;")
        assert f"{SLUG}-responses-" in reply["Content-Disposition"]
        assert "no-store" in reply["Cache-Control"]
        body(reply)
    reply = client.post(DOWNLOAD, {"format": "xlsx"})
    assert reply.status_code == 200
    assert "attachment" in reply["Content-Disposition"]
    assert "no-store" in reply["Cache-Control"]
    data = body(reply)
    sheet = openpyxl.load_workbook(io.BytesIO(data), read_only=True).active
    assert sheet.max_row == 1 + len(expected_ids(status="accepted"))
    assert AuditEvent.objects.filter(action="export").count() == 3


def test_download_applies_the_filters_sent_with_it(client, served, records):
    client_as(client, Role.READER, "rhea")
    page = client.get(EXPORT_PAGE + "?kind=questionnaire&status=all").content.decode()
    assert 'name="kind" value="questionnaire"' in page
    reply = client.post(DOWNLOAD, {"format": "json", "kind": "questionnaire", "status": "all"})
    items = json.loads(body(reply))
    assert [i["id"] for i in items] == expected_ids(kind="questionnaire")
    assert "spam" in {i["status"] for i in items}


def test_download_is_post_only_and_needs_an_account(client, served, records):
    assert client.post(DOWNLOAD, {"format": "csv"}).status_code == 302  # to sign in
    client_as(client, Role.READER, "rhea")
    assert client.get(DOWNLOAD + "?format=csv&personal=1").status_code == 405
    assert not AuditEvent.objects.filter(action="export").exists()


def test_export_tab_on_the_overview(client, served, records):
    client_as(client, Role.READER, "rhea")
    text = client.get(f"/-/analyse/{SLUG}/?kind=page").content.decode()
    assert f'href="/-/analyse/{SLUG}/export/?kind=page"' in text


def test_text_too_long_for_an_xlsx_cell_is_cut_with_a_word_and_whole_elsewhere(
    consultation, tmp_path
):
    """Only an attached document's text can be longer than an XLSX cell holds."""

    text = "[From the attached document “report.pdf”]\n" + ("A long report. " * 3000)
    assert len(text) > 32_767
    Response.objects.create(
        reference="SB-AAAA-AAAA",
        consultation=SLUG,
        page_path="models/",
        summary="See the attached report",
        role="Local authority data professional",
        attachment_text=text,
    )
    export = Export(consultation)
    out = io.StringIO()
    export.write_csv(out)
    [row] = list(csv.DictReader(io.StringIO(out.getvalue().lstrip("\ufeff"))))
    assert row["attachment_text"] == text  # CSV: whole
    path = tmp_path / "out.xlsx"
    export.write_xlsx(path)
    sheet = openpyxl.load_workbook(path).active
    header = [c.value for c in sheet[1]]
    cell = sheet.cell(row=2, column=header.index("attachment_text") + 1).value
    assert len(cell) == XLSX_MAX_TEXT and cell.endswith(XLSX_CUT)
    assert text.startswith(cell.removesuffix(XLSX_CUT))
