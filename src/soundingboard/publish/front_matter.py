"""YAML front matter at the top of a page, as MkDocs and Material read it.

Python-Markdown's `meta` extension reads only `key: value` lines, so a block such as
`hide:` followed by an indented `- navigation` list ended it early and the rest was shown as
a heading. `split_front_matter` takes the whole block off first, read with the same safe,
tolerant loader as mkdocs.yml (nothing in it is run), and leaves blank lines in its place so
that the line numbers in warnings stay those of the file.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from .yaml_source import tolerant_yaml

_BLOCK = re.compile(r"\A(?:\ufeff)?---[ \t]*\n(.*?\n)?(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.S)


def split_front_matter(source: str) -> tuple[str, dict[str, list[str]]]:
    """The page without its front matter (blank lines in its place) and the front matter's
    values as text, each key's value a list as the `meta` extension gives it; the page as it
    is when it has no front matter that reads as a YAML mapping."""
    match = _BLOCK.match(source)
    if match is None:
        return source, {}
    try:
        data = tolerant_yaml(match.group(1) or "")
    except yaml.YAMLError:
        return source, {}
    if not isinstance(data, dict):
        return source, {}
    blank = "\n" * match.group(0).count("\n")
    meta = {str(key).lower(): _texts(value) for key, value in data.items()}
    return blank + source[match.end() :], meta


def _texts(value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(item) for item in value if not isinstance(item, dict | list)]
    return [] if value is None or isinstance(value, dict) else [str(value)]
