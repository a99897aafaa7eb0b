"""Exports of one consultation's responses: rows, and CSV, XLSX and JSON files of them.

One row per response, in the order they were stored (by `id`), with the columns listed in
docs/data-dictionary.md ("Exports"). Build an `Export` and write it:

    from soundingboard.analyse.exports import Export

    export = Export(consultation, flt, with_personal_data=False)
    export.write_csv(out)                  # a text file (newline="")
    export.write_json(out)
    export.write_xlsx(path)                # XLSX needs a file: see `write_xlsx`
    for text in export.csv_chunks(): ...   # for a StreamingHttpResponse

Personal data (the respondent's organisation and email) is in the rows only when
`with_personal_data` is True; the caller decides whether the user may see it
(`access.can_see_personal_data`) and records the export (`audit.record`).

Streaming: responses are read by one query, `BATCH_SIZE` at a time (`QuerySet.iterator`),
and each batch's scores, ticks, contact details, tags and progress are read in one query
each: memory stays flat however many responses there are. (Paging by id, a query per page,
was tried: with a filter, SQLite reads the consultation's index and sorts every page, so the
time grew with the square of the rows.)

Cells a spreadsheet would run as a formula (text starting with =, +, -, @, a tab or a
carriage return: OWASP's CSV injection guidance; or with a full-width or small form of the
first four, such as "＝", which become them under Unicode's NFKC normalisation and which a
spreadsheet set up for East Asian input may take for them) are neutralised:
- CSV: such a cell gets a leading apostrophe ("'=HYPERLINK(...)"), which spreadsheets show as
  text; a reader of the CSV who wants the exact text removes it.
- XLSX: every text is written as a string cell (`write_string`, never `write`, and the
  workbook's `strings_to_formulas` is off), which no spreadsheet runs; such a cell also gets
  Excel's "quote prefix" style so that editing it in Excel keeps it text. The text is exact:
  no apostrophe is added.
- JSON is not opened by spreadsheets and keeps every text exactly as stored.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import IO, Any

from django.db.models import QuerySet

from ..collect.models import ActivityTick, Contact, IdeaScore, Response
from ..publish.consultation import Consultation
from .filters import FilterContext, ResponseFilter
from .models import Review
from .review import states_of
from .tagging import LIST_SEPARATOR, tags_by_response

FORMATS = ("csv", "xlsx", "json")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
}
BATCH_SIZE = 2000

# The columns of every export, in order; score columns, activities, tags and (only when
# asked for and allowed) personal columns follow. See docs/data-dictionary.md.
BASE_COLUMNS = (
    "id",
    "reference",
    "consultation",
    "kind",
    "channel",
    "status",
    "spam_reason",
    "submitted_at",
    "page_path",
    "page_title",
    "page_matched",
    "section_id",
    "section_title",
    "nature",
    "role",
    "role_group",
    "summary",
    "details",
    "comments",
    "attachment_text",
    "may_quote",
)
UNMATCHED_IDEAS_COLUMN = "unmatched_ideas"
ACTIVITY_COLUMNS = ("activities", "unmatched_activities")
TAG_COLUMNS = ("tags",)
# The record of consideration (`review`): new, read or coded, who set it, and when (UTC).
PROGRESS_COLUMNS = ("progress", "progress_by", "progress_at")
PERSONAL_COLUMNS = ("organisation", "email")

# Text a spreadsheet would take for a formula (or a formula's start): OWASP CSV injection.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
XLSX_MAX_TEXT = 32_767  # characters in one XLSX cell
# What ends a text too long for one (only an attached document's can be): never cut silently.
XLSX_CUT = (
    f" […] (cut short: an XLSX cell holds {XLSX_MAX_TEXT:,} characters; CSV and JSON have it all)"
)


def is_formula_like(text: str) -> bool:
    """Whether a spreadsheet could take this text for a formula: its first character, made
    plain by NFKC ("＝" U+FF1D, "﹦" U+FE66 and "⁺" become "=" and "+"), starts one."""
    return unicodedata.normalize("NFKC", text[:1]).startswith(FORMULA_STARTS)


def neutralise(text: str) -> str:
    """Text made inert for a CSV opened in a spreadsheet: "'" before a formula's start."""
    return "'" + text if is_formula_like(text) else text


# Rows ---------------------------------------------------------------------------------------


@dataclass
class Row:
    """One response as exported: its fields, then its questionnaire answers, tags, contact."""

    fields: dict[str, Any]
    scores: dict[str, tuple[int | None, int | None]] = field(default_factory=dict)
    unmatched_ideas: list[dict[str, Any]] = field(default_factory=list)
    activities: list[tuple[str, str]] = field(default_factory=list)
    unmatched_activities: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    progress: tuple[str, str, str] = ("new", "", "")  # state, who, when (ISO 8601, UTC)
    organisation: str = ""
    email: str = ""


class Export:
    """The responses of one consultation that a filter selects, ready to write."""

    def __init__(
        self,
        consultation: Consultation,
        flt: ResponseFilter | None = None,
        *,
        with_personal_data: bool = False,
        batch_size: int = BATCH_SIZE,
    ):
        self.consultation = consultation
        self.filter = (flt or ResponseFilter(consultation.slug)).bind(consultation)
        self.with_personal_data = with_personal_data
        self.batch_size = batch_size

    # What is exported ---------------------------------------------------------------------

    def queryset(self) -> QuerySet[Response]:
        return self.filter.apply(Response.objects.all())

    def count(self) -> int:
        return self.queryset().count()

    @cached_property
    def ideas(self) -> list[str]:
        """The ideas with score columns: the consultation's, in order, then any other idea
        the exported responses scored (one the consultation no longer lists), by name."""
        questionnaire = self.consultation.settings.questionnaire
        configured = [i.name for i in questionnaire.ideas] if questionnaire else []
        scored = set(
            IdeaScore.objects.filter(response__in=self.queryset().values("id"))
            .values_list("idea", flat=True)
            .distinct()
        )
        return configured + sorted(scored - set(configured))

    @cached_property
    def columns(self) -> list[str]:
        """The flat columns of the CSV and XLSX files, in order."""
        columns = list(BASE_COLUMNS)
        for idea in self.ideas:
            columns += [f"usefulness: {idea}", f"likelihood: {idea}"]
        columns += [UNMATCHED_IDEAS_COLUMN, *ACTIVITY_COLUMNS, *TAG_COLUMNS, *PROGRESS_COLUMNS]
        if self.with_personal_data:
            columns += PERSONAL_COLUMNS
        return columns

    @cached_property
    def _context(self) -> FilterContext:
        assert self.filter.context is not None
        return self.filter.context

    def rows(self, progress: Callable[[int], None] | None = None) -> Iterator[Row]:
        """Every exported response, in order of id; `progress(n)` after each `n` rows."""
        for batch in self.batches():
            yield from batch
            if progress is not None:
                progress(len(batch))

    def batches(self) -> Iterator[list[Row]]:
        """The rows in lists of `batch_size`: one query reads the responses, in chunks
        (`QuerySet.iterator`, a server-side cursor on PostgreSQL), and each list's scores,
        ticks, contact details and tags are read in one query each."""
        batch: list[Response] = []
        for response in self.queryset().order_by("id").iterator(chunk_size=self.batch_size):
            batch.append(response)
            if len(batch) >= self.batch_size:
                yield self._rows_of(batch)
                batch = []
        if batch:
            yield self._rows_of(batch)

    def _rows_of(self, responses: list[Response]) -> list[Row]:
        ids = [r.id for r in responses]
        scores: dict[int, dict[str, tuple[int | None, int | None]]] = defaultdict(dict)
        ticks: dict[int, list[tuple[str, str]]] = defaultdict(list)
        unmatched: dict[int, list[str]] = defaultdict(list)
        questionnaire_ids = [r.id for r in responses if r.kind == Response.Kind.QUESTIONNAIRE]
        if questionnaire_ids:
            for response_id, idea, usefulness, likelihood in (
                IdeaScore.objects.filter(response_id__in=questionnaire_ids)
                .order_by("response_id", "id")
                .values_list("response_id", "idea", "usefulness", "likelihood")
            ):
                scores[response_id][idea] = (usefulness, likelihood)
            for response_id, idea, activity, matched, raw in (
                ActivityTick.objects.filter(response_id__in=questionnaire_ids)
                .order_by("response_id", "id")
                .values_list("response_id", "idea", "activity", "matched", "raw")
            ):
                if matched:
                    ticks[response_id].append((idea, activity))
                else:
                    unmatched[response_id].append(raw)
        contacts: dict[int, tuple[str, str]] = {}
        if self.with_personal_data:
            contact_ids = {r.contact_id for r in responses if r.contact_id is not None}
            if contact_ids:
                contacts = {
                    pk: (organisation, email)
                    for pk, organisation, email in Contact.objects.filter(
                        pk__in=contact_ids
                    ).values_list("pk", "organisation", "email")
                }
        tags = tags_by_response(ids)
        reviews = states_of(ids)
        rows = []
        for r in responses:
            organisation, email = contacts.get(r.contact_id, ("", "")) if r.contact_id else ("", "")
            rows.append(
                Row(
                    fields={
                        "id": r.id,
                        "reference": r.reference,
                        "consultation": r.consultation,
                        "kind": r.kind,
                        "channel": r.channel,
                        "status": r.status,
                        "spam_reason": r.spam_reason,
                        "submitted_at": iso_utc(r.submitted_at),
                        "page_path": r.page_path,
                        "page_title": r.page_title,
                        "page_matched": r.page_matched,
                        "section_id": r.section_id,
                        "section_title": r.section_title,
                        "nature": r.nature,
                        "role": r.role,
                        "role_group": self._context.group_of(r.role) if r.role else "",
                        "summary": r.summary,
                        "details": r.details,
                        "comments": r.comments,
                        "attachment_text": r.attachment_text,
                        "may_quote": r.may_quote,
                    },
                    scores=scores.get(r.id, {}),
                    unmatched_ideas=r.unmatched_ideas or [],
                    activities=ticks.get(r.id, []),
                    unmatched_activities=unmatched.get(r.id, []),
                    tags=list(tags.get(r.id, [])),
                    progress=_progress(reviews.get(r.id)),
                    organisation=organisation,
                    email=email,
                )
            )
        return rows

    def flat(self, row: Row) -> list[Any]:
        """A row's cells for CSV and XLSX, in the order of `columns`: text, numbers, booleans,
        or None for an empty score."""
        cells: list[Any] = [row.fields[name] for name in BASE_COLUMNS]
        for idea in self.ideas:
            usefulness, likelihood = row.scores.get(idea, (None, None))
            cells += [usefulness, likelihood]
        cells.append(unmatched_ideas_text(row.unmatched_ideas))
        cells.append(LIST_SEPARATOR.join(f"{i}: {a}" for i, a in row.activities))
        cells.append(LIST_SEPARATOR.join(row.unmatched_activities))
        cells.append(LIST_SEPARATOR.join(row.tags))
        cells += list(row.progress)
        if self.with_personal_data:
            cells += [row.organisation, row.email]
        return cells

    def as_json(self, row: Row) -> dict[str, Any]:
        item = dict(row.fields)
        item["scores"] = {
            idea: {"usefulness": u, "likelihood": likelihood}
            for idea, (u, likelihood) in row.scores.items()
        }
        item["unmatched_ideas"] = list(row.unmatched_ideas)
        item["activities"] = [{"idea": i, "activity": a} for i, a in row.activities]
        item["unmatched_activities"] = list(row.unmatched_activities)
        item["tags"] = list(row.tags)
        item.update(zip(PROGRESS_COLUMNS, row.progress, strict=True))
        if self.with_personal_data:
            item["organisation"] = row.organisation
            item["email"] = row.email
        return item

    # Formats ------------------------------------------------------------------------------

    def csv_chunks(self, progress: Callable[[int], None] | None = None) -> Iterator[str]:
        """The CSV file in pieces (one per batch of rows), starting with a byte order mark so
        that Excel reads it as UTF-8."""
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow([neutralise(c) for c in self.columns])
        yield "\ufeff" + _take(buffer)
        for batch in self.batches():
            writer.writerows([csv_cell(c) for c in self.flat(row)] for row in batch)
            yield _take(buffer)
            if progress is not None:
                progress(len(batch))

    def json_chunks(self, progress: Callable[[int], None] | None = None) -> Iterator[str]:
        """The JSON file in pieces: an array of one object per response."""
        yield "["
        first = True
        for batch in self.batches():
            parts = []
            for row in batch:
                parts.append(("\n" if first else ",\n") + json.dumps(self.as_json(row)))
                first = False
            yield "".join(parts)
            if progress is not None:
                progress(len(batch))
        yield "\n]\n"

    def write_csv(self, out: IO[str], progress: Callable[[int], None] | None = None) -> None:
        for chunk in self.csv_chunks(progress):
            out.write(chunk)

    def write_json(self, out: IO[str], progress: Callable[[int], None] | None = None) -> None:
        for chunk in self.json_chunks(progress):
            out.write(chunk)

    def write_xlsx(self, path: Path | str, progress: Callable[[int], None] | None = None) -> None:
        """An XLSX file at `path`, written by XlsxWriter in constant-memory mode: each row
        is flushed to a temporary file as soon as the next starts, so memory stays flat.
        (XLSX is a zip file whose parts are only complete at the end, so it cannot be sent
        while it is written: a web download writes it to a temporary file first.)"""
        import xlsxwriter  # loaded only when an XLSX is written

        workbook = xlsxwriter.Workbook(
            str(path),
            {
                "constant_memory": True,
                "strings_to_formulas": False,
                "strings_to_urls": False,
                "strings_to_numbers": False,
            },
        )
        try:
            sheet = workbook.add_worksheet("Responses")
            bold = workbook.add_format({"bold": True})
            inert = workbook.add_format({"quote_prefix": True})
            for c, name in enumerate(self.columns):
                sheet.write_string(0, c, name, bold)
            sheet.freeze_panes(1, 0)
            r = 0
            for batch in self.batches():
                for row in batch:
                    r += 1
                    for c, value in enumerate(self.flat(row)):
                        if value is None or value == "":
                            continue
                        if isinstance(value, bool):
                            sheet.write_boolean(r, c, value)
                        elif isinstance(value, int):
                            sheet.write_number(r, c, value)
                        else:
                            text = str(value)
                            if len(text) > XLSX_MAX_TEXT:
                                text = text[: XLSX_MAX_TEXT - len(XLSX_CUT)] + XLSX_CUT
                            if is_formula_like(text):
                                sheet.write_string(r, c, text, inert)
                            else:
                                sheet.write_string(r, c, text)
                if progress is not None:
                    progress(len(batch))
        finally:
            workbook.close()

    def write(
        self,
        format: str,
        target: IO[str] | Path | str,
        progress: Callable[[int], None] | None = None,
    ) -> None:
        """Write in a format of `FORMATS`: XLSX to a path, CSV and JSON to a text file."""
        if format == "xlsx":
            if not isinstance(target, Path | str):
                raise TypeError("XLSX is written to a file path")
            self.write_xlsx(target, progress)
        elif format in ("csv", "json"):
            if isinstance(target, Path | str):
                with open(target, "w", encoding="utf-8", newline="") as out:
                    self.write(format, out, progress)
                return
            (self.write_csv if format == "csv" else self.write_json)(target, progress)
        else:
            raise ValueError(f"format must be one of {', '.join(FORMATS)}")

    def filename(self, format: str, today: dt.date | None = None) -> str:
        today = today or dt.date.today()
        return f"{self.consultation.slug}-responses-{today.isoformat()}.{format}"


def unmatched_ideas_text(unmatched: list[dict[str, Any]]) -> str:
    """Scores of unmatched idea names, for one cell: `Name (usefulness 4, likelihood 2); …`."""
    parts = []
    for scored in unmatched:
        measures = ("usefulness", "likelihood")
        given = ", ".join(f"{m} {scored[m]}" for m in measures if scored.get(m) is not None)
        parts.append(f"{scored['idea']} ({given})")
    return LIST_SEPARATOR.join(parts)


def csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return neutralise(str(value))


def _progress(review: Review | None) -> tuple[str, str, str]:
    """A response's progress as exported: its state, who set it and when (none when new)."""
    if review is None or review.state == "new":
        return ("new", "", "")
    return (review.state, review.by_name, iso_utc(review.at))


def iso_utc(moment: dt.datetime) -> str:
    """A moment as ISO 8601 in UTC, to the second: 2026-03-31T22:59:59Z."""
    return moment.astimezone(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def describe_filter(flt: ResponseFilter) -> dict[str, Any]:
    """The filter as the audit log keeps it: its GET parameters."""
    pairs: dict[str, list[str]] = defaultdict(list)
    for key, value in flt.query_pairs():
        pairs[key].append(value)
    return {key: values if len(values) > 1 else values[0] for key, values in pairs.items()}


def _take(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text
