"""A site with something on every page: two consultations (so that the list of consultations
is served too), a stored response with contact details, a tag, a note and a second account;
and the settings as `SOUNDINGBOARD_HTTPS=1` makes them."""

from __future__ import annotations

import importlib.util
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from unittest import mock

import soundingboard.settings as settings_module
from soundingboard.accounts.models import Role
from soundingboard.analyse import tagging
from soundingboard.analyse.models import Tag
from soundingboard.collect.models import Response
from soundingboard.collect.storage import ContactDetails, store_response
from tests.accounts.test_accounts import make_account
from tests.conftest import EXAMPLE, write_consultation

EMAIL = "pat.respondent@example.org"
ORGANISATION = "Respondents Anonymous Trust"
ORIGIN = "https://original.example.org"
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000005e2a4d80000000049454e44ae426082"
)


@dataclass
class Site:
    slug: str  # the example consultation's
    other: str  # a second consultation, with a PNG and a text file beside its page
    response: Response
    tag: Tag
    colleague_pk: int
    roles: list[str]  # the example consultation's

    def samples(self) -> dict[str, list[str]]:
        """A value for each parameter of the site's addresses (see surface.url_for)."""
        return {
            "slug": [self.slug],
            "page_path": ["proposals/opening-hours"],
            "file_path": [
                "images/library opening hours.svg",
                "now/library visits 2024-25.csv",
            ],
            "reference": [self.response.reference],
            "tag_id": [str(self.tag.pk)],
            "pk": [str(self.colleague_pk)],
            "token": ["no-such-saved-answers"],  # saved questionnaire answers: the 404 page
        }


def make_site(folder: Path, use_consultations: Any) -> Site:
    other = write_consultation(
        folder / "second",
        f"title: A second consultation\nslug: second\nallowed_origins:\n  - {ORIGIN}\n",
        {"index.md": "# Second\n\n![A dot](dot.png)\n\n[Notes](notes.txt)\n"},
    )
    (other / "dot.png").write_bytes(PNG)
    (other / "notes.txt").write_text("Plain notes.\n", encoding="utf-8")
    registry = use_consultations(EXAMPLE, other)
    slug = next(s for s in registry.consultations if s != "second")
    consultation = registry.get(slug)
    response, _ = store_response(
        {
            "consultation": slug,
            "page_path": "proposals/opening-hours",
            "page_title": "Opening hours",
            "summary": "Open the branches on Sundays",
            "details": "Weekends are when families can come.",
            "role": consultation.settings.feedback.roles[0],
        },
        token=None,
        contact=ContactDetails(EMAIL, ORGANISATION),
    )
    admin, _ = make_account("site-admin", Role.ADMIN)
    tag = tagging.create_tag(admin, slug, "Opening hours")
    tagging.add_tag(admin, [response], tag)
    tagging.add_note(admin, response, "Check the branch figures.")
    colleague, _ = make_account("colleague", Role.READER)
    roles = consultation.settings.feedback.roles
    return Site(slug, "second", response, tag, colleague.pk, roles)


def https_settings() -> dict[str, Any]:
    """The settings that differ when SOUNDINGBOARD_HTTPS=1, read from settings.py itself."""
    spec = importlib.util.spec_from_file_location(
        "soundingboard._settings_over_https", settings_module.__file__
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    module.__package__ = "soundingboard"
    with mock.patch.dict(os.environ, {"SOUNDINGBOARD_HTTPS": "1"}):
        spec.loader.exec_module(module)
    return {
        name: getattr(module, name)
        for name in dir(module)
        if name.isupper()
        and getattr(module, name) != getattr(settings_module, name, None)
        and name != "DATABASES"
    }


def request_extra(scheme: str) -> dict[str, str]:
    """What a proxy adds to a request that reached it over HTTPS."""
    return {"HTTP_X_FORWARDED_PROTO": "https"} if scheme == "https" else {}
