"""Error pages that say what happened in plain words and leak nothing about the server.

Under `/-/api/` the same errors are answered in JSON, in the intake API's shape
(`{"errors": {"": ["..."]}}`, made by `json_errors`), since what reads them there is a script,
not a person.

A 404 inside a consultation keeps the consultation's header and footer: the publish app
tells this module which consultation an address belongs to (`set_page_context`), so that
the core needs nothing from the apps built on it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from .addresses import is_api_address

# The most a request to an address of the API may carry.
API_MAX_BODY_BYTES = 64 * 1024
SERVER_ERROR = (
    "Sorry, there is a problem with the service. Your feedback may not have been saved: "
    "send it again later."
)
NOT_FOUND = "There is nothing at this address"
_JSON = {"ensure_ascii": False}

PageContext = Callable[[HttpRequest], dict[str, Any]]
_page_context: PageContext | None = None


def set_page_context(provider: PageContext) -> None:
    """What the 404 page is given for an address (the consultation it is in, if any)."""
    global _page_context
    _page_context = provider


def json_errors(status: int, messages: dict[str, list[str]], **headers: str) -> JsonResponse:
    """Errors in the API's shape: `{"errors": {field: [message, ...]}}`, never cached.
    Header names are given with underscores for hyphens (`Retry_After="60"`)."""
    reply = JsonResponse({"errors": messages}, status=status, json_dumps_params=_JSON)
    for name, value in headers.items():
        reply[name.replace("_", "-")] = value
    reply["Cache-Control"] = "no-store"
    return reply


def too_large() -> JsonResponse:
    return json_errors(413, {"": [f"The body must be {API_MAX_BODY_BYTES // 1024} KiB or smaller"]})


def _api_error(request: HttpRequest, status: int, message: str) -> HttpResponse | None:
    """The error in JSON for an address of the API, else None."""
    if not is_api_address(request.path):
        return None
    return json_errors(status, {"": [message]})


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """A request Django could not read: a form far over the size limit (413), too many
    fields, an unknown host name and the like (400)."""
    if isinstance(exception, RequestDataTooBig):
        if is_api_address(request.path):
            return too_large()
        return render(request, "errors/413.html", status=413)
    return _api_error(request, 400, "The request could not be read") or render(
        request, "errors/400.html", status=400
    )


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if api := _api_error(request, 404, NOT_FOUND):
        return api
    context = _page_context(request) if _page_context is not None else {}
    return render(request, "errors/404.html", context, status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    return _api_error(request, 500, SERVER_ERROR) or render(request, "errors/500.html", status=500)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return render(request, "errors/403_csrf.html", status=403)
