"""The GOV.UK Notify email backend, against a fake Notify API on loopback."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
import pytest
from django.core.mail import EmailMultiAlternatives

from soundingboard.core.email_delivery import Outcome, deliver
from soundingboard.core.email_settings import email_settings
from soundingboard.core.notify_backend import NotifyEmailBackend

SERVICE_ID = str(uuid.uuid4())
SECRET = str(uuid.uuid4())
TEMPLATE_ID = str(uuid.uuid4())
BAD_ADDRESS = "not-an-inbox@example.org"


class FakeNotify(ThreadingHTTPServer):
    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.requests: list[dict[str, Any]] = []
        self.status = 201


class _Handler(BaseHTTPRequestHandler):
    server: FakeNotify

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        token = self.headers["Authorization"].removeprefix("Bearer ")
        claims = jwt.decode(token, SECRET, algorithms=["HS256"])  # signed with the key's secret
        self.server.requests.append({"path": self.path, "body": body, "iss": claims["iss"]})
        status = 400 if body["email_address"] == BAD_ADDRESS else self.server.status
        answer = {"id": str(uuid.uuid4())} if status == 201 else {"errors": [{"error": "X"}]}
        payload = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def notify(settings) -> Iterator[FakeNotify]:
    server = FakeNotify()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    url = f"notify://soundingboard_test-{SERVICE_ID}-{SECRET}@/{TEMPLATE_ID}?base_url={base}"
    for name, value in email_settings(url).items():
        setattr(settings, name, value)
    yield server
    server.shutdown()
    server.server_close()


def message(to: str) -> EmailMultiAlternatives:
    email = EmailMultiAlternatives("Your response: SB-1", "Plain text body", to=[to])
    email.attach_alternative("<p>HTML body</p>", "text/html")
    return email


def test_a_message_goes_to_notify_with_its_subject_and_text(notify):
    assert isinstance(message("a@example.org").get_connection(), NotifyEmailBackend)
    assert message("a@example.org").send() == 1
    [request] = notify.requests
    assert request["path"] == "/v2/notifications/email"
    assert request["iss"] == SERVICE_ID
    assert request["body"] == {
        "email_address": "a@example.org",
        "template_id": TEMPLATE_ID,
        "personalisation": {"subject": "Your response: SB-1", "body": "Plain text body"},
    }


def test_an_address_notify_refuses_is_undeliverable(notify):
    delivery = deliver(message(BAD_ADDRESS), first_tried=_now(), attempt=0)
    assert delivery.outcome is Outcome.UNDELIVERABLE
    assert "GOV.UK Notify refused it" in delivery.problem


def test_notify_failing_is_tried_again(notify):
    notify.status = 500
    delivery = deliver(message("a@example.org"), first_tried=_now(), attempt=0)
    assert delivery.outcome is Outcome.RETRY
    notify.status = 429
    assert deliver(message("a@example.org"), first_tried=_now(), attempt=1).outcome is Outcome.RETRY


def _now():
    from django.utils import timezone

    return timezone.now()
