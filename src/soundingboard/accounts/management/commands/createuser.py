"""`soundingboard createuser`: make an analyst account, or reset one's password or two-factor
authentication. `--consultation SLUG` (repeatable) limits a new account to those
consultations.

Exit status: 0 done, 1 refused (a bad username, password or option).
"""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import CommandParser
from django.urls import reverse

from soundingboard.core.commands import SoundingboardCommand, migrate_database
from soundingboard.core.served_address import address_in_use


class Command(SoundingboardCommand):
    help = "make an analyst account (or reset one's password or two-factor authentication)"
    description = (
        "Make an account for the analyst workspace at /-/analyse/. The password is asked for "
        "twice, unless --password-stdin is given."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", help="lower-case letters, numbers, full stops, - and _")
        parser.add_argument(
            "--role",
            choices=("admin", "analyst", "reader"),
            help="admin: accounts, settings and erasure, and all an analyst can; analyst: "
            "everything in a consultation, personal data included; reader: everything but "
            "personal data",
        )
        parser.add_argument("--email", default="", help="the account holder's email address")
        parser.add_argument(
            "--consultation",
            action="append",
            default=[],
            metavar="SLUG",
            help="limit the account to this consultation (repeat for more); without it, the "
            "account may see every consultation",
        )
        parser.add_argument(
            "--password-stdin",
            action="store_true",
            help="read the password from the first line of standard input instead of asking",
        )
        resets = parser.add_mutually_exclusive_group()
        resets.add_argument(
            "--reset-2fa",
            action="store_true",
            help="for an existing account: remove its authenticator app, to be set up again at "
            "the next sign-in",
        )
        resets.add_argument(
            "--reset-password",
            action="store_true",
            help="for an existing account: set a new password",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not (options["reset_2fa"] or options["reset_password"]) and not options["role"]:
            self.refuse("say which role the account has with --role")
        migrate_database()
        if options["reset_2fa"] or options["reset_password"]:
            self.reset(options)
        else:
            self.create(options)

    def reset(self, options: dict[str, Any]) -> None:
        from django.contrib.auth import get_user_model

        from soundingboard.accounts import audit
        from soundingboard.accounts import services as accounts

        username = options["username"]
        user = (
            get_user_model().objects.filter(username=accounts.normalise_username(username)).first()
        )
        if user is None:
            self.refuse(f"there is no account “{username}”")
        if options["reset_2fa"]:
            accounts.reset_two_factor(user)
            audit.record(
                None,
                audit.Action.TWO_FACTOR_RESET,
                detail={"account": user.username, "via": "command line"},
            )
            self.stdout.write(
                f"Two-factor authentication reset for {user.username}: they set it up again "
                "the next time they sign in."
            )
            return
        user.set_password(self.new_password(options, user))
        user.save(update_fields=["password"])
        audit.record(
            None,
            audit.Action.PASSWORD_RESET,
            detail={"account": user.username, "via": "command line"},
        )
        self.stdout.write(f"New password set for {user.username}.")

    def create(self, options: dict[str, Any]) -> None:
        from django.contrib.auth import get_user_model

        from soundingboard.accounts import services as accounts

        try:
            username = accounts.check_username(options["username"])
        except ValueError as error:
            self.refuse(str(error))
        role, email = options["role"], options["email"]
        limits = self.consultations(options["consultation"])
        password = self.new_password(options, get_user_model()(username=username, email=email))
        accounts.create_account(
            username, role, password=password, email=email, consultations=limits, via="command line"
        )
        self.stdout.write(f"Made the {role} account “{username}”.")
        if limits:
            self.stdout.write(f"It may see only: {', '.join(limits)}.")
        sign_in = reverse("analyse:sign-in")
        served_at = address_in_use()
        if served_at:
            self.stdout.write(f"Next: sign in at {served_at}{sign_in}")
        else:
            self.stdout.write(f"Next: sign in at {sign_in} on the site, once it is served")
        if role in ("admin", "analyst"):
            self.stdout.write(
                "and set up two-factor authentication with an authenticator app when asked."
            )

    def consultations(self, slugs: list[str]) -> list[str]:
        """The consultations named, checked against those the instance serves."""
        from soundingboard.accounts.consultations import all_consultations

        known = all_consultations()
        unknown = [slug for slug in slugs if slug not in known]
        if unknown:
            self.refuse(
                f"there is no consultation “{unknown[0]}”; the consultations are: "
                + (", ".join(known) or "none")
            )
        return sorted(set(slugs))

    def new_password(self, options: dict[str, Any], user: object) -> str:
        """The new password, asked for twice (or read from standard input) and checked; the
        command refuses, saying why, when it cannot be used."""
        from soundingboard.accounts.services import password_problems

        if options["password_stdin"]:
            password = sys.stdin.readline().rstrip("\r\n")
        else:
            import getpass

            try:
                password = getpass.getpass("Password: ")
                again = getpass.getpass("Password again: ")
            except (EOFError, KeyboardInterrupt):
                self.stderr.write("")
                self.refuse("nothing done")
            if password != again:
                self.refuse("the passwords do not match")
        problems = password_problems(password, user)
        if not password:
            problems = ["Enter a password"]
        if problems:
            self.refuse_all(problems, "the password cannot be used:")
        return password
