"""The site's icon at /favicon.ico, where browsers ask for it before reading any page.

Pages link the same icon by its hashed static address (see base.html), kept for a year; this
address has no hash, so it is kept for a week, and answered here directly rather than by a
redirect (in both single- and multi-consultation modes, before any consultation's address).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_safe

ICON = Path(__file__).resolve().parent.parent / "static" / "soundingboard" / "favicon.ico"
MAX_AGE = 7 * 24 * 60 * 60


@cache
def _icon() -> bytes:
    return ICON.read_bytes()


@require_safe
def favicon(request: HttpRequest) -> HttpResponse:
    reply = HttpResponse(_icon(), content_type="image/x-icon")
    reply["Cache-Control"] = f"public, max-age={MAX_AGE}"
    return reply
