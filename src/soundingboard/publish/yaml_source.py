"""Read a YAML file and keep track of where each value came from.

Error messages about `consultation.yml` and `mkdocs.yml` name the line of the offending key,
so the loader keeps the composed node tree beside the data. `mkdocs.yml` files often carry
tags such as `!ENV` or `!!python/name:`, and soundingboard only needs a few of the keys around
them, so they do not stop a file loading. Nothing a tag names is ever looked up: `!ENV` is read
as the default it gives (`!ENV [NAME, default]`; none for `!ENV NAME`), no environment variable
being read, so that a folder loads the same everywhere; other unknown tags as their plain value;
and a `!!python/...` tag becomes a `CodeReference`, which only records what the tag said and
where, so that it can be reported. `read_mkdocs_yaml` also follows `INHERIT`, as MkDocs does,
for a parent file inside the project.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import ConsultationError, Problem, not_utf8, with_fix


@dataclass(frozen=True)
class CodeReference:
    """A value written with a `!!python/...` tag: it names Python code, which is never run."""

    tag: str  # as written, such as "!!python/name:os.system"
    line: int


class _TolerantLoader(yaml.SafeLoader):
    """A safe loader that turns unknown tags into their plain value and Python tags into a
    `CodeReference` (it never imports or runs anything)."""


def _plain_value(loader: yaml.SafeLoader, tag_suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    assert isinstance(node, yaml.MappingNode)  # YAML has no other kind of node
    return loader.construct_mapping(node, deep=True)


def _code_reference(loader: yaml.SafeLoader, tag_suffix: str, node: yaml.Node) -> CodeReference:
    return CodeReference(f"!!python/{tag_suffix}", node.start_mark.line + 1)


def _env_default(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    """MkDocs' `!ENV [NAME, OTHER, default]` falls back to its last item; `!ENV NAME` to none."""
    if isinstance(node, yaml.SequenceNode) and len(node.value) > 1:
        return loader.construct_object(node.value[-1], deep=True)
    return None


_TolerantLoader.add_constructor("!ENV", _env_default)
_TolerantLoader.add_multi_constructor("!", _plain_value)
_TolerantLoader.add_multi_constructor("tag:yaml.org,2002:python/", _code_reference)


# The values a document may hold with its aliases unfolded. An alias (`*name`) repeats what
# an anchor (`&name`) holds, so a few lines can unfold into billions of values ("billion
# laughs"), which whatever walks the settings (the list of pages, say) would take hours over.
# No consultation's settings come near this many.
MAX_VALUES = 100_000


class TooManyValues(yaml.YAMLError):
    """A document whose aliases unfold into more than `MAX_VALUES` values."""

    def __init__(self, line: int):
        self.line = line
        super().__init__(
            f"line {line}: its aliases (*name) repeat what they name so often that the file "
            f"would hold more than {MAX_VALUES:,} values"
        )


def check_size(node: yaml.Node | None) -> None:
    """Raise `TooManyValues` when the composed document, its aliases unfolded, holds more
    than `MAX_VALUES` values. Each node is sized once (an alias is the node it names), so
    this takes as long as the file is, not as what it unfolds to."""
    sizes: dict[int, int] = {}
    # Each node, and once its children are sized, the children it is then sized from.
    stack: list[tuple[yaml.Node, list[yaml.Node] | None]] = [] if node is None else [(node, None)]
    while stack:
        current, children = stack.pop()
        if children is not None:
            size = 1 + sum(sizes[id(child)] for child in children)
            if size > MAX_VALUES:
                raise TooManyValues(current.start_mark.line + 1)
            sizes[id(current)] = size
        elif id(current) not in sizes:  # else sized already, by way of another alias
            if isinstance(current, yaml.SequenceNode):
                children = list(current.value)
            elif isinstance(current, yaml.MappingNode):
                children = [part for pair in current.value for part in pair]
            else:
                children = []
            sizes[id(current)] = 1  # meanwhile: a node that holds itself counts once
            stack.append((current, children))
            stack.extend((child, None) for child in children if id(child) not in sizes)


class TooDeep(yaml.YAMLError):
    """A document of lists or mappings nested in one another hundreds of levels deep: the
    parser goes down a level of Python's stack for each, and runs out."""

    REASON = "nests lists or mappings in one another too deeply to be read"
    FIX = "write it with fewer levels of lists and mappings inside one another"

    def __init__(self) -> None:
        super().__init__(f"{self.REASON}; {self.FIX}")


def tolerant_yaml(text: str) -> Any:
    """YAML text read as `read_yaml` reads a file (tags recorded, never run); YAMLError when
    it is not YAML, or `TooManyValues`. Parsed once: the data is built from the node tree
    whose size was checked."""
    loader = _TolerantLoader(text)
    try:
        node = loader.get_single_node()
        check_size(node)
        return None if node is None else loader.construct_document(node)
    except RecursionError:
        raise TooDeep() from None
    finally:
        loader.dispose()


@dataclass
class YamlDocument:
    """A parsed YAML file: its data and a way to find the line of any value in it."""

    path: Path
    data: Any
    node: yaml.Node | None
    # Top-level keys taken whole from a file `INHERIT` names: that file's document.
    inherited: dict[str, YamlDocument] = field(default_factory=dict)

    def source_of(self, key: str) -> YamlDocument:
        """The document a top-level key was written in (this one unless it was inherited),
        for naming its file and line."""
        return self.inherited.get(key, self)

    def line_of(self, location: Sequence[str | int]) -> int | None:
        """The 1-based line of the value at `location` (keys and list indexes), or the nearest
        enclosing value that exists."""
        node = self.node
        line = node.start_mark.line + 1 if node is not None else None
        for step in location:
            if isinstance(node, yaml.MappingNode):
                match = next(
                    ((k, v) for k, v in node.value if getattr(k, "value", None) == step), None
                )
                if match is None:
                    break
                line = match[0].start_mark.line + 1
                node = match[1]
            elif isinstance(node, yaml.SequenceNode) and isinstance(step, int):
                if step >= len(node.value):
                    break
                node = node.value[step]
                line = node.start_mark.line + 1
            else:
                break
        return line


def read_yaml(path: Path) -> YamlDocument:
    """Parse a YAML file, or raise ConsultationError naming the line that cannot be read."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise ConsultationError([not_utf8(path, error)]) from None
    try:
        node = None
        node = yaml.compose(text, Loader=_TolerantLoader)
        check_size(node)
        # Built from a parse of its own: building merges `<<` keys into the node tree, and
        # `line_of` reads the tree as written.
        data = yaml.load(text, Loader=_TolerantLoader)
    except TooManyValues as error:
        raise ConsultationError(
            [
                Problem(
                    path,
                    "uses aliases (*name) that repeat what they name so often that it would "
                    f"hold more than {MAX_VALUES:,} values",
                    "write the lists out in full instead of repeating them with aliases",
                    line=error.line,
                )
            ]
        ) from None
    except RecursionError:
        raise ConsultationError([Problem(path, TooDeep.REASON, TooDeep.FIX)]) from None
    except ValueError:  # a value YAML recognises but cannot build, like 2027-02-30
        raise ConsultationError(
            [
                Problem(
                    path,
                    "has a date that does not exist, such as 2027-02-30",
                    "check that every date is a real date, written as YYYY-MM-DD",
                    line=_line_of_bad_date(node),
                )
            ]
        ) from None
    except yaml.YAMLError as error:
        said, line = yaml_mistake(error)
        raise ConsultationError(
            [Problem(path, f"is not valid YAML: {said}", YAML_FIX, line=line)]
        ) from None
    return YamlDocument(path=path, data=data, node=node)


def read_mkdocs_yaml(path: Path, project: Path) -> tuple[YamlDocument, list[str]]:
    """An mkdocs.yml with the file its `INHERIT` names merged under it, as MkDocs merges them
    (mappings key by key, anything else replaced), and warnings about an `INHERIT` that could
    not be followed. Line numbers stay those of `path`. A parent outside `project` is not read.
    """
    document = read_yaml(path)
    warnings: list[str] = []
    seen = {path.resolve()}
    data = document.data
    current = document  # the file whose INHERIT is followed
    while isinstance(data, dict) and isinstance(data.get("INHERIT"), str):
        parent = (path.parent / data["INHERIT"]).resolve()
        where = f"{current.path}:{current.line_of(['INHERIT'])}"
        if not parent.is_relative_to(project.resolve()):
            warnings.append(
                with_fix(
                    f"{where}: INHERIT names {data['INHERIT']}, which is outside the project, "
                    "so it is not read",
                    "copy the settings it holds into mkdocs.yml, or put the file inside the "
                    "project's folder",
                )
            )
            break
        if parent in seen:
            warnings.append(
                with_fix(
                    f"{where}: INHERIT names {data['INHERIT']}, which was read already (the "
                    "files inherit from each other in a circle), so it is not read again",
                    "remove this INHERIT line",
                )
            )
            break
        if not parent.is_file():
            warnings.append(
                with_fix(
                    f"{where}: INHERIT names {data['INHERIT']}, which does not exist",
                    "correct the file name, or remove INHERIT",
                )
            )
            break
        seen.add(parent)
        parent_document = current = read_yaml(parent)
        inherited = parent_document.data
        child = {k: v for k, v in data.items() if k != "INHERIT"}
        if isinstance(inherited, dict):
            for key in inherited.keys() - child.keys():
                document.inherited[str(key)] = parent_document
        data = _merged(inherited, child) if isinstance(inherited, dict) else child
        path = parent
    document.data = data
    return document, warnings


def _merged(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in over.items():
        old = merged.get(key)
        merged[key] = (
            _merged(old, value) if isinstance(old, dict) and isinstance(value, dict) else value
        )
    return merged


YAML_FIX = (
    "check the indentation and the punctuation on this line and the one above; put quotes "
    "around text that contains a colon"
)


def yaml_mistake(error: yaml.YAMLError) -> tuple[str, int | None]:
    """A YAML parser's error in plain words, and the line of the mistake: for a quote never
    closed, the line it opens on (the parser finds out at the end of the file)."""
    reason = str(getattr(error, "problem", None) or error)
    said = next((words for start, words in _YAML_REASONS if reason.startswith(start)), reason)
    mark = getattr(error, "problem_mark", None)
    if reason.startswith("found unexpected end of stream"):
        mark = getattr(error, "context_mark", None) or mark
    return said, mark.line + 1 if mark else None


# PyYAML's reasons, in words for someone editing the file.
_YAML_REASONS = (
    ("mapping values are not allowed", "a colon followed by a space inside a value"),
    ("found character '\\t'", "a tab; indent with spaces"),
    ("found character", "a character that cannot start a value, such as ` or @"),
    ("could not find expected ':'", "a line that is not `key: value`"),
    ("expected <block end>", "a line indented differently from those around it"),
    ("found undefined alias", "a * that is not a reference to an & above"),
    ("found unexpected end of stream", "a quote that is opened but never closed"),
    ("found duplicate anchor", "the same & name twice"),
)


def _line_of_bad_date(node: yaml.Node | None) -> int | None:
    """The line of the first scalar that YAML takes for a date but that is not a real date."""
    if isinstance(node, yaml.ScalarNode):
        if node.tag == "tag:yaml.org,2002:timestamp":
            try:
                yaml.SafeLoader("").construct_yaml_timestamp(node)
            except ValueError:
                return node.start_mark.line + 1
        return None
    children = node.value if isinstance(node, yaml.SequenceNode | yaml.MappingNode) else []
    for child in children:
        for part in child if isinstance(child, tuple) else (child,):
            if (line := _line_of_bad_date(part)) is not None:
                return line
    return None
