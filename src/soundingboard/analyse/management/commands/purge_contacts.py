"""`soundingboard purge-contacts`: remove the contact details of a consultation's responses
after the retention date, keeping the answers.

Exit status: 0 done (or nothing to purge), 1 refused.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import CommandParser

from soundingboard.core.commands import iso_date, migrate_database
from soundingboard.publish.commands import ConsultationCommand


class Command(ConsultationCommand):
    help = "remove contact details after the retention date, keeping the answers"
    description = (
        "Remove the contact details of the consultation's responses submitted before DATE (by "
        "default: once contact_retention_until in consultation.yml has passed, every response "
        "up to the end of that day). Contact details also given with a later response, or to "
        "another consultation, are kept."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        self.add_consultation_arguments(parser)
        parser.add_argument(
            "--before",
            type=iso_date,
            metavar="DATE",
            help="a date like 2027-06-30: responses submitted before the start of that day "
            "(in the consultation's time zone)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from soundingboard.analyse.erasure import ErasureError, purge_contacts, retention_cutoff

        consultation = self.consultation(options)
        today = dt.datetime.now(consultation.settings.zone()).date()
        try:
            before = retention_cutoff(consultation, options["before"], today)
        except ErasureError as error:
            self.refuse(str(error))
        migrate_database()
        counts = purge_contacts(consultation, before=before, by=None, via="command line")
        self.stdout.write(
            f"Removed {counts.contacts:,} contact records of {consultation.slug} responses "
            f"submitted before {before.isoformat()}; {counts.responses_kept:,} responses kept "
            "without contact details."
        )
