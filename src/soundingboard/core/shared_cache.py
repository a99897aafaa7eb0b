"""Pages built once and shared: which answers a cache in front may keep and give to everyone.

Most page views are the same for every visitor who has no remembered details and no
session: building each one again cost about 5 ms of CPU. A view whose answer is the same for
everyone marks it with `share`; `soundingboard serve`'s nginx (soundingboard.nginx) then
keeps it for at most that many seconds and gives the same bytes to every such visitor
without asking Django. nginx keeps only what is marked (`X-Accel-Expires`, a header it reads
and never passes on), never an answer that sets a cookie, and never asks its cache for a
request that carries one of `PRIVATE_COOKIES`.

`SharedCacheGuard` has the last word on every answer: a mark is taken off again when the
request or the answer is anything but a plain GET of a page for an unknown visitor, so a
mistake in a view cannot share one visitor's page with another. Browsers are told to ask
again each time (`no-cache`): a visitor who has just sent feedback must see their remembered
details on the next page, not their browser's copy from before.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from typing import TypeVar

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase
from django.utils.cache import patch_cache_control

R = TypeVar("R", bound=HttpResponseBase)

# Read by nginx; it never passes it on to the browser.
MARK = "X-Accel-Expires"
# How long a shared page is kept at most: short, so that a changed consultation shows soon
# everywhere even where the cache is not emptied (several servers behind one balancer).
SHARED_SECONDS = 60


def private_cookies() -> tuple[str, ...]:
    """Cookies whose presence means the page may be this visitor's own: the analysts'
    session and the respondents' remembered details (settings.SOUNDINGBOARD_PRIVATE_COOKIES)."""
    return (settings.SESSION_COOKIE_NAME, *settings.SOUNDINGBOARD_PRIVATE_COOKIES)


def share(response: R, seconds: int = SHARED_SECONDS) -> R:
    """Mark an answer that is the same for every visitor without a private cookie, for a
    cache in front to keep for `seconds` (at least 1)."""
    response[MARK] = str(max(1, int(seconds)))
    patch_cache_control(response, no_cache=True)
    return response


def is_shared(response: HttpResponseBase) -> bool:
    return MARK in response


def inline_source_hash(text: str) -> str:
    """A Content-Security-Policy source allowing an inline <style> or <script> with exactly
    this text: a shared page carries no nonce, as a nonce the same for everyone protects
    nothing."""
    digest = base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()
    return f"'sha256-{digest}'"


def _unshareable_reason(request: HttpRequest, response: HttpResponseBase) -> str | None:
    if request.method not in ("GET", "HEAD"):
        return "not a GET"
    if response.status_code != 200:
        return "not a 200"
    if response.cookies:
        return "sets a cookie"
    if any(name in request.COOKIES for name in private_cookies()):
        return "a private cookie came with the request"
    vary = response.get("Vary", "")
    if "cookie" in vary.lower() or "*" in vary:
        return "varies with the visitor"
    if response.get("Cache-Control", "") and "private" in response["Cache-Control"]:
        return "marked private"
    return None


class SharedCacheGuard:
    """Takes `share`'s mark off any answer that must not be shared (see the module)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if MARK in response and _unshareable_reason(request, response):
            del response[MARK]
        return response
