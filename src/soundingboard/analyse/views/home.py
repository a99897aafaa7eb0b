"""The workspace's home page: the consultations, with how many responses each has."""

from __future__ import annotations

from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from ...accounts.access import analyst_view, may_see_consultation
from ...collect.models import Response
from ...publish.registry import get_registry


@analyst_view
def home(request: HttpRequest) -> HttpResponse:
    """The consultations, with how many responses each has (and how many were kept aside as
    suspected spam)."""
    counts: dict[tuple[str, str], int] = {
        (row["consultation"], row["status"]): row["n"]
        for row in Response.objects.values("consultation", "status").annotate(n=Count("id"))
    }
    base = reverse("analyse:home")
    rows = [
        {
            "title": c.title,
            "slug": c.slug,
            "url": f"{base}{c.slug}/",
            "accepted": counts.get((c.slug, Response.Status.ACCEPTED), 0),
            "spam": counts.get((c.slug, Response.Status.SPAM), 0),
        }
        for c in sorted(get_registry().consultations.values(), key=lambda c: c.title.casefold())
        if may_see_consultation(request.user, c.slug)
    ]
    return render(request, "analyse/home.html", {"consultations": rows, "nav": "consultations"})
