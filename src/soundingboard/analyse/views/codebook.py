"""The codebook of one consultation: its tags, with how many responses have each, and
creating, renaming, merging and deleting them.

Anyone with a role may read it; only analysts and admins may change it (every view that
changes is `min_role=Role.ANALYST`), through `tagging`, which records every change.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from ...accounts.access import analyst_view, notify
from ...accounts.models import Role
from ...publish.consultation import Consultation
from ...publish.registry import get_consultation
from .. import tagging
from ..models import ResponseTag, Tag
from ..presentation.response_list import list_url
from ..presentation.workspace import by_posted_id, responses_count, workspace_context


@analyst_view
def codebook(request: HttpRequest, slug: str) -> HttpResponse:
    """The consultation's tags with how many responses have each."""
    return _render_codebook(request, get_consultation(slug), {})


@require_POST
@analyst_view(min_role=Role.ANALYST)
def codebook_create(request: HttpRequest, slug: str) -> HttpResponse:
    consultation = get_consultation(slug)
    try:
        tag = tagging.create_tag(request.user, slug, request.POST.get("name", ""))
    except tagging.TaggingError as error:
        return _render_codebook(request, consultation, {"new_tag": str(error)})
    notify(request, f"Tag “{tag.name}” created.")
    return redirect("analyse:codebook", slug)


def _render_codebook(
    request: HttpRequest,
    consultation: Consultation,
    errors: dict[str, str],
    tag: Tag | None = None,
) -> HttpResponse:
    """The codebook page; `errors` ("new_tag", "rename" or "merge": message) of `tag`."""
    slug = consultation.slug
    anchors = {"new_tag": "new-tag-name"}
    if tag is not None:
        anchors |= {"rename": f"rename-{tag.pk}", "merge": f"merge-{tag.pk}"}
    tags = (
        Tag.objects.filter(consultation=slug)
        .annotate(
            n=Count("response_tags"),
            accepted=Count("response_tags", filter=Q(response_tags__response__status="accepted")),
        )
        .order_by("name", "id")
    )
    # Each tag with the link to its responses. (A name of its own: `tag` is the one in error.)
    codebook = [(t, list_url(slug, urlencode([("tag", t.pk), ("status", "all")]))) for t in tags]
    records = list(tagging.codebook_history(slug)[:50])
    return render(
        request,
        "analyse/codebook.html",
        workspace_context(
            request,
            consultation,
            current="codebook",
            codebook=codebook,
            errors=errors,
            error_links=[(anchors[key], message) for key, message in errors.items()],
            error_tag_id=tag.pk if tag is not None else None,
            values=request.POST,
            history=[(r, *tagging.describe(r)) for r in records],
            trail=[("Codebook", "")],
        ),
        status=400 if errors else 200,
    )


@require_POST
@analyst_view(min_role=Role.ANALYST)
def codebook_rename(request: HttpRequest, slug: str, tag_id: int) -> HttpResponse:
    consultation = get_consultation(slug)
    tag = get_object_or_404(Tag, consultation=slug, pk=tag_id)
    before = tag.name
    try:
        changed = tagging.rename_tag(request.user, tag, request.POST.get("name", ""))
    except tagging.TaggingError as error:
        return _render_codebook(request, consultation, {"rename": str(error)}, tag)
    if changed:
        notify(request, f"Tag “{before}” renamed “{tag.name}”.")
    return redirect("analyse:codebook", slug)


@analyst_view(min_role=Role.ANALYST)
def codebook_merge(request: HttpRequest, slug: str, tag_id: int) -> HttpResponse:
    """Merge one tag into another: a confirmation page (GET, or POST without `confirm`),
    then the merge (POST with `confirm`)."""
    consultation = get_consultation(slug)
    source = get_object_or_404(Tag, consultation=slug, pk=tag_id)
    data = request.POST if request.method == "POST" else request.GET
    target = by_posted_id(Tag.objects.filter(consultation=slug), data.get("into"))
    if target is None or target.pk == source.pk:
        return _render_codebook(
            request, consultation, {"merge": "Choose a different tag to merge into"}, source
        )
    if request.method == "POST" and data.get("confirm") == "yes":
        n = tagging.merge_tags(request.user, source, target)
        notify(request, f"Tag “{source.name}” merged into “{target.name}” ({responses_count(n)}).")
        return redirect("analyse:codebook", slug)
    return render(
        request,
        "analyse/codebook_confirm.html",
        workspace_context(
            request,
            consultation,
            merge=True,
            tag=source,
            target=target,
            n=ResponseTag.objects.filter(tag=source).count(),
            both=ResponseTag.objects.filter(
                tag=source, response__response_tags__tag=target
            ).count(),
            action=reverse("analyse:codebook-merge", args=[slug, source.pk]),
        ),
    )


@analyst_view(min_role=Role.ANALYST)
def codebook_delete(request: HttpRequest, slug: str, tag_id: int) -> HttpResponse:
    """Delete a tag: a confirmation page (GET), then the deletion (POST)."""
    consultation = get_consultation(slug)
    tag = get_object_or_404(Tag, consultation=slug, pk=tag_id)
    if request.method == "POST":
        name = tag.name
        n = tagging.delete_tag(request.user, tag)
        notify(request, f"Tag “{name}” deleted and taken off {responses_count(n)}.")
        return redirect("analyse:codebook", slug)
    return render(
        request,
        "analyse/codebook_confirm.html",
        workspace_context(
            request,
            consultation,
            merge=False,
            tag=tag,
            n=ResponseTag.objects.filter(tag=tag).count(),
            action=reverse("analyse:codebook-delete", args=[slug, tag.pk]),
        ),
    )
