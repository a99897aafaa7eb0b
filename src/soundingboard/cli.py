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
        help="gunicorn worker processes (default: 2 per CPU core plus 1, at most 8)",
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
    os.environ["SOUNDINGBOARD_CONSULTATIONS"] = os.pathsep.join(str(f.resolve()) for f in folders)
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
    from .serving import prepare_database_and_static, run_gunicorn

    problem = prepare_database_and_static()
    if problem:
        print(f"soundingboard: {problem}", file=sys.stderr)
        return 1
    addresses = [
        f"http://{args.host}:{args.port}{c.url_prefix}" for c in registry.consultations.values()
    ]
    print("Serving " + ", ".join(addresses), flush=True)
    run_gunicorn(host=args.host, port=args.port, workers=args.workers)
    return 0


def _manage(args: argparse.Namespace) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "soundingboard.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["soundingboard manage", *args.arguments])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
