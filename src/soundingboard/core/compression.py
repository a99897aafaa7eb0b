"""Pages sent compressed (Brotli or gzip), except those that could give a secret away.

A content page's HTML is about 22 KB, and about a fifth of that compressed: on a slow line
the difference is most of a first visit. Static files come compressed from WhiteNoise
already; this compresses what Django builds, here rather than in a proxy so that a shared
page (core.shared_cache) is compressed once, kept compressed by `serve`'s nginx, and every
operator's set-up gets the same.

BREACH-style attacks read a secret out of a compressed page by making the victim's browser
ask for it many times, with guesses reflected into the same page, and watching its length.
Only a visitor with a private cookie (an analyst's session, a respondent's remembered
details) is shown anything of theirs that another site could make their browser ask for
again and again: answers to such requests are sent uncompressed. That covers every
confirmation after a send too, as the send sets the remembered-details cookie. A visitor
without one sees their own answers only in the answer to their own POST, which no other
site can make (CSRF tokens, core.same_origin). Django's CSRF token, on pages compressed
here, is masked afresh for every answer, as Django intends.
"""

from __future__ import annotations

import gzip
from collections.abc import Callable

import brotli  # type: ignore[import-untyped]
from django.http import HttpRequest, HttpResponseBase
from django.utils.cache import patch_vary_headers

from .shared_cache import private_cookies

COMPRESSIBLE_TYPES = (
    "text/html",
    "text/css",
    "text/plain",
    "text/javascript",
    "application/javascript",
    "application/json",
    "image/svg+xml",
)
MIN_BYTES = 200  # smaller answers gain less than the header costs
BROTLI_QUALITY = 5  # about gzip's speed at level 6, and a tenth smaller
GZIP_LEVEL = 6


def accepted_encodings(header: str) -> set[str]:
    """The content codings an Accept-Encoding header allows (q=0 refuses one)."""
    accepted = set()
    for item in header.split(","):
        name, _, params = item.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if name and quality > 0:
            accepted.add(name.strip().lower())
    return accepted


def may_compress(request: HttpRequest, response: HttpResponseBase) -> bool:
    """Whether this answer is public enough to compress (see the module's docstring)."""
    if response.streaming or response.has_header("Content-Encoding"):
        return False
    if response.get("Content-Type", "").split(";")[0].strip() not in COMPRESSIBLE_TYPES:
        return False
    return not any(name in request.COOKIES for name in private_cookies())


def compress(request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
    """The answer compressed with the best coding the client accepts, where it may be."""
    patch = False
    if may_compress(request, response):
        content: bytes = response.content  # type: ignore[attr-defined]
        accepted = accepted_encodings(request.headers.get("Accept-Encoding", ""))
        patch = True
        if len(content) >= MIN_BYTES and "br" in accepted:
            encoded, coding = brotli.compress(content, quality=BROTLI_QUALITY), "br"
        elif len(content) >= MIN_BYTES and "gzip" in accepted:
            encoded, coding = gzip.compress(content, GZIP_LEVEL, mtime=0), "gzip"
        else:
            encoded, coding = content, ""
        if coding and len(encoded) < len(content):
            response.content = encoded  # type: ignore[attr-defined]
            response["Content-Length"] = str(len(encoded))
            response["Content-Encoding"] = coding
            if etag := response.get("ETag", ""):
                response["ETag"] = etag if etag.startswith("W/") else "W/" + etag
    if patch:
        patch_vary_headers(response, ("Accept-Encoding",))
    return response


class CompressPublic:
    """Middleware: `compress` every answer."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        return compress(request, self.get_response(request))
