"""`soundingboard serve` sends a copy of a response by email: its worker runs beside gunicorn,
takes the message from the outbox and hands it to a real SMTP server on loopback."""

from __future__ import annotations

import html
import re
import time

import pytest

from soundingboard.collect.models import Response
from tests.conftest import EXAMPLE
from tests.live_server import hidden_fields, running_server
from tests.mail_server import LoopbackSMTP, text_part

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def test_the_served_site_emails_a_copy_through_its_own_worker(tmp_path):
    smtp = LoopbackSMTP()
    smtp.start()
    env = {
        "SOUNDINGBOARD_EMAIL_URL": f"smtp://127.0.0.1:{smtp.port}?starttls=no",
        "SOUNDINGBOARD_EMAIL_FROM": "consultations@example.org",
    }
    try:
        with running_server([EXAMPLE], tmp_path, extra_env=env, proxy=False) as server:
            _, _, page = server.get("/")
            action = re.search(r'<form method="post" action="([^"]+)"[^>]*sb-feedback-form', page)
            assert action and 'name="send_copy"' in page
            status, _, reply = server.post(
                action.group(1),
                {
                    **hidden_fields(page),
                    "summary": "Sent through the real server",
                    "role": html.unescape(re.findall(r'name="role"[^>]*value="([^"]*)"', page)[0]),
                    "email": "reader@example.org",
                    "send_copy": "1",
                },
            )
            assert status == 200, re.findall(r"govuk-error-message.*", reply)
            deadline = time.monotonic() + 30
            while not smtp.received and time.monotonic() < deadline:
                time.sleep(0.2)
    finally:
        smtp.stop()
    [message] = smtp.received
    assert message["To"] == "reader@example.org"
    assert Response.objects.get().reference in text_part(message)
