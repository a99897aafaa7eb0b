"""Turn a consultation folder (or an MkDocs project) into a `Consultation`.

This is where every problem with a folder is found, at start-up, so that a running server
never meets a broken page: a missing page, malformed YAML or an unknown key stops loading with
a message naming the file, the line and the fix; a missing image is only a warning.

A folder may come from someone else, so nothing in it is run and nothing outside it is read:
Markdown extensions come from a known list (see `extensions`), and every settings file, the
pages folder and every page must really be inside the folder, symbolic links followed.
"""

from __future__ import annotations

import difflib
import itertools
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import yaml
from bs4 import BeautifulSoup
from pydantic import ValidationError

from ..core.addresses import PLATFORM
from .consultation import QUESTIONNAIRE_PATH, Consultation, NavItem, NavSection, Page
from .errors import ConsultationError, Problem, not_utf8
from .extensions import ExtensionSetting, ignored_code_settings, read_extension_setting
from .folder_warnings import placeholders_left, unpublished_pages, warnings_in_line_order
from .render import render_markdown
from .setting_messages import message_and_fix
from .settings_schema import ConsultationSettings, slugify_folder_name
from .yaml_source import YamlDocument, read_mkdocs_yaml, read_yaml

CONFIG_FILE = "consultation.yml"
MKDOCS_FILES = ("mkdocs.yml", "mkdocs.yaml")
# What an MkDocs setting is called in consultation.yml.
MKDOCS_KEYS = {
    "site_name": "title",
    "nav": "pages",
    "docs_dir": "docs_dir",
    "site_url": "site_url",
}


@dataclass
class _Sources:
    """The YAML files of a folder and which file each setting came from."""

    config: YamlDocument | None
    mkdocs: YamlDocument | None
    origin: dict[str, tuple[YamlDocument, str]]  # setting -> (file, key as written there)


def load_consultation(folder: Path, url_prefix: str = "/") -> Consultation:
    """Load and render one consultation folder, or raise ConsultationError."""
    folder = folder.resolve()
    if not folder.is_dir():
        raise ConsultationError(
            [Problem(folder, "is not a folder", "give the path of a consultation folder")]
        )
    settings, sources, raw = _settings(folder)
    docs_dir = (folder / settings.docs_dir).resolve()
    document, key = sources.origin.get("docs_dir", (sources.config or sources.mkdocs, ""))
    if not docs_dir.is_relative_to(folder):
        raise ConsultationError(
            [
                Problem(
                    document.path if document else folder,
                    f"the pages folder “{settings.docs_dir}” is outside the consultation folder"
                    + _link_note(folder / settings.docs_dir),
                    "keep the pages in a folder inside the consultation folder",
                    line=document.line_of([key]) if document and key else None,
                )
            ]
        )
    if not docs_dir.is_dir():
        raise ConsultationError(
            [
                Problem(
                    document.path if document else folder,
                    f"the pages folder “{settings.docs_dir}” does not exist",
                    "create it or correct docs_dir",
                    line=document.line_of([key]) if document and key else None,
                )
            ]
        )
    entries = _nav_entries(settings, sources, folder, docs_dir)
    questionnaire_source = _questionnaire_source(settings, sources, folder, docs_dir)
    extensions = raw.get("_extensions") or ExtensionSetting()
    return _build(
        folder,
        docs_dir,
        settings,
        entries,
        url_prefix,
        extensions,
        questionnaire_source,
        sources.config,
    )


def consultation_slug(folder: Path) -> str:
    """The slug a folder's consultation will be served under, without rendering its pages."""
    settings, _, _ = _settings(folder.resolve())
    return settings.slug or ""


def _settings(folder: Path) -> tuple[ConsultationSettings, _Sources, dict[str, Any]]:
    sources, raw = _read_settings(folder)
    settings = _validate(raw, sources, folder)
    if settings.slug is None:
        settings = settings.model_copy(update={"slug": slugify_folder_name(folder.name)})
    return settings, sources, raw


def is_consultation_folder(folder: Path) -> bool:
    return (folder / CONFIG_FILE).is_file() or any((folder / n).is_file() for n in MKDOCS_FILES)


def _read_settings(folder: Path) -> tuple[_Sources, dict[str, Any]]:
    config_path = folder / CONFIG_FILE
    mkdocs_path = next((folder / n for n in MKDOCS_FILES if (folder / n).is_file()), None)
    if not config_path.is_file() and mkdocs_path is None:
        raise ConsultationError(
            [
                Problem(
                    folder,
                    f"has no {CONFIG_FILE} or mkdocs.yml",
                    "run `soundingboard init FOLDER` to make a new consultation folder, or give "
                    "the folder that holds mkdocs.yml",
                )
            ]
        )
    refuse_links_outside(folder, (config_path, mkdocs_path))
    raw: dict[str, Any] = {}
    origin: dict[str, tuple[YamlDocument, str]] = {}
    mkdocs, inherit_warnings = read_mkdocs_yaml(mkdocs_path, folder) if mkdocs_path else (None, [])
    if mkdocs is not None:
        data = _mapping(mkdocs)
        raw["docs_dir"] = "docs"
        for mkdocs_key, key in MKDOCS_KEYS.items():
            # An empty setting is MkDocs' default, as MkDocs reads it (`site_url:` with no
            # value, or `!ENV SITE_URL` where the variable is not set).
            if data.get(mkdocs_key) is not None:
                raw[key] = data[mkdocs_key]
                origin[key] = (mkdocs, mkdocs_key)
        # Checked before anything is imported: a folder's extension names never run code.
        extensions = read_extension_setting(mkdocs)
        if extensions.problems:
            raise ConsultationError(extensions.problems)
        extensions.warnings.extend(inherit_warnings)
        extensions.warnings.extend(ignored_code_settings(mkdocs))
        raw["_extensions"] = extensions
    config = read_yaml(config_path) if config_path.is_file() else None
    if config is not None:
        for key, value in _mapping(config).items():
            raw[key] = value
            origin[key] = (config, key)
    return _Sources(config, mkdocs, origin), raw


def _mapping(document: YamlDocument) -> dict[str, Any]:
    if document.data is None:
        return {}
    if not isinstance(document.data, dict):
        raise ConsultationError(
            [
                Problem(
                    document.path,
                    "must be a list of settings written as `key: value`",
                    "start with a line such as `title: My consultation`",
                    line=1,
                )
            ]
        )
    return document.data


def _validate(raw: dict[str, Any], sources: _Sources, folder: Path) -> ConsultationSettings:
    values = {k: v for k, v in raw.items() if not k.startswith("_")}
    try:
        return ConsultationSettings(**values)
    except ValidationError as error:
        problems = [_problem(item, sources, folder) for item in error.errors()]
        # A value that fits none of a setting's kinds is said once, not once for each kind.
        unique = {(p.file, p.line, p.message): p for p in problems}
        raise ConsultationError(list(unique.values())) from None


def _problem(item: Any, sources: _Sources, folder: Path) -> Problem:
    location = [part for part in item["loc"] if not _is_union_choice(part)]
    location = location or _whole_settings_location(str(item["msg"]))
    if location == ["feedback"] and "role group" in str(item["msg"]):
        location = ["feedback", "role_groups"]
    key = str(location[0]) if location else ""
    document, written_key = sources.origin.get(key, (sources.config or sources.mkdocs, key))
    path = document.path if document else folder / CONFIG_FILE
    line = document.line_of([written_key, *location[1:]]) if document else None
    shown = ".".join(str(part) for part in [written_key, *location[1:]])
    if item["type"] == "extra_forbidden":
        known = list(ConsultationSettings.model_fields)
        if len(location) > 1 and location[0] == "feedback":
            known = ["natures", "roles"]
        close = difflib.get_close_matches(str(location[-1]), known, n=1)
        fix = f"did you mean “{close[0]}”?" if close else "remove it or correct its spelling"
        return Problem(path, f"unknown setting “{shown}”", fix + _see_docs(), line)
    if item["type"] == "missing":
        if key == "title":
            return Problem(
                path,
                "the consultation has no title",
                "add a line such as `title: My consultation`",
                line=1,
            )
        return Problem(path, f"“{shown}” is missing", "add it" + _see_docs(), line)
    message, fix = message_and_fix(item, shown, key)
    return Problem(path, message, fix, line)


# The names pydantic gives the choices of a setting that takes one of several kinds of value
# (opens: date or datetime); not part of where the setting is written.
_UNION_CHOICE = re.compile(r"^(date|datetime|str|int|none|constrained-str|\w+\[.*\])$")


def _is_union_choice(part: Any) -> bool:
    return isinstance(part, str) and bool(_UNION_CHOICE.match(part))


def _whole_settings_location(message: str) -> list[str | int]:
    """The setting to point at for a check of several settings together."""
    return ["closes"] if "closes must be after opens" in message else []


_OUTSIDE_FIX = (
    "soundingboard publishes nothing from outside the consultation folder: remove the link, "
    "or, if the file is meant to be published, copy it into the folder in the link's place"
)


def refuse_links_outside(folder: Path, paths: Iterable[Path | None]) -> None:
    """ConsultationError for each of these files that is a link leading out of `folder`
    (resolved), before anything is read from it."""
    outside = [
        Problem(path, _outside_message(path, "file"), _OUTSIDE_FIX)
        for path in paths
        if path is not None and path.exists() and not path.resolve().is_relative_to(folder)
    ]
    if outside:
        raise ConsultationError(outside)


def _outside_message(path: Path, kind: str) -> str:
    return f"is a link to a {kind} outside the consultation folder{_link_note(path)}"


def _link_note(path: Path) -> str:
    return f" (it leads to {path.resolve()})" if path.is_symlink() else ""


def _see_docs() -> str:
    return " (the settings are listed in docs/writing-a-consultation.md)"


@dataclass
class _Entry:
    """One page named by the navigation, before it is rendered."""

    source: Path
    title: str | None
    trail: tuple[str, ...]


@dataclass
class _Section:
    """A titled group of the navigation, before its pages are rendered (then a NavSection)."""

    title: str
    children: list[_Section | _Entry]


def _nav_entries(
    settings: ConsultationSettings, sources: _Sources, folder: Path, docs_dir: Path
) -> list[_Section | _Entry]:
    if settings.pages is None:
        # The team's text for the report (`OUTCOME_FOLDER`) is never a page.
        files = [
            p for p in _markdown_files(docs_dir) if not p.is_relative_to(folder / OUTCOME_FOLDER)
        ]
        outside = [
            Problem(path, _outside_message(path, "file"), _OUTSIDE_FIX)
            for path in files
            if not path.resolve().is_relative_to(folder)
        ]
        if outside:
            raise ConsultationError(outside)
        return [_Entry(path, None, ()) for path in files if path.is_file()]
    document, key = sources.origin["pages"]
    problems: list[Problem] = []
    entries = list(_parse_nav(settings.pages, (), [key], document, (folder, docs_dir), problems))
    if problems:
        raise ConsultationError(problems)
    if not entries:
        raise ConsultationError(
            [
                Problem(
                    document.path,
                    "names no pages",
                    "list at least one page",
                    document.line_of([key]),
                )
            ]
        )
    return entries


def _questionnaire_source(
    settings: ConsultationSettings, sources: _Sources, folder: Path, docs_dir: Path
) -> Path | None:
    """The Markdown file `questionnaire.page` names, checked like a page of the list."""
    if settings.questionnaire is None or settings.questionnaire.page is None:
        return None
    written = settings.questionnaire.page
    document, key = sources.origin["questionnaire"]
    line = document.line_of([key, "page"])
    source = Path(os.path.normpath(docs_dir / written))
    problem = None
    if source.suffix.lower() not in (".md", ".markdown"):
        problem = (
            f"the questionnaire's page “{written}” is not a Markdown file",
            "name the .md file whose words go above the questions, such as feedback.md",
        )
    elif not source.is_relative_to(docs_dir):
        problem = (
            f"the questionnaire's page “{written}” is outside the pages folder",
            "name a file inside the pages folder, written as in `pages`, such as feedback.md",
        )
    elif not source.resolve().is_relative_to(folder):
        problem = (
            f"the questionnaire's page “{written}” {_outside_message(source, 'file')}",
            _OUTSIDE_FIX,
        )
    elif not source.is_file():
        problem = (
            f"the questionnaire's page “{written}” does not exist in {docs_dir}",
            _missing_page_fix(written, docs_dir),
        )
    if problem:
        raise ConsultationError([Problem(document.path, problem[0], problem[1], line)])
    return source


# The folder of the team's "what we did" text for the draft report (analyse.outcome).
OUTCOME_FOLDER = "outcome"


def _markdown_files(docs_dir: Path) -> list[Path]:
    # A README.md beside an index.md is not a page, as in MkDocs: both would be the folder's
    # home page, and MkDocs keeps index.md.
    files = sorted(
        p
        for p in docs_dir.rglob("*.md")
        if not any(part.startswith(".") for part in p.parts)
        and not (p.name == "README.md" and (p.parent / "index.md").is_file())
    )
    # MkDocs order: the home page first, then every other page by path.
    return sorted(files, key=lambda p: (p.parent != docs_dir or p.name != "index.md", str(p)))


def _parse_nav(
    items: Any,
    trail: tuple[str, ...],
    location: list[str | int],
    document: YamlDocument,
    folders: tuple[Path, Path],
    problems: list[Problem],
) -> Iterator[_Section | _Entry]:
    """The pages and sections of a page list; `folders` are the consultation and pages folders."""
    folder, docs_dir = folders
    if not isinstance(items, list):
        problems.append(
            Problem(
                document.path,
                "the page list must be a list, one `- page.md` per line",
                "start each page with `- `",
                document.line_of(location),
            )
        )
        return
    for index, item in enumerate(items):
        here = [*location, index]
        title, target = None, item
        if isinstance(item, dict) and len(item) == 1:
            title, target = next(iter(item.items()))
            title = str(title)
            here = [*here, title]
        if isinstance(target, list) and title is not None:
            children = list(_parse_nav(target, (*trail, title), here, document, folders, problems))
            yield _Section(title=title, children=children)
        elif isinstance(target, str) and is_nav_link(target):
            continue  # links in an MkDocs nav (to other sites, to an address) are not pages
        elif isinstance(target, str):
            # The address comes from the name as written; the file it leads to, links followed,
            # must still be inside the consultation folder.
            source = Path(os.path.normpath(docs_dir / target))
            if not source.is_relative_to(docs_dir):
                problems.append(
                    Problem(
                        document.path,
                        f"“{target}” is outside the pages folder",
                        "move the page into the pages folder",
                        document.line_of(here),
                    )
                )
            elif not source.resolve().is_relative_to(folder):
                problems.append(
                    Problem(
                        document.path,
                        f"the page “{target}” {_outside_message(source, 'file')}",
                        _OUTSIDE_FIX,
                        document.line_of(here),
                    )
                )
            elif not source.is_file():
                problems.append(
                    Problem(
                        document.path,
                        f"the page “{target}” does not exist in {docs_dir}",
                        _missing_page_fix(target, docs_dir),
                        document.line_of(here),
                    )
                )
            else:
                yield _Entry(source, title, trail)
        else:
            problems.append(
                Problem(
                    document.path,
                    f"cannot read the page entry “{_as_written(item)}”",
                    "write `- page.md`, `- Title: page.md` or `- Section: [pages]`",
                    document.line_of(here),
                )
            )


_SCHEME = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]*:")


def is_nav_link(target: str) -> bool:
    """Whether a `nav` entry is a link rather than a page's file, as MkDocs tells them apart:
    an address with a scheme (`https://…`, `mailto:…`) or one that goes to a part of a page
    (`page.md#part`, `#part`)."""
    return bool(_SCHEME.match(target)) or "#" in target


def _as_written(item: Any) -> str:
    """A value of a YAML file as YAML writes it on one line (`{Empty section: null}`), not as
    Python shows it."""
    text = yaml.safe_dump(item, default_flow_style=True, allow_unicode=True, width=200)
    return str(text).removesuffix("\n...\n").strip()


def _missing_page_fix(target: str, docs_dir: Path) -> str:
    names = [str(p.relative_to(docs_dir)) for p in docs_dir.rglob("*.md")]
    close = difflib.get_close_matches(target, names, n=1)
    if close:
        return f"did you mean “{close[0]}”? Correct the name or create the file"
    return "correct the file name or create the file"


def page_address(source: Path, docs_dir: Path) -> str:
    """MkDocs-style address of a page: index.md -> "", a/b.md -> "a/b/", a/index.md -> "a/"."""
    relative = source.relative_to(docs_dir).with_suffix("")
    parts = list(relative.parts)
    if parts and parts[-1] in ("index", "README"):
        parts = parts[:-1]
    return "".join(f"{part}/" for part in parts)


def _flatten(items: list[_Section | _Entry]) -> Iterator[_Entry]:
    for item in items:
        if isinstance(item, _Section):
            yield from _flatten(item.children)
        elif isinstance(item, _Entry):
            yield item


def _build(
    folder: Path,
    docs_dir: Path,
    settings: ConsultationSettings,
    items: list[_Section | _Entry],
    url_prefix: str,
    extensions: ExtensionSetting,
    questionnaire_source: Path | None = None,
    config_document: YamlDocument | None = None,
) -> Consultation:
    entries = list(_flatten(items))
    problems: list[Problem] = []
    addresses: dict[Path, str] = {}
    sources: dict[str, Path] = {}  # address -> the first page found there
    for entry in entries:
        address = page_address(entry.source, docs_dir)
        if address.startswith(PLATFORM):
            problems.append(
                Problem(
                    entry.source,
                    f"its address /{address} is where soundingboard keeps its own pages",
                    "rename the file or its folder so that it is not called “-”",
                )
            )
        first = sources.setdefault(address, entry.source)
        if first != entry.source:
            # Only one could be served there: the other was unreachable, without a word.
            problems.append(
                Problem(
                    entry.source,
                    f"its address /{address} is also that of {first.relative_to(docs_dir)}, "
                    "and only one page can be published there",
                    "rename one of the two files, or leave one out of the pages",
                )
            )
        addresses.setdefault(entry.source, address)
        addresses.setdefault(entry.source.resolve(), address)  # links are looked up resolved
    if problems:
        raise ConsultationError(problems)
    if questionnaire_source is not None and questionnaire_source not in addresses:
        # Not a page of its own: links to it lead to the questionnaire, which shows its words.
        addresses[questionnaire_source] = addresses[questionnaire_source.resolve()] = (
            PLATFORM + QUESTIONNAIRE_PATH
        )

    warnings: list[str] = list(extensions.warnings)
    pages: dict[Path, Page] = {}

    def link_for_page(target: Path) -> str | None:
        address = addresses.get(target)
        return None if address is None else url_prefix + address

    linked_files: set[Path] = set()

    def file_url(target: Path) -> str:
        linked_files.add(target)
        return url_prefix + PLATFORM + "files/" + quote(target.relative_to(docs_dir).as_posix())

    def unpublished_page_url(target: Path) -> str:  # resolved, like every linked file
        return url_prefix + page_address(target, docs_dir.resolve())

    questionnaire_entry = None
    if questionnaire_source is not None and all(e.source != questionnaire_source for e in entries):
        questionnaire_entry = _Entry(questionnaire_source, None, ())
    for entry in [*entries, *([questionnaire_entry] if questionnaire_entry else [])]:
        if entry.source in pages:
            continue
        try:
            source = entry.source.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError as error:
            raise ConsultationError([not_utf8(entry.source, error)]) from None
        rendered = render_markdown(
            source,
            source_path=entry.source,
            docs_dir=docs_dir,
            link_for_page=link_for_page,
            file_url=file_url,
            unpublished_page_url=unpublished_page_url,
            project_dir=folder,
            extensions=extensions.names,
            extension_configs=extensions.configs,
        )
        warnings.extend(extensions.placed(w) for w in rendered.warnings)
        address = addresses[entry.source]
        page = Page(
            source=entry.source,
            path=address,
            title=entry.title
            or _meta_title(rendered.meta)
            or rendered.title
            or _title_from_name(entry.source),
            html="",
            text=rendered.text,
            headings=rendered.headings,
            section_trail=entry.trail,
            url=url_prefix + address,
            feedback_url=f"{url_prefix}{PLATFORM}feedback/{address}",
        )
        is_questionnaire = entry.source == questionnaire_source
        # The questionnaire's own questions follow its page, not comments on its sections.
        page.html = rendered.html if is_questionnaire else _add_section_links(rendered.html, page)
        pages[entry.source] = page

    questionnaire_page = pages.pop(questionnaire_entry.source) if questionnaire_entry else None
    if questionnaire_source is not None and questionnaire_page is None:
        questionnaire_page = pages[questionnaire_source]
    ordered = list(pages.values())
    for before, after in itertools.pairwise(ordered):
        before.next, after.previous = after, before
    nav = _resolve_nav(items, pages)
    return Consultation(
        slug=settings.slug or slugify_folder_name(folder.name),
        root=folder,
        docs_dir=docs_dir,
        settings=settings,
        nav=nav,
        pages=ordered,
        warnings=warnings_in_line_order(
            [
                *warnings,
                *unpublished_pages(docs_dir, [*pages, *filter(None, [questionnaire_source])]),
                *placeholders_left(config_document),
            ]
        ),
        url_prefix=url_prefix,
        questionnaire_page=questionnaire_page,
        files=frozenset(linked_files),
    )


def _resolve_nav(items: list[_Section | _Entry], pages: dict[Path, Page]) -> list[NavItem]:
    resolved: list[NavItem] = []
    for item in items:
        if isinstance(item, _Section):
            children = _resolve_nav(item.children, pages)
            if children:
                resolved.append(NavSection(item.title, children))
        elif isinstance(item, _Entry):
            resolved.append(pages[item.source])
    return resolved


def _meta_title(meta: dict[str, list[str]]) -> str:
    return " ".join(meta.get("title", [])).strip()


def _title_from_name(source: Path) -> str:
    stem = source.parent.name if source.stem in ("index", "README") else source.stem
    return stem.replace("-", " ").replace("_", " ").strip().capitalize() or "Home"


def _add_section_links(html: str, page: Page) -> str:
    """After each h2 and h3, a link to give feedback on that section alone."""
    if not page.headings:
        return html
    soup = BeautifulSoup(html, "html.parser")
    for heading in page.headings:
        element = soup.find(id=heading.id)
        if element is None or element.name not in ("h2", "h3"):
            continue
        link = soup.new_tag(
            "a",
            attrs={
                "class": "govuk-link sb-section-feedback__link",
                "href": f"{page.feedback_url}?section={quote(heading.id)}",
            },
        )
        link.string = "Comment on this section"
        hidden = soup.new_tag("span", attrs={"class": "govuk-visually-hidden"})
        hidden.string = f": {heading.text}"
        link.append(hidden)
        paragraph = soup.new_tag("p", attrs={"class": "sb-section-feedback"})
        paragraph.append(link)
        element.insert_after(paragraph)
    return str(soup)
