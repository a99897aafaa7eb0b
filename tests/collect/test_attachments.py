"""Documents attached to page feedback: the kind judged from the content, the limits checked
on the server, the file kept privately, its text read by the worker in a limited process,
and the file removed from disk with its response."""

from __future__ import annotations

import io
import stat
import zipfile
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from soundingboard.analyse.erasure import erase_contact
from soundingboard.collect.attachment_text import read_text
from soundingboard.collect.attachments import path_of
from soundingboard.collect.models import Attachment, Response
from soundingboard.core.worker import run_due_tasks
from soundingboard.publish.consultation import Consultation
from soundingboard.publish.settings_schema import DEFAULT_ROLES
from tests.collect.test_questionnaire import SMALL, consultation_yml, hidden_fields
from tests.conftest import write_consultation

pytestmark = pytest.mark.django_db(transaction=True)

PAGES = {"index.md": "# Welcome\n\nSome text.\n", "ideas.md": "# Ideas\n\nMore text.\n"}
PHRASE = "Shared care records need funding"


def pdf_with(text: str) -> bytes:
    """A one-page PDF whose page shows `text` (built by hand, with a correct xref table)."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(
        b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    )
    return out.getvalue()


def odt_with(text: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        archive.writestr(
            "content.xml",
            '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:'
            'office:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0">'
            f"<office:body><office:text><text:p>{text}</text:p></office:text></office:body>"
            "</office:document-content>",
        )
    return out.getvalue()


def zip_bomb_odt() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        archive.writestr("content.xml", b"<a>" + b" " * (300 * 1024 * 1024) + b"</a>")
    return out.getvalue()


@pytest.fixture
def site(tmp_path, use_consultations) -> Consultation:
    config = consultation_yml(SMALL, extra="attachments:\n  max_mb: 1\n  max_files: 1\n")
    folder = write_consultation(tmp_path / "small", config, PAGES)
    return use_consultations(folder).single


def send(client: Client, site: Consultation, name: str, content: bytes, **fields: str):
    page = site.page("ideas")
    assert page is not None
    form = client.get(page.feedback_url).content.decode()
    assert 'enctype="multipart/form-data"' in form and 'type="file"' in form
    data = {
        **dict(hidden_fields(form)),
        "summary": "Our response is attached",
        "role": DEFAULT_ROLES[0],
        "email": "someone@example.org",
        "documents": SimpleUploadedFile(name, content),
        **fields,
    }
    return client.post(page.feedback_url, data)


def test_a_pdf_is_kept_privately_and_its_text_is_read_by_the_worker(client, site):
    reply = send(client, site, "our-response.pdf", pdf_with(PHRASE))
    assert reply.status_code == 303, reply.content.decode()[:2000]
    attachment = Attachment.objects.get()
    assert attachment.kind == "pdf" and attachment.name == "our-response.pdf"
    path = path_of(attachment)
    assert path.read_bytes().startswith(b"%PDF-")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert path.parent.parent == Path(settings.DATA_DIR)
    assert attachment.name not in path.name
    run_due_tasks()
    attachment.refresh_from_db()
    assert attachment.text_status == Attachment.TextStatus.READ
    assert PHRASE in attachment.text


def test_a_renamed_program_is_refused_with_a_clear_message(client, site):
    program = b"\x7fELF\x02\x01\x01" + b"\x00" * 200
    reply = send(client, site, "report.pdf", program)
    assert reply.status_code == 400
    assert "“report.pdf” is not a PDF, DOCX or ODT document" in reply.content.decode()
    assert not Response.objects.exists()
    assert not Attachment.objects.exists()


def test_a_zip_that_is_not_a_document_is_refused(client, site):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("payload.exe", b"MZ")
    reply = send(client, site, "report.docx", out.getvalue())
    assert reply.status_code == 400
    assert "is not a PDF, DOCX or ODT document" in reply.content.decode()


def test_a_file_too_big_is_refused_with_the_forms_message(client, site):
    big = pdf_with(PHRASE) + b"%" * (1024 * 1024)
    reply = send(client, site, "big.pdf", big)
    assert reply.status_code == 400
    assert "“big.pdf” is too big: the file must be smaller than 1 MB" in reply.content.decode()
    assert not Response.objects.exists()


def test_attachments_can_be_turned_off(tmp_path, use_consultations, client):
    config = consultation_yml(SMALL, extra="attachments:\n  max_files: 0\n")
    site = use_consultations(write_consultation(tmp_path / "off", config, PAGES)).single
    page = site.page("ideas")
    assert page is not None
    assert 'type="file"' not in client.get(page.feedback_url).content.decode()


def test_erasure_removes_the_file_from_disk(client, site):
    assert send(client, site, "our-response.odt", odt_with(PHRASE)).status_code == 303
    path = path_of(Attachment.objects.get())
    assert path.exists()
    erase_contact("someone@example.org", responses=True, by=None)
    assert not Attachment.objects.exists()
    assert not path.exists()


def test_an_odt_is_read(tmp_path):
    document = tmp_path / "doc"
    document.write_bytes(odt_with(PHRASE))
    assert read_text("odt", str(document)) == (PHRASE, "")


def test_a_zip_bomb_and_a_broken_pdf_give_a_message_not_a_crash(client, site, tmp_path):
    bomb = tmp_path / "bomb"
    bomb.write_bytes(zip_bomb_odt())
    text, problem = read_text("odt", str(bomb))
    assert text == "" and "zip bomb" in problem
    broken = tmp_path / "broken"
    broken.write_bytes(b"%PDF-1.4\n" + b"\x00garbage" * 100)
    text, problem = read_text("pdf", str(broken))
    assert text == "" and problem


def test_a_phrase_inside_an_attached_pdf_is_found_by_search(client, site):
    from soundingboard.analyse.search import matching

    assert send(client, site, "our-response.pdf", pdf_with(PHRASE)).status_code == 303
    responses = Response.objects.filter(consultation=site.slug)
    assert not matching(responses, "shared care records funding").exists()
    run_due_tasks()
    found = matching(responses, "shared care records funding")
    assert list(found) == [Response.objects.get()]
    text = Response.objects.get().attachment_text
    assert text.startswith("[From the attached document “our-response.pdf”]") and PHRASE in text
