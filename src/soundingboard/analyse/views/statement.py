"""The analyst workspace's accessibility statement: open to anyone, signed in or not, so that
it can be read before signing in. The consultations' own pages have theirs (publish.views)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from ...accounts.access import public_page


@require_safe
@public_page
def accessibility(request: HttpRequest) -> HttpResponse:
    return render(request, "analyse/accessibility.html")
