"""A real SMTP server on loopback (aiosmtpd) whose received messages tests read, and the
settings that point Django's SMTP backend at it."""

from __future__ import annotations

import email
import email.policy
import socket
from collections.abc import Iterator
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

REFUSED = "nobody@refuses.example"  # an address this server refuses for good (550)


class _Handler:
    def __init__(self, received: list[EmailMessage]) -> None:
        self.received = received

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if address == REFUSED:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content or b""
        message = email.message_from_bytes(content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self.received.append(message)
        return "250 Message accepted for delivery"


class LoopbackSMTP:
    """An SMTP server on 127.0.0.1 that can be stopped and started again on the same port."""

    def __init__(self) -> None:
        self.received: list[EmailMessage] = []
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self._controller: Controller | None = None

    def start(self) -> None:
        self._controller = Controller(_Handler(self.received), hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def settings(self) -> dict[str, Any]:
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": self.port,
            "EMAIL_USE_TLS": False,
            "EMAIL_USE_SSL": False,
            "EMAIL_TIMEOUT": 5,
            "SOUNDINGBOARD_EMAIL_ENABLED": True,
            "DEFAULT_FROM_EMAIL": "consultations@example.org",
        }


@pytest.fixture
def smtp_server(settings: Any) -> Iterator[LoopbackSMTP]:
    """A running loopback SMTP server, with Django's email settings pointing at it."""
    server = LoopbackSMTP()
    server.start()
    for name, value in server.settings().items():
        setattr(settings, name, value)
    yield server
    server.stop()


def text_part(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content()).replace("\r\n", "\n")


def html_part(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("html",))
    assert part is not None
    return str(part.get_content()).replace("\r\n", "\n")
