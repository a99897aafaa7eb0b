"""Turn an existing MkDocs project into a consultation: the `consultation.yml` to write.

`soundingboard adopt DIR` (`management/commands/adopt.py`) writes what `adoption` returns
beside `mkdocs.yml` and changes no other file. It takes the title, the organisation (from
`site_author` or `copyright`), the origin of `site_url` (so the site's own form scripts may
send to the intake API) and the pages from `nav`; and, when a page holds a pasted main
questionnaire (see `pasted_questionnaire`), the questionnaire, with `page` naming that page so
that it is served with its own words and the platform's questionnaire in place of the form.
What it cannot work out is listed in `notes`, with file and line where it can.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from .errors import ConsultationError, Problem
from .loader import (
    CONFIG_FILE,
    MKDOCS_FILES,
    is_nav_link,
    page_address,
    refuse_links_outside,
)
from .pasted_questionnaire import (
    PastedOptions,
    PastedQuestionnaire,
    read_pasted_options,
    read_pasted_questionnaire,
)
from .settings_schema import DEFAULT_NATURES, DEFAULT_ROLES
from .yaml_source import YamlDocument, read_mkdocs_yaml

_HEADING = re.compile(r"^#\s+(.+?)\s*(?:\{[^}]*\})?\s*#*\s*$", re.M)
_COPYRIGHT = re.compile(r"(?i)^(?:copyright\s*)?(?:©|\(c\)|&copy;)?\s*(?:\d{4}\s*[-–]?\s*)*")


@dataclass
class Adoption:
    """What `adopt` found: the settings to write and what it could not work out."""

    settings: dict[str, Any]
    notes: list[str] = field(default_factory=list)
    questionnaire_page: Path | None = None

    def text(self, mkdocs_name: str) -> str:
        """consultation.yml, with a comment saying where it came from."""
        header = (
            f"# Written by `soundingboard adopt` from {mkdocs_name} and the pages it lists.\n"
            f"# soundingboard also reads {mkdocs_name} itself (its docs_dir, site_url and\n"
            "# markdown_extensions); what is set here takes precedence. Every setting is\n"
            "# explained in docs/writing-a-consultation.md. Check changes with:\n"
            "#\n#     soundingboard check .\n\n"
        )
        body = yaml.safe_dump(
            self.settings, allow_unicode=True, sort_keys=False, width=100, default_flow_style=False
        )
        return header + body


def adoption(folder: Path) -> Adoption:
    """The consultation.yml for the MkDocs project in `folder`, or ConsultationError."""
    mkdocs_path = next((folder / n for n in MKDOCS_FILES if (folder / n).is_file()), None)
    if mkdocs_path is None:
        raise ConsultationError(
            [
                Problem(
                    folder,
                    "has no mkdocs.yml, so it is not an MkDocs project",
                    "give the folder that holds mkdocs.yml, or run `soundingboard init FOLDER` "
                    "to make a new consultation",
                )
            ]
        )
    # The project is untrusted: nothing outside its folder is read, as the loader reads
    # nothing outside it (what is there would be copied into consultation.yml).
    refuse_links_outside(folder.resolve(), [mkdocs_path])
    document, notes = read_mkdocs_yaml(mkdocs_path, folder)
    data = document.data if isinstance(document.data, dict) else {}
    settings: dict[str, Any] = {}

    title = data.get("site_name")
    if isinstance(title, str) and title.strip():
        settings["title"] = title.strip()
    else:
        settings["title"] = folder.resolve().name.replace("-", " ").replace("_", " ").capitalize()
        notes.append(
            f"{mkdocs_path}: no site_name, so the title “{settings['title']}” was made from the "
            "folder's name; change `title` in consultation.yml"
        )

    organisation = _organisation(data)
    if organisation:
        settings["organisation"] = organisation
        if not data.get("site_author"):
            notes.append(
                f"{mkdocs_path}:{document.line_of(['copyright'])}: the organisation "
                f"“{organisation}” was taken from copyright; check it in consultation.yml"
            )
    else:
        notes.append(
            f"{mkdocs_path}: neither site_author nor copyright names the organisation; add "
            "`organisation` to consultation.yml"
        )

    site_url = data.get("site_url")
    origin = _origin(site_url) if isinstance(site_url, str) else None
    if origin:
        settings["allowed_origins"] = [origin]
    else:
        notes.append(
            f"{mkdocs_path}: no site_url, so no site may send feedback from its own pages; if "
            "the site's own form scripts are to send to soundingboard, add the site's address "
            "under `allowed_origins`"
        )

    # Nor pages outside it (what a form there holds would be copied into consultation.yml).
    root = folder.resolve()
    docs_dir = (folder / str(data.get("docs_dir") or "docs")).resolve()
    inside = docs_dir.is_relative_to(root)
    nav = data.get("nav")
    if not inside:
        notes.append(
            f"{document.path}:{document.line_of(['docs_dir'])}: docs_dir leads out of the "
            "project's folder, so no page was read; set it to a folder inside the project"
        )
        page_files: list[Path] = []
    elif isinstance(nav, list) and nav:
        nav = _existing_pages(nav, docs_dir, ["nav"], document, notes)
        settings["pages"] = nav
        page_files = [docs_dir / p for p in _nav_files(nav)]
    else:
        notes.append(
            f"{mkdocs_path}: no nav, so every Markdown file is a page, in alphabetical order; "
            "list them under `pages` in consultation.yml to choose the order"
        )
        page_files = sorted(docs_dir.rglob("*.md")) if docs_dir.is_dir() else []
    # A pasted questionnaire may be on a page the nav leaves out (linked from another page).
    others = sorted(p for p in docs_dir.rglob("*.md") if p not in page_files) if inside else []
    candidates = [
        p for p in [*page_files, *others] if p.is_file() and p.resolve().is_relative_to(root)
    ]

    options = PastedOptions()
    taken_from: dict[str, Path] = {}  # "roles", "natures" -> the page they were read from
    questionnaires: list[PastedQuestionnaire] = []
    for path in candidates:
        try:
            source = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError):
            notes.append(f"{path}: cannot be read as UTF-8 text, so its forms were not looked at")
            continue
        found = read_pasted_questionnaire(source, path)
        if found is not None:
            questionnaires.append(found)
        page_options = read_pasted_options(source)
        for kind in ("roles", "natures"):
            chosen, offered = getattr(options, kind), getattr(page_options, kind)
            if not chosen and offered:
                setattr(options, kind, offered)
                taken_from[kind] = path
            elif missing := [o for o in offered if o not in chosen]:
                # Only one list can be the form's: the first page's. This page's own script
                # sends the others, which the intake would refuse.
                line = source[: source.find(missing[0])].count("\n") + 1
                named = ", ".join(f"“{o}”" for o in missing)
                notes.append(
                    f"{path}:{line}: its pasted form offers {kind} that the one in "
                    f"{taken_from[kind]} (used in consultation.yml) does not: {named}; add them "
                    f"under `feedback: {kind}:` if they are to be accepted"
                )

    feedback = {}
    if options.natures and options.natures != DEFAULT_NATURES:
        feedback["natures"] = options.natures
    if options.roles and options.roles != DEFAULT_ROLES:
        feedback["roles"] = options.roles
    if feedback:
        settings["feedback"] = feedback

    result = Adoption(settings=settings, notes=notes)
    if questionnaires:
        _add_questionnaire(result, questionnaires, docs_dir, nav)
    return result


def _add_questionnaire(
    result: Adoption, found: list[PastedQuestionnaire], docs_dir: Path, nav: Any
) -> None:
    pasted = found[0]
    for other in found[1:]:
        result.notes.append(
            f"{_where(other.source, other.line)}: another pasted questionnaire; only the one in "
            f"{pasted.source.relative_to(docs_dir)} was used"
        )
    result.notes.extend(pasted.notes)
    if not pasted.ideas:
        result.notes.append(
            f"{_where(pasted.source, pasted.line)}: a form with scales, but no idea could be "
            "told apart in it; write the `questionnaire` in consultation.yml by hand"
        )
        return
    relative = pasted.source.relative_to(docs_dir).as_posix()
    questionnaire: dict[str, Any] = {"page": relative}
    title = _nav_title(nav, relative) or _first_heading(pasted.source)
    if title:
        questionnaire["title"] = title
    for key in (
        "usefulness_question",
        "likelihood_question",
        "scale_low",
        "scale_high",
        "activities_question",
    ):
        value = getattr(pasted, key)
        if value:
            questionnaire[key] = value
    for key, needed, which in (
        ("usefulness_question", True, "first"),
        ("likelihood_question", any(i.scales > 1 for i in pasted.ideas), "second"),
    ):
        if needed and not getattr(pasted, key):
            result.notes.append(
                f"{_where(pasted.source, pasted.line)}: the {which} scale's question was not "
                f"found; soundingboard's own wording is used until you set `{key}`"
            )
    ideas = []
    for idea in pasted.ideas:
        entry: dict[str, Any] = {"name": idea.name}
        if idea.aliases:
            entry["aliases"] = idea.aliases
        if idea.activities:
            entry["activities"] = idea.activities
        ideas.append(entry)
    questionnaire["ideas"] = ideas
    result.settings["questionnaire"] = questionnaire
    result.questionnaire_page = pasted.source
    address = page_address(pasted.source, docs_dir)
    if relative not in _nav_files(nav if isinstance(nav, list) else []) and nav:
        result.notes.append(
            f"{pasted.source}: holds the questionnaire but is not in nav; the questionnaire is "
            f"served at soundingboard's own questionnaire address, and links to /{address} lead "
            "there"
        )


def _existing_pages(
    items: list[Any],
    docs_dir: Path,
    location: list[str | int],
    document: YamlDocument,
    notes: list[str],
) -> list[Any]:
    """`nav` without the pages whose files are not in the pages folder (MkDocs only warns
    about those: plugins write some while the site is built, such as API references), each
    left out named in `notes`, and without sections left empty."""
    kept: list[Any] = []
    for index, item in enumerate(items):
        title, target = (
            next(iter(item.items())) if isinstance(item, dict) and len(item) == 1 else (None, item)
        )
        here = [*location, index] if title is None else [*location, index, title]
        if isinstance(target, list):
            children = _existing_pages(target, docs_dir, here, document, notes)
            if children:
                kept.append({title: children} if title is not None else children)
            continue
        if isinstance(target, str) and not is_nav_link(target):
            where = f"{document.path}:{document.line_of(here)}: nav names “{target}”, which"
            if not Path(os.path.normpath(docs_dir / target)).is_relative_to(docs_dir):
                notes.append(f"{where} leads out of {docs_dir.name}/, so it is left out of `pages`")
                continue
            if not (docs_dir / target).is_file():
                notes.append(
                    f"{where} is not in {docs_dir.name}/ (a plugin may make it while MkDocs "
                    "builds the site), so it is left out of `pages`"
                )
                continue
        kept.append(item)
    return kept


def _nav_files(items: list[Any]) -> list[str]:
    files: list[str] = []
    for item in items:
        target = next(iter(item.values())) if isinstance(item, dict) and len(item) == 1 else item
        if isinstance(target, list):
            files.extend(_nav_files(target))
        elif isinstance(target, str) and not is_nav_link(target):
            files.append(target)
    return files


def _nav_title(items: Any, relative: str) -> str | None:
    if not isinstance(items, list):
        return None
    for item in items:
        if isinstance(item, dict) and len(item) == 1:
            title, target = next(iter(item.items()))
            if target == relative:
                return str(title)
            if isinstance(target, list) and (found := _nav_title(target, relative)):
                return found
    return None


def _first_heading(path: Path) -> str | None:
    match = _HEADING.search(path.read_text(encoding="utf-8-sig"))
    return match.group(1).strip() if match else None


def _organisation(data: dict[str, Any]) -> str:
    author = data.get("site_author")
    if isinstance(author, str) and author.strip():
        return author.strip()
    copyright_text = data.get("copyright")
    if isinstance(copyright_text, str):
        plain = re.sub(r"<[^>]+>", " ", copyright_text)
        name = _COPYRIGHT.sub("", plain.strip()).strip(" .,")
        return " ".join(name.split())[:200]
    return ""


def _origin(url: str) -> str | None:
    parts = urlsplit(url.strip())
    if parts.scheme in ("http", "https") and parts.netloc:
        return f"{parts.scheme}://{parts.netloc}"
    return None


def _where(path: Path, line: int | None) -> str:
    return f"{path}:{line}" if line else str(path)


def config_path(folder: Path) -> Path:
    return folder / CONFIG_FILE


def write_config(target: Path, text: str, like: Path) -> None:
    """Write consultation.yml, never through a link (one there could lead out of the
    folder: the command refuses one first, and this refuses one made meanwhile), readable
    as `like` (mkdocs.yml) is: commands keep the files they make private, but this one is
    the site's, not the data's."""
    descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        os.fchmod(descriptor, stat.S_IMODE(like.stat().st_mode))
        file.write(text)
