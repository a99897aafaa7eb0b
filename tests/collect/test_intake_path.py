"""The intake API's own middleware path (soundingboard.wsgi): the same answers and headers
as every other address, without the middleware it has no use for."""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from django.conf import settings
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.urls import reverse

from soundingboard import wsgi
from soundingboard.collect.models import Response
from soundingboard.publish.settings_schema import DEFAULT_ROLES
from tests.conftest import write_consultation

pytestmark = pytest.mark.django_db

ORIGIN = "https://original.example.org"
SECURITY_HEADERS = (
    "Content-Security-Policy",
    "X-Content-Type-Options",
    "Referrer-Policy",
    "Cross-Origin-Opener-Policy",
    "X-Frame-Options",
)


@pytest.fixture
def site(tmp_path: Path, use_consultations):
    folder = write_consultation(
        tmp_path / "site",
        f"title: Intake path\nallowed_origins: [{ORIGIN}]\npages: [index.md]\n",
        {"index.md": "# Intake path\n\nA page.\n"},
    )
    return use_consultations(folder).single


def call(
    app: Callable, path: str, *, method: str = "POST", body: bytes = b"", **headers: str
) -> tuple[int, dict[str, str], bytes]:
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "localhost",
        "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.url_scheme": "http",
        **{f"HTTP_{name.upper()}": value for name, value in headers.items()},
    }
    answer: dict[str, object] = {}

    def start_response(status: str, headers: list[tuple[str, str]], exc_info=None):
        answer.update(status=int(status.split()[0]), headers=dict(headers))

    # As Django's test client does: the test's transaction must outlive the request.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        content = b"".join(app(environ, start_response))
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    return answer["status"], answer["headers"], content  # type: ignore[return-value]


def payload(summary: str) -> bytes:
    return json.dumps({"tab": "Feedback", "summary": summary, "role": DEFAULT_ROLES[0]}).encode()


def test_the_intake_middleware_is_the_full_list_less_what_it_has_no_use_for():
    # One stands in for another: the policy built once (its replies never use a nonce).
    standing_in = {"soundingboard.collect.api.IntakeCSPMiddleware": "csp.middleware.CSPMiddleware"}
    intake = [standing_in.get(name, name) for name in settings.INTAKE_MIDDLEWARE]
    assert set(intake) < set(settings.MIDDLEWARE)
    assert intake == [name for name in settings.MIDDLEWARE if name in intake]  # same order
    skipped = set(settings.MIDDLEWARE) - set(intake)
    assert "django.contrib.sessions.middleware.SessionMiddleware" in skipped
    assert "django.middleware.security.SecurityMiddleware" not in skipped


def test_a_submission_takes_the_intake_path_and_gets_every_security_header(site):
    status, headers, body = call(wsgi.application, "/-/api/intake", body=payload("Via the path"))
    assert status == 201, body
    reference = json.loads(body)["reference"]
    assert Response.objects.get(reference=reference).summary == "Via the path"
    for name in SECURITY_HEADERS:
        assert name in headers, name
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert "Set-Cookie" not in headers  # no session, no CSRF cookie


def test_both_paths_answer_with_the_same_headers(site):
    _, lean, _ = call(wsgi.intake_application, "/-/api/intake", body=payload("Lean path"))
    _, full, _ = call(wsgi.full_application, "/-/api/intake", body=payload("Full path"))
    assert set(lean) == set(full)
    policy = "Content-Security-Policy"
    assert lean[policy] == full[policy] and "nonce" not in lean[policy]


def test_an_unknown_host_is_refused_and_nothing_is_stored(site, settings):
    settings.ALLOWED_HOSTS = ["localhost"]
    status, _, _ = call(
        wsgi.application, "/-/api/intake", body=payload("Wrong host"), HOST="evil.example.com"
    )
    assert status == 400
    assert not Response.objects.filter(summary="Wrong host").exists()


def test_a_cors_preflight_is_answered_on_the_intake_path(site):
    status, headers, _ = call(
        wsgi.application,
        "/-/api/intake",
        method="OPTIONS",
        ORIGIN=ORIGIN,
        ACCESS_CONTROL_REQUEST_METHOD="POST",
        ACCESS_CONTROL_REQUEST_HEADERS="content-type",
    )
    assert status == 200
    assert headers["access-control-allow-origin"] == ORIGIN


def test_other_addresses_keep_the_full_middleware(site):
    status, headers, _ = call(wsgi.application, "/", method="GET")
    assert status == 200 and "X-Accel-Expires" in headers  # shared: the guard ran
    # A page is shared now, with no CSRF cookie; the sign-in form shows the middleware runs.
    status, _, body = call(wsgi.application, reverse("analyse:sign-in"), body=b"")
    assert status == 403 and b"Your form could not be sent" in body
