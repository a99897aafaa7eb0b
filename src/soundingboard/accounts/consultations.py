"""Which consultations an account may see.

An instance may serve several organisations' consultations, and an account can be limited to
some of them (`AnalystProfile.consultations`, a list of slugs; empty: every consultation).
`access.analyst_view` refuses, with "Page not found", any view called with a `slug` the
account may not see, so that the refusal says nothing about which consultations exist. Lists
that span consultations filter themselves with `visible_consultations`.

An administrator limited to some consultations is an administrator only inside them: the
pages that span the whole instance (accounts, the audit log, erasure) need an administrator
with no limit.

This app knows nothing of consultations itself: the app that serves them hands over a way to
list them (slug and title) with `provide_consultations`, in its `AppConfig.ready`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

_source: list[Callable[[], dict[str, str]]] = []


def provide_consultations(source: Callable[[], dict[str, str]]) -> None:
    """Say how to list the instance's consultations: a function giving {slug: title}."""
    _source[:] = [source]


def all_consultations() -> dict[str, str]:
    """Every consultation the instance serves, {slug: title}, by title."""
    found = _source[0]() if _source else {}
    return dict(sorted(found.items(), key=lambda item: item[1].casefold()))


def consultation_titles(slugs: list[str]) -> list[str]:
    """The consultations' titles (their slugs where there is none now), for showing a limit."""
    titles = all_consultations()
    return [titles.get(slug, slug) for slug in slugs]


def limits_of(user: Any) -> list[str]:
    """The slugs the account is limited to; empty when it may see every consultation."""
    profile = getattr(user, "analyst_profile", None)
    limits = getattr(profile, "consultations", None) or []
    return [str(slug) for slug in limits]


def may_see_consultation(user: Any, slug: str) -> bool:
    limits = limits_of(user)
    return not limits or slug in limits


def visible_consultations(user: Any, slugs: Iterable[str]) -> list[str]:
    """The slugs, in their order, less those the account may not see."""
    limits = limits_of(user)
    return [slug for slug in slugs if not limits or slug in limits]
