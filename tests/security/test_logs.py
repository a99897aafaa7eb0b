"""No personal data in the logs: every record of every logger, at every level, while
respondents send contact details through the forms and the intake API, and while those
submissions fail (checks, storage, rate limits, CSRF). The server's own log, with gunicorn's
access lines, is checked in `test_live_server`."""

from __future__ import annotations

import logging

import pytest

from .catalogue import error_responses, intake_api_responses, journeys
from .site import EMAIL, ORGANISATION

pytestmark = pytest.mark.django_db


def test_submissions_with_contact_details_log_none_of_them(site, signed_in, caplog):
    caplog.set_level(logging.DEBUG)
    fetched = [
        *journeys(site, {}),
        *error_responses(site, signed_in, {}),
        *intake_api_responses(site, {}),
    ]
    assert any(f.response.status_code == 503 for f in fetched)  # failures were logged too
    assert caplog.records
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    for record in caplog.records:
        text = formatter.format(record)  # the message, its arguments and any traceback
        for personal in (EMAIL, EMAIL.split("@")[0], ORGANISATION):
            assert personal not in text, f"{record.name} logged {personal!r}: {text[:300]}"
