"""`soundingboard import`: another tool's export (CSV or XLSX) through a mapping file.

Exit status: 0 every row imported (or there already), 1 bad rows skipped, 2 nothing done
(the file, the mapping or the consultation would not do), 130 stopped with Ctrl+C (the rows
stored so far stay).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from soundingboard.core.commands import migrate_database
from soundingboard.publish.commands import ConsultationCommand


class Command(ConsultationCommand):
    help = "import another tool's export (CSV or XLSX) through a mapping file"
    refused = 2

    def add_arguments(self, parser: CommandParser) -> None:
        self.add_consultation_arguments(parser)
        parser.add_argument("file", type=Path, metavar="FILE", help="a .csv or .xlsx export")
        parser.add_argument(
            "--mapping",
            required=True,
            metavar="MAPPING",
            help="a mapping file (.yml), or the name of one that comes with soundingboard: "
            "original-feedback, original-main-feedback, survey-page-feedback",
        )
        parser.add_argument(
            "--sheet", help="the sheet of an XLSX file to read (the first when not given)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from soundingboard.collect.mapped_import import import_mapped
        from soundingboard.collect.mapping import MappingError, load_mapping
        from soundingboard.collect.tables import TableError, open_table

        consultation = self.consultation(options)
        try:
            mapping = load_mapping(options["mapping"])
            table = open_table(options["file"], options["sheet"])
            bound = mapping.bind(table, consultation)
        except (MappingError, TableError) as error:
            self.refuse(str(error))
        for warning in bound.warnings:
            self.warn(warning)
        migrate_database()
        try:
            report = import_mapped(consultation, bound)
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
