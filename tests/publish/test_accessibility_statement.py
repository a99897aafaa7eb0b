"""The accessibility statement: a page of every consultation, linked from every page's footer,
saying how to report a problem at the consultation's contact address."""

from __future__ import annotations

import pytest
from tests.conftest import write_consultation

pytestmark = pytest.mark.django_db

PAGES = {"index.md": "# Home\n", "more.md": "# More\n"}


def test_the_statement_gives_the_contact_address_and_every_page_links_to_it(
    client, tmp_path, use_consultations
):
    folder = write_consultation(
        tmp_path / "c",
        "title: Parks plan\norganisation: Example Council\ncontact_email: parks@example.org\n",
        PAGES,
    )
    use_consultations(folder)
    for address in (
        "/",
        "/more/",
        "/-/search/",
        "/-/privacy/",
        "/-/feedback/more/",
        "/no-such-page/",
    ):
        html = client.get(address).content.decode()
        assert (
            '<a class="govuk-footer__link" href="/-/accessibility/">Accessibility statement</a>'
            in (html)
        ), address
    reply = client.get("/-/accessibility/")
    html = reply.content.decode()
    assert reply.status_code == 200
    assert "<title>Accessibility statement – Parks plan</title>" in html
    assert "Example Council wrote the words" in html
    assert (
        'email <a class="govuk-link" href="mailto:parks@example.org">parks@example.org</a>' in html
    )
    assert "WCAG 2.0, 2.1 and 2.2 rules at levels A and AA" in html
    assert "320 pixels wide" in html
    assert "feedback form at the end of any page" not in html


def test_without_a_contact_address_it_points_to_the_feedback_form_while_open(
    client, tmp_path, use_consultations
):
    open_one = write_consultation(tmp_path / "open", "title: Open\nslug: open\n", PAGES)
    closed = write_consultation(
        tmp_path / "closed", "title: Closed\nslug: closed\ncloses: 2020-01-01\n", PAGES
    )
    use_consultations(open_one, closed)
    html = client.get("/open/-/accessibility/").content.decode()
    assert "contact the organisation running this consultation, or tell us using the feedback" in (
        " ".join(html.split())
    )
    assert "mailto:" not in html
    closed_html = " ".join(client.get("/closed/-/accessibility/").content.decode().split())
    assert "contact the organisation running this consultation." in closed_html
    assert 'href="/closed/-/accessibility/">Accessibility statement<' in closed_html
