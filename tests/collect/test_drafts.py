"""Save and come back later: questionnaire answers kept on the server, reopened by a link a
day later (the clock moved), refused after they expire, emailed when an address is given,
never counted, deleted when sent or erased. No JavaScript: plain forms and links."""

from __future__ import annotations

import datetime as dt
import html as html_lib
import re
from unittest import mock

import pytest
from django.test import Client
from django.utils import timezone

from soundingboard.analyse.erasure import erase_contact
from soundingboard.collect.models import Draft, Response
from soundingboard.core.worker import run_due_tasks
from soundingboard.publish.consultation import Consultation
from soundingboard.publish.settings_schema import DEFAULT_ROLES
from tests.collect.test_questionnaire import SMALL, checked, consultation_yml, hidden_fields
from tests.conftest import write_consultation
from tests.mail_server import smtp_server, text_part

__all__ = ["smtp_server"]  # the fixture, used by name

pytestmark = pytest.mark.django_db(transaction=True)

PAGES = {"index.md": "# Welcome\n\nSome text.\n"}
HALF_WAY = [
    ("usefulness-1", "3"),
    ("activities-1", "Maintain products"),
    ("activities-1", "Advise users"),
    ("comments", "Half a thought <b>so far</b>"),
]


@pytest.fixture
def site(tmp_path, use_consultations) -> Consultation:
    small = {**SMALL, "save_days": 3}
    folder = write_consultation(tmp_path / "drafts", consultation_yml(small), PAGES)
    return use_consultations(folder).single


def encode(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    data: dict[str, list[str]] = {}
    for name, value in pairs:
        data.setdefault(name, []).append(value)
    return data


def save_half_way(client: Client, site: Consultation, extra=()) -> str:
    """Answer part of the questionnaire, press "Save and come back later": the link."""
    form_url = site.url("questionnaire/")
    page = client.get(form_url).content.decode()
    assert 'name="action" value="save"' in page
    reply = client.post(
        form_url, encode([*hidden_fields(page), *HALF_WAY, *extra, ("action", "save")])
    )
    assert reply.status_code == 200
    saved = html_lib.unescape(reply.content.decode())
    assert "Your answers are saved" in saved
    return re.search(r'<a class="govuk-link" href="(http[^"]+/saved/[^"]+/)">', saved).group(1)


def test_saved_half_way_reopens_a_day_later_and_sends(client, site):
    link = save_half_way(client, site)
    assert not Response.objects.exists()  # a draft is never a response, never counted
    assert Draft.objects.count() == 1

    later = timezone.now() + dt.timedelta(days=1)
    with mock.patch("django.utils.timezone.now", return_value=later):
        reply = Client().get(link)  # another browser: only the link is needed
    assert reply.status_code == 200
    page = reply.content.decode()
    assert checked(page, "usefulness-1") == ["3"]
    assert checked(page, "activities-1") == ["Maintain products", "Advise users"]
    assert "Half a thought &lt;b&gt;so far&lt;/b&gt;" in page
    assert reply["Referrer-Policy"] == "no-referrer"

    # Finish: the role, check, send. The draft goes once the answers are stored.
    other = Client()
    form = hidden_fields(other.get(link).content.decode())
    data = [(n, v) for n, v in form if n != "action"]
    check = other.post(
        site.url("questionnaire/"),
        encode([*data, *HALF_WAY, ("role", DEFAULT_ROLES[0]), ("action", "check")]),
    )
    assert check.status_code == 200
    carried = [(n, v) for n, v in hidden_fields(check.content.decode()) if n != "action"]
    assert ("draft", Draft.objects.get().token) in carried
    sent = other.post(site.url("questionnaire/"), encode([*carried, ("action", "send")]))
    assert sent.status_code == 303
    response = Response.objects.get()
    assert response.comments == "Half a thought <b>so far</b>"
    assert not Draft.objects.exists()
    assert Client().get(link).status_code == 404  # sent: the link no longer opens it


def test_after_expiry_the_link_says_so_clearly(client, site):
    link = save_half_way(client, site)
    later = timezone.now() + dt.timedelta(days=3, minutes=1)  # save_days: 3
    with mock.patch("django.utils.timezone.now", return_value=later):
        reply = Client().get(link)
    assert reply.status_code == 404
    page = html_lib.unescape(reply.content.decode())
    assert "Your saved answers cannot be found" in page
    assert "saved answers are kept for 3 days" in page
    assert "Half a thought" not in page


def test_a_made_up_link_opens_nothing(client, site):
    save_half_way(client, site)
    draft = Draft.objects.get()
    wrong = site.url(f"questionnaire/saved/{draft.token[:-2]}xx/")
    assert client.get(wrong).status_code == 404


def test_the_link_is_emailed_when_an_address_is_given(client, site, smtp_server):
    link = save_half_way(client, site, extra=[("email", "later@example.org")])
    run_due_tasks()
    [message] = smtp_server.received
    assert message["To"] == "later@example.org"
    assert link in text_part(message)
    assert "Half a thought" not in text_part(message)  # the answers stay on the server


def test_a_mistyped_address_still_saves_and_shows_the_link(client, site, smtp_server):
    save_half_way(client, site, extra=[("email", "not an address")])
    assert Draft.objects.get().email == ""
    run_due_tasks()
    assert smtp_server.received == []


def test_erasing_the_address_deletes_the_saved_answers(client, site):
    link = save_half_way(client, site, extra=[("email", "later@example.org")])
    counts = erase_contact("LATER@example.org", responses=False, by=None)
    assert counts.drafts == 1
    assert not Draft.objects.exists()
    assert Client().get(link).status_code == 404


def test_purging_contacts_also_deletes_expired_saved_answers(client, site):
    import datetime as dt_

    from soundingboard.analyse.erasure import purge_contacts

    save_half_way(client, site)
    save_half_way(Client(), site)
    Draft.objects.filter(pk=Draft.objects.order_by("id").first().pk).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    counts = purge_contacts(site, before=dt_.date(2000, 1, 1), by=None)
    assert counts.drafts == 1
    assert Draft.objects.count() == 1  # the one still within its days is kept
