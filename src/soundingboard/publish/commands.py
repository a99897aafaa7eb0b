"""The base of every management command that reads a consultation folder: its CONSULTATION
argument (and --slug), loaded with its warnings shown, or a clear refusal."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.core.management.base import CommandParser

from ..core.commands import SoundingboardCommand

if TYPE_CHECKING:
    from .consultation import Consultation
    from .errors import Problem


class ConsultationCommand(SoundingboardCommand):
    """A command about one consultation: `add_consultation_arguments` in `add_arguments`,
    then `consultation(options)` in `handle`."""

    def add_consultation_arguments(self, parser: CommandParser) -> None:
        """CONSULTATION (stored as `folder`) and --slug, read by `consultation`."""
        parser.add_argument(
            "folder",
            type=Path,
            metavar="CONSULTATION",
            help="the consultation folder (or a folder of them, with --slug)",
        )
        parser.add_argument("--slug", help="the consultation, when CONSULTATION holds several")

    def consultation(self, options: dict[str, Any]) -> Consultation:
        """The consultation that CONSULTATION and --slug name, loaded with its warnings shown;
        the command refuses when they name none."""
        from .errors import ConsultationError
        from .registry import load_registry

        folder: Path = options["folder"]
        try:
            registry = load_registry([Path(folder)])
        except ConsultationError as error:
            self.refuse(loading_problems(error.problems))
        for warning in registry.warnings:
            self.warn(warning)
        slugs = ", ".join(registry.consultations)
        if options["slug"]:
            consultation = registry.get(options["slug"])
            if consultation is None:
                self.refuse(f"no consultation “{options['slug']}” in {folder} (it holds: {slugs})")
            return consultation
        consultation = registry.single
        if consultation is None:
            self.refuse(f"{folder} holds several consultations ({slugs}); say which with --slug")
        return consultation


def loading_problems(problems: Sequence[Problem]) -> str:
    """The message for consultation folders that do not load: every problem, one a line."""
    count = len(problems)
    return "".join(
        [
            f"{count} problem{'s' if count != 1 else ''} stop{'s' if count == 1 else ''} "
            "the consultation loading:",
            *(f"\n- {problem}" for problem in problems),
        ]
    )
