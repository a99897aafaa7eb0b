"""Every kind of response the site gives, fetched through Django's test client.

`every_response(site, signed_in, scheme)` fetches every route of the address table (see
`surface.routes`), signed in for the analyst pages and not, then every form found on those
pages as it is sent (so that a form added later is sent too), then the responses that only
some input gives: each error page, each JSON answer of the intake API, CORS preflights,
redirects, downloads, and the confirmation pages.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from unittest import mock
from urllib.parse import urljoin, urlsplit

from bs4 import BeautifulSoup
from django.db import OperationalError
from django.http import HttpResponse
from django.test import Client, override_settings
from django.urls import resolve

from soundingboard.collect import ratelimit
from soundingboard.collect.api import MAX_BODY_BYTES
from soundingboard.publish.settings_schema import DEFAULT_ROLES

from .site import EMAIL, ORGANISATION, ORIGIN, Site, request_extra
from .surface import routes, url_for

OTHER_ORIGIN = "https://elsewhere.example.com"
LEAKY_MESSAGE = "SELECT secret FROM soundingboard_internals WHERE path = '/srv/private'"


@dataclass
class Fetched:
    label: str
    method: str
    url: str
    response: HttpResponse

    @property
    def html(self) -> str:
        if "text/html" not in self.response.get("Content-Type", ""):
            return ""
        return self.response.content.decode()


@dataclass
class Form:
    page: str  # the address of the page it is on
    action: str
    method: str
    fields: list[tuple[str, str]]
    submits: list[tuple[str, str]]  # (name, value) of each named submit button
    html: str

    def variants(self) -> list[list[tuple[str, str]]]:
        """The fields as sent by each submit button (or the one unnamed button)."""
        if not self.submits:
            return [list(self.fields)]
        return [[*self.fields, submit] for submit in self.submits]


def forms_in(html: str, page: str) -> list[Form]:
    """The forms of a page, with the values a browser would send without any typing."""
    found = []
    for element in BeautifulSoup(html, "html.parser").find_all("form"):
        fields: list[tuple[str, str]] = []
        submits: list[tuple[str, str]] = []
        for control in element.find_all(["input", "textarea", "select", "button"]):
            name = control.get("name")
            kind = (control.get("type") or "").lower()
            if control.name == "button" or kind == "submit":
                if name:
                    submits.append((name, control.get("value", "")))
                continue
            if not name:
                continue
            if control.name == "textarea":
                fields.append((name, control.get_text()))
            elif control.name == "select":
                chosen = control.find("option", selected=True) or control.find("option")
                fields.append((name, chosen.get("value", chosen.get_text()) if chosen else ""))
            elif kind in ("radio", "checkbox"):
                if control.has_attr("checked"):
                    fields.append((name, control.get("value", "on")))
            else:
                fields.append((name, control.get("value", "")))
        found.append(
            Form(
                page=page,
                action=urljoin(page, element.get("action") or page),
                method=(element.get("method") or "get").lower(),
                fields=fields,
                submits=submits,
                html=str(element),
            )
        )
    return found


def every_response(site: Site, signed_in: Callable[..., Client], scheme: str) -> list[Fetched]:
    extra = request_extra(scheme)
    fetched: list[Fetched] = []
    fetched += list(every_route(site, signed_in, extra))
    fetched += list(every_form(fetched, signed_in, extra))
    fetched += list(journeys(site, extra))
    fetched += list(error_responses(site, signed_in, extra))
    fetched += list(intake_api_responses(site, extra))
    fetched += list(_downloads(site, signed_in, extra))
    return fetched


def every_route(site: Site, signed_in: Callable[..., Client], extra: dict) -> Iterator[Fetched]:
    anonymous = Client()
    analyst = signed_in()
    samples = site.samples()
    for route in routes():
        for url in url_for(route, samples):
            client = analyst if route.is_analyst else anonymous
            yield Fetched(f"GET {route.name}", "GET", url, client.get(url, **extra))
            if route.is_analyst:  # and not signed in: sent to sign in
                yield Fetched(
                    f"GET {route.name} (signed out)", "GET", url, Client().get(url, **extra)
                )
    for name in ("dot.png", "notes.txt"):
        url = f"/{site.other}/-/files/{name}"
        yield Fetched(f"file {name}", "GET", url, anonymous.get(url, **extra))


def every_form(
    pages: list[Fetched], signed_in: Callable[..., Client], extra: dict
) -> Iterator[Fetched]:
    """Send each POST form found, as it is, once for each of its submit buttons."""
    seen: set[tuple[str, tuple]] = set()
    for page in pages:
        for form in forms_in(page.html, page.url):
            if form.method != "post":
                continue
            for data in form.variants():
                key = (urlsplit(form.action).path, tuple(sorted(n for n, _ in data)))
                if key in seen:
                    continue
                seen.add(key)
                in_workspace = resolve(urlsplit(form.action).path).namespace == "analyse"
                client = signed_in() if in_workspace else Client()
                body = as_multi(data)
                reply = client.post(form.action, body, **extra)
                yield Fetched(f"form on {page.url}", "POST", form.action, reply)


def as_multi(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    data: dict[str, list[str]] = {}
    for name, value in pairs:
        data.setdefault(name, []).append(value)
    return data


def _hidden(reply: HttpResponse) -> dict[str, str]:
    soup = BeautifulSoup(reply.content, "html.parser")
    return {
        i["name"]: i.get("value", "")
        for i in soup.select("form[method=post] input[type=hidden]")
        if i.get("name")
    }


def journeys(site: Site, extra: dict) -> Iterator[Fetched]:
    """A respondent's visit: feedback with contact details, the redirect to its confirmation
    and the confirmation, then the main questionnaire's check page and confirmation,
    remembered."""
    client = Client()
    page = f"/{site.slug}/-/feedback/proposals/opening-hours/"
    form = client.get(page, **extra)
    yield Fetched("feedback form", "GET", page, form)
    role = site.roles[0]
    data = {
        **_hidden(form),
        "about_you": "1",
        "summary": "Keep the Saturday hours",
        "role": role,
        "email": EMAIL,
        "organisation": ORGANISATION,
    }
    sent = client.post(page, data, **extra)
    yield Fetched("feedback sent", "POST", page, sent)
    confirmation = sent["Location"]
    yield Fetched("feedback confirmation", "GET", confirmation, client.get(confirmation, **extra))
    yield Fetched(
        "feedback, details changed",
        "GET",
        page + "?change-details",
        client.get(page + "?change-details", **extra),
    )
    invalid = {**data, "summary": "", "email": "not an email"}
    yield Fetched("feedback, errors", "POST", page, client.post(page, invalid, **extra))
    forget = f"/{site.slug}/-/privacy/forget-details/"
    remembered = client.get(page, **extra)
    forgotten = client.post(forget, {**_hidden(remembered), "next": page}, **extra)
    yield Fetched("details forgotten", "POST", forget, forgotten)
    back = forgotten["Location"]
    yield Fetched("page after forgetting", "GET", back, client.get(back, **extra))

    url = f"/{site.slug}/-/questionnaire/"
    fresh = Client()
    shown = fresh.get(url, **extra)
    answers = {**_hidden(shown), "about_you": "1", "role": role, "email": EMAIL}
    answers |= {"organisation": ORGANISATION, "action": "check"}
    check = fresh.post(url, answers, **extra)
    yield Fetched("questionnaire check page", "POST", url, check)
    sent = {**_hidden(check), "action": "send"}
    answered = fresh.post(url, sent, **extra)
    yield Fetched("questionnaire sent", "POST", url, answered)
    confirmation = answered["Location"]
    yield Fetched(
        "questionnaire confirmation", "GET", confirmation, fresh.get(confirmation, **extra)
    )


@contextmanager
def _rate_limit(limit: str) -> Iterator[None]:
    ratelimit.reset_for_tests()
    with override_settings(SOUNDINGBOARD_RATE_LIMIT=limit):
        yield
    ratelimit.reset_for_tests()


def error_responses(site: Site, signed_in: Callable[..., Client], extra: dict) -> Iterator[Fetched]:
    client = Client()
    page = f"/{site.slug}/-/feedback/proposals/opening-hours/"
    valid = {"about_you": "1", "summary": "Keep the Saturday hours", "role": site.roles[0]}
    valid |= {"email": EMAIL, "organisation": ORGANISATION}

    yield Fetched("404", "GET", "/no/such/page/", client.get("/no/such/page/", **extra))
    missing = f"/-/analyse/{site.slug}/responses/SB-0000-0000/"
    yield Fetched("404 analyst", "GET", missing, signed_in().get(missing, **extra))
    yield Fetched(
        "405", "POST", f"/{site.slug}/-/search/", client.post(f"/{site.slug}/-/search/", **extra)
    )
    strict = Client(enforce_csrf_checks=True)
    # The feedback form has no CSRF token (it is on shared pages): sent from another site.
    forged = strict.post(page, valid, HTTP_ORIGIN="https://evil.example", **extra)
    yield Fetched("403 CSRF", "POST", page, forged)
    too_big = {**valid, "details": "x" * (3 * 1024 * 1024)}
    yield Fetched("413 form", "POST", page, client.post(page, too_big, **extra))
    many = "&".join(f"f{i}=1" for i in range(1100))
    yield Fetched(
        "400 too many fields",
        "POST",
        page,
        client.post(page, many, content_type="application/x-www-form-urlencoded", **extra),
    )
    with override_settings(ALLOWED_HOSTS=["testserver"]):
        yield Fetched(
            "400 unknown host", "GET", "/", client.get("/", HTTP_HOST="evil.example", **extra)
        )
    with _rate_limit("1/600"):
        client.post(page, valid, **extra)
        yield Fetched("429 form", "POST", page, client.post(page, valid, **extra))
    with mock.patch(
        "soundingboard.collect.feedback.store_response", side_effect=OperationalError("down")
    ):
        yield Fetched("503 form", "POST", page, client.post(page, valid, **extra))
    broken = Client(raise_request_exception=False)
    with mock.patch("soundingboard.publish.views.search", side_effect=RuntimeError(LEAKY_MESSAGE)):
        url = f"/{site.slug}/-/search/?q=libraries"
        yield Fetched("500", "GET", url, broken.get(url, **extra))
    with mock.patch(
        "soundingboard.analyse.views.responses.render", side_effect=RuntimeError(LEAKY_MESSAGE)
    ):
        url = f"/-/analyse/{site.slug}/responses/"
        broken = signed_in(raise_request_exception=False)
        yield Fetched("500 analyst", "GET", url, broken.get(url, **extra))


def intake_api_responses(site: Site, extra: dict) -> Iterator[Fetched]:
    url = f"/-/api/intake?consultation={site.other}"
    payload = {"tab": "Feedback", "summary": "Keep the Saturday hours", "role": DEFAULT_ROLES[0]}
    payload |= {"email": EMAIL, "org": ORGANISATION}
    client = Client()

    def post(label: str, body: bytes | str, content_type: str = "application/json", **more):
        reply = client.post(url, body, content_type=content_type, **extra, **more)
        return Fetched(label, "POST", url, reply)

    yield post("API 201", json.dumps(payload), HTTP_ORIGIN=ORIGIN)
    yield post("API 400", "{not json", HTTP_ORIGIN=ORIGIN)
    yield post("API 400 fields", json.dumps({**payload, "email": "nope", "summary": ""}))
    yield post("API 403 origin", json.dumps(payload), HTTP_ORIGIN=OTHER_ORIGIN)
    yield post("API 413", b"{" + b" " * (MAX_BODY_BYTES + 10) + b"}")
    yield post("API 415", "summary=x", "application/x-www-form-urlencoded")
    yield Fetched("API 405", "GET", url, client.get(url, **extra))
    with _rate_limit("1/600"):
        post("first", json.dumps(payload))
        yield post("API 429", json.dumps(payload))
    with mock.patch(
        "soundingboard.collect.payloads.store_response", side_effect=OperationalError("down")
    ):
        yield post("API 503", json.dumps(payload))
    with mock.patch(
        "soundingboard.collect.api.submission_from_payload",
        side_effect=RuntimeError(LEAKY_MESSAGE),
    ):
        broken = Client(raise_request_exception=False)
        reply = broken.post(url, json.dumps(payload), content_type="application/json", **extra)
        yield Fetched("API 500", "POST", url, reply)
    missing = "/-/api/no-such-thing/"
    yield Fetched("API 404", "GET", missing, client.get(missing, **extra))
    for origin, label in ((ORIGIN, "allowed"), (OTHER_ORIGIN, "refused")):
        reply = client.options(
            url,
            HTTP_ORIGIN=origin,
            HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
            HTTP_ACCESS_CONTROL_REQUEST_HEADERS="content-type",
            **extra,
        )
        yield Fetched(f"CORS preflight, {label} origin", "OPTIONS", url, reply)
    yield Fetched(
        "OpenAPI", "GET", "/-/api/openapi.json", client.get("/-/api/openapi.json", **extra)
    )


def _downloads(site: Site, signed_in: Callable[..., Client], extra: dict) -> Iterator[Fetched]:
    url = f"/-/analyse/{site.slug}/export/download/"
    for format in ("csv", "xlsx", "json"):
        data = {"format": format, "personal": "1", "status": "all"}
        reply = signed_in().post(url, data, **extra)
        yield Fetched(f"export {format}", "POST", url, reply)
