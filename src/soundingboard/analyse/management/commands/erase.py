"""`soundingboard erase`: erase one person's contact details, in every consultation, and on
request their responses.

Exit status: 0 erased (or nothing to erase), 1 refused or not confirmed.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from soundingboard.core.commands import SoundingboardCommand, migrate_database


class Command(SoundingboardCommand):
    help = "erase one person's contact details (and, on request, their responses)"
    description = (
        "Erase every contact record with this email address, in every consultation (matched "
        "without regard to case). Their answers are kept, without contact details, unless "
        "--with-responses is given."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--email", required=True, help="the email address they gave")
        parser.add_argument(
            "--with-responses",
            action="store_true",
            help="also delete their responses, with their scores and ticked activities",
        )
        parser.add_argument("--yes", action="store_true", help="do not ask for confirmation")

    def handle(self, *args: Any, **options: Any) -> None:
        migrate_database()
        from soundingboard.analyse.erasure import ErasureError, erase_contact, preview

        email, with_responses = options["email"], options["with_responses"]
        try:
            found = preview(email, responses=with_responses)
        except ErasureError as error:
            self.refuse(str(error))
        if not found.contacts:
            self.stdout.write(found.summary())
            return
        action = (
            f"delete {found.responses_deleted:,} response(s)"
            if with_responses
            else f"keep {found.responses_kept:,} response(s) without contact details"
        )
        self.stdout.write(
            f"Found {found.contacts:,} contact record{'s' if found.contacts != 1 else ''} "
            "with that email address "
            f"(consultations: {', '.join(found.consultations) or 'none'}). "
            f"Erasing them will {action}."
        )
        if not options["yes"]:
            try:
                answer = input("Erase? This cannot be undone. Type yes to go on: ")
            except EOFError:
                answer = ""
            if answer.strip().lower() not in ("y", "yes"):
                self.refuse("nothing erased")
        counts = erase_contact(email, responses=with_responses, by=None, via="command line")
        self.stdout.write(counts.summary())
