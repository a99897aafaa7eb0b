"""`soundingboard notify-published`: email everyone who asked to hear when the results of a
consultation are published, once, through the outbox.

Exit status: 0 done (or nobody on the list), 1 refused.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from soundingboard.core.commands import migrate_database
from soundingboard.publish.commands import ConsultationCommand


class Command(ConsultationCommand):
    help = "email everyone who asked to hear when the results are published"
    description = (
        "Queue one email, with the address of the results, to every respondent of the "
        "consultation who ticked 'Tell me by email when the results are published', and take "
        "them off the list: running it again sends nothing more. The worker (started by serve, "
        "or `soundingboard worker`) sends them. Recorded in the audit log."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        self.add_consultation_arguments(parser)
        parser.add_argument(
            "--url", required=True, help="the address where the results are published"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from django.conf import settings

        from soundingboard.analyse.publication import announce_results

        consultation = self.consultation(options)
        url = options["url"].strip()
        if not url.startswith(("https://", "http://")):
            self.refuse("--url must be a web address starting with https://")
        if not settings.SOUNDINGBOARD_EMAIL_ENABLED:
            self.refuse("no email can be sent: set SOUNDINGBOARD_EMAIL_URL first")
        migrate_database()
        count = announce_results(consultation, url, by=None, via="command line")
        self.stdout.write(
            f"Queued {count:,} email{'' if count == 1 else 's'} to respondents of "
            f"{consultation.slug}; the worker sends them."
        )
