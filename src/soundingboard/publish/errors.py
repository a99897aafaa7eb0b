"""The one error type for a consultation folder that cannot be loaded.

Every message names the file, the line where it is known, what is wrong and how to fix it,
because the person reading it is editing a folder of Markdown, not debugging Python.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass
class Problem:
    """One thing wrong with a consultation folder."""

    file: Path
    message: str
    fix: str = ""
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else str(self.file)
        text = f"{where}: {self.message}"
        if self.fix:
            text += f"\n  How to fix it: {self.fix}"
        return text


def with_fix(message: str, fix: str) -> str:
    """A warning's text with how to fix it, laid out as a `Problem`'s."""
    return f"{message}\n  How to fix it: {fix}"


def in_line_order(problems: list[Problem]) -> list[Problem]:
    """Problems file by file (in the order the files first come), each file's in line order."""
    first_seen: dict[Path, int] = {}
    for problem in problems:
        first_seen.setdefault(problem.file, len(first_seen))
    return sorted(problems, key=lambda p: (first_seen[p.file], p.line or 0))


class ConsultationError(Exception):
    """A consultation folder has one or more problems that stop it loading, in line order."""

    def __init__(self, problems: list[Problem]):
        self.problems = in_line_order(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


def not_utf8(path: Path, error: UnicodeDecodeError) -> Problem:
    """A file that is not UTF-8 text, with the line of its first character that is not."""
    line = error.object[: error.start].count(b"\n") + 1
    return Problem(
        path,
        "is not UTF-8 text: this line has a character saved in another encoding",
        "save the file as UTF-8 (in most editors: Save As, then Encoding: UTF-8)",
        line=line,
    )
