"""`soundingboard import-sheet`: import a tab of the original site's spreadsheet, saved as CSV.

Exit status: 0 every row imported (or there already), 1 bad rows skipped, 2 nothing done,
130 stopped with Ctrl+C (the rows stored so far stay).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from soundingboard.core.commands import migrate_database
from soundingboard.publish.commands import ConsultationCommand

# `sheet_import.TABS`, named here so that `--help` works before Django starts.
TABS = ("Feedback", "MainFeedback")


def tab_name(text: str) -> str:
    """The tab's name, however it was capitalised."""
    wanted = "".join(text.split()).casefold()
    return next((tab for tab in TABS if tab.casefold() == wanted), text)


class Command(ConsultationCommand):
    help = "import a tab of the original site's spreadsheet, saved as CSV"
    refused = 2

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
        for warning in sheet.warnings:
            self.warn(warning)
        migrate_database()
        try:
            report = import_sheet(consultation, sheet)
        except KeyboardInterrupt:
            raise CommandError(
                "stopped; the rows stored so far stay, and running the same command again "
                "carries on",
                returncode=130,
            ) from None
        self.stdout.write(report.summary(str(options["file"])))
        if report.skipped:
            raise CommandError(
                f"{report.skipped} bad row{'s' if report.skipped != 1 else ''} skipped: see "
                "the problems above",
                returncode=1,
            )
