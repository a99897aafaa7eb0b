"""Mapping files: which column of another tool's export holds what, for `soundingboard import`.

A mapping file is YAML (docs/importing-responses.md has the full reference):

    kind: page                  # page (feedback on a page) or questionnaire
    id: Response ID             # the other tool's id of the response (optional)
    date: Submitted             # when the response was sent (required)
    columns:                    # which column holds each answer
      page: Page                # the page, or `page: {value: models/}` for every row
      summary: Summary
      role: [Role, Respondent type]   # a list: the first of these the file has
    scores:                     # questionnaire: one column for each score of an idea
      - idea: Data tool collaboration
        usefulness: Usefulness - data tools
    values:                     # what the export says -> the consultation's option
      role:
        Council: Local authority data professional

`load_mapping()` reads one (a path, or the name of a shipped one: collect/mappings/*.yml) and
reports every mistake with the mapping file's line; `Mapping.bind()` checks it against a file's
header and the consultation's options, again naming the line.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import yaml

from ..publish.consultation import Consultation
from ..publish.yaml_source import YAML_FIX, TooDeep, yaml_mistake
from .activity_matching import ActivityMatcher
from .forms import QUOTE_ANSWERS, _option_key
from .tables import Table

SHIPPED = "soundingboard.collect"
KINDS = ("page", "questionnaire")
# What a column may hold, for each kind of response (the payload's names, but `organisation`).
ANSWERS = {
    "page": (
        "page",
        "summary",
        "details",
        "role",
        "nature",
        "organisation",
        "email",
        "may_quote",
        "honeypot",
    ),
    "questionnaire": (
        "page",
        "role",
        "nature",
        "organisation",
        "email",
        "section",
        "comments",
        "may_quote",
        "honeypot",
        "rank_usefulness",
        "rank_likelihood",
        "activities",
    ),
}
REQUIRED = {"page": ("summary", "role"), "questionnaire": ("role",)}
SETTINGS = ("kind", "id", "date", "date_format", "columns", "scores", "values")
VALUE_KINDS = ("role", "nature", "score", "may_quote")


class MappingError(Exception):
    """A mapping file that cannot be used; the message names the file and line."""


@dataclass(frozen=True)
class Column:
    names: tuple[str, ...]  # the first of these that the file's header has
    line: int  # in the mapping file
    value: str | None = None  # a value for every row instead of a column


@dataclass(frozen=True)
class IdeaColumns:
    idea: str
    usefulness: Column | None
    likelihood: Column | None
    line: int


@dataclass
class Mapping:
    path: str  # as messages name it
    kind: str
    date: Column
    id: Column | None = None
    date_format: str = ""
    columns: dict[str, Column] = field(default_factory=dict)
    scores: list[IdeaColumns] = field(default_factory=list)
    values: dict[str, dict[str, tuple[str, int]]] = field(default_factory=dict)  # key -> (to, line)
    value_lines: dict[str, int] = field(default_factory=dict)  # `values: role:` -> its line

    def where(self, line: int) -> str:
        return f"{self.path}:{line}"

    def bind(self, table: Table, consultation: Consultation) -> BoundMapping:
        """The positions of the mapped columns in this file; raise MappingError."""
        header: dict[str, list[int]] = {}
        for i, name in enumerate(table.header):
            header.setdefault(name.strip().casefold(), []).append(i)
        warnings: list[str] = []

        def position(column: Column | None, what: str, required: bool = False) -> int | None:
            if column is None or column.value is not None:
                return None
            for name in column.names:
                found = header.get(name.strip().casefold())
                if found and len(found) > 1:
                    # Which one is meant cannot be known: the last was read, without a word.
                    numbers = " and ".join(str(i + 1) for i in found)
                    raise MappingError(
                        f"{self.where(column.line)}: {what}: {table.where()} has more than one "
                        f"column “{table.header[found[0]].strip()}” (columns {numbers}); "
                        "rename or remove all but one in the file"
                    )
                if found:
                    return found[0]
            names = " or ".join(f"“{n}”" for n in column.names)
            shown = ", ".join(f"“{h}”" for h in table.header if h.strip())
            message = f"{self.where(column.line)}: {what}: {table.where()} has no column {names}"
            if required:
                raise MappingError(f"{message}; its columns are {shown}")
            warnings.append(f"{message}, so {what} is left empty")
            return None

        options = consultation.settings.feedback
        allowed = {"role": options.roles, "nature": options.natures}
        if "may_quote" in self.columns and consultation.settings.quote_question is None:
            warnings.append(
                f"{self.where(self.columns['may_quote'].line)}: may_quote: the consultation "
                "asks no consent-to-quote question (quote_consent in consultation.yml), so the "
                "answers are not kept"
            )
        for kind, mapped in self.values.items():
            if kind == "may_quote":
                for given, (to, line) in mapped.items():
                    if to not in (*QUOTE_ANSWERS, ""):
                        raise MappingError(
                            f"{self.where(line)}: “{given}” maps to “{to}”, but the answer to "
                            "the consent-to-quote question is yes, no, or empty (not answered)"
                        )
                continue
            if kind == "score":
                for given, (to, line) in mapped.items():
                    if to not in {"1", "2", "3", "4", "5", ""}:
                        raise MappingError(
                            f"{self.where(line)}: “{given}” maps to “{to}”, but a score is a "
                            "whole number from 1 to 5 (or empty, for no score)"
                        )
                continue
            keys = {_option_key(o): o for o in allowed[kind]}
            for given, (to, line) in mapped.items():
                if to and _option_key(to) not in keys:
                    raise MappingError(
                        f"{self.where(line)}: “{given}” maps to “{to}”, which is not one of the "
                        f"consultation's {kind}s: " + ", ".join(f"“{o}”" for o in allowed[kind])
                    )
        if self.kind == "questionnaire":
            questionnaire = consultation.settings.questionnaire
            if questionnaire is None:
                raise MappingError(
                    f"{self.where(1)}: the mapping is for the main questionnaire, but the "
                    f"consultation “{consultation.slug}” has none (`questionnaire:` in "
                    "consultation.yml)"
                )
            matcher = ActivityMatcher(questionnaire)
            for idea in self.scores:
                if matcher.idea(idea.idea) is None:
                    raise MappingError(
                        f"{self.where(idea.line)}: “{idea.idea}” is not one of the "
                        "questionnaire's ideas: "
                        + ", ".join(f"“{i.name}”" for i in questionnaire.ideas)
                    )
        required = REQUIRED[self.kind]
        return BoundMapping(
            self,
            table,
            id=position(self.id, "id"),
            date=position(self.date, "date", required=True),
            columns={name: position(c, name, name in required) for name, c in self.columns.items()},
            scores=[
                (s, position(s.usefulness, s.idea, True), position(s.likelihood, s.idea, True))
                for s in self.scores
            ],
            warnings=warnings,
        )


@dataclass
class BoundMapping:
    mapping: Mapping
    table: Table
    id: int | None
    date: int | None
    columns: dict[str, int | None]
    scores: list[tuple[IdeaColumns, int | None, int | None]]
    warnings: list[str] = field(default_factory=list)  # optional columns not in the file


def shipped_mappings() -> list[str]:
    """The names of the mappings that come with soundingboard."""
    folder = resources.files(SHIPPED) / "mappings"
    return sorted(p.name.removesuffix(".yml") for p in folder.iterdir() if p.name.endswith(".yml"))


def load_mapping(given: str) -> Mapping:
    """A mapping file by path, or a shipped one by name; raise MappingError."""
    path = Path(given)
    if path.suffix in (".yml", ".yaml") or path.exists():
        try:
            text, shown = path.read_text(encoding="utf-8"), str(path)
        except FileNotFoundError:
            raise MappingError(f"{path}: no such mapping file") from None
        except (OSError, UnicodeDecodeError) as error:
            raise MappingError(f"{path}: cannot be read: {error}") from None
    else:
        resource = resources.files(SHIPPED) / "mappings" / f"{given}.yml"
        if not resource.is_file():
            raise MappingError(
                f"no mapping file {given}, and no mapping of that name comes with soundingboard: "
                + ", ".join(shipped_mappings())
            )
        text, shown = resource.read_text(encoding="utf-8"), f"{given} (shipped mapping)"
    return parse_mapping(text, shown)


def parse_mapping(text: str, path: str) -> Mapping:
    """Read a mapping file's text; every mistake raises MappingError with its line."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except RecursionError:
        raise MappingError(f"{path}:1: {TooDeep.REASON}; {TooDeep.FIX}") from None
    except yaml.YAMLError as error:
        said, line = yaml_mistake(error)
        raise MappingError(f"{path}:{line or 1}: is not valid YAML: {said}; {YAML_FIX}") from None
    if not isinstance(root, yaml.MappingNode):
        raise MappingError(f"{path}:1: a mapping file is a list of settings, like “kind: page”")
    settings = _pairs(root, path)
    for name, (key, _) in settings.items():
        if name not in SETTINGS:
            raise MappingError(
                f"{path}:{_line(key)}: unknown setting “{name}”; the settings are "
                + ", ".join(SETTINGS)
            )
    kind = _text(settings, "kind", path, default="page")
    if kind not in KINDS:
        raise MappingError(
            f"{path}:{_line(settings['kind'][1])}: kind must be page or questionnaire, not “{kind}”"
        )
    if "date" not in settings:
        raise MappingError(
            f"{path}:1: name the column that says when each response was sent, "
            "like “date: Submitted”"
        )
    mapping = Mapping(
        path=path,
        kind=kind,
        date=_column(settings["date"][1], path),
        id=_column(settings["id"][1], path) if "id" in settings else None,
        date_format=_date_format(settings, path),
    )
    if "columns" in settings:
        node = settings["columns"][1]
        if not isinstance(node, yaml.MappingNode):
            raise MappingError(f"{path}:{_line(node)}: columns: list each answer and its column")
        for name, (key, value) in _pairs(node, path).items():
            if name not in ANSWERS[kind]:
                raise MappingError(
                    f"{path}:{_line(key)}: “{name}” is not an answer of a {kind} response; "
                    "they are " + ", ".join(ANSWERS[kind])
                )
            mapping.columns[name] = _column(value, path)
    missing = [name for name in REQUIRED[kind] if name not in mapping.columns]
    if missing:
        raise MappingError(
            f"{path}:{_line(settings['columns'][0]) if 'columns' in settings else 1}: columns: "
            f"every {kind} response needs " + " and ".join(missing)
        )
    if "scores" in settings:
        if kind != "questionnaire":
            raise MappingError(
                f"{path}:{_line(settings['scores'][0])}: scores are for kind: questionnaire"
            )
        mapping.scores = _scores(settings["scores"][1], path)
    if "values" in settings:
        node = settings["values"][1]
        if not isinstance(node, yaml.MappingNode):
            raise MappingError(
                f"{path}:{_line(node)}: values: list role, nature, score or may_quote"
            )
        for name, (key, value) in _pairs(node, path).items():
            if name not in VALUE_KINDS:
                raise MappingError(
                    f"{path}:{_line(key)}: values: “{name}” cannot be mapped; only "
                    + ", ".join(VALUE_KINDS)
                )
            if not isinstance(value, yaml.MappingNode):
                raise MappingError(
                    f"{path}:{_line(value)}: values: {name}: list what the export says and "
                    "the option it means, like “Council: Local authority leadership”"
                )
            mapping.value_lines[name] = _line(key)
            mapping.values[name] = {
                _option_key(given): (_scalar(to, path), _line(to))
                for given, (_, to) in _pairs(value, path).items()
            }
    return mapping


def _line(node: yaml.Node) -> int:
    return int(node.start_mark.line) + 1


def _pairs(node: yaml.MappingNode, path: str) -> dict[str, tuple[yaml.Node, yaml.Node]]:
    pairs: dict[str, tuple[yaml.Node, yaml.Node]] = {}
    for key, value in node.value:
        name = _scalar(key, path)
        if name in pairs:
            raise MappingError(f"{path}:{_line(key)}: “{name}” is given twice")
        pairs[name] = (key, value)
    return pairs


def _scalar(node: yaml.Node, path: str) -> str:
    if not isinstance(node, yaml.ScalarNode):
        raise MappingError(f"{path}:{_line(node)}: expected a single value here")
    return str(node.value)


def _date_format(settings: dict[str, tuple[yaml.Node, yaml.Node]], path: str) -> str:
    """The mapping's date_format, checked before any row is read: a format that cannot be a
    date's made every row of the file a bad row, none naming the mapping."""
    form = _text(settings, "date_format", path, default="")
    if not form:
        return form
    line = _line(settings["date_format"][1])
    sample = dt.datetime(2024, 3, 15, 10, 5, 7)
    try:
        readable = "%" in form and dt.datetime.strptime(sample.strftime(form), form) is not None
    except ValueError:
        readable = False
    if not readable:
        raise MappingError(
            f"{path}:{line}: date_format: “{form}” is not a date format; write it with "
            "Python's strptime codes, such as “%d/%m/%Y %H:%M” for 15/03/2024 10:05"
        )
    return form


def _text(
    settings: dict[str, tuple[yaml.Node, yaml.Node]], name: str, path: str, default: str
) -> str:
    if name not in settings:
        return default
    return _scalar(settings[name][1], path)


def _column(node: yaml.Node, path: str) -> Column:
    """A column name, a list of names (the first the file has), or {value: X}."""
    line = _line(node)
    if isinstance(node, yaml.ScalarNode):
        return Column((str(node.value),), line)
    if isinstance(node, yaml.SequenceNode) and node.value:
        return Column(tuple(_scalar(item, path) for item in node.value), line)
    if isinstance(node, yaml.MappingNode):
        pairs = _pairs(node, path)
        if set(pairs) == {"value"}:
            return Column((), line, value=_scalar(pairs["value"][1], path))
    raise MappingError(
        f"{path}:{line}: name a column (“Summary”), several (“[Summary, Comment]”: the first "
        "the file has), or a value for every row (“{value: models/}”)"
    )


def _scores(node: yaml.Node, path: str) -> list[IdeaColumns]:
    if not isinstance(node, yaml.SequenceNode):
        raise MappingError(
            f"{path}:{_line(node)}: scores: list each idea, like “- idea: Data tools” with its "
            "usefulness and likelihood columns"
        )
    scores = []
    for item in node.value:
        if not isinstance(item, yaml.MappingNode):
            raise MappingError(f"{path}:{_line(item)}: scores: each item names an idea")
        pairs = _pairs(item, path)
        unknown = set(pairs) - {"idea", "usefulness", "likelihood"}
        if unknown or "idea" not in pairs:
            raise MappingError(
                f"{path}:{_line(item)}: scores: each item has idea, and usefulness or likelihood "
                "(or both)"
            )
        scores.append(
            IdeaColumns(
                idea=_scalar(pairs["idea"][1], path),
                usefulness=_column(pairs["usefulness"][1], path) if "usefulness" in pairs else None,
                likelihood=_column(pairs["likelihood"][1], path) if "likelihood" in pairs else None,
                line=_line(item),
            )
        )
    return scores
