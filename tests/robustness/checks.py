"""What every answer to bad input must be: never a server error, nothing unchecked stored,
and a message that says which field is wrong."""

from __future__ import annotations

import re

from bs4 import BeautifulSoup
from django.http import HttpResponse

from soundingboard.publish.consultation import Consultation

from .stored import garbage, not_revalidated

ANCHOR = re.compile(r"#(?:id_)?(?P<field>.+?)(?:_\d+)?$")


def error_links(reply: HttpResponse) -> list[tuple[str, str]]:
    """(field, message) of each entry in the page's error summary."""
    soup = BeautifulSoup(reply.content, "html.parser")
    summary = soup.select_one(".govuk-error-summary")
    if summary is None:
        return []
    return [
        (ANCHOR.match(a["href"])["field"], a.get_text(" ", strip=True))
        for a in summary.select(".govuk-error-summary__list a")
    ]


def assert_fields_named(reply: HttpResponse, labels: dict[str, str]) -> None:
    """Each error in the summary points at a field of the form and its message names that
    field with the words given in `labels` (field name: words)."""
    links = error_links(reply)
    assert links, f"a {reply.status_code} page without an error summary"
    for field, message in links:
        assert field in labels, f"an error for {field!r}, which the form does not show: {message}"
        assert labels[field].lower() in message.lower(), f"{field}: {message!r}"


def assert_nothing_unchecked_stored(consultation: Consultation) -> None:
    problems = garbage() + not_revalidated(consultation)
    assert not problems, "\n".join(problems)


def assert_no_injected_markup(reply: HttpResponse) -> None:
    """Markup that was sent (see `hostile.SAMPLES`) is shown as text, never as markup."""
    body = reply.content.decode(errors="replace")
    assert "<script>alert(1)" not in body
    assert "<img src=x onerror" not in body
