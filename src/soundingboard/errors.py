"""Error pages that say what happened in plain words and leak nothing about the server.

Under `/api/` the same errors are answered in JSON, in the intake API's shape
(`{"errors": {"": ["..."]}}`), since what reads them there is a script, not a person.
"""

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from .publish.registry import get_registry

API_PREFIX = "/api/"
SERVER_ERROR = (
    "Sorry, there is a problem with the service. Your feedback may not have been saved: "
    "send it again later."
)
NOT_FOUND = "There is nothing at this address"


def _api_error(request: HttpRequest, status: int, message: str) -> HttpResponse | None:
    """The error in JSON for an address under /api/, else None."""
    if not request.path.startswith(API_PREFIX):
        return None
    from .collect.api import errors  # the API's own shape; imported late, as Django loads

    return errors(status, {"": [message]})


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """A request Django could not read: a form far over the size limit (413), too many
    fields, an unknown host name and the like (400)."""
    if isinstance(exception, RequestDataTooBig):
        if request.path.startswith(API_PREFIX):
            from .collect.api import too_large

            return too_large()
        return render(request, "errors/413.html", status=413)
    return _api_error(request, 400, "The request could not be read") or render(
        request, "errors/400.html", status=400
    )


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    # Inside a consultation the page keeps its header and footer (privacy notice,
    # accessibility statement): the address says which consultation, never anything else.
    if api := _api_error(request, 404, NOT_FOUND):
        return api
    registry = get_registry()
    consultation = registry.single or registry.get(request.path.strip("/").split("/")[0])
    return render(request, "errors/404.html", {"consultation": consultation}, status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    return _api_error(request, 500, SERVER_ERROR) or render(request, "errors/500.html", status=500)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return render(request, "errors/403_csrf.html", status=403)
