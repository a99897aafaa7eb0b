"""The worker's task that reads an attached document's text (`queue_reading`, called in the
transaction that stores the response).

The reading runs in a child process (`collect.document_reader`) limited to `CPU_SECONDS` of
CPU time and `MEMORY_BYTES` of memory, and killed after `WALL_SECONDS`: a hostile or broken
file ends with a message kept for analysts on the attachment (shown on the response page),
never with the worker stopped. The text is kept on the attachment, and added to the
response's search entry (`search_index`), themes and exports, marked as from an attachment.
"""

from __future__ import annotations

import logging
import resource
import subprocess
import sys

from django.db import transaction
from django_tasks import task

from .attachments import path_of
from .models import Attachment, Response

logger = logging.getLogger(__name__)

CPU_SECONDS = 30
WALL_SECONDS = 60
MEMORY_BYTES = 512 * 1024 * 1024
# Text kept from one document: about a long report's worth.
TEXT_LIMIT = 1_000_000
TOO_COSTLY = (
    "Reading the document's text took too long or needed too much memory, so it was "
    "stopped. The document may be damaged or made to cause harm."
)


def queue_reading(attachment_id: int) -> None:
    """Queue the reading of this attachment's text (call inside the storing transaction)."""
    read_attachment.enqueue(attachment_id)


def _limit_child() -> None:  # runs in the child, before the reader starts
    resource.setrlimit(resource.RLIMIT_CPU, (CPU_SECONDS, CPU_SECONDS))
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_BYTES, MEMORY_BYTES))


def read_text(kind: str, path: str) -> tuple[str, str]:
    """(text, problem) of one document, read in a limited child process."""
    try:
        finished = subprocess.run(
            [sys.executable, "-m", "soundingboard.collect.document_reader", kind, path],
            capture_output=True,
            timeout=WALL_SECONDS,
            preexec_fn=_limit_child,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return "", TOO_COSTLY
    if finished.returncode == 2:
        return "", finished.stderr.decode("utf-8", "replace")[:2000]
    if finished.returncode != 0:
        logger.warning("Reading %s ended with %s", path, finished.returncode)
        return "", TOO_COSTLY
    return finished.stdout.decode("utf-8", "replace")[:TEXT_LIMIT], ""


def marked(attachment: Attachment) -> str:
    """An attachment's text as it joins the response's: headed as from the attachment."""
    return f"[From the attached document “{attachment.name}”]\n{attachment.text}"


def join_to_response(response_id: int) -> None:
    """Put the text of every attachment read so far on the response, where the search index,
    themes and exports find it (`Response.attachment_text`)."""
    read = Attachment.objects.filter(response_id=response_id).exclude(text="")
    Response.objects.filter(pk=response_id).update(
        attachment_text="\n\n".join(marked(a) for a in read)
    )


@task()
def read_attachment(attachment_id: int) -> str:
    """Read one attachment's text and keep it (or why it could not be read)."""
    attachment = Attachment.objects.filter(pk=attachment_id).first()
    if attachment is None:
        return "not read: the attachment was erased"
    text, problem = read_text(attachment.kind, str(path_of(attachment)))
    with transaction.atomic():
        Attachment.objects.filter(pk=attachment_id).update(
            text=text.replace("\x00", ""),
            problem=problem,
            text_status=Attachment.TextStatus.FAILED if problem else Attachment.TextStatus.READ,
        )
        join_to_response(attachment.response_id)
    return f"not read: {problem}" if problem else f"read {len(text)} characters"
