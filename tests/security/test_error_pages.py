"""Error pages say what happened in plain words and give nothing away: no traceback, no
settings, no SQL, no file paths, no exception's text."""

from __future__ import annotations

import json

import pytest
from django.conf import settings

from soundingboard.core.errors import SERVER_ERROR

from .catalogue import LEAKY_MESSAGE, error_responses, intake_api_responses

pytestmark = pytest.mark.django_db

# What each error page says, by the label `catalogue.error_responses` gives it.
HEADINGS = {
    "404": (404, "Page not found"),
    "404 analyst": (404, "Page not found"),
    "403 CSRF": (403, "Your form could not be sent"),
    "413 form": (413, "Your answers are too long to send"),
    "400 too many fields": (400, "Sorry, there is a problem with what was sent"),
    "400 unknown host": (400, "Sorry, there is a problem with what was sent"),
    "429 form": (429, "A lot of feedback has been sent from your connection"),
    "503 form": (503, "Sorry, there is a problem with the service"),
    "500": (500, "Sorry, there is a problem with the service"),
    "500 analyst": (500, "Sorry, there is a problem with the service"),
}


def secrets_of_the_server() -> list[str]:
    """Text that must never reach a visitor."""
    return [
        "Traceback",
        'File "',
        "RuntimeError",
        "OperationalError",
        "SELECT",
        "/srv/private",
        LEAKY_MESSAGE,
        settings.SECRET_KEY,
        str(settings.DATA_DIR),
        str(settings.PACKAGE_DIR),
        "DJANGO_SETTINGS_MODULE",
        "SOUNDINGBOARD_",
        "django.",
        "sqlite",
        "psycopg",
    ]


def test_debug_pages_are_off_unless_asked_for():
    assert settings.DEBUG is False


def test_error_pages_are_generic_and_leak_nothing(site, signed_in):
    fetched = {f.label: f for f in error_responses(site, signed_in, {})}
    assert set(HEADINGS) <= set(fetched)
    for label, (status, heading) in HEADINGS.items():
        reply = fetched[label].response
        body = reply.content.decode()
        assert reply.status_code == status, label
        assert heading in body, label
        leaked = [s for s in secrets_of_the_server() if s.lower() in body.lower()]
        assert not leaked, f"{label} shows {leaked}"
    assert fetched["405"].response.status_code == 405
    assert fetched["405"].response.content == b""


def test_the_intake_api_answers_every_error_in_json_and_leaks_nothing(site):
    statuses = set()
    for item in intake_api_responses(site, {}):
        reply = item.response
        statuses.add(reply.status_code)
        if reply.status_code < 400:
            continue
        assert reply["Content-Type"] == "application/json", item.label
        messages = json.loads(reply.content)["errors"]
        assert messages and all(isinstance(m, list) and m for m in messages.values())
        text = reply.content.decode()
        leaked = [s for s in secrets_of_the_server() if s.lower() in text.lower()]
        assert not leaked, f"{item.label} shows {leaked}"
    assert {400, 403, 404, 413, 415, 429, 500, 503} <= statuses


def test_an_unexpected_failure_in_the_api_says_the_feedback_may_not_be_saved(site):
    [failed] = [f for f in intake_api_responses(site, {}) if f.label == "API 500"]
    assert failed.response.status_code == 500
    assert json.loads(failed.response.content) == {"errors": {"": [SERVER_ERROR]}}
