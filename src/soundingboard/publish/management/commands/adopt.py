"""`soundingboard adopt DIR`: make an existing MkDocs project a consultation, changing none of
its files: write `consultation.yml` beside `mkdocs.yml` (see `publish.adopt`), say what could
not be worked out, then load the folder as `check` would.

Exit status: 0 written and loading, 1 refused (no mkdocs.yml, consultation.yml already there
without --force) or written but not loading.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from django.core.management.base import CommandParser

from soundingboard.core.commands import SoundingboardCommand


class Command(SoundingboardCommand):
    help = "make an existing MkDocs project a consultation, changing none of its files"
    description = (
        "Write consultation.yml beside mkdocs.yml: the title, the organisation where mkdocs.yml "
        "names it, allowed_origins from site_url, the pages from nav, and the main "
        "questionnaire from a form pasted into a page (its ideas, scales, activities, and the "
        "names its script sends). No other file is changed. Then load the folder as `check` "
        "does. What could not be worked out is listed, with file and line."
    )
    # Reads and writes the project folder only: no database, no data directory.
    needs_no_data = True

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("folder", type=Path, metavar="DIR", help="the folder with mkdocs.yml")
        parser.add_argument(
            "--force", action="store_true", help="replace a consultation.yml already there"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from soundingboard.publish.adopt import adoption, config_path, write_config
        from soundingboard.publish.commands import loading_problems
        from soundingboard.publish.errors import ConsultationError
        from soundingboard.publish.loader import MKDOCS_FILES, load_consultation

        folder: Path = options["folder"]
        if not folder.is_dir():
            self.refuse(f"{folder} is not a folder; give the folder that holds mkdocs.yml")
        target = config_path(folder)
        if target.is_symlink():
            self.refuse(
                f"{target} is a link (to {os.readlink(target)}), so nothing was written: "
                "adopt writes consultation.yml only as a file of the folder's own; remove the "
                "link and run adopt again"
            )
        if target.exists() and not options["force"]:
            self.refuse(
                f"{target} already exists, so nothing was written; `soundingboard check "
                f"{folder}` checks it, or run adopt again with --force to replace it"
            )
        try:
            found = adoption(folder)
        except ConsultationError as error:
            self.refuse(loading_problems(error.problems))
        mkdocs_path = next(folder / n for n in MKDOCS_FILES if (folder / n).is_file())
        write_config(target, found.text(mkdocs_path.name), mkdocs_path)
        self.stdout.write(f"Wrote {target}.")
        if found.questionnaire_page is not None:
            ideas = found.settings["questionnaire"]["ideas"]
            self.stdout.write(
                f"The main questionnaire, {len(ideas)} idea{'s' if len(ideas) != 1 else ''}, "
                f"comes from the form in {found.questionnaire_page}; that page is served with "
                "its own words and soundingboard's questionnaire in place of the form."
            )
        if found.notes:
            self.stdout.write("What adopt could not work out (edit consultation.yml to settle):")
            for note in found.notes:
                self.stdout.write(f"- {note}")
        try:
            consultation = load_consultation(folder)
        except ConsultationError as error:
            self.refuse(
                f"{target} was written, but the folder does not load yet. "
                + loading_problems(error.problems)
            )
        pages = len(consultation.pages)
        self.stdout.write(
            f"It loads: {consultation.title}, {pages} page{'s' if pages != 1 else ''}. Next: "
            f"soundingboard check {folder}, then soundingboard serve {folder}"
        )
