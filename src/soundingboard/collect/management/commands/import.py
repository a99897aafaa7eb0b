"""`soundingboard import`: another tool's export (CSV or XLSX) through a mapping file.

Exit status: as `collect.import_command` says (2: the file, the mapping or the consultation
would not do).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandParser

from soundingboard.collect.import_command import ImportCommand


class Command(ImportCommand):
    help = "import another tool's export (CSV or XLSX) through a mapping file"

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
        self.run_import(
            lambda: import_mapped(consultation, bound), str(options["file"]), bound.warnings
        )
