"""Shared pages and compression through `soundingboard serve`'s own nginx, end to end.

A content page is built once and kept by nginx for every visitor without a private cookie;
a visitor with remembered details or a session always gets their own page; what is kept keeps
its security headers; pages are sent compressed (Brotli or gzip) unless they are a visitor's
own (BREACH); a POST from another site is refused.
"""

from __future__ import annotations

import gzip
import re
import urllib.error
import urllib.parse
import urllib.request

import brotli
import pytest
from django.urls import reverse

from soundingboard.collect.models import Response
from soundingboard.collect.respondent import COOKIE_NAME
from soundingboard.publish.loader import load_consultation
from tests.collect.test_intake_path import SECURITY_HEADERS
from tests.conftest import EXAMPLE
from tests.live_server import LiveServer, hidden_fields, running_server

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

PAGE = "/how-to-respond/"
# The consultation's own addresses for the page's form and for search, as it builds them.
_EXAMPLE = load_consultation(EXAMPLE)
FORM = _EXAMPLE.page("how-to-respond").feedback_url
SEARCH = _EXAMPLE.search_url
ROLE = "Library member"  # one of the example's roles


def fetch(
    server: LiveServer, path: str, **headers: str
) -> tuple[int, dict[str, str], bytes, list[str]]:
    """Status, headers, the body as sent and every Set-Cookie, for a visitor with no cookie
    jar (the headers given are all it sends)."""
    request = urllib.request.Request(server.url + path, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as reply:
            cookies = reply.headers.get_all("Set-Cookie") or []
            return reply.status, dict(reply.headers), reply.read(), cookies
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read(), []


def without_token(html: bytes) -> bytes:
    """Each variant (plain, br, gzip) is built once, with a form token of its own."""
    return re.sub(rb'name="token" value="[^"]*"', b"", html)


@pytest.fixture(scope="module")
def server(tmp_path_factory, django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), running_server([EXAMPLE], tmp_path_factory.mktemp("s")) as s:
        yield s


def test_two_visitors_get_the_same_page_from_the_cache_with_its_security_headers(server):
    fetch(server, PAGE)  # whatever was there before
    status, first_headers, first, cookies = fetch(server, PAGE)
    _, second_headers, second, more_cookies = fetch(server, PAGE)
    assert status == 200 and first == second
    assert second_headers["X-Cache-Status"] == "HIT"
    assert not cookies and not more_cookies
    assert "X-Accel-Expires" not in second_headers  # nginx's, never passed on
    for name in SECURITY_HEADERS:
        assert second_headers[name] == first_headers[name], name
    assert "frame-ancestors 'none'" in second_headers["Content-Security-Policy"]
    assert "nonce" not in second_headers["Content-Security-Policy"]
    assert b"csrfmiddlewaretoken" not in second


def test_a_remembered_visitor_gets_their_own_page_and_no_one_gets_theirs(server):
    fetch(server, "/glossary/")  # an unknown visitor's copy is in the cache
    _, _, shared, _ = fetch(server, "/glossary/")
    respondent = LiveServer(
        server.url,
        server.process,
        urllib.request.build_opener(urllib.request.HTTPCookieProcessor()),
    )
    _, _, page = respondent.get(PAGE)
    status, _, reply = respondent.post(
        FORM,
        {
            **hidden_fields(page),
            "about_you": "1",
            "summary": "Remember me for the next page",
            "role": ROLE,
        },
    )
    assert status == 200, re.findall(r"govuk-error-message.{0,300}", reply, re.S)
    assert Response.objects.filter(summary="Remember me for the next page").exists()
    status, headers, own = respondent.get("/glossary/")
    assert status == 200 and headers["X-Cache-Status"] == "BYPASS"
    assert "You are giving feedback as" in own and "no-store" in headers["Cache-Control"]
    # The next unknown visitor gets the shared copy, which knows nothing of them.
    _, headers, after, _ = fetch(server, "/glossary/")
    assert headers["X-Cache-Status"] == "HIT" and after == shared
    assert b"You are giving feedback as" not in after


@pytest.mark.parametrize("cookie", ["sessionid", COOKIE_NAME])
def test_a_private_cookie_always_gets_a_page_built_for_it(server, cookie):
    fetch(server, PAGE)
    _, headers, _, _ = fetch(server, PAGE, Cookie=f"{cookie}=anything")
    assert headers["X-Cache-Status"] == "BYPASS"


def test_what_is_not_marked_is_never_kept(server):
    for path in (reverse("healthz"), SEARCH + "?q=library", FORM):
        fetch(server, path)
        _, headers, _, _ = fetch(server, path)
        assert headers.get("X-Cache-Status") != "HIT", path


@pytest.mark.parametrize(
    ("accept", "coding"), [("gzip, deflate, br, zstd", "br"), ("gzip, deflate", "gzip")]
)
def test_pages_are_compressed_when_the_browser_accepts_it(server, accept, coding):
    _, _, plain, _ = fetch(server, PAGE)
    for _ in range(2):  # built, then from the cache
        _, headers, body, _ = fetch(server, PAGE, **{"Accept-Encoding": accept})
        assert headers["Content-Encoding"] == coding
        assert "Accept-Encoding" in headers["Vary"]
        unpacked = brotli.decompress(body) if coding == "br" else gzip.decompress(body)
        assert without_token(unpacked) == without_token(plain)
        assert len(body) < len(plain) / 3
    assert headers["X-Cache-Status"] == "HIT"
    _, headers, _, _ = fetch(server, PAGE)
    assert "Content-Encoding" not in headers  # a browser that accepts neither


def test_a_visitors_own_page_is_never_compressed(server):
    """BREACH: a page holding something of the visitor's is sent as it is."""
    _, headers, _, _ = fetch(
        server, PAGE, **{"Accept-Encoding": "gzip, br", "Cookie": f"{COOKIE_NAME}=anything"}
    )
    assert "Content-Encoding" not in headers


def test_static_files_are_kept_a_year_and_compressed(server):
    _, _, page, _ = fetch(server, PAGE)
    css = re.search(rb'href="(/-/static/soundingboard/app\.[0-9a-f]+\.css)"', page).group(1)
    _, headers, _, _ = fetch(server, css.decode(), **{"Accept-Encoding": "br"})
    assert "max-age=31536000" in headers["Cache-Control"]
    assert headers["Content-Encoding"] == "br"


def test_a_post_from_another_site_is_refused_through_the_server(server):
    _, _, page, _ = fetch(server, PAGE)
    fields = {
        **hidden_fields(page.decode()),
        "about_you": "1",
        "summary": "Forged through nginx",
        "role": ROLE,
    }
    request = urllib.request.Request(
        server.url + FORM,
        data=urllib.parse.urlencode(fields).encode(),
        headers={"Origin": "https://evil.example"},
        method="POST",
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=30)
    assert refused.value.code == 403
    assert not Response.objects.filter(summary="Forged through nginx").exists()
