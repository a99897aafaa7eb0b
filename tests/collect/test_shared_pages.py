"""Content pages built once and shared: the same bytes for every visitor without remembered
details, never a page of someone else's, the form still safe from other sites."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from soundingboard.collect.models import Response
from soundingboard.collect.pages import shared_seconds
from soundingboard.collect.respondent import COOKIE_NAME
from soundingboard.core.shared_cache import MARK, SHARED_SECONDS
from soundingboard.publish.settings_schema import DEFAULT_ROLES
from tests.conftest import write_consultation

from .test_intake_path import SECURITY_HEADERS
from .test_page_feedback import form_fields

pytestmark = pytest.mark.django_db

ROLE = DEFAULT_ROLES[0]


def _form_address() -> str:
    return reverse("feedback", kwargs={"page_path": "models"})


@pytest.fixture
def site(seed_site, use_consultations):
    return use_consultations(seed_site).single


def _without_token(html: bytes) -> bytes:
    return re.sub(rb'name="token" value="[^"]*"', b"", html)


def _send(client: Client, page: str, summary: str, **headers: str):
    fields = form_fields(client.get(page).content.decode())
    answers = {**fields, "about_you": "1", "summary": summary, "role": ROLE}
    form = reverse("feedback", kwargs={"page_path": page.strip("/")})
    return client.post(form, answers, **headers)


def test_two_visitors_get_the_same_bytes_marked_for_sharing(site):
    first, second = Client().get("/models/"), Client().get("/models/")
    assert first.status_code == second.status_code == 200
    # Each build has a form token of its own; the cache in front keeps one build
    # (tests/test_serve.py), and nothing else differs.
    assert _without_token(first.content) == _without_token(second.content)
    assert first[MARK] == str(SHARED_SECONDS)
    assert "no-cache" in first["Cache-Control"]  # browsers ask again each time
    assert not first.cookies and not second.cookies
    assert "Cookie" not in first.get("Vary", "")
    assert first["Content-Security-Policy"] == second["Content-Security-Policy"]
    html = first.content.decode()
    assert "csrfmiddlewaretoken" not in html and "nonce" not in html


def test_the_shared_page_keeps_its_security_headers_and_allows_only_its_own_style(site):
    reply = Client().get("/models/")
    for name in SECURITY_HEADERS:
        assert name in reply, name
    policy = reply["Content-Security-Policy"]
    assert "nonce-" not in policy and "'unsafe-inline'" not in policy
    style = re.search(r"<style>(.*?)</style>", reply.content.decode(), re.S).group(1)
    digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
    assert f"'sha256-{digest}'" in policy.split("style-src")[1].split(";")[0]


def test_a_remembered_visitor_gets_their_own_page_never_shared(site):
    visitor = Client()
    assert _send(visitor, "/models/", "First, with my role").status_code == 303
    assert COOKIE_NAME in visitor.cookies
    own = visitor.get("/mechanisms/")
    assert MARK not in own
    assert "no-store" in own["Cache-Control"] and "private" in own["Cache-Control"]
    assert "You are giving feedback as" in own.content.decode()
    # ... and the page an unknown visitor gets is not theirs.
    other = Client().get("/mechanisms/")
    assert "You are giving feedback as" not in other.content.decode()
    assert MARK in other


def test_a_session_or_any_private_cookie_is_never_shared(site, settings):
    for name in (settings.SESSION_COOKIE_NAME, COOKIE_NAME):
        client = Client()
        client.cookies[name] = "whatever"
        reply = client.get("/models/")
        assert reply.status_code == 200
        assert MARK not in reply, name


def test_only_plain_addresses_and_pages_are_shared(site):
    assert MARK not in Client().get("/models/?details-forgotten=1")
    assert MARK not in Client().get("/no-such-page/")
    assert MARK not in Client().get(_form_address())
    assert MARK not in Client().get(reverse("search") + "?q=models")


def test_the_confirmation_after_a_send_is_never_shared(site):
    visitor = Client()
    sent = _send(visitor, "/models/", "Kept out of caches")
    confirmation = Client().get(sent["Location"])  # even for someone without the cookie
    assert confirmation.status_code == 200
    assert MARK not in confirmation
    assert "no-store" in confirmation["Cache-Control"]


def test_the_guard_takes_off_a_mark_from_an_answer_that_sets_a_cookie(site, rf):
    from django.http import HttpResponse

    from soundingboard.core.shared_cache import SharedCacheGuard, share

    def view(request):
        reply = share(HttpResponse("hello"))
        reply.set_cookie("anything", "1")
        return reply

    assert MARK not in SharedCacheGuard(view)(rf.get("/"))


def test_a_shared_page_is_kept_no_longer_than_until_the_form_closes(tmp_path, use_consultations):
    closes = timezone.now() + dt.timedelta(seconds=20)
    folder = write_consultation(
        tmp_path / "closing",
        f"title: Closing\ncloses: {closes.isoformat()}\npages:\n  - index.md\n",
        {"index.md": "# Closing soon\n"},
    )
    consultation = use_consultations(folder).single
    seconds = shared_seconds(consultation, timezone.now())
    assert 0 < seconds <= 20
    assert shared_seconds(consultation, closes - dt.timedelta(milliseconds=500)) == 0
    assert shared_seconds(consultation, closes + dt.timedelta(days=1)) == SHARED_SECONDS
    reply = Client().get("/")
    assert 0 < int(reply[MARK]) <= 20


def test_two_visitors_sending_the_same_shared_form_are_both_stored(site):
    """The shared form's token is the same for both: different answers are two responses,
    and the same answers sent twice by one client are one."""
    fields = form_fields(Client().get("/models/").content.decode())
    for summary, address in (("From one", "10.0.0.1"), ("From another", "10.0.0.2")):
        answers = {**fields, "about_you": "1", "summary": summary, "role": ROLE}
        reply = Client(REMOTE_ADDR=address).post(_form_address(), answers)
        assert reply.status_code == 303
    same = {**fields, "about_you": "1", "summary": "Same words", "role": ROLE}
    Client(REMOTE_ADDR="10.0.0.3").post(_form_address(), same)
    Client(REMOTE_ADDR="10.0.0.4").post(_form_address(), same)  # someone else
    Client(REMOTE_ADDR="10.0.0.3").post(_form_address(), same)  # a resend
    summaries = sorted(Response.objects.values_list("summary", flat=True))
    assert summaries == ["From another", "From one", "Same words", "Same words"]


def test_a_forged_post_from_another_site_is_refused_and_nothing_stored(site):
    """The attack: another site's page holds a copy of the form (with a token its server
    fetched) and makes its visitors' browsers send it, from their own addresses."""
    fields = form_fields(Client().get("/models/").content.decode())
    forged = {**fields, "about_you": "1", "summary": "Forged from elsewhere", "role": ROLE}
    for headers in (
        {"HTTP_ORIGIN": "https://evil.example"},
        {"HTTP_ORIGIN": "null"},  # a sandboxed frame
        {"HTTP_SEC_FETCH_SITE": "cross-site"},
        {"HTTP_SEC_FETCH_SITE": "same-site"},  # another site under the same domain
        {"HTTP_REFERER": "https://evil.example/form.html"},
    ):
        reply = Client(enforce_csrf_checks=True).post(_form_address(), forged, **headers)
        assert reply.status_code == 403, headers
        assert b"Your form could not be sent" in reply.content
    assert not Response.objects.exists()


def test_a_post_from_the_site_itself_is_accepted_without_a_csrf_token(site):
    fields = form_fields(Client().get("/models/").content.decode())
    answers = {**fields, "about_you": "1", "summary": "From this site", "role": ROLE}
    reply = Client(enforce_csrf_checks=True).post(
        _form_address(),
        answers,
        HTTP_ORIGIN="http://testserver",
        HTTP_SEC_FETCH_SITE="same-origin",
    )
    assert reply.status_code == 303
    assert Response.objects.get().summary == "From this site"


def test_pages_are_compressed_but_never_a_page_of_the_visitors_own(site):
    """BREACH: a visitor with remembered details or a session gets nothing compressed,
    the confirmation after their send included."""
    anonymous = Client().get("/models/", HTTP_ACCEPT_ENCODING="gzip, br")
    assert anonymous["Content-Encoding"] == "br" and "Accept-Encoding" in anonymous["Vary"]
    visitor = Client()
    sent = _send(visitor, "/models/", "Compressed or not", HTTP_ACCEPT_ENCODING="gzip, br")
    confirmation = visitor.get(sent["Location"], HTTP_ACCEPT_ENCODING="gzip, br")
    own = visitor.get("/mechanisms/", HTTP_ACCEPT_ENCODING="gzip, br")
    for reply in (sent, confirmation, own):
        assert "Content-Encoding" not in reply
    assert b"Compressed or not" not in confirmation.content  # only the reference
    signed_in = Client()
    signed_in.cookies["sessionid"] = "anything"
    assert "Content-Encoding" not in signed_in.get("/models/", HTTP_ACCEPT_ENCODING="br")


def test_nginx_and_django_agree_on_the_private_cookies():
    """scripts/scale_out.py's nginx, which has no Django settings, uses nginx.py's list."""
    from soundingboard import nginx
    from soundingboard.core.shared_cache import private_cookies

    assert set(nginx.PRIVATE_COOKIES) == set(private_cookies())
    assert COOKIE_NAME in private_cookies()
