"""`soundingboard serve` end to end: gunicorn, static files, and a feedback POST without JS."""

from __future__ import annotations

import gzip
import re
import urllib.request

import pytest

from soundingboard.collect.models import Response
from soundingboard.publish.settings_schema import DEFAULT_ROLES
from tests.live_server import hidden_fields, running_server

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def test_an_mkdocs_project_serves_and_stores_feedback(seed_site, tmp_path):
    with running_server([seed_site], tmp_path) as server:
        status, _, page = server.get("/models/")
        assert status == 200
        assert "Models for delivery" in page
        assert "gs-form" not in page and 'id="feedback"' in page

        css = re.search(r'href="(/static/soundingboard/app\.[0-9a-f]+\.css)"', page).group(1)
        request = urllib.request.Request(server.url + css, headers={"Accept-Encoding": "gzip"})
        with urllib.request.urlopen(request, timeout=10) as reply:
            assert "max-age=31536000" in reply.headers["Cache-Control"]
            assert reply.headers["Content-Encoding"] == "gzip"
            assert b"sb-header" in gzip.decompress(reply.read())

        status, _, reply = server.post(
            "/feedback/models/",
            {
                **hidden_fields(page),
                "about_you": "1",
                "summary": "Sent with no JavaScript",
                "role": DEFAULT_ROLES[2],
            },
        )
        assert status == 200, reply
        stored = Response.objects.get()
        assert stored.summary == "Sent with no JavaScript"
        assert stored.reference in reply

        status, _, second = server.get("/mechanisms/")
        assert 'name="role"' not in second and "You are giving feedback as" in second


def test_a_broken_folder_stops_the_server_with_the_message(tmp_path):
    from tests.conftest import write_consultation

    folder = write_consultation(tmp_path / "bad", "title: Bad\npages:\n  - nope.md\n", {})
    with (
        pytest.raises(RuntimeError, match=r"the page “nope\.md” does not exist"),
        running_server([folder], tmp_path),
    ):
        pass
