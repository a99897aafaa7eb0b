"""The address a running `soundingboard serve` answers at, kept in the data directory.

`serve` writes it (`run/address`) once its health check answers, and removes it when it
stops; `createuser` reads it, to name the address the server really uses, or none.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from pathlib import Path

from django.conf import settings
from django.urls import reverse


def address_file() -> Path:
    return settings.DATA_DIR / "run" / "address"


def address_in_use() -> str | None:
    """The address a running `serve` answers at, from the data directory: only if its health
    check answers now."""
    try:
        base = address_file().read_text().strip()
    except OSError:
        return None
    return base if answers(base, timeout=1) else None


# Straight to the address: never through a proxy named by http_proxy and the like.
_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def answers(base: str, *, timeout: float) -> bool:
    """Whether soundingboard's health check answers "ok" at `base`."""
    try:
        with _DIRECT.open(base + reverse("healthz"), timeout=timeout) as reply:
            return bool(reply.status == 200)
    except (OSError, urllib.error.URLError, ValueError):
        return False
