"""The WSGI application that gunicorn serves.

Every address goes through Django with the middleware in `settings.MIDDLEWARE`, except the
intake API. That is the busiest address when a consultation is popular, and it uses no
session, cookie, CSRF token or signed-in user, so it goes through the same Django, the same
URLs and the same view with only the middleware that applies to it:
`settings.INTAKE_MIDDLEWARE` (security headers, CSP, CORS, host check, frame options).
The rest would cost it CPU on every submission for nothing (docs/performance.md).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "soundingboard.settings")

full_application = get_wsgi_application()


@contextmanager
def _middleware(names: list[str]) -> Iterator[None]:
    """`settings.MIDDLEWARE` as these names while a handler loads its middleware (once, at
    start-up, before any request)."""
    everything = settings.MIDDLEWARE
    settings.MIDDLEWARE = names
    try:
        yield
    finally:
        settings.MIDDLEWARE = everything


def intake_handler() -> WSGIHandler:
    """Django with only the intake API's middleware."""
    with _middleware(settings.INTAKE_MIDDLEWARE):
        return WSGIHandler()


intake_application = intake_handler()

# Only once Django is set up (above) can the app's modules be imported.
from .collect.api import INTAKE_PATHS  # noqa: E402


def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    if environ.get("PATH_INFO") in INTAKE_PATHS:
        return intake_application(environ, start_response)
    return full_application(environ, start_response)
