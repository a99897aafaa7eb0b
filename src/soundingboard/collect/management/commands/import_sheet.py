"""`soundingboard import-sheet`: import a tab of the original site's spreadsheet, saved as CSV.

Exit status: as `collect.import_command` says.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandParser

from soundingboard.collect.import_command import ImportCommand

# `sheet_import.TABS`, named here so that `--help` works before Django starts.
TABS = ("Feedback", "MainFeedback")


def tab_name(text: str) -> str:
    """The tab's name, however it was capitalised."""
    wanted = "".join(text.split()).casefold()
    return next((tab for tab in TABS if tab.casefold() == wanted), text)


class Command(ImportCommand):
    help = "import a tab of the original site's spreadsheet, saved as CSV"

    def add_arguments(self, parser: CommandParser) -> None:
        self.add_consultation_arguments(parser)
        parser.add_argument("file", type=Path, metavar="FILE.csv", help="one tab, saved as CSV")
        parser.add_argument(
            "--tab",
            required=True,
            type=tab_name,
            choices=TABS,
            help="which tab the file is: Feedback (feedback on pages) or MainFeedback (the "
            "main questionnaire)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from soundingboard.collect.sheet_import import (
            SheetError,
            check_tab,
            import_sheet,
            read_sheet,
        )

        consultation = self.consultation(options)
        try:
            check_tab(consultation, options["tab"])
            sheet = read_sheet(options["file"], options["tab"])
        except SheetError as error:
            self.refuse(str(error))
        self.run_import(
            lambda: import_sheet(consultation, sheet), str(options["file"]), sheet.warnings
        )
