"""`soundingboard themes`: candidate themes in a consultation's free-text answers, printed
with their labels, sizes, shares and quotes, and the duplicates counted once.

Exit status: 0 themes printed, 1 refused (a bad option or consultation, or no answers).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from soundingboard.core.commands import (
    iso_date,
    migrate_database,
    positive_int,
    progress_bar,
)
from soundingboard.publish.commands import ConsultationCommand

# Answers from which `themes` shows a progress bar (on a terminal).
PROGRESS_FROM = 2000
QUOTE_LENGTH = 300  # characters of a quote printed


class Command(ConsultationCommand):
    help = "find candidate themes in a consultation's free-text answers"
    description = (
        "Group the accepted answers into candidate themes, each with a label made from its "
        "most distinctive words, its size and share, and its most representative quotes; "
        "identical and near-identical answers (template or campaign text) are counted once. "
        "The same answers and options give the same themes. A progress bar shows on a "
        "terminal for large sets."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        self.add_consultation_arguments(parser)
        parser.add_argument(
            "--page",
            metavar="PATH",
            action="append",
            help="only feedback on this page: its address, like /models/ (/ for the home "
            "page); may be repeated",
        )
        parser.add_argument(
            "--field",
            help="which answers to read: summary, details (page feedback) or comments (the "
            "main questionnaire); default: all of them",
        )
        parser.add_argument(
            "--k",
            type=positive_int,
            metavar="N",
            help="how many themes to find (default: chosen automatically)",
        )
        parser.add_argument(
            "--representation",
            default=None,
            help="how answers are read: static (the static embedding, the default), tfidf "
            "(word counts, the fallback where the static embedding cannot be loaded) "
            "or sentence (the sentence model: the most accurate, and the slowest)",
        )
        parser.add_argument(
            "--role", action="append", help="only answers from this role; may be repeated"
        )
        parser.add_argument(
            "--nature", action="append", help="only this kind of feedback; may be repeated"
        )
        parser.add_argument(
            "--from", dest="date_from", type=iso_date, metavar="DATE", help="only answers "
            "sent on or after this day, like 2026-03-31 (in the consultation's time zone)",
        )  # fmt: skip
        parser.add_argument(
            "--to", dest="date_to", type=iso_date, metavar="DATE", help="only answers sent on "
            "or before this day",
        )  # fmt: skip

    def handle(self, *args: Any, **options: Any) -> None:
        from soundingboard.analyse.filters import ResponseFilter
        from soundingboard.analyse.themes import embedding
        from soundingboard.analyse.themes.engine import representations
        from soundingboard.analyse.themes.engine.fields import SelectionError
        from soundingboard.analyse.themes.selection import select_texts

        consultation = self.consultation(options)
        representation, field = options["representation"], options["field"]
        if representation is None:
            representation = "static" if embedding.availability().get("static") is None else "tfidf"
            options["representation"] = representation
        if representation not in representations.NAMES:
            names = representations.NAMES
            self.refuse(
                f"“{representation}” is not a representation: choose "
                f"{', '.join(names[:-1])} or {names[-1]}"
            )
        reason = embedding.availability().get(representation)
        if reason:
            self.refuse(reason)
        date_from, date_to = options["date_from"], options["date_to"]
        query = {
            "page": options["page"] or [],
            "role": options["role"] or [],
            "nature": options["nature"] or [],
            "from": [date_from.isoformat()] if date_from else [],
            "to": [date_to.isoformat()] if date_to else [],
        }
        flt, problems = ResponseFilter.from_query(query, consultation)
        if problems:
            self.refuse_all([p.message for p in problems], "these options cannot be used:")
        migrate_database()
        try:
            items = select_texts(consultation.slug, field=field, response_filter=flt)
        except SelectionError as error:
            self.refuse(str(error))
        if not items:
            self.refuse(
                "there are no answers to read"
                + (" with these options" if flt.is_filtered or field else "")
            )
        result = self.find_themes(items, options)
        self.print_themes(result, dict(items), flt.describe(), field)

    def find_themes(self, items: list[tuple[int, str]], options: dict[str, Any]) -> Any:
        """Themes for the items, with a progress bar on a terminal for large sets; stored
        vectors are read (and new ones kept) for the representations that are stored."""
        from soundingboard.analyse.themes import store
        from soundingboard.analyse.themes.engine.candidates import find_themes

        quiet = len(items) < PROGRESS_FROM
        with progress_bar(self.stream(self.stderr), quiet=quiet) as (bar, progress):

            def stage(name: str) -> None:
                bar.set_description(name)
                bar.reset(total=1)

            return find_themes(
                items,
                k=options["k"],
                representation=options["representation"],
                progress=progress,
                on_stage=stage,
                embed=store.cached_embed(progress=progress),
            )

    def print_themes(self, result: Any, texts: dict[int, str], filters: Any, field: Any) -> None:
        write = self.stdout.write
        answers = sum(len(t.response_ids) for t in result.themes)
        write(f"Representation: {result.representation}. {result.description}")
        read = f"Read {answers:,} answers"
        if field:
            read += f" ({field})"
        if filters:
            read += ": " + "; ".join(words for _, _, words in filters)
        write(read + ".")
        if result.duplicates:
            groups = len(result.duplicates)
            write(
                f"{sum(g.count for g in result.duplicates):,} of them are in {groups:,} "
                f"group{'' if groups == 1 else 's'} of duplicates, each counted once: "
                f"{result.total:,} in all."
            )
        write(f"{result.k} theme{'' if result.k == 1 else 's'}, largest first.")
        for number, theme in enumerate(result.themes, start=1):
            write("")
            write(theme.label if theme.is_other else f"{number}. {theme.label}")
            size = f"   Size {theme.size:,} ({theme.share:.1%})"
            if len(theme.response_ids) != theme.size:
                size += f"; {len(theme.response_ids):,} answers with duplicates"
            write(size)
            if theme.terms:
                write(f"   Words: {', '.join(theme.terms)}")
            for response_id in theme.quote_ids:
                write(f"   - “{one_line(texts[response_id])}” (response {response_id})")
        if result.duplicates:
            write("")
            write("Duplicates and campaigns (identical or near-identical answers)")
            for group in result.duplicates:
                kind = "identical" if group.exact else "near-identical"
                write(
                    f"   {group.count:,} {kind}: “{one_line(group.sample)}” "
                    f"(response {group.response_ids[0]})"
                )


def one_line(text: str) -> str:
    """The text on one line, cut to QUOTE_LENGTH characters."""
    text = " ".join(text.split())
    return text if len(text) <= QUOTE_LENGTH else text[: QUOTE_LENGTH - 1] + "…"
