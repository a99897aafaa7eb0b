"""The `soundingboard` command: make, check and serve consultation folders.

Settings come from environment variables (see `settings`), so each sub-command sets them from
its options before Django starts.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
EXAMPLE_DIR = PACKAGE_DIR / "example"
SCAFFOLD_DIR = PACKAGE_DIR / "scaffold"


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return 2
    return int(args.run(args) or 0)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="soundingboard",
        description="Publish a consultation paper, collect feedback on it, analyse the responses.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    init = commands.add_parser("init", help="make a new consultation folder that works at once")
    init.add_argument("folder", type=Path, help="the folder to create")
    init.add_argument("--title", help="the consultation's title (default: from the folder name)")
    init.set_defaults(run=_init)

    check = commands.add_parser("check", help="load consultation folders and report problems")
    check.add_argument("folders", type=Path, nargs="+", metavar="FOLDER")
    check.set_defaults(run=_check)

    serve = commands.add_parser("serve", help="serve consultation folders with gunicorn")
    serve.add_argument("folders", type=Path, nargs="+", metavar="FOLDER")
    _serving_options(serve)
    serve.set_defaults(run=_serve)

    demo = commands.add_parser("demo", help="serve the bundled example consultation")
    _serving_options(demo)
    demo.set_defaults(run=lambda args: _serve(args, folders=[EXAMPLE_DIR]))

    sheet = commands.add_parser(
        "import-sheet", help="import a tab of the original site's spreadsheet, saved as CSV"
    )
    sheet.add_argument(
        "folder",
        type=Path,
        metavar="CONSULTATION",
        help="the consultation folder (or a folder of them, with --slug)",
    )
    sheet.add_argument("file", type=Path, metavar="FILE.csv", help="one tab, saved as CSV")
    sheet.add_argument(
        "--tab",
        required=True,
        type=_tab_name,
        choices=SHEET_TABS,
        help="which tab the file is: Feedback (feedback on pages) or MainFeedback (the main "
        "questionnaire)",
    )
    sheet.add_argument(
        "--slug", help="the consultation to import into, when CONSULTATION holds several"
    )
    sheet.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help="where the SQLite database lives (default: $SOUNDINGBOARD_DATA_DIR or "
        "./soundingboard-data); ignored when DATABASE_URL is set",
    )
    sheet.set_defaults(run=_import_sheet)

    user = commands.add_parser(
        "createuser",
        help="make an analyst account (or reset one's password or two-factor authentication)",
        description="Make an account for the analyst workspace at /analyse/. The password is "
        "asked for twice, unless --password-stdin is given.",
    )
    user.add_argument("username", help="lower-case letters, numbers, full stops, - and _")
    user.add_argument(
        "--role",
        choices=("admin", "analyst", "reader"),
        help="admin: accounts, settings and erasure, and all an analyst can; analyst: "
        "everything in a consultation, personal data included; reader: everything but "
        "personal data",
    )
    user.add_argument("--email", default="", help="the account holder's email address")
    user.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from the first line of standard input instead of asking",
    )
    resets = user.add_mutually_exclusive_group()
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
    user.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help="where the SQLite database lives (default: $SOUNDINGBOARD_DATA_DIR or "
        "./soundingboard-data); ignored when DATABASE_URL is set",
    )
    user.set_defaults(run=_createuser)

    export = commands.add_parser(
        "export",
        help="export a consultation's responses as CSV, XLSX or JSON",
        description="Write one row per response (accepted ones; suspected spam too with "
        "--include-spam). Contact details only with --with-contact-details. The export is "
        "recorded in the audit log. A progress bar shows on a terminal.",
    )
    export.add_argument(
        "folder",
        type=Path,
        metavar="CONSULTATION",
        help="the consultation folder (or a folder of them, with --slug)",
    )
    export.add_argument("--format", required=True, choices=("csv", "xlsx", "json"))
    export.add_argument(
        "--output",
        "-o",
        help="the file to write (default: SLUG-responses-DATE.FORMAT here; - for standard "
        "output, CSV and JSON only)",
    )
    export.add_argument(
        "--with-contact-details",
        action="store_true",
        help="add each respondent's organisation and email (personal data: handle with care)",
    )
    export.add_argument(
        "--include-spam", action="store_true", help="include responses kept aside as spam"
    )
    export.add_argument("--slug", help="the consultation, when CONSULTATION holds several")
    _data_dir_option(export)
    export.set_defaults(run=_export)

    erase = commands.add_parser(
        "erase",
        help="erase one person's contact details (and, on request, their responses)",
        description="Erase every contact record with this email address, in every "
        "consultation (matched without regard to case). Their answers are kept, without "
        "contact details, unless --with-responses is given.",
    )
    erase.add_argument("--email", required=True, help="the email address they gave")
    erase.add_argument(
        "--with-responses",
        action="store_true",
        help="also delete their responses, with their scores and ticked activities",
    )
    erase.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    _data_dir_option(erase)
    erase.set_defaults(run=_erase)

    purge = commands.add_parser(
        "purge-contacts",
        help="remove contact details after the retention date, keeping the answers",
        description="Remove the contact details of the consultation's responses submitted "
        "before DATE (by default: once contact_retention_until in consultation.yml has "
        "passed, every response up to the end of that day). Contact details also given with "
        "a later response, or to another consultation, are kept.",
    )
    purge.add_argument(
        "folder",
        type=Path,
        metavar="CONSULTATION",
        help="the consultation folder (or a folder of them, with --slug)",
    )
    purge.add_argument(
        "--before",
        type=_date,
        metavar="DATE",
        help="a date like 2027-06-30: responses submitted before the start of that day (in "
        "the consultation's time zone)",
    )
    purge.add_argument("--slug", help="the consultation, when CONSULTATION holds several")
    _data_dir_option(purge)
    purge.set_defaults(run=_purge_contacts)

    _theme_commands(commands)

    manage = commands.add_parser(
        "manage", help="run a Django management command (for administrators)", add_help=False
    )
    manage.add_argument("arguments", nargs=argparse.REMAINDER)
    manage.set_defaults(run=_manage)
    return parser


def _serving_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default: %(default)s)"
    )
    parser.add_argument(
        "--port",
        type=int,
        default=int(os.environ.get("PORT", "8000")),
        help="port to listen on (default: $PORT or 8000)",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=None,
        help="gunicorn worker processes (default: one per CPU core, at least 2)",
    )
    parser.add_argument(
        "--no-proxy",
        action="store_true",
        help="run gunicorn alone on the address, without nginx in front: only behind a "
        "buffering proxy of your own (docs/running-in-production.md)",
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help="where the SQLite database and secret key live (default: $SOUNDINGBOARD_DATA_DIR "
        "or ./soundingboard-data); ignored for the database when DATABASE_URL is set",
    )


def _init(args: argparse.Namespace) -> int:
    from .publish.settings_schema import slugify_folder_name

    folder: Path = args.folder
    if folder.exists() and any(folder.iterdir()):
        print(
            f"soundingboard: {folder} already exists and is not empty; give a new folder",
            file=sys.stderr,
        )
        return 1
    shutil.copytree(SCAFFOLD_DIR, folder, dirs_exist_ok=True)
    title = args.title or folder.resolve().name.replace("-", " ").replace("_", " ").capitalize()
    config = folder / "consultation.yml"
    lines = config.read_text(encoding="utf-8").splitlines(keepends=True)
    replaced = {
        "title:": f"title: {_yaml_string(title)}\n",
        "slug:": f"slug: {slugify_folder_name(folder.resolve().name)}\n",
    }
    config.write_text(
        "".join(
            next((new for key, new in replaced.items() if line.startswith(key)), line)
            for line in lines
        ),
        encoding="utf-8",
    )
    print(f"Made a consultation folder in {folder}.")
    print(f"Edit {config} and the Markdown pages, then run: soundingboard serve {folder}")
    return 0


def _yaml_string(text: str) -> str:
    import json

    return json.dumps(text, ensure_ascii=False)  # a JSON string is a valid YAML string


def _setup_django(folders: Sequence[Path], data_dir: Path | None = None) -> None:
    """Django, serving these consultation folders."""
    os.environ["SOUNDINGBOARD_CONSULTATIONS"] = os.pathsep.join(str(f.resolve()) for f in folders)
    _setup_django_only(data_dir)


def _setup_django_only(data_dir: Path | None) -> None:
    """Django, for a command that reads no consultation folder."""
    if data_dir is not None:
        os.environ["SOUNDINGBOARD_DATA_DIR"] = str(data_dir.resolve())
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "soundingboard.settings")
    import django

    django.setup()


def _load_or_report(folders: Sequence[Path]):  # type: ignore[no-untyped-def]
    from .publish.errors import ConsultationError
    from .publish.registry import get_registry

    try:
        registry = get_registry()
    except ConsultationError as error:
        count = len(error.problems)
        print(
            f"soundingboard: {count} problem{'s' if count != 1 else ''} stop"
            f"{'s' if count == 1 else ''} the consultation loading:",
            file=sys.stderr,
        )
        for problem in error.problems:
            print(f"- {problem}", file=sys.stderr)
        return None
    for warning in registry.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    return registry


def _check(args: argparse.Namespace) -> int:
    _setup_django(args.folders)
    registry = _load_or_report(args.folders)
    if registry is None:
        return 1
    for consultation in registry.consultations.values():
        print(f"{consultation.title} ({consultation.slug}): {len(consultation.pages)} pages")
        for page in consultation.pages:
            print(f"  {consultation.url_prefix}{page.path}  {page.title}")
    return 0


def _serve(args: argparse.Namespace, folders: Sequence[Path] | None = None) -> int:
    folders = list(folders or args.folders)
    _setup_django(folders, args.data_dir)
    registry = _load_or_report(folders)
    if registry is None:
        return 1
    from .serving import prepare_database_and_static, proxy_problem, serve

    problem = proxy_problem(proxy=not args.no_proxy) or prepare_database_and_static()
    if problem:
        print(f"soundingboard: {problem}", file=sys.stderr)
        return 1
    addresses = [
        f"http://{args.host}:{args.port}{c.url_prefix}" for c in registry.consultations.values()
    ]
    print("Serving " + ", ".join(addresses), flush=True)
    return serve(host=args.host, port=args.port, workers=args.workers, proxy=not args.no_proxy)


SHEET_TABS = ("Feedback", "MainFeedback")


def _tab_name(text: str) -> str:
    """The tab's name, however it was capitalised."""
    wanted = "".join(text.split()).casefold()
    return next((tab for tab in SHEET_TABS if tab.casefold() == wanted), text)


def _import_sheet(args: argparse.Namespace) -> int:
    """Exit status: 0 every row imported (or there already), 1 bad rows skipped, 2 nothing done."""
    consultation = _pick_consultation(args)
    if consultation is None:
        return 2
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    from .collect.sheet_import import SheetError, check_tab, import_sheet, read_sheet

    try:
        check_tab(consultation, args.tab)
        sheet = read_sheet(args.file, args.tab)
    except SheetError as error:
        print(f"soundingboard: {error}", file=sys.stderr)
        return 2
    for warning in sheet.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    if connection.vendor == "sqlite":
        settings.DATA_DIR.mkdir(parents=True, exist_ok=True)
    call_command("migrate", interactive=False, verbosity=0)
    try:
        report = import_sheet(consultation, sheet)
    except KeyboardInterrupt:
        print(
            "\nsoundingboard: stopped; the rows stored so far stay, and running the same "
            "command again carries on",
            file=sys.stderr,
        )
        return 130
    print(report.summary(str(args.file)))
    return 1 if report.skipped else 0


def _createuser(args: argparse.Namespace) -> int:
    """Exit status: 0 done, 1 refused (a bad username, password or option)."""
    if not (args.reset_2fa or args.reset_password) and not args.role:
        print("soundingboard: say which role the account has with --role", file=sys.stderr)
        return 1
    _setup_django_only(args.data_dir)
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    if connection.vendor == "sqlite":
        settings.DATA_DIR.mkdir(parents=True, exist_ok=True)
    call_command("migrate", interactive=False, verbosity=0)

    from django.contrib.auth import get_user_model

    from .analyse import accounts, audit

    if args.reset_2fa or args.reset_password:
        user = (
            get_user_model()
            .objects.filter(username=accounts.normalise_username(args.username))
            .first()
        )
        if user is None:
            print(f"soundingboard: there is no account “{args.username}”", file=sys.stderr)
            return 1
        if args.reset_2fa:
            accounts.reset_two_factor(user)
            audit.record(
                None,
                audit.Action.TWO_FACTOR_RESET,
                detail={"account": user.username, "via": "command line"},
            )
            print(
                f"Two-factor authentication reset for {user.username}: they set it up again "
                "the next time they sign in."
            )
            return 0
        password = _new_password(args, user)
        if password is None:
            return 1
        user.set_password(password)
        user.save(update_fields=["password"])
        audit.record(
            None,
            audit.Action.PASSWORD_RESET,
            detail={"account": user.username, "via": "command line"},
        )
        print(f"New password set for {user.username}.")
        return 0

    try:
        username = accounts.check_username(args.username)
    except ValueError as error:
        print(f"soundingboard: {error}", file=sys.stderr)
        return 1
    user_model = get_user_model()
    password = _new_password(args, user_model(username=username, email=args.email))
    if password is None:
        return 1
    accounts.create_account(
        username, args.role, password=password, email=args.email, via="command line"
    )
    print(f"Made the {args.role} account “{username}”.")
    print("Next: sign in at /analyse/sign-in/ on the site (for example")
    print("  http://127.0.0.1:8000/analyse/sign-in/ with `soundingboard serve`)")
    if args.role in ("admin", "analyst"):
        print("and set up two-factor authentication with an authenticator app when asked.")
    return 0


def _new_password(args: argparse.Namespace, user: object) -> str | None:
    """The new password, asked for twice (or read from standard input) and checked; None
    (and a message) if it cannot be used."""
    from .analyse.accounts import password_problems

    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        import getpass

        try:
            password = getpass.getpass("Password: ")
            again = getpass.getpass("Password again: ")
        except (EOFError, KeyboardInterrupt):
            print("\nsoundingboard: nothing done", file=sys.stderr)
            return None
        if password != again:
            print("soundingboard: the passwords do not match", file=sys.stderr)
            return None
    problems = password_problems(password, user)
    if not password:
        problems = ["Enter a password"]
    for problem in problems:
        print(f"soundingboard: {problem}", file=sys.stderr)
    return None if problems else password


def _data_dir_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help="where the SQLite database lives (default: $SOUNDINGBOARD_DATA_DIR or "
        "./soundingboard-data); ignored when DATABASE_URL is set",
    )


def _date(text: str):  # type: ignore[no-untyped-def]
    import datetime as dt

    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"“{text}” is not a date like 2027-06-30") from None


def _pick_consultation(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    """Django set up for CONSULTATION (and --data-dir), then the consultation it and --slug
    name, or None after saying why not."""
    _setup_django([args.folder], args.data_dir)
    registry = _load_or_report([args.folder])
    if registry is None:
        return None
    slugs = ", ".join(registry.consultations)
    if args.slug:
        consultation = registry.get(args.slug)
        if consultation is None:
            print(
                f"soundingboard: no consultation “{args.slug}” in {args.folder} (it holds: "
                f"{slugs})",
                file=sys.stderr,
            )
        return consultation
    consultation = registry.single
    if consultation is None:
        print(
            f"soundingboard: {args.folder} holds several consultations ({slugs}); "
            "say which with --slug",
            file=sys.stderr,
        )
    return consultation


def _migrated_database() -> None:
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    if connection.vendor == "sqlite":
        settings.DATA_DIR.mkdir(parents=True, exist_ok=True)
    call_command("migrate", interactive=False, verbosity=0)


def _export(args: argparse.Namespace) -> int:
    """Exit status: 0 written, 1 refused (bad option or consultation)."""
    import datetime as dt

    consultation = _pick_consultation(args)
    if consultation is None:
        return 1
    output = args.output or f"{consultation.slug}-responses-{dt.date.today().isoformat()}"
    if not args.output:
        output += f".{args.format}"
    if output == "-" and args.format == "xlsx":
        print("soundingboard: XLSX needs a file: give one with --output", file=sys.stderr)
        return 1
    _migrated_database()
    from tqdm import tqdm

    from .analyse import audit
    from .analyse.exports import Export, describe_filter
    from .analyse.filters import STATUSES, ResponseFilter

    statuses = STATUSES if args.include_spam else ("accepted",)
    flt = ResponseFilter.for_consultation(consultation, statuses=tuple(statuses))
    export = Export(consultation, flt, with_personal_data=args.with_contact_details)
    total = export.count()
    audit.record(
        None,
        audit.Action.EXPORT,
        consultation=consultation.slug,
        detail={
            "format": args.format,
            "filter": describe_filter(flt) or "none",
            "statuses": list(statuses),
            "rows": total,
            "with_personal_data": export.with_personal_data,
            "via": "command line",
        },
    )
    with tqdm(
        total=total, unit="response", file=sys.stderr, disable=None, dynamic_ncols=True
    ) as bar:
        if output == "-":
            export.write(args.format, sys.stdout, progress=bar.update)
            sys.stdout.flush()
        else:
            export.write(args.format, Path(output), progress=bar.update)
    where = "standard output" if output == "-" else output
    print(f"Exported {total:,} responses to {where}.", file=sys.stderr)
    return 0


def _erase(args: argparse.Namespace) -> int:
    """Exit status: 0 erased (or nothing to erase), 1 refused or not confirmed."""
    _setup_django_only(args.data_dir)
    _migrated_database()
    from .analyse.erasure import ErasureError, erase_contact, preview

    try:
        found = preview(args.email, responses=args.with_responses)
    except ErasureError as error:
        print(f"soundingboard: {error}", file=sys.stderr)
        return 1
    if not found.contacts:
        print(found.summary())
        return 0
    action = (
        f"delete {found.responses_deleted:,} response(s)"
        if args.with_responses
        else f"keep {found.responses_kept:,} response(s) without contact details"
    )
    print(
        f"Found {found.contacts:,} contact record{'s' if found.contacts != 1 else ''} with "
        "that email address "
        f"(consultations: {', '.join(found.consultations) or 'none'}). "
        f"Erasing them will {action}."
    )
    if not args.yes:
        try:
            answer = input("Erase? This cannot be undone. Type yes to go on: ")
        except EOFError:
            answer = ""
        if answer.strip().lower() not in ("y", "yes"):
            print("soundingboard: nothing erased", file=sys.stderr)
            return 1
    counts = erase_contact(args.email, responses=args.with_responses, by=None, via="command line")
    print(counts.summary())
    return 0


def _purge_contacts(args: argparse.Namespace) -> int:
    """Exit status: 0 done (or nothing to purge), 1 refused."""
    consultation = _pick_consultation(args)
    if consultation is None:
        return 1
    import datetime as dt

    from .analyse.erasure import ErasureError, purge_contacts, retention_cutoff

    today = dt.datetime.now(consultation.settings.zone()).date()
    try:
        before = retention_cutoff(consultation, args.before, today)
    except ErasureError as error:
        print(f"soundingboard: {error}", file=sys.stderr)
        return 1
    _migrated_database()
    counts = purge_contacts(consultation, before=before, by=None, via="command line")
    print(
        f"Removed {counts.contacts:,} contact records of {consultation.slug} responses "
        f"submitted before {before.isoformat()}; {counts.responses_kept:,} responses kept "
        "without contact details."
    )
    return 0


def _theme_commands(commands: argparse._SubParsersAction) -> None:
    themes = commands.add_parser(
        "themes",
        help="find candidate themes in a consultation's free-text answers",
        description="Group the accepted answers into candidate themes, each with a label "
        "made from its most distinctive words, its size and share, and its most "
        "representative quotes; identical and near-identical answers (template or campaign "
        "text) are counted once. The same answers and options give the same themes. A "
        "progress bar shows on a terminal for large sets.",
    )
    themes.add_argument(
        "folder",
        type=Path,
        metavar="CONSULTATION",
        help="the consultation folder (or a folder of them, with --slug)",
    )
    themes.add_argument(
        "--page",
        metavar="PATH",
        action="append",
        help="only feedback on this page: its address, like /models/ (/ for the home page); "
        "may be repeated",
    )
    themes.add_argument(
        "--field",
        help="which answers to read: summary, details (page feedback) or comments (the main "
        "questionnaire); default: all of them",
    )
    themes.add_argument(
        "--k",
        type=_positive,
        metavar="N",
        help="how many themes to find (default: chosen automatically)",
    )
    themes.add_argument(
        "--representation",
        default="tfidf",
        help="how answers are read: tfidf (word counts, the default), static (the static "
        "embedding: run build-static-embedding first) or sentence (the sentence model: "
        "needs the embeddings extra)",
    )
    themes.add_argument(
        "--role", action="append", help="only answers from this role; may be repeated"
    )
    themes.add_argument(
        "--nature", action="append", help="only this kind of feedback; may be repeated"
    )
    themes.add_argument(
        "--from", dest="date_from", type=_date, metavar="DATE", help="only answers sent "
        "on or after this day, like 2026-03-31 (in the consultation's time zone)",
    )  # fmt: skip
    themes.add_argument(
        "--to", dest="date_to", type=_date, metavar="DATE", help="only answers sent on or "
        "before this day",
    )  # fmt: skip
    themes.add_argument("--slug", help="the consultation, when CONSULTATION holds several")
    _data_dir_option(themes)
    themes.set_defaults(run=_themes)

    static = commands.add_parser(
        "build-static-embedding",
        help="distil the static embedding from the sentence model, once",
        description="Make the fast static embedding (for themes --representation static) "
        "from the all-MiniLM-L6-v2 sentence model, on this machine, and keep it in the data "
        "directory. Needs the embeddings extra once; later runs need neither it nor PyTorch.",
    )
    _data_dir_option(static)
    static.set_defaults(run=_build_static_embedding)

    embed = commands.add_parser(
        "embed",
        help="compute and store the vectors of new answers, for faster themes",
        description="Compute the vectors of the accepted answers that have none yet, and "
        "store them, so that finding themes with this representation reads them instead. "
        "With --follow, keep doing so every few seconds as answers arrive, until stopped "
        "(Ctrl+C).",
    )
    embed.add_argument(
        "folder",
        type=Path,
        metavar="CONSULTATION",
        help="the consultation folder (or a folder of them, with --slug)",
    )
    embed.add_argument(
        "--representation",
        default="sentence",
        help="sentence (the default; needs the embeddings extra) or static",
    )
    embed.add_argument(
        "--follow", action="store_true", help="keep computing vectors as answers arrive"
    )
    embed.add_argument(
        "--every",
        type=_positive,
        default=5,
        metavar="SECONDS",
        help="with --follow: how often to look for new answers (default: %(default)s)",
    )
    embed.add_argument("--slug", help="the consultation, when CONSULTATION holds several")
    _data_dir_option(embed)
    embed.set_defaults(run=_embed)


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"“{text}” is not a whole number of 1 or more")
    return value


# Answers from which `themes` shows a progress bar (on a terminal).
THEMES_PROGRESS_FROM = 2000
QUOTE_LENGTH = 300  # characters of a quote printed


def _themes(args: argparse.Namespace) -> int:
    """Exit status: 0 themes printed, 1 refused (bad option or consultation, or no answers)."""
    consultation = _pick_consultation(args)
    if consultation is None:
        return 1
    from .analyse.filters import ResponseFilter
    from .analyse.themes import representations
    from .analyse.themes.selection import SelectionError, select_texts

    if args.representation not in representations.NAMES:
        print(
            f"soundingboard: “{args.representation}” is not a representation: choose "
            f"{', '.join(representations.NAMES[:-1])} or {representations.NAMES[-1]}",
            file=sys.stderr,
        )
        return 1
    reason = representations.availability().get(args.representation)
    if reason:
        print(f"soundingboard: {reason}", file=sys.stderr)
        return 1
    query = {
        "page": args.page or [],
        "role": args.role or [],
        "nature": args.nature or [],
        "from": [args.date_from.isoformat()] if args.date_from else [],
        "to": [args.date_to.isoformat()] if args.date_to else [],
    }
    flt, problems = ResponseFilter.from_query(query, consultation)
    for problem in problems:
        print(f"soundingboard: {problem.message}", file=sys.stderr)
    if problems:
        return 1
    _migrated_database()
    try:
        items = select_texts(consultation.slug, field=args.field, response_filter=flt)
    except SelectionError as error:
        print(f"soundingboard: {error}", file=sys.stderr)
        return 1
    if not items:
        print(
            "soundingboard: there are no answers to read"
            + (" with these options" if flt.is_filtered or args.field else ""),
            file=sys.stderr,
        )
        return 1
    result = _find_themes_with_progress(items, args)
    _print_themes(result, dict(items), flt.describe(), args.field)
    return 0


def _find_themes_with_progress(items: list[tuple[int, str]], args: argparse.Namespace):  # type: ignore[no-untyped-def]
    """Themes for the items, with a progress bar on a terminal for large sets; stored
    vectors are read (and new ones kept) for the representations that are stored."""
    from tqdm import tqdm

    from .analyse.themes import store
    from .analyse.themes.candidates import find_themes

    quiet = len(items) < THEMES_PROGRESS_FROM
    with tqdm(
        total=len(items), file=sys.stderr, disable=True if quiet else None, dynamic_ncols=True
    ) as bar:

        def stage(name: str) -> None:
            bar.set_description(name)
            bar.reset(total=1)

        def progress(done: int, total: int) -> None:
            bar.total = max(total, 1)
            bar.n = done
            bar.refresh()

        return find_themes(
            items,
            k=args.k,
            representation=args.representation,
            progress=progress,
            on_stage=stage,
            embed=store.cached_embed(progress=progress),
        )


def _print_themes(result, texts: dict[int, str], filters, field) -> None:  # type: ignore[no-untyped-def]
    answers = sum(len(t.response_ids) for t in result.themes)
    print(f"Representation: {result.representation}. {result.description}")
    read = f"Read {answers:,} answers"
    if field:
        read += f" ({field})"
    if filters:
        read += ": " + "; ".join(words for _, _, words in filters)
    print(read + ".")
    if result.duplicates:
        groups = len(result.duplicates)
        print(
            f"{sum(g.count for g in result.duplicates):,} of them are in {groups:,} "
            f"group{'' if groups == 1 else 's'} of duplicates, each counted once: "
            f"{result.total:,} in all."
        )
    print(f"{result.k} theme{'' if result.k == 1 else 's'}, largest first.")
    for number, theme in enumerate(result.themes, start=1):
        print()
        title = theme.label if theme.is_other else f"{number}. {theme.label}"
        print(title)
        size = f"   Size {theme.size:,} ({theme.share:.1%})"
        if len(theme.response_ids) != theme.size:
            size += f"; {len(theme.response_ids):,} answers with duplicates"
        print(size)
        if theme.terms:
            print(f"   Words: {', '.join(theme.terms)}")
        for response_id in theme.quote_ids:
            print(f"   - “{_one_line(texts[response_id])}” (response {response_id})")
    if result.duplicates:
        print()
        print("Duplicates and campaigns (identical or near-identical answers)")
        for group in result.duplicates:
            kind = "identical" if group.exact else "near-identical"
            print(
                f"   {group.count:,} {kind}: “{_one_line(group.sample)}” "
                f"(response {group.response_ids[0]})"
            )


def _one_line(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= QUOTE_LENGTH else text[: QUOTE_LENGTH - 1] + "…"


def _build_static_embedding(args: argparse.Namespace) -> int:
    """Exit status: 0 built, 1 not possible here (the message says why)."""
    _setup_django_only(args.data_dir)
    from django.conf import settings
    from tqdm import tqdm

    from .analyse.themes.representations import RepresentationUnavailable
    from .analyse.themes.static_embedding import build_static_embedding

    print("Distilling the static embedding from the sentence model (about a minute)…")
    with tqdm(file=sys.stderr, disable=None, dynamic_ncols=True) as bar:

        def progress(done: int, total: int) -> None:
            bar.total = max(total, 1)
            bar.n = done
            bar.refresh()

        try:
            folder = build_static_embedding(Path(settings.DATA_DIR), progress=progress)
        except RepresentationUnavailable as error:
            print(f"soundingboard: {error}", file=sys.stderr)
            return 1
    print(f"Built the static embedding in {folder}.")
    print("Use it with: soundingboard themes CONSULTATION --representation static")
    return 0


def _embed(args: argparse.Namespace) -> int:
    """Exit status: 0 done (or stopped with Ctrl+C when following), 1 refused."""
    import time

    consultation = _pick_consultation(args)
    if consultation is None:
        return 1
    from .analyse.themes.representations import RepresentationUnavailable
    from .analyse.themes.store import STORED, embed_pending

    if args.representation not in STORED:
        print(
            f"soundingboard: “{args.representation}” vectors are not stored: choose "
            f"{' or '.join(STORED)}",
            file=sys.stderr,
        )
        return 1
    _migrated_database()
    try:
        if args.follow:
            print(
                f"Computing the {args.representation} vectors of new answers to "
                f"{consultation.slug} every {args.every} seconds; stop with Ctrl+C.",
                flush=True,
            )
        while True:
            try:
                stored = embed_pending(consultation.slug, args.representation)
            except RepresentationUnavailable as error:
                print(f"soundingboard: {error}", file=sys.stderr)
                return 1
            if stored or not args.follow:
                print(
                    f"Stored the {args.representation} vectors of {stored:,} new "
                    f"answer{'' if stored == 1 else 's'} to {consultation.slug}.",
                    flush=True,
                )
            if not args.follow:
                return 0
            time.sleep(args.every)
    except KeyboardInterrupt:
        print("\nStopped; the vectors stored so far are kept.", file=sys.stderr)
        return 0


def _manage(args: argparse.Namespace) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "soundingboard.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["soundingboard manage", *args.arguments])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
