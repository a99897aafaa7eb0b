"""Cross-site request forgery defence for a public form that needs no per-visitor token.

Django's CSRF protection pairs a cookie with a token in the form, so a page carrying it is
different for every visitor and sets a cookie: it cannot be cached and shared. A public
feedback form protects nothing of the visitor's (its visit cookie is SameSite=Lax, so a
cross-site POST never carries it), but a forged POST would still let another site make its
visitors' browsers send feedback from their addresses, past the rate limit. Every browser in
use says where a POST comes from (`Origin`, and `Sec-Fetch-Site`), so this checks those, as
Django's own middleware does first: a POST another site made is refused; one with neither
header comes from no browser, and could as well have been sent directly.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from .errors import csrf_failure

# What Sec-Fetch-Site says of a request the user made on this site, or typed in themselves.
_OWN_FETCH_SITES = {"same-origin", "none"}


def same_origin(request: HttpRequest) -> bool:
    """Whether nothing in the request says another site made it."""
    own = f"{'https' if request.is_secure() else 'http'}://{request.get_host()}"
    trusted = {own, *settings.CSRF_TRUSTED_ORIGINS}
    origin = request.headers.get("Origin")
    if origin is not None:
        return origin in trusted  # "null" too is refused: a sandboxed or opaque origin
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site is not None:
        return fetch_site in _OWN_FETCH_SITES
    referer = request.headers.get("Referer")
    if referer:
        parts = urlsplit(referer)
        return f"{parts.scheme}://{parts.netloc}" in trusted
    return True


def same_origin_post(
    view: Callable[..., HttpResponse],
) -> Callable[..., HttpResponse]:
    """Django's CSRF token check replaced by `same_origin` for this view's POSTs, so that the
    form it shows carries no token and no cookie (see the module's docstring)."""

    @wraps(view)
    def checked(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        if request.method == "POST" and not same_origin(request):
            return csrf_failure(request, "sent from another site")
        return view(request, *args, **kwargs)

    exempt = csrf_exempt(checked)
    exempt.same_origin_only = True  # type: ignore[attr-defined]
    return exempt
