"""The `soundingboard` command: a launcher for what must happen before Django starts.

`init`, `check`, `serve` and `demo` are here. Every other operation (`export`, `themes`,
`import-sheet`...) is a Django management command in its app's `management/commands/` (see
`commands`): `soundingboard NAME ARGS` sets up the environment, starts Django and runs the
command NAME (with dashes for underscores). `soundingboard manage ARGS` runs any Django
management command. Settings come from environment variables (see `settings`), so each
sub-command sets them from its options before Django starts.
"""

from __future__ import annotations

import argparse
import importlib
import os
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .core.data_dir import use_no_files, use_private_umask

if TYPE_CHECKING:
    from .publish.registry import Registry

PACKAGE_DIR = Path(__file__).resolve().parent
EXAMPLE_DIR = PACKAGE_DIR / "example"
SCAFFOLD_DIR = PACKAGE_DIR / "scaffold"


def main(argv: Sequence[str] | None = None) -> int:
    use_private_umask()  # the database, its -wal and -shm files and the rest: private
    argv = list(sys.argv[1:] if argv is None else argv)
    module = _operations().get(argv[0].replace("_", "-")) if argv else None
    if module:
        return _run_operation(module, argv[0].replace("_", "-"), argv[1:])
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return 2
    return int(args.run(args) or 0)


def _operations() -> dict[str, str]:
    """The management commands of soundingboard's apps, by their name on the command line
    (dashes for underscores), with their modules."""
    from django.core.management import find_commands

    found: dict[str, str] = {}
    for folder in sorted(PACKAGE_DIR.glob("*/management/commands")):
        app = folder.parent.parent.name
        for name in find_commands(str(folder.parent)):
            found[name.replace("_", "-")] = f"{__package__}.{app}.management.commands.{name}"
    return dict(sorted(found.items()))


def _command_class(module: str) -> Any:
    return importlib.import_module(module).Command


def _run_operation(module: str, name: str, argv: list[str]) -> int:
    """Run a management command as `soundingboard NAME ARGS`: its arguments read before
    Django starts (so --help starts nothing, and --data-dir applies), its refusals said as
    `soundingboard: ...` with its exit status."""
    command = _command_class(module)()
    command._called_from_command_line = True  # as Django's own: bad arguments exit with 2
    options = vars(command.create_parser("soundingboard", name).parse_args(argv))
    if getattr(command, "needs_no_data", False):
        use_no_files()  # e.g. `adopt`: it reads and writes only the folder it is given
    _setup_django_only(options["data_dir"])
    from django.core.management.base import CommandError

    try:
        command.execute(*options.pop("args", ()), **options)
    except CommandError as error:
        print(f"soundingboard: {error}", file=sys.stderr)
        return error.returncode
    return 0


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

    worker = commands.add_parser(
        "worker", help="send the email waiting in the outbox (serve starts this itself)"
    )
    worker.add_argument("folders", type=Path, nargs="+", metavar="FOLDER")
    worker.add_argument(
        "--data-dir", type=Path, default=None, help="as for serve: where the database lives"
    )
    worker.set_defaults(run=_worker)

    for name, module in _operations().items():
        # Listed here for --help; `main` hands them to Django before argparse sees them.
        commands.add_parser(name, help=_command_class(module).help, add_help=False)

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
    """Django, for a command that reads no consultation folder (or reads its own)."""
    if data_dir is not None:
        os.environ["SOUNDINGBOARD_DATA_DIR"] = str(data_dir.resolve())
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "soundingboard.settings")
    import django

    django.setup()


def _load_or_report(folders: Sequence[Path]) -> Registry | None:
    from .publish.errors import ConsultationError
    from .publish.registry import get_registry

    try:
        registry = get_registry()
    except ConsultationError as error:
        from .publish.commands import loading_problems

        print(f"soundingboard: {loading_problems(error.problems)}", file=sys.stderr)
        return None
    for warning in registry.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    return registry


def _check(args: argparse.Namespace) -> int:
    use_no_files()  # checking folders needs no secret key or database, and writes nothing
    _setup_django(args.folders)
    registry = _load_or_report(args.folders)
    if registry is None:
        return 1
    for consultation in registry.consultations.values():
        pages = len(consultation.pages)
        print(
            f"{consultation.title} ({consultation.slug}): {pages} page{'s' if pages != 1 else ''}"
        )
        for page in consultation.pages:
            is_questionnaire = page is consultation.questionnaire_page
            marker = " (with the main questionnaire)" if is_questionnaire else ""
            print(f"  {consultation.url_prefix}{page.path}  {page.title}{marker}")
        if consultation.settings.questionnaire and not consultation.questionnaire_in_nav:
            print(f"  {consultation.questionnaire_url}  the main questionnaire")
    return 0


def _serve(args: argparse.Namespace, folders: Sequence[Path] | None = None) -> int:
    folders = list(folders or args.folders)
    _setup_django(folders, args.data_dir)
    registry = _load_or_report(folders)
    if registry is None:
        return 1
    from django.db import connections

    from .core.served_address import address_file
    from .serving import proxy_problem, serve
    from .startup import Announcement, prepare_database_and_static

    problem = proxy_problem(proxy=not args.no_proxy) or prepare_database_and_static()
    if problem:
        print(f"soundingboard: {problem}", file=sys.stderr)
        return 1
    base = f"http://{args.host}:{args.port}"
    announcement = Announcement(base, _serving_message(base, registry, args.data_dir))
    connections.close_all()  # the message read the database: no connection crosses a fork
    try:
        return serve(
            host=args.host,
            port=args.port,
            workers=args.workers,
            proxy=not args.no_proxy,
            announcement=announcement,
        )
    finally:
        address_file().unlink(missing_ok=True)


def _serving_message(base: str, registry: Registry, data_dir: Path | None) -> str:
    """What `serve` says once it answers: where, and how to reach the analyst workspace."""
    from django.contrib.auth import get_user_model
    from django.urls import reverse

    homes = [base + consultation.url_prefix for consultation in registry.consultations.values()]
    lines = ["Serving at " + ", ".join(homes)]
    lines.append(f"The analyst workspace is at {base}{reverse('analyse:home')}")
    if not get_user_model().objects.exists():
        data = f" --data-dir {data_dir}" if data_dir is not None else ""
        lines.append(
            "There is no analyst account yet: make the first with "
            f"`soundingboard createuser NAME --role admin{data}`"
        )
    return "\n".join(lines)


def _worker(args: argparse.Namespace) -> int:
    """The outbox's worker alone, for a machine that does not serve the site itself."""
    _setup_django(args.folders, args.data_dir)
    if _load_or_report(args.folders) is None:  # messages are written in the consultation's name
        return 1
    from django.core.management import call_command

    from .core.worker import run_worker

    call_command("migrate", interactive=False, verbosity=0)
    run_worker()
    return 0


def _manage(args: argparse.Namespace) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "soundingboard.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["soundingboard manage", *args.arguments])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
