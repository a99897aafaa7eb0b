"""What the import commands (`import-sheet`, `import`) share: running an import that has been
checked, then saying how it went, with the exit status.

Exit status: 0 every row imported (or there already), 1 bad rows skipped (or the file changed
while it was read: the rows stored so far stay), 2 nothing done (`refused`: before this runs,
or when the file cannot all be read, found as the import reads it through before storing
anything), 130 stopped with Ctrl+C (the rows stored so far stay).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from django.core.management.base import CommandError

from ..core.commands import migrate_database
from ..publish.commands import ConsultationCommand
from .tables import TableError, Unreadable

if TYPE_CHECKING:
    from .row_import import ImportReport


class ImportCommand(ConsultationCommand):
    refused = 2

    def run_import(
        self, run: Callable[[], ImportReport], name: str, warnings: Sequence[str] = ()
    ) -> None:
        """Show the warnings, bring the database up to date, run the import and sum it up."""
        for warning in warnings:
            self.warn(warning)
        migrate_database()
        try:
            report = run()
        except Unreadable as error:  # found reading the file through: nothing was stored
            self.refuse(str(error))
        except TableError as error:  # the file changed while read, or a sheet's row is damaged
            raise CommandError(
                f"{error}; the rows stored so far stay, and running the same command again "
                "(once the file is mended) carries on",
                returncode=1,
            ) from None
        except KeyboardInterrupt:
            raise CommandError(
                "stopped; the rows stored so far stay, and running the same command again "
                "carries on",
                returncode=130,
            ) from None
        self.stdout.write(report.summary(name))
        if report.skipped:
            raise CommandError(
                f"{report.skipped} bad row{'s' if report.skipped != 1 else ''} skipped: see "
                "the problems above",
                returncode=1,
            )
