"""Slugs never take an address soundingboard answers itself (publish.settings_schema)."""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings
from django.urls import URLPattern, URLResolver

from soundingboard.analyse import urls as analyse_urls
from soundingboard.publish.settings_schema import RESERVED_SLUGS, SLUG_PATTERN
from soundingboard.urls import build_urlpatterns


def _fixed_first_parts(
    patterns: list[URLPattern | URLResolver], *, into_includes: bool = False
) -> set[str]:
    """The first part of every address that does not start with a parameter; with
    `into_includes`, also of the addresses included at the same level."""
    parts = set()
    for pattern in patterns:
        first = str(pattern.pattern).split("/", 1)[0]
        if not first and into_includes and isinstance(pattern, URLResolver):
            parts |= _fixed_first_parts(pattern.url_patterns)
        elif first and "<" not in first:
            parts.add(first)
    return parts


def test_reserved_slugs_are_exactly_the_addresses_a_slug_could_collide_with():
    at_the_root = _fixed_first_parts(build_urlpatterns()) | {settings.STATIC_URL.strip("/")}
    # An address no slug could match (favicon.ico has a dot) cannot collide with one.
    at_the_root = {part for part in at_the_root if re.fullmatch(SLUG_PATTERN, part)}
    # The accounts pages are included in the workspace at its own level.
    in_the_workspace = _fixed_first_parts(analyse_urls.urlpatterns, into_includes=True)
    assert at_the_root | in_the_workspace == RESERVED_SLUGS


def test_the_docs_list_every_reserved_slug():
    docs = Path(__file__).parents[1] / "docs" / "writing-a-consultation.md"
    text = docs.read_text(encoding="utf-8")
    listed = text.split("A slug cannot be one of the addresses", 1)[1].split(
        "soundingboard check", 1
    )[0]
    assert set(re.findall(r"`([a-z-]+)`", listed)) == RESERVED_SLUGS
