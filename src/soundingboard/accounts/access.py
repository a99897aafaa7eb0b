"""Who may open which analyst page: roles, two-factor authentication, session time-outs.

Roles (`Role`, each may do everything the one before it may):
- reader: everything in a consultation except respondents' personal data;
- analyst: everything in a consultation, personal data included;
- admin: what an analyst can, and accounts, settings and erasure.

Every analyst page is a view wrapped in `analyst_view`:

    from soundingboard.accounts.access import Role, analyst_view

    @analyst_view                              # any role: reader, analyst, admin
    def overview(request, slug): ...

    @analyst_view(min_role=Role.ANALYST)       # analysts and admins only
    def contact_details(request, slug): ...

`analyst_view(view=None, *, min_role=Role.READER)` lets a request through only when:
1. someone is signed in (otherwise: redirect to the sign-in page, then back);
2. their account is active and has a role (otherwise: 403);
3. they have completed two-factor authentication in this session, when their role requires
   it (admin, analyst) or they have set it up (readers may): otherwise they are sent to set
   it up or to enter a code, then back;
4. they have replaced a one-time password an administrator gave them (otherwise: sent to
   choose a password);
5. their role is `min_role` or above (otherwise: 403 with a plain page saying so), and, for
   pages for administrators only, their account is not limited to some consultations;
6. when the view is called with a `slug`, their account may see that consultation
   (otherwise: 404, as for a consultation that does not exist).
Every response it returns is marked `Cache-Control: no-store` (Django's `never_cache`) and
`X-Robots-Tag: noindex, nofollow`. A class-based view gets the same with `AnalystViewMixin`
and its `min_role` attribute.

Inside a view, decide what to show with:
- `role_of(user) -> str | None`: "reader", "analyst", "admin", or None (no access);
- `can_see_personal_data(user) -> bool`: analysts and admins;
- `can_admin(user) -> bool`: admins;
- `has_role(user, min_role) -> bool`;
- `may_see_consultation(user, slug) -> bool` and `visible_consultations(user, slugs)`, for
  lists that span consultations (the workspace's home page), see `consultations`.
These look at the role only; `analyst_view` has already checked two-factor authentication.
`account_of(request) -> User` is the account of a request `analyst_view` let through.
Record personal-data views and exports with `soundingboard.accounts.audit.record`.

`notify(request, text)` shows `text` once, in a green banner, on the next analyst page (say,
after a redirect).

Also here: `AnalystSessionMiddleware` (idle and absolute session time-outs, and sessions
ended by an administrator). The role checks
live in `roles`, sign-in throttling in `throttle`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import REDIRECT_FIELD_NAME, SESSION_KEY, logout
from django.contrib.auth.models import User
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import Resolver404, resolve
from django.utils.cache import add_never_cache_headers
from django.utils.http import url_has_allowed_host_and_scheme, urlencode

from . import audit
from .consultations import limits_of, may_see_consultation, visible_consultations
from .models import Role
from .roles import (
    RANK,
    can_admin,
    can_see_personal_data,
    has_role,
    has_two_factor_device,
    is_two_factor_verified,
    must_change_password,
    needs_two_factor,
    role_of,
)

__all__ = [
    "AnalystSessionMiddleware",
    "AnalystViewMixin",
    "Role",
    "analyst_view",
    "can_admin",
    "can_see_personal_data",
    "has_role",
    "may_see_consultation",
    "notify",
    "role_of",
    "visible_consultations",
]

# Session keys.
SIGNED_IN_AT = "sb_signed_in_at"
LAST_SEEN = "sb_last_seen"
SIGNED_OUT_REASON = "sb_signed_out_reason"
NOTICE = "sb_notice"
SESSION_GENERATION = "sb_generation"
LAST_SEEN_RESOLUTION = 60  # seconds: the session is saved at most once a minute for this


# Views -------------------------------------------------------------------------------------


def private_page(response: HttpResponse) -> HttpResponse:
    """Mark a response as never to be cached nor indexed."""
    add_never_cache_headers(response)
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def forbidden(
    request: HttpRequest, role: str | None = None, *, limited: bool = False
) -> HttpResponse:
    return render(
        request,
        "accounts/forbidden.html",
        {"role": Role(role).label.lower() if role else None, "limited": limited},
        status=403,
    )


def account_of(request: HttpRequest) -> User:
    """The account of a request that `analyst_view` let through: always a signed-in User."""
    user = request.user
    assert isinstance(user, User), "only for views wrapped in analyst_view"
    return user


def safe_next(request: HttpRequest, default: str = "analyse:home") -> str:
    """Where to go after a step of signing in: the `next` address if it is an analyst page
    of this site, or `default`."""
    target = request.POST.get(REDIRECT_FIELD_NAME) or request.GET.get(REDIRECT_FIELD_NAME, "")
    if (
        target.startswith("/")
        and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
        and _is_analyst_page(urlsplit(target).path)
    ):
        return target
    return resolve_url(default) if default else ""


def _is_analyst_page(path: str) -> bool:
    try:
        return resolve(path).namespace == "analyse"
    except Resolver404:
        return False


def with_next(url_name: str, next_url: str) -> str:
    url = resolve_url(url_name)
    return f"{url}?{urlencode({REDIRECT_FIELD_NAME: next_url})}" if next_url else url


def gate(
    request: HttpRequest,
    min_role: str = Role.READER,
    *,
    allow_unverified: bool = False,
    allow_password_change: bool = False,
) -> HttpResponse | None:
    """None when the request may go on to the view; otherwise the response to send instead.
    (`allow_*` are for the sign-in steps themselves.)"""
    user = request.user
    if not user.is_authenticated:
        return redirect_to_login(request.get_full_path(), resolve_url(settings.LOGIN_URL))
    role = role_of(user)
    if role is None:
        return forbidden(request)
    if not allow_unverified and needs_two_factor(user) and not is_two_factor_verified(user):
        step = "analyse:two-factor" if has_two_factor_device(user) else "analyse:two-factor-set-up"
        return redirect(with_next(step, request.get_full_path()))
    if not allow_password_change and must_change_password(user):
        return redirect(with_next("analyse:password", request.get_full_path()))
    if RANK[role] < RANK[min_role]:
        return forbidden(request, role)
    if min_role == Role.ADMIN and limits_of(user):
        return forbidden(request, role, limited=True)
    return None


def analyst_view(
    view: Callable[..., HttpResponse] | None = None,
    *,
    min_role: str = Role.READER,
    allow_unverified: bool = False,
    allow_password_change: bool = False,
) -> Any:
    """Wrap a view so that only signed-in accounts of `min_role` or above, with two-factor
    authentication where needed, reach it; see the module's docstring."""
    if min_role not in RANK:
        raise ValueError(f"min_role must be one of {', '.join(RANK)}")

    def decorate(function: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(function)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            refused = gate(
                request,
                min_role,
                allow_unverified=allow_unverified,
                allow_password_change=allow_password_change,
            )
            if refused is not None:
                return private_page(refused)
            if "slug" in kwargs and not may_see_consultation(request.user, kwargs["slug"]):
                raise Http404("No such consultation")  # as for one that does not exist
            request.analyst_notice = request.session.pop(NOTICE, "")  # type: ignore[attr-defined]  # for the templates
            # The role, for the page's navigation: empty until every sign-in step is done.
            signed_in = not must_change_password(request.user) and (
                is_two_factor_verified(request.user) or not needs_two_factor(request.user)
            )
            request.analyst_role = role_of(request.user) if signed_in else ""  # type: ignore[attr-defined]  # for the templates
            # Limited to some consultations: no links to the pages that span them all.
            request.analyst_limited = bool(limits_of(request.user))  # type: ignore[attr-defined]  # for the templates
            return private_page(function(request, *args, **kwargs))

        return wrapped

    return decorate(view) if view is not None else decorate


class AnalystViewMixin:
    """`analyst_view` for class-based views: set `min_role` on the class."""

    min_role: str = Role.READER

    @classmethod
    def as_view(cls, **initkwargs: Any) -> Callable[..., HttpResponse]:
        view = super().as_view(**initkwargs)  # type: ignore[misc]  # the View it is mixed into has it
        return analyst_view(view, min_role=cls.min_role)


def public_page(function: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The sign-in page and the like: open to anyone, but never cached nor indexed."""

    @wraps(function)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return private_page(function(request, *args, **kwargs))

    return wrapped


def notify(request: HttpRequest, text: str) -> None:
    """Show `text` once, on the next analyst page."""
    request.session[NOTICE] = text


# Sessions ----------------------------------------------------------------------------------


def start_session(request: HttpRequest) -> None:
    """Call right after `django.contrib.auth.login`."""
    now = time.time()
    request.session[SIGNED_IN_AT] = now
    request.session[LAST_SEEN] = now
    request.session[SESSION_GENERATION] = _generation(request.user)


def _generation(user: Any) -> int:
    profile = getattr(user, "analyst_profile", None)
    return profile.session_generation if profile is not None else 0


class AnalystSessionMiddleware:
    """Signs out an analyst after SOUNDINGBOARD_SESSION_IDLE_SECONDS without a request, and
    SESSION_COOKIE_AGE after they signed in, whatever they have done since; and at once when
    their sessions were ended (`services.end_sessions`: say, the account was deactivated), so
    that an old cookie does not work again when the account is reactivated.

    Django's own expiry slides with every save of the session, so it cannot end a session at
    a fixed time; this can. Goes after AuthenticationMiddleware (and OTPMiddleware).

    It also marks every answer under the workspace's address as private (`private_page`),
    those that no view wrapped in `analyst_view` gave as well: a 404 or a 405, say."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = getattr(request, "session", None)
        # Without a session cookie there is nothing to check, and looking would mark the
        # answer as varying with cookies, so that no cache could share it.
        has_cookie = settings.SESSION_COOKIE_NAME in request.COOKIES
        if session is not None and has_cookie and SESSION_KEY in session:
            self._check(request, time.time())
        response = self.get_response(request)
        if request.path_info.startswith(resolve_url("analyse:home")):
            private_page(response)
        return response

    def _check(self, request: HttpRequest, now: float) -> None:
        session = request.session
        started = session.get(SIGNED_IN_AT)
        last_seen = session.get(LAST_SEEN)
        if not isinstance(started, int | float):
            # Signed in some other way than the sign-in page (Django's test client's
            # force_login, say): the session's time starts now.
            session[SIGNED_IN_AT] = started = now
        reason = ""
        user = request.user
        if user.is_authenticated and session.get(SESSION_GENERATION, 0) != _generation(user):
            reason = "ended"
        elif now - started > settings.SESSION_COOKIE_AGE:
            reason = "expired"
        elif (
            isinstance(last_seen, int | float)
            and now - last_seen > settings.SOUNDINGBOARD_SESSION_IDLE_SECONDS
        ):
            reason = "idle"
        if reason:
            if user.is_authenticated:
                audit.record(user, audit.Action.SESSION_EXPIRED, detail={"reason": reason})
            logout(request)
            request.session[SIGNED_OUT_REASON] = reason
        elif not isinstance(last_seen, int | float) or now - last_seen >= LAST_SEEN_RESOLUTION:
            session[LAST_SEEN] = now
