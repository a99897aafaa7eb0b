"""Reads the text out of one attached document, in a process of its own.

`python -m soundingboard.collect.document_reader KIND PATH` writes the text to stdout, or a
message for analysts to stderr with exit status 2. `collect.attachment_text` runs it with
limits on CPU time and memory, so that a hostile file (a zip bomb, a PDF that loops) ends
this process and never the worker.
"""

from __future__ import annotations

import sys
import zipfile
from pathlib import Path

from defusedxml import ElementTree  # type: ignore[import-untyped]  # no stubs shipped

# A DOCX or ODT whose members would unpack to more than this is refused before reading.
UNPACKED_LIMIT = 200 * 1024 * 1024
# More than this ratio of unpacked to packed size is a zip bomb, not a document.
RATIO_LIMIT = 200
TEXT_NS = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"


class Unreadable(Exception):
    """The document cannot be read; the message says why, for analysts."""


def read(kind: str, path: Path) -> str:
    """The text of a document of this kind (`Attachment.Kind`)."""
    if kind == "pdf":
        return _pdf(path)
    _check_archive(path)
    return _docx(path) if kind == "docx" else _odt(path)


def _pdf(path: Path) -> str:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(path)
        if reader.is_encrypted:
            raise Unreadable("The PDF is protected by a password, so its text cannot be read.")
        return "\n\n".join(page.extract_text() or "" for page in reader.pages).strip()
    except Unreadable:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError) as error:
        raise Unreadable(
            f"The PDF is damaged or not a PDF its text can be read from ({error})."
        ) from None


def _check_archive(path: Path) -> None:
    try:
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile as error:
        raise Unreadable(f"The document is damaged ({error}).") from None
    packed = max(path.stat().st_size, 1)
    if unpacked > UNPACKED_LIMIT or unpacked / packed > RATIO_LIMIT:
        raise Unreadable(
            "The document would unpack to far more than its size (a “zip bomb”), so it was "
            "not read. Open it only if you trust where it came from."
        )


def _docx(path: Path) -> str:
    import docx

    try:
        document = docx.Document(str(path))
    except Exception as error:  # python-docx raises many kinds for a damaged file
        raise Unreadable(f"The Word document is damaged ({error}).") from None
    parts = [paragraph.text for paragraph in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.append(" | ".join(cell.text for cell in row.cells))
    return "\n".join(part for part in parts if part.strip()).strip()


def _odt(path: Path) -> str:
    try:
        with zipfile.ZipFile(path) as archive, archive.open("content.xml") as content:
            root = ElementTree.parse(content).getroot()
    except (KeyError, zipfile.BadZipFile, ElementTree.ParseError) as error:
        raise Unreadable(f"The OpenDocument file is damaged ({error}).") from None
    except Exception as error:  # defusedxml refuses entities and external references
        raise Unreadable(f"The OpenDocument file could not be read safely ({error}).") from None
    paragraphs = [
        "".join(element.itertext())
        for element in root.iter()
        if element.tag in (f"{{{TEXT_NS}}}p", f"{{{TEXT_NS}}}h")
    ]
    return "\n".join(p for p in paragraphs if p.strip()).strip()


def main(argv: list[str]) -> int:
    kind, path = argv[1], Path(argv[2])
    try:
        text = read(kind, path)
    except Unreadable as problem:
        sys.stderr.write(str(problem))
        return 2
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
