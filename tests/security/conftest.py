"""Fixtures of the security tests: the site (see `site.make_site`), a signed-in
administrator, and each test run as served over HTTP and over HTTPS."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import Client, override_settings

from soundingboard.accounts.models import Role
from tests.accounts.test_accounts import make_account, sign_in_verified
from tests.robustness.example_cache import example_read_once  # noqa: F401 - an autouse fixture

from .site import Site, https_settings, make_site


@pytest.fixture(autouse=True)
def _quick_password_hashes(settings) -> None:
    """Accounts are made for every test here; how passwords are hashed is tested elsewhere."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def site(tmp_path: Path, use_consultations, db) -> Site:
    return make_site(tmp_path, use_consultations)


@pytest.fixture
def signed_in(db) -> Callable[..., Client]:
    """A function that gives a new client signed in as a verified administrator."""
    admin, device = make_account("admin-signed-in", Role.ADMIN, two_factor=True)

    def client(**kwargs: Any) -> Client:
        new = Client(**kwargs)
        sign_in_verified(new, admin, device)
        return new

    return client


@pytest.fixture(params=["http", "https"])
def scheme(request) -> Iterator[str]:
    """Run as served over plain HTTP, then as SOUNDINGBOARD_HTTPS=1 behind a proxy that says
    the request came over HTTPS (send `site.request_extra(scheme)` with each request)."""
    if request.param == "http":
        yield "http"
        return
    with override_settings(**https_settings()):
        yield "https"
