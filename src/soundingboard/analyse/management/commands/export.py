"""`soundingboard export`: a consultation's responses as CSV, XLSX or JSON, recorded in the
audit log.

Exit status: 0 written, 1 refused (a bad option or consultation).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.core.management.base import CommandParser

from soundingboard.core.commands import migrate_database
from soundingboard.publish.commands import ConsultationCommand


class Command(ConsultationCommand):
    help = "export a consultation's responses as CSV, XLSX or JSON"
    description = (
        "Write one row per response (accepted ones; suspected spam too with --include-spam). "
        "Contact details only with --with-contact-details. The export is recorded in the "
        "audit log. A progress bar shows on a terminal."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        self.add_consultation_arguments(parser)
        parser.add_argument("--format", required=True, choices=("csv", "xlsx", "json"))
        parser.add_argument(
            "--output",
            "-o",
            help="the file to write (default: SLUG-responses-DATE.FORMAT here; - for standard "
            "output, CSV and JSON only)",
        )
        parser.add_argument(
            "--with-contact-details",
            action="store_true",
            help="add each respondent's organisation and email (personal data: handle with care)",
        )
        parser.add_argument(
            "--include-spam", action="store_true", help="include responses kept aside as spam"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        consultation = self.consultation(options)
        format = options["format"]
        output = options["output"] or (
            f"{consultation.slug}-responses-{dt.date.today().isoformat()}.{format}"
        )
        if output == "-" and format == "xlsx":
            self.refuse("XLSX needs a file: give one with --output")
        migrate_database()
        from tqdm import tqdm

        from soundingboard.accounts import audit
        from soundingboard.analyse.exports import Export, describe_filter
        from soundingboard.analyse.filters import STATUSES, ResponseFilter

        statuses = STATUSES if options["include_spam"] else ("accepted",)
        flt = ResponseFilter.for_consultation(consultation, statuses=tuple(statuses))
        export = Export(consultation, flt, with_personal_data=options["with_contact_details"])
        total = export.count()
        audit.record(
            None,
            audit.Action.EXPORT,
            consultation=consultation.slug,
            detail={
                "format": format,
                "filter": describe_filter(flt) or "none",
                "statuses": list(statuses),
                "rows": total,
                "with_personal_data": export.with_personal_data,
                "via": "command line",
            },
        )
        stderr = self.stream(self.stderr)
        bar = tqdm(total=total, unit="response", file=stderr, disable=None, dynamic_ncols=True)
        with bar:
            if output == "-":
                stream = self.stream(self.stdout)
                export.write(format, stream, progress=bar.update)
                stream.flush()
            else:
                export.write(format, Path(output), progress=bar.update)
        where = "standard output" if output == "-" else output
        self.stderr.write(f"Exported {total:,} responses to {where}.")
