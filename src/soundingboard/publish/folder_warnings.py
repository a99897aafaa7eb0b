"""Warnings about a consultation folder that loads but is not finished: Markdown files that no
page list names (so are never published), what `soundingboard init` left to fill in, and the
order every warning is shown in (file by file, each file's in line order).

Each warning is "file:line: what is wrong" and "How to fix it: ..." on the next line, as the
problems that stop a folder loading are (`errors.Problem`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from .errors import with_fix
from .yaml_source import YamlDocument

# "[Name of your organisation]", "[12 months]": words in square brackets, not a Markdown link
# ("[text](address)" or "[text][ref]"), a footnote ("[^1]") or a task box ("[ ]", "[x]").
_PLACEHOLDER = re.compile(r"\[(?!\^)([^\[\]\n]{3,80})\](?![(\[:])")
# The example ideas of init's consultation.yml.
_EXAMPLE_IDEAS = ("First idea", "Second idea")
_WHERE = re.compile(r"^(?P<file>.+?):(?P<line>\d+): ", re.S)


def warnings_in_line_order(warnings: Iterable[str]) -> list[str]:
    """The warnings without repeats, file by file in the order the files first come, and each
    file's in the order of its lines (those without a line first)."""
    unique = list(dict.fromkeys(warnings))
    files: dict[str, int] = {}
    keys = []
    for warning in unique:
        match = _WHERE.match(warning)
        name = match.group("file") if match else warning.split(": ", 1)[0]
        line = int(match.group("line")) if match else 0
        keys.append((files.setdefault(name, len(files)), line))
    order = sorted(range(len(unique)), key=lambda i: keys[i])
    return [unique[i] for i in order]


def unpublished_pages(docs_dir: Path, published: Iterable[Path]) -> list[str]:
    """A warning for each Markdown file in the pages folder that is not published."""
    shown = {path.resolve() for path in published}
    warnings = []
    for path in sorted(docs_dir.rglob("*.md")):
        relative = path.relative_to(docs_dir)
        if any(part.startswith(".") for part in relative.parts) or path.resolve() in shown:
            continue
        warnings.append(
            with_fix(
                f"{relative}: is not published, because the page list (`pages`, or `nav` in "
                "mkdocs.yml) does not name it",
                f"add `- {relative.as_posix()}` to the page list if readers should see it; "
                "otherwise nothing, or move it out of the pages folder",
            )
        )
    return warnings


def placeholders_left(document: YamlDocument | None) -> list[str]:
    """A warning for each thing `soundingboard init` left for the author to fill in and that
    is still there: words in [square brackets] in the privacy notice, an empty organisation
    or contact email, and the example ideas."""
    if document is None or not isinstance(document.data, dict):
        return []
    data = document.data
    path = document.path
    warnings = []
    notice = data.get("privacy_notice")
    if isinstance(notice, str):
        start = document.line_of(["privacy_notice"]) or 1
        lines = path.read_text(encoding="utf-8-sig").splitlines()
        for offset, text in enumerate(lines[start - 1 :]):
            for match in _PLACEHOLDER.finditer(text):
                if match.group(0) not in notice:
                    continue
                warnings.append(
                    with_fix(
                        f"{path}:{start + offset}: the privacy notice still says "
                        f"“{match.group(0)}”, which `soundingboard init` left to fill in",
                        f"replace “{match.group(0)}” with your own words",
                    )
                )
    for key, what, example in (
        ("organisation", "the organisation running the consultation", "Wrenbridge Council"),
        ("contact_email", "an email address readers can write to", "consultation@example.org"),
    ):
        if key in data and not (isinstance(data[key], str) and data[key].strip()):
            warnings.append(
                with_fix(
                    f"{path}:{document.line_of([key])}: “{key}” is empty",
                    f"write {what}, such as {example}, or remove the line",
                )
            )
    questionnaire = data.get("questionnaire")
    ideas = questionnaire.get("ideas") if isinstance(questionnaire, dict) else None
    for index, idea in enumerate(ideas if isinstance(ideas, list) else []):
        if isinstance(idea, dict) and idea.get("name") in _EXAMPLE_IDEAS:
            warnings.append(
                with_fix(
                    f"{path}:{document.line_of(['questionnaire', 'ideas', index, 'name'])}: "
                    f"“{idea['name']}” is the example idea `soundingboard init` wrote",
                    "replace it with one of your own ideas and its activities, or delete the "
                    "questionnaire section if you have no main questionnaire",
                )
            )
    return warnings
