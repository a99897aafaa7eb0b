"""Documents attached to page feedback: what kind each is, judged from its content, and
where it is kept.

The kind is read from the file's bytes, never its name: a PDF starts `%PDF-`; a DOCX or an
ODT is a ZIP archive whose members say what it holds (`[Content_Types].xml` naming a
wordprocessingml document, or a `mimetype` member of `application/vnd.oasis.opendocument.
text`). Anything else, such as a program renamed `report.pdf`, is refused.

Files are kept in the data directory's `attachments` folder (0700, each file 0600), named
by a random id, never under the static files or a consultation's folder, and served only to
analysts who may read responses (analyse.views.attachments). A file is removed from disk
when its record is deleted, with its response or by an erasure, once that is committed.
"""

from __future__ import annotations

import logging
import os
import zipfile
from pathlib import Path
from typing import IO

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver

from ..core.data_dir import DIRECTORY_MODE, FILE_MODE
from .models import Attachment

logger = logging.getLogger(__name__)

FOLDER = "attachments"
ODT_MIMETYPE = b"application/vnd.oasis.opendocument.text"
DOCX_CONTENT_TYPE = b"application/vnd.openxmlformats-officedocument.wordprocessingml"
# The members read to tell a DOCX or ODT: small files; a larger one is not what it claims.
MEMBER_LIMIT = 1 << 20
NOT_A_DOCUMENT = "The selected file must be a PDF, DOCX or ODT document"


def folder() -> Path:
    """The private folder of attached documents, made (0700) if need be."""
    path = Path(settings.DATA_DIR) / FOLDER
    path.mkdir(mode=DIRECTORY_MODE, parents=True, exist_ok=True)
    os.chmod(path, DIRECTORY_MODE)
    return path


def path_of(attachment: Attachment) -> Path:
    """Where an attachment's file is kept."""
    return Path(settings.DATA_DIR) / FOLDER / attachment.file_id


def kind_of(handle: IO[bytes]) -> str | None:
    """The kind of document (an `Attachment.Kind` value) these bytes are, or None."""
    handle.seek(0)
    start = handle.read(8)
    handle.seek(0)
    if start.startswith(b"%PDF-"):
        return Attachment.Kind.PDF
    if not start.startswith(b"PK\x03\x04"):
        return None
    try:
        with zipfile.ZipFile(handle) as archive:
            names = set(archive.namelist())
            if "mimetype" in names and _member(archive, "mimetype").strip() == ODT_MIMETYPE:
                return Attachment.Kind.ODT
            if "[Content_Types].xml" in names and DOCX_CONTENT_TYPE in _member(
                archive, "[Content_Types].xml"
            ):
                return Attachment.Kind.DOCX
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError):
        return None
    finally:
        handle.seek(0)
    return None


def _member(archive: zipfile.ZipFile, name: str) -> bytes:
    if archive.getinfo(name).file_size > MEMBER_LIMIT:
        return b""
    with archive.open(name) as member:
        return member.read(MEMBER_LIMIT)


def save(upload: UploadedFile, kind: str) -> Attachment:
    """Write an uploaded document to the private folder; returns its unsaved record (the
    caller stores it with the response). The file is written before the response is stored:
    a file left by a failed store is never linked, and is harmless."""
    attachment = Attachment(
        name=(upload.name or "document")[:255], kind=kind, size=upload.size or 0
    )
    target = folder() / attachment.file_id
    descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    with os.fdopen(descriptor, "wb") as handle:
        for chunk in upload.chunks():
            handle.write(chunk)
    return attachment


def remove_file(attachment: Attachment) -> None:
    """Delete an attachment's file from disk (if it is there)."""
    path_of(attachment).unlink(missing_ok=True)


@receiver(post_delete, sender=Attachment)
def _remove_with_record(sender: type[Attachment], instance: Attachment, **kwargs: object) -> None:
    # Only once the deletion is committed: a rolled-back erasure keeps the file.
    transaction.on_commit(lambda: remove_file(instance))
