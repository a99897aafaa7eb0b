"""The site's public surface, found from its own address table, and what every response on it
must carry.

`routes()` walks the URL patterns that Django serves, so that a page added later is fetched
(and checked) without anyone listing it here; `url_for(route)` fills in each parameter from
the samples given (`Site.samples`), a number without one being 1, and a route with any other
parameter missing from them fails `test_every_route_is_fetched`.

`problems(response, https=...)` lists what a response lacks of the hardening that issue 6
asks for; `html_problems` does the same for the markup of an HTML page.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import product
from urllib.parse import quote

from bs4 import BeautifulSoup
from django.http import HttpResponse
from django.urls import URLPattern, URLResolver, get_resolver

PARAMETER = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")
HSTS = "Strict-Transport-Security"
# The cookies the site sets; no script needs to read any of them, so all are HttpOnly.
COOKIES = ("csrftoken", "sessionid", "sb_respondent")


@dataclass(frozen=True)
class Route:
    """One URL pattern, its template including the prefixes of the patterns above it."""

    template: str  # "-/analyse/<slug:slug>/responses/<str:reference>/"
    name: str
    namespace: str = ""  # "analyse" for the analyst workspace (accounts pages included)

    @property
    def parameters(self) -> list[str]:
        return [m["name"] for m in PARAMETER.finditer(self.template)]

    @property
    def is_analyst(self) -> bool:
        return self.namespace == "analyse"


def routes() -> list[Route]:
    """Every URL pattern the site serves now (the address table depends on the consultations
    loaded: see soundingboard.urls)."""
    return list(_walk(get_resolver().url_patterns, "", ""))


def _walk(patterns: list[URLPattern | URLResolver], prefix: str, namespace: str) -> Iterator[Route]:
    for pattern in patterns:
        template = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, template, pattern.namespace or namespace)
        else:
            yield Route(template, pattern.name or "", namespace)


def url_for(route: Route, samples: dict[str, list[str]]) -> list[str]:
    """The addresses to fetch for a route: one for each combination of sample values."""
    names = route.parameters
    # A number without a sample is 1: the page may answer 404, but its headers are checked.
    numbers = {
        m["name"]: ["1"] for m in PARAMETER.finditer(route.template) if m["converter"] == "int"
    }
    samples = {**numbers, **samples}
    missing = [n for n in names if n not in samples]
    if missing:
        raise KeyError(f"no sample value for {', '.join(missing)} (route {route.template!r})")
    urls = []
    for values in product(*(samples[n] for n in names)):
        chosen = dict(zip(names, values, strict=True))
        path = route.template
        for name, value in chosen.items():
            path = re.sub(rf"<(?:[^>:]+:)?{name}>", quote(value, safe="/"), path)
        urls.append("/" + path)
    return urls


# What every response must carry -----------------------------------------------------------


def csp_directives(response: HttpResponse) -> dict[str, list[str]]:
    policy = response.get("Content-Security-Policy", "")
    directives = {}
    for part in policy.split(";"):
        words = part.split()
        if words:
            directives[words[0].lower()] = words[1:]
    return directives


def problems(response: HttpResponse, *, https: bool) -> list[str]:
    """What this response lacks: headers every response needs, and its cookies' flags."""
    found = []
    if response.get("X-Content-Type-Options") != "nosniff":
        found.append("no X-Content-Type-Options: nosniff")
    if response.get("Referrer-Policy") not in ("same-origin", "no-referrer", "strict-origin"):
        found.append(f"Referrer-Policy is {response.get('Referrer-Policy')!r}")
    csp = csp_directives(response)
    if not csp:
        found.append("no Content-Security-Policy")
    else:
        if csp.get("frame-ancestors") != ["'none'"]:
            found.append(f"frame-ancestors is {csp.get('frame-ancestors')}, not 'none'")
        scripts = csp.get("script-src", csp.get("default-src", []))
        if "'unsafe-inline'" in scripts or "'unsafe-eval'" in scripts or "*" in scripts:
            found.append(f"scripts are not restricted: script-src {' '.join(scripts)}")
        if "'unsafe-inline'" in csp.get("style-src", []) and "sandbox" not in csp:
            found.append("inline styles are allowed outside a sandbox")
    hsts = response.get(HSTS, "")
    if https and not re.search(r"max-age=(\d{8,})", hsts):
        found.append(f"no {HSTS} of a year or more over HTTPS (got {hsts!r})")
    if not https and hsts:
        found.append(f"{HSTS} sent over plain HTTP")
    for cookie in response.cookies.values():
        if not cookie.value and cookie["max-age"] == 0:
            continue  # a cookie being deleted
        if not cookie["httponly"]:
            found.append(f"cookie {cookie.key} is not HttpOnly")
        if str(cookie["samesite"]).lower() not in ("lax", "strict"):
            found.append(f"cookie {cookie.key} has no SameSite")
        if https and not cookie["secure"]:
            found.append(f"cookie {cookie.key} is not Secure over HTTPS")
    return found


def nonce_of(response: HttpResponse) -> str | None:
    for source in csp_directives(response).get("script-src", []):
        if match := re.fullmatch(r"'nonce-([^']+)'", source):
            return match.group(1)
    return None


def html_problems(response: HttpResponse) -> list[str]:
    """Inline script or style that neither the policy's nonce nor a hash in it covers, a
    script from elsewhere than the site itself, and markup that only
    `'unsafe-inline'` would allow (event-handler attributes, style attributes, javascript:)."""
    if "text/html" not in response.get("Content-Type", "") or not response.content:
        return []
    nonce = nonce_of(response)
    soup = BeautifulSoup(response.content, "html.parser")
    found = []
    policy = response.get("Content-Security-Policy", "")
    for element in soup.find_all(["script", "style"]):
        own_file = element.name == "script" and str(element.get("src", "")).startswith("/")
        if own_file and not element.string and not str(element.get("src")).startswith("//"):
            continue  # a script file of the site's own: script-src 'self'
        if element.get("nonce") is None:
            digest = hashlib.sha256((element.string or "").encode()).digest()
            if f"'sha256-{base64.b64encode(digest).decode()}'" not in policy:
                found.append(f"<{element.name}> with neither a nonce nor its hash in the policy")
        elif element.get("nonce") != nonce:
            found.append(f"<{element.name}> with a nonce the policy does not name")
    for element in soup.find_all(True):
        for attribute, value in element.attrs.items():
            if attribute.lower().startswith("on"):
                found.append(f"inline event handler {attribute} on <{element.name}>")
            if attribute.lower() == "style":
                found.append(f"style attribute on <{element.name}>: {value[:60]}")
            if attribute.lower() in ("href", "src", "action", "formaction") and str(
                value
            ).strip().lower().startswith("javascript:"):
                found.append(f"javascript: address on <{element.name}>")
    return found
