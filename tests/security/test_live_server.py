"""The same checks through `soundingboard serve` (gunicorn, WhiteNoise's static files) with
SOUNDINGBOARD_HTTPS=1 behind a proxy: HSTS and Secure cookies when the proxy says the request
came over HTTPS, no HSTS when it did not, and nothing personal in the server's log after
submissions that include contact details."""

from __future__ import annotations

import http.client
import json
import re
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from urllib.parse import urlencode, urlsplit

import pytest
from django.conf import settings as project_settings

import soundingboard.settings as settings_module
from soundingboard.accounts.models import Role
from tests.accounts.test_accounts import PASSWORD, make_account
from tests.conftest import EXAMPLE
from tests.live_server import hidden_fields, running_server

from .site import EMAIL, ORGANISATION
from .surface import html_problems, problems

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


@dataclass
class Reply:
    """An answer from the live server, shaped as the checks in `surface` read responses."""

    status_code: int
    headers: http.client.HTTPMessage
    content: bytes
    cookies: SimpleCookie = field(default_factory=SimpleCookie)

    def get(self, name: str, default: str | None = None) -> str | None:
        return self.headers.get(name, default)


@dataclass
class Browser:
    """A browser behind an HTTPS proxy (or not): keeps cookies, Secure ones included."""

    url: str
    https: bool
    jar: dict[str, str] = field(default_factory=dict)

    def request(self, method: str, path: str, body: bytes = b"", **headers: str) -> Reply:
        parts = urlsplit(self.url)
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        sent = {"Host": parts.netloc, **headers}
        if self.https:
            sent["X-Forwarded-Proto"] = "https"
        if self.jar:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.jar.items())
        connection.request(method, path, body=body or None, headers=sent)
        answer = connection.getresponse()
        reply = Reply(answer.status, answer.headers, answer.read())
        connection.close()
        for line in answer.headers.get_all("Set-Cookie") or []:
            reply.cookies.load(line)
        self.jar.update({k: m.value for k, m in reply.cookies.items()})
        return reply

    def get(self, path: str) -> Reply:
        return self.request("GET", path)

    def post(self, path: str, fields: dict[str, str]) -> Reply:
        scheme = "https" if self.https else "http"
        return self.request(
            "POST",
            path,
            urlencode(fields).encode(),
            **{
                "Content-Type": "application/x-www-form-urlencoded",
                "Referer": f"{scheme}://{urlsplit(self.url).netloc}{path}",
            },
        )


def test_served_over_https_behind_a_proxy(tmp_path, settings):
    # The server checks passwords with the project's own hashers.
    settings.PASSWORD_HASHERS = settings_module.PASSWORD_HASHERS
    make_account("live-analyst", Role.ANALYST)
    env = {"SOUNDINGBOARD_HTTPS": "1"}
    # As behind the operator's own HTTPS proxy, which sets X-Forwarded-Proto.
    with running_server([EXAMPLE], tmp_path, workers=1, extra_env=env, proxy=False) as server:
        browser = Browser(server.url, https=True)
        home = browser.get("/")
        assert home.status_code == 200
        css = re.search(rb'href="(/-/static/soundingboard/app\.[0-9a-f]+\.css)"', home.content)
        replies = {
            "home": home,
            "static": browser.get(css.group(1).decode()),
            "healthz": browser.get("/-/healthz"),
            "404": browser.get("/no/such/page/"),
        }

        page = "/-/feedback/proposals/opening-hours/"
        form = browser.get(page)
        role = re.search(r'name="role" type="radio" value="([^"]+)"', form.content.decode())
        fields = {
            **hidden_fields(form.content.decode()),
            "about_you": "1",
            "summary": "Keep the Saturday hours",
            "role": role.group(1),
            "email": EMAIL,
            "organisation": ORGANISATION,
        }
        # Contact details in the address as well, to show the log leaves the query out.
        query = urlencode({"email": EMAIL})
        replies["feedback sent"] = sent = browser.post(f"{page}?{query}", fields)
        assert sent.status_code == 303, sent.content.decode()[:2000]
        assert "sb_respondent" in sent.cookies
        replies["confirmation"] = shown = browser.get(sent.get("Location"))
        assert b"Feedback received" in shown.content
        payload = {"tab": "Feedback", "summary": "Sent by the API", "role": role.group(1)}
        payload |= {"email": EMAIL, "org": ORGANISATION}
        replies["API"] = api = browser.request(
            "POST", f"/-/api/intake?{query}", json.dumps(payload).encode(), **_json()
        )
        assert api.status_code == 201, api.content

        analyst = Browser(server.url, https=True)
        sign_in = analyst.get("/-/sign-in/")
        credentials = {**hidden_fields(sign_in.content.decode())}
        credentials |= {"username": "live-analyst", "password": PASSWORD}
        replies["signed in"] = signed_in = analyst.post("/-/sign-in/", credentials)
        assert signed_in.status_code == 302 and "sessionid" in signed_in.cookies

        for label, reply in replies.items():
            wrong = problems(reply, https=True) + html_problems(reply)
            assert not wrong, f"{label}: {wrong}"

        plain = Browser(server.url, https=False).get("/")
        assert problems(plain, https=False) == []

    _log_holds_nothing_personal((tmp_path / "server.log").read_text())


def _json() -> dict[str, str]:
    return {"Content-Type": "application/json"}


def _log_holds_nothing_personal(log: str) -> None:
    access = [line for line in log.splitlines() if re.match(r'"(GET|POST|HEAD) ', line)]
    assert any(line.startswith('"POST /-/feedback/') for line in access), log[-2000:]
    assert any(line.startswith('"POST /-/api/intake') for line in access), log[-2000:]
    for line in access:
        assert "?" not in line and "127.0.0.1" not in line, line
        # The whole line is the request's method and path, status, size and time.
        assert re.fullmatch(r'"[A-Z]+ /[^ ?]*" \d{3} (\d+|None) bytes \d+ ms', line), line
    assert any(re.match(r'"POST /-/api/intake" 201 \d+ bytes', line) for line in access)
    for text in (EMAIL, EMAIL.replace("@", "%40"), ORGANISATION, "pat.respondent"):
        assert text not in log, f"{text!r} is in the server's log"
    assert project_settings.SECRET_KEY not in log
