"""A Django email backend that sends through GOV.UK Notify, with its official client.

Notify sends from templates made in its own web interface: make one email template whose
subject is `((subject))` and whose message is `((body))`, and name it in
`SOUNDINGBOARD_EMAIL_URL=notify://API_KEY@/TEMPLATE_ID` (core.email_settings). Each message's
plain-text part becomes the body; Notify writes the HTML itself, and sends from the address
and name set up for the service in Notify.

Notify refuses an address it cannot send to with 400 Bad Request: that is `Undeliverable`,
not tried again. Any other failure (no answer, 429 Too Many Requests, 5xx) is an `OSError`,
which the outbox tries again later (core.email_delivery).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend
from notifications_python_client.errors import APIError
from notifications_python_client.notifications import NotificationsAPIClient

from .email_delivery import Undeliverable


class NotifyEmailBackend(BaseEmailBackend):
    def __init__(self, fail_silently: bool = False, **kwargs: Any) -> None:
        super().__init__(fail_silently=fail_silently)
        self.client = NotificationsAPIClient(
            settings.SOUNDINGBOARD_NOTIFY_API_KEY,
            base_url=settings.SOUNDINGBOARD_NOTIFY_BASE_URL,
            timeout=settings.EMAIL_TIMEOUT,
        )
        self.template_id = settings.SOUNDINGBOARD_NOTIFY_TEMPLATE_ID

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        sent = 0
        for message in email_messages:
            for address in message.recipients():
                try:
                    self.client.send_email_notification(
                        email_address=address,
                        template_id=self.template_id,
                        personalisation={"subject": message.subject, "body": message.body},
                    )
                except APIError as error:
                    if self.fail_silently:
                        continue
                    if error.status_code == 400:
                        raise Undeliverable(f"GOV.UK Notify refused it: {error.message}") from error
                    raise OSError(f"GOV.UK Notify: {error}") from error
            sent += 1
        return sent
