"""Error pages that say what happened in plain words and leak nothing about the server."""

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from .publish.registry import get_registry


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """A request Django could not read: a form far over the size limit (413), too many
    fields, an unknown host name and the like (400)."""
    if isinstance(exception, RequestDataTooBig):
        return render(request, "errors/413.html", status=413)
    return render(request, "errors/400.html", status=400)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    # Inside a consultation the page keeps its header and footer (privacy notice,
    # accessibility statement): the address says which consultation, never anything else.
    registry = get_registry()
    consultation = registry.single or registry.get(request.path.strip("/").split("/")[0])
    return render(request, "errors/404.html", {"consultation": consultation}, status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    return render(request, "errors/500.html", status=500)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return render(request, "errors/403_csrf.html", status=403)
