"""`soundingboard embed`: compute and store the vectors of new answers, once or, with
--follow, every few seconds as answers arrive, so that finding themes reads them instead.

Exit status: 0 done (or stopped with Ctrl+C when following), 1 refused.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import CommandParser

from soundingboard.core.commands import migrate_database, positive_int
from soundingboard.publish.commands import ConsultationCommand


class Command(ConsultationCommand):
    help = "compute and store the vectors of new answers, for faster themes"
    description = (
        "Compute the vectors of the accepted answers that have none yet, and store them, so "
        "that finding themes with this representation reads them instead. With --follow, keep "
        "doing so every few seconds as answers arrive, until stopped (Ctrl+C)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        self.add_consultation_arguments(parser)
        parser.add_argument(
            "--representation",
            default="sentence",
            help="sentence (the default) or static",
        )
        parser.add_argument(
            "--follow", action="store_true", help="keep computing vectors as answers arrive"
        )
        parser.add_argument(
            "--every",
            type=positive_int,
            default=5,
            metavar="SECONDS",
            help="with --follow: how often to look for new answers (default: %(default)s)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from soundingboard.analyse.themes.store import STORED

        consultation = self.consultation(options)
        representation = options["representation"]
        if representation not in STORED:
            self.refuse(f"“{representation}” vectors are not stored: choose {' or '.join(STORED)}")
        migrate_database()
        try:
            if options["follow"]:
                self.stdout.write(
                    f"Computing the {representation} vectors of new answers to "
                    f"{consultation.slug} every {options['every']} seconds; stop with Ctrl+C."
                )
                self.stdout.flush()
            self.embed(consultation.slug, representation, options)
        except KeyboardInterrupt:
            self.stderr.write("\nStopped; the vectors stored so far are kept.")

    def embed(self, slug: str, representation: str, options: dict[str, Any]) -> None:
        """Store the new answers' vectors; with --follow, again every --every seconds."""
        from soundingboard.analyse.themes.engine.sentence_model import RepresentationUnavailable
        from soundingboard.analyse.themes.store import embed_pending

        while True:
            try:
                stored = embed_pending(slug, representation)
            except RepresentationUnavailable as error:
                self.refuse(str(error))
            if stored or not options["follow"]:
                self.stdout.write(
                    f"Stored the {representation} vectors of {stored:,} new "
                    f"answer{'' if stored == 1 else 's'} to {slug}."
                )
                self.stdout.flush()
            if not options["follow"]:
                return
            time.sleep(options["every"])
