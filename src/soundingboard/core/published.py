"""Whether a consultation's response has been published: asked by the public pages.

Every page of a consultation links to its published response ("we asked, you said, we
did") once there is one. The pages are drawn by `publish` and `collect`, which may not import
`analyse`, where the published response is kept; so `analyse` hands over a way to look it
up with `provide_published`, in its `AppConfig.ready`, and the pages ask `published(slug)`.
Without one (an instance with no workspace) nothing has been published.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Publication:
    """The latest published version of a consultation's response."""

    version: int
    published_at: dt.datetime


Lookup = Callable[[str], Publication | None]
_source: list[Lookup] = []


def provide_published(lookup: Lookup) -> None:
    """Say how to find a consultation's latest published response, by its slug."""
    _source[:] = [lookup]


def published(slug: str) -> Publication | None:
    """The consultation's latest published response, or None when it has none."""
    return _source[0](slug) if _source else None
