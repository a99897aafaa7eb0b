"""Importing another tool's export (CSV or XLSX) through a mapping file.

Each row becomes the payload the original site would have sent for the same answers, with
the mapping's `values` applied to the role, the nature and the scores, and goes through the
same checks, batches and counts as every import (`row_import`). A value the mapping does not
map and that is not one of the consultation's options is reported with the row and the mapping
file's line where it could be mapped.

The token that makes a second import of the same file store nothing new is made from the other
tool's response id when the mapping names its column (so an export made later, with more
responses or other columns, adds only the new ones), else from what the row says.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from typing import Any, TextIO

from ..publish.consultation import Consultation
from .forms import QUOTE_ANSWERS, _option_key
from .mapping import BoundMapping, Mapping
from .payloads import PAGE_FEEDBACK_TAB, QUESTIONNAIRE_TAB
from .row_import import (
    ImportReport,
    RowFault,
    RowPayload,
    import_rows,
    parse_timestamp,
    row_token,
    token_moment,
)
from .sheet_import import CellError, activities_cell, scores_cell
from .spam import HONEYPOT_FIELD

SCORES = ("1", "2", "3", "4", "5")
# The mapping's names for what the payload calls otherwise.
PAYLOAD_NAMES = {"organisation": "org", "honeypot": HONEYPOT_FIELD}


def import_mapped(
    consultation: Consultation,
    bound: BoundMapping,
    *,
    out: TextIO | None = None,
    progress: bool | None = None,
    batch_size: int | None = None,
) -> ImportReport:
    """Import a table's rows through a mapping bound to it (`Mapping.bind`, which raises
    MappingError before anything is stored if the mapping does not fit)."""
    return import_rows(
        consultation,
        bound.table,
        _payloads(consultation, bound),
        out=out,
        progress=progress,
        batch_size=batch_size,
    )


def _payloads(consultation: Consultation, bound: BoundMapping) -> Iterator[RowPayload | RowFault]:
    mapping, table = bound.mapping, bound.table
    zone = consultation.settings.zone()
    options = consultation.settings.feedback
    known = {
        "role": {_option_key(o) for o in options.roles},
        "nature": {_option_key(o) for o in options.natures},
        "may_quote": set(QUOTE_ANSWERS),
    }
    tab = PAGE_FEEDBACK_TAB if mapping.kind == "page" else QUESTIONNAIRE_TAB
    for row in table.rows():
        cell = functools.partial(_cell, row.cells)
        errors: dict[str, list[str]] = {}
        if overflow := table.overflow(row.cells):
            errors[""] = [overflow]
        payload: dict[str, Any] = {"tab": tab}
        for name, position in bound.columns.items():
            text = cell(position, mapping.columns[name].value)
            if name in known:
                text = _option(mapping, name, text, known[name], errors)
            payload[PAYLOAD_NAMES.get(name, name)] = text
        if mapping.kind == "questionnaire":
            _questionnaire_cells(bound, payload, cell, errors)
        submitted_at = None
        stamp = cell(bound.date, mapping.date.value)
        try:
            submitted_at = _moment(stamp, mapping, zone)
        except ValueError as error:
            errors["date"] = [str(error)]
        if errors or submitted_at is None:
            yield RowFault(row.number, errors)
            continue
        response_id = cell(bound.id, mapping.id.value if mapping.id else None).strip()
        if response_id:
            # The id with the moment it was sent: many tools number each form's or survey's
            # responses from 1, so the id alone would take another export's response 1 for
            # one imported before, and never store it.
            token = row_token(
                consultation.slug, mapping.kind, "id", response_id, token_moment(submitted_at)
            )
        else:
            answers = sorted((k, str(v)) for k, v in payload.items() if v not in ("", None, [], {}))
            token = row_token(consultation.slug, mapping.kind, token_moment(submitted_at), answers)
        yield RowPayload(row.number, payload, submitted_at, token)


def _cell(cells: list[str], position: int | None, constant: str | None = None) -> str:
    """A row's cell at this position, or the mapping's value for every row."""
    if constant is not None:
        return constant
    return cells[position] if position is not None and position < len(cells) else ""


def _option(
    mapping: Mapping, name: str, text: str, known: set[str], errors: dict[str, list[str]]
) -> str:
    """The option a cell means: mapped by the mapping's values, or the option itself."""
    key = _option_key(text)
    mapped = mapping.values.get(name, {}).get(key)
    if mapped is not None:
        return mapped[0]
    quote = name == "may_quote"
    if key and key not in known:
        line = mapping.value_lines.get(name)
        where = (
            f"add it under values: {name}: at {mapping.where(line)}"
            if line
            else f"map it to {'yes or no' if quote else 'one of them'} under values: {name}: in "
            f"{mapping.path}"
        )
        what = "yes or no" if quote else f"one of the consultation's {name}s"
        errors[name] = [f"“{text.strip()}” is not {what}; {where}"]
    return key if quote else text  # “Yes” is the intake API's “yes”


def _questionnaire_cells(
    bound: BoundMapping,
    payload: dict[str, Any],
    cell: Callable[[int | None, str | None], str],
    errors: dict[str, list[str]],
) -> None:
    mapping = bound.mapping
    score_values = mapping.values.get("score", {})

    def score(text: str, idea: str) -> str:
        mapped = score_values.get(_option_key(text))
        if mapped is not None:
            return mapped[0]
        text = text.strip()
        if text and text not in SCORES:
            line = mapping.value_lines.get("score")
            where = (
                f"add it under values: score: at {mapping.where(line)}"
                if line
                else f"map it to a score under values: score: in {mapping.path}"
            )
            errors.setdefault(idea, []).append(f"“{text}” is not a score from 1 to 5; {where}")
            return ""
        return text

    for name in ("rank_usefulness", "rank_likelihood"):
        if name in payload:
            try:
                payload[name] = scores_cell(name, payload[name])
            except CellError as error:
                errors.update(error.errors)
    if "activities" in payload:
        try:
            payload["activities"] = activities_cell(payload["activities"])
        except CellError as error:
            errors.update(error.errors)
    for idea, usefulness, likelihood in bound.scores:
        for measure, position, column in (
            ("usefulness", usefulness, idea.usefulness),
            ("likelihood", likelihood, idea.likelihood),
        ):
            if column is None:
                continue
            value = score(cell(position, column.value), idea.idea)
            if value:
                scores = payload.get(f"rank_{measure}") or {}
                scores[idea.idea] = value
                payload[f"rank_{measure}"] = scores


def _moment(text: str, mapping: Mapping, zone: Any) -> Any:
    if mapping.date_format and text.strip():
        import datetime as dt

        try:
            moment = dt.datetime.strptime(text.strip(), mapping.date_format)
        except ValueError:
            raise ValueError(
                f"“{text.strip()}” is not a date and time in the mapping's date_format "
                f"“{mapping.date_format}”"
            ) from None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=zone)
        return moment.astimezone(dt.UTC)
    return parse_timestamp(text, zone)
