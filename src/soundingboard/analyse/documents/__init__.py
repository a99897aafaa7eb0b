"""The report on a consultation as files to download or publish: a tagged PDF (`pdf`) and an
editable Word document (`word`), both made from the same `presentation.report.Report` as the
report tab and the published page, so the three forms say the same thing.

Each module exposes one function that takes a `Report` and returns the file's bytes;
`file_name` names the file after the consultation's slug.
"""

from __future__ import annotations

import datetime as dt

from ...publish.consultation import Consultation


def file_name(consultation: Consultation, day: dt.date, extension: str) -> str:
    """The download's name, as the open data's: "<slug>-report-<day>.<extension>"."""
    return f"{consultation.slug}-report-{day.isoformat()}.{extension}"


def document_title(consultation: Consultation) -> str:
    """The title both documents carry, on their first page and in their properties."""
    return f"{consultation.title}: summary of responses"


def document_author(consultation: Consultation) -> str:
    """The documents' author: the consultation's organisation, or its title without one."""
    return consultation.settings.organisation or consultation.title
