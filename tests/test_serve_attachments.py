"""Attached documents through `serve`'s own nginx: a body larger than the site's usual limit
reaches the feedback form, and a file larger than the consultation allows gets the form's
message (never nginx's 413 page)."""

from __future__ import annotations

import secrets
import urllib.request

import pytest

from soundingboard.collect.models import Attachment
from soundingboard.publish.settings_schema import DEFAULT_ROLES
from tests.collect.test_attachments import PHRASE, pdf_with
from tests.live_server import LiveServer, hidden_fields, running_server

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def _post_document(server: LiveServer, path: str, fields: dict[str, str], content: bytes):
    boundary = secrets.token_hex(16)
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="documents"; '
        'filename="response.pdf"\r\nContent-Type: application/pdf\r\n\r\n'.encode()
        + content
        + b"\r\n"
    )
    body = b"".join(parts) + f"--{boundary}--\r\n".encode()
    request = urllib.request.Request(server.url + path, data=body, method="POST")
    request.add_header("Content-Type", f"multipart/form-data; boundary={boundary}")
    request.add_header("Referer", server.url + path)
    return server._open(request)


def test_documents_pass_nginx_and_a_too_big_one_gets_the_forms_message(seed_site, tmp_path):
    with running_server([seed_site], tmp_path) as server:
        status, _, page = server.get("/-/feedback/models/")
        assert status == 200 and 'type="file"' in page
        fields = {
            **hidden_fields(page),
            "about_you": "1",
            "summary": "Our document is attached",
            "role": DEFAULT_ROLES[2],
        }
        # 4 MB: more than nginx lets through elsewhere (Django's 2.5 MB), less than 10 MB.
        fine = pdf_with(PHRASE) + b"%" * (4 * 1024 * 1024)
        status, _, reply = _post_document(server, "/-/feedback/models/", fields, fine)
        assert status == 200, reply[:500]
        assert Attachment.objects.get().size == len(fine)

        too_big = pdf_with(PHRASE) + b"%" * (11 * 1024 * 1024)
        status, _, reply = _post_document(server, "/-/feedback/models/", fields, too_big)
        assert status == 400, reply[:500]
        assert "is too big: the file must be smaller than 10 MB" in reply
        assert Attachment.objects.count() == 1
