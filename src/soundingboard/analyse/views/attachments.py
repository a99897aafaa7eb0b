"""Downloading a document attached to a response, after a confirmation step.

Anyone who may read responses may download one: first a page that says where the document
came from and asks them to confirm (GET), then the download itself (POST, with the CSRF
token), recorded in the audit log. Documents are never served any other way.
"""

from __future__ import annotations

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from ...accounts import audit
from ...accounts.access import analyst_view
from ...collect.attachments import path_of
from ...collect.models import Attachment
from ...publish.registry import get_consultation
from ..presentation.response_list import list_url, response_url
from ..presentation.workspace import workspace_context

CONTENT_TYPES = {
    Attachment.Kind.PDF: "application/pdf",
    Attachment.Kind.DOCX: (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    ),
    Attachment.Kind.ODT: "application/vnd.oasis.opendocument.text",
}


@analyst_view
def attachment_download(
    request: HttpRequest, slug: str, reference: str, attachment_id: int
) -> HttpResponse:
    consultation = get_consultation(slug)
    attachment = get_object_or_404(
        Attachment.objects.select_related("response"),
        pk=attachment_id,
        response__consultation=slug,
        response__reference=reference,
    )
    if request.method != "POST":
        back = response_url(slug, reference, "")
        return render(
            request,
            "analyse/attachment_confirm.html",
            workspace_context(
                request,
                consultation,
                current="responses",
                attachment=attachment,
                response=attachment.response,
                back_url=back,
                trail=[
                    ("Responses", list_url(slug, "")),
                    (reference, back),
                    ("Download a document", ""),
                ],
            ),
        )
    path = path_of(attachment)
    if not path.exists():
        raise Http404("The document is no longer kept")
    audit.record(
        request,
        audit.Action.DOCUMENT_DOWNLOADED,
        consultation=slug,
        detail={"response": reference, "attachment": attachment.pk},
    )
    reply = FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=attachment.name,
        content_type=CONTENT_TYPES[Attachment.Kind(attachment.kind)],
    )
    reply["X-Content-Type-Options"] = "nosniff"
    reply["Cache-Control"] = "private, no-store"
    return reply  # type: ignore[return-value]  # streamed; analyst_view passes it on as it is
