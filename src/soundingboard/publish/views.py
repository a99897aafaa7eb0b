"""Pages of a consultation: the paper itself, search, the privacy notice, the accessibility
statement and files."""

from __future__ import annotations

import mimetypes
from pathlib import Path
from typing import Any

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from .markdown_text import render_plain_markdown
from .registry import get_consultation, get_registry
from .search import MAX_QUERY_LENGTH, search

# Files beside the pages that may be served; Markdown sources and settings are not among them.
SERVED_SUFFIXES = frozenset(
    {
        ".png",
        ".jpg",
        ".jpeg",
        ".gif",
        ".svg",
        ".webp",
        ".avif",
        ".pdf",
        ".csv",
        ".txt",
        ".docx",
        ".xlsx",
        ".odt",
        ".ods",
        ".pptx",
        ".mp3",
        ".mp4",
        ".webm",
        ".vtt",
    }
)
FILE_MAX_AGE = 60 * 60  # files keep their names when edited, so they are cached for an hour


@require_safe
def index(request: HttpRequest) -> HttpResponse:
    """The list of consultations, when an instance serves several."""
    registry = get_registry()
    return render(request, "publish/index.html", {"consultations": registry.consultations.values()})


@require_safe
def search_view(request: HttpRequest, slug: str) -> HttpResponse:
    consultation = get_consultation(slug)
    query = request.GET.get("q", "")[:MAX_QUERY_LENGTH].strip()
    hits = search(consultation, query) if query else []
    return render(
        request,
        "publish/search.html",
        {"consultation": consultation, "query": query, "hits": hits},
    )


@require_safe
def privacy(request: HttpRequest, slug: str) -> HttpResponse:
    consultation = get_consultation(slug)
    notice = consultation.settings.privacy_notice
    return render(
        request,
        "publish/privacy.html",
        {
            "consultation": consultation,
            "notice": render_plain_markdown(notice) if notice else "",
        },
    )


@require_safe
def accessibility(request: HttpRequest, slug: str) -> HttpResponse:
    """The accessibility statement: how the site was tested, what is known not to work, and
    whom to tell about a problem."""
    consultation = get_consultation(slug)
    context = {"consultation": consultation, "feedback_open": consultation.is_open(timezone.now())}
    return render(request, "publish/accessibility.html", context)


@require_safe
def file(request: HttpRequest, slug: str, file_path: str) -> FileResponse:
    consultation = get_consultation(slug)
    if "\x00" in file_path:  # no file has one, and the operating system refuses to look
        raise Http404("No such file")
    target = (consultation.docs_dir / file_path).resolve()
    if (
        target not in consultation.files  # only what a page links to or shows
        or not target.is_relative_to(consultation.docs_dir)
        or target.suffix.lower() not in SERVED_SUFFIXES
        or not target.is_file()
        # Hidden, as asked for or where a link leads.
        or any(part.startswith(".") for part in Path(file_path).parts)
        or any(part.startswith(".") for part in target.relative_to(consultation.docs_dir).parts)
    ):
        raise Http404("No such file")
    content_type = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
    response = FileResponse(target.open("rb"), content_type=content_type)
    response["Cache-Control"] = f"public, max-age={FILE_MAX_AGE}"
    if target.suffix.lower() == ".svg":
        # An SVG may carry script: never let it run in our origin.
        response["Content-Security-Policy"] = (
            "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; sandbox"
        )
    return response


def not_found_context(request: HttpRequest) -> dict[str, Any]:
    """For the 404 page: inside a consultation it keeps the consultation's header and footer
    (privacy notice, accessibility statement). The address says which consultation, never
    anything else."""
    registry = get_registry()
    consultation = registry.single or registry.get(request.path.strip("/").split("/")[0])
    return {"consultation": consultation}
