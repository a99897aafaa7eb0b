"""What soundingboard's management commands share: the data directory, the database migrated
first, and the types of their arguments. Commands that read a consultation folder are
`soundingboard.publish.commands.ConsultationCommand`s.

Each operation (`export`, `themes`, `import-sheet`...) is a Django management command in its
app's `management/commands/`, a `SoundingboardCommand`. `soundingboard COMMAND` runs it (see
`cli`), as do `soundingboard manage COMMAND` and `call_command` in tests.

A command learns its consultation from its own CONSULTATION argument: it loads that folder
itself (`publish.commands.ConsultationCommand`), so it needs no environment set up for it.
`--data-dir` is different: the settings read the data directory when Django starts, so
`soundingboard` applies the option before starting Django, and a command refuses a
`--data-dir` that Django did not start with.

Modules here and in `management/commands/` import Django's models only inside `handle`, so that
`soundingboard --help` can list the commands before Django starts.
"""

from __future__ import annotations

import argparse
import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn, TextIO, cast

from django.core.management.base import BaseCommand, CommandError, CommandParser, OutputWrapper

from .data_dir import keep_files_private

Progress = Callable[[int, int], None]

DATA_DIR_HELP = (
    "where the SQLite database lives (default: $SOUNDINGBOARD_DATA_DIR or ./soundingboard-data); "
    "ignored when DATABASE_URL is set"
)


class SoundingboardCommand(BaseCommand):
    """A soundingboard operation. `help` is its one line in `soundingboard --help`;
    `description`, when given, the longer text of `soundingboard COMMAND --help`."""

    description = ""
    # Exit status when the command refuses to start: a bad option, consultation or file.
    refused = 1
    # No system checks: they would load the site's addresses and the consultations it serves,
    # and a command reads only the consultation it is given.
    requires_system_checks: list[str] = []
    # Django's own options still work, but `--help` shows only the command's.
    suppressed_base_arguments = {
        "--version",
        "--verbosity",
        "--settings",
        "--pythonpath",
        "--traceback",
        "--no-color",
        "--force-color",
    }

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.description = self.description or self.help
        parser.add_argument("--data-dir", type=Path, default=None, help=DATA_DIR_HELP)
        return parser

    def execute(self, *args: Any, **options: Any) -> str | None:
        from django.conf import settings

        self.stderr.style_func = None  # messages and warnings in plain text, not red
        data_dir = options.get("data_dir")
        if data_dir is not None and Path(data_dir).resolve() != Path(settings.DATA_DIR):
            raise CommandError(
                "--data-dir is read as Django starts: give it to the soundingboard command "
                "(soundingboard COMMAND ... --data-dir DIR), or set SOUNDINGBOARD_DATA_DIR",
                returncode=self.refused,
            )
        return super().execute(*args, **options)

    def refuse(self, message: str) -> NoReturn:
        raise CommandError(message, returncode=self.refused)

    def refuse_all(self, problems: Sequence[str], heading: str) -> NoReturn:
        """Refuse with the one problem, or with the heading and every problem under it."""
        if len(problems) == 1:
            self.refuse(problems[0])
        self.refuse(heading + "".join(f"\n- {problem}" for problem in problems))

    @staticmethod
    def stream(output: OutputWrapper) -> TextIO:
        """The stream behind `self.stdout` or `self.stderr`, for what writes parts of lines
        (progress bars, an export's chunks): the wrapper would end each part with a newline."""
        return cast(TextIO, output._out)  # set by OutputWrapper.__init__; not in the stubs

    def warn(self, message: str) -> None:
        self.stderr.write(f"warning: {message}")


@contextmanager
def progress_bar(stream: TextIO, *, quiet: bool = False) -> Iterator[tuple[Any, Progress]]:
    """A tqdm progress bar on `stream`, shown on a terminal only (and never when `quiet`),
    with the `progress(done, total)` function that moves it, for the services that report
    their progress that way."""
    from tqdm import tqdm

    with tqdm(file=stream, disable=True if quiet else None, dynamic_ncols=True) as bar:

        def progress(done: int, total: int) -> None:
            bar.total = max(total, 1)
            bar.n = done
            bar.refresh()

        yield bar, progress


def migrate_database() -> None:
    """Bring the database up to date before a command uses it (making the data directory
    first, private), as `serve` does: a command may be the first thing run on a new site."""
    from django.core.management import call_command

    keep_files_private()
    call_command("migrate", interactive=False, verbosity=0)


def iso_date(text: str) -> dt.date:
    """An argument type: a date like 2027-06-30."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"“{text}” is not a date like 2027-06-30") from None


def positive_int(text: str) -> int:
    """An argument type: a whole number of 1 or more."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"“{text}” is not a whole number of 1 or more")
    return value
