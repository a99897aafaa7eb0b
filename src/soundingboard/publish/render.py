"""Render one Markdown page of a consultation to safe HTML, with its title, headings and text.

Pages are usually written for MkDocs (often with the Material theme), so rendering uses
Python-Markdown with the extensions such sites rely on, plus whichever extra extensions the
site's `mkdocs.yml` names, if they are among those `extensions` knows. The HTML is then made
safe (see `sanitise`), relative links are pointed at the platform's own URLs, and anything odd
found on the way is reported as a warning rather than an error: a page with a broken image
should still be published.
"""

from __future__ import annotations

import functools
import html as html_lib
import os
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, ParamSpec, cast
from urllib.parse import quote, unquote, urlsplit

import markdown
from bs4 import BeautifulSoup, NavigableString, Tag
from bs4.element import PreformattedString
from pymdownx.emoji import to_alt as emoji_as_text

from . import extensions as known_extensions
from . import sanitise
from .consultation import Heading
from .errors import ConsultationError, Problem, with_fix
from .front_matter import split_front_matter

PERMALINK_LABEL: Final = "Link to this section"

# Always on, in this order. Names are Python-Markdown's short names for its built-ins.
BASE_EXTENSIONS: Final = (
    "attr_list",
    "md_in_html",
    "toc",
    "admonition",
    "def_list",
    "meta",
    "footnotes",
    "tables",
    "fenced_code",
    "sane_lists",
)

_BASE_CONFIGS: Final[dict[str, dict[str, Any]]] = {
    # The default slugify gives MkDocs' lowercase-hyphen ids.
    "toc": {"permalink": True, "permalink_title": PERMALINK_LABEL, "permalink_class": "headerlink"},
    # Alignment as an attribute, because inline styles are stripped.
    "tables": {"use_align_attribute": True},
}

# toc options a site may set; the permalink itself cannot be turned off.
_TOC_USER_OPTIONS: Final = frozenset(
    {"permalink", "toc_depth", "baselevel", "separator", "slugify"}
)

# Extensions that would defeat link rewriting or sanitising, so are never loaded.
_REFUSED_EXTENSIONS: Final[dict[str, str]] = {
    "pymdownx.b64": "images are served as files, not embedded",
    "pymdownx.pathconverter": "soundingboard rewrites links itself",
}

_PAGE_SUFFIXES: Final = frozenset({".md", ".markdown"})

_NOT_TEXT: Final = frozenset({"headerlink", "footnote-backref", "task-list-indicator"})

_BLOCK_TAGS: Final = frozenset(
    {
        "address",
        "article",
        "aside",
        "blockquote",
        "br",
        "caption",
        "dd",
        "details",
        "div",
        "dl",
        "dt",
        "figcaption",
        "figure",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "hr",
        "li",
        "ol",
        "p",
        "pre",
        "section",
        "summary",
        "table",
        "td",
        "th",
        "tr",
        "ul",
    }
)

_UNDEFINED_FOOTNOTE = re.compile(r"\[\^([^\]\s]+)\]")

# `*word *next`: a space before the closing star stops Python-Markdown seeing emphasis.
_STRAY_EMPHASIS_SPACE = re.compile(r"(?<![\w*\\])\*(?![\s*])([^*\n`]*?[^\s*\\]) \*(?=\w)")
_FENCE = re.compile(r"^\s*(`{3,}|~{3,})")
_CODE_SPAN = re.compile(r"(`+).*?\1")

# Characters left as they are when making a rewritten URL safe to put in an attribute.
_URL_SAFE_CHARS: Final = "/:?#[]@!$&'()*+,;=%~"


@dataclass
class RenderedPage:
    """A page rendered to safe HTML, with what the rest of the platform needs to know about it."""

    html: str  # safe HTML of the page body
    title: str | None  # text of the first <h1>, else the meta "title", else None
    headings: list[Heading]  # every h2 and h3 with an id, in order
    text: str  # plain text, whitespace-collapsed, for a search index
    meta: dict[str, list[str]]  # from the `meta` extension
    warnings: list[str] = field(default_factory=list)


_Rendering = ParamSpec("_Rendering")


def _refused_when_too_deep(
    render: Callable[_Rendering, RenderedPage],
) -> Callable[_Rendering, RenderedPage]:
    """`render`, with ConsultationError for a page nested too deeply to render: a few hundred
    quotes, lists or elements one inside another exhaust Python's recursion in the HTML
    parser, and a folder's one page would stop every consultation loading."""

    @functools.wraps(render)
    def refusing(*args: _Rendering.args, **kwargs: _Rendering.kwargs) -> RenderedPage:
        try:
            return render(*args, **kwargs)
        except RecursionError:
            raise ConsultationError(
                [
                    Problem(
                        cast(Path, kwargs["source_path"]),
                        "nests quotes, lists or other parts so deeply, one inside another, "
                        "that it cannot be shown",
                        "nest them no more than a few levels deep",
                    )
                ]
            ) from None

    return refusing


@_refused_when_too_deep
def render_markdown(
    source: str,
    *,
    source_path: Path,
    docs_dir: Path,
    link_for_page: Callable[[Path], str | None],
    file_url: Callable[[Path], str],
    extensions: Sequence[str | markdown.Extension] = (),
    extension_configs: Mapping[str, Mapping[str, Any]] | None = None,
    unpublished_page_url: Callable[[Path], str] | None = None,
    project_dir: Path | None = None,
) -> RenderedPage:
    """Render `source`, the Markdown of the page at `source_path`, to a `RenderedPage`.

    `link_for_page` and `file_url` receive resolved absolute paths inside `docs_dir`.
    `unpublished_page_url` gives the address a Markdown file that is not a page would have
    as one; a link to such a file keeps that address (without it, the link is removed).
    `extensions` and `extension_configs` are a site's extra Markdown extensions; those that
    cannot be loaded are skipped with a warning. `project_dir` is the folder of mkdocs.yml:
    pymdownx.snippets' `base_path` is read from there, as MkDocs does, and never leaves it
    (without it, snippets come from `docs_dir` only).
    """
    page_name = _display_name(source_path, docs_dir)
    warnings: list[str] = []

    def note(message: str) -> None:
        if message not in warnings:
            warnings.append(message)

    def warn(message: str, line: int | None = None) -> None:
        note(f"{page_name}:{line}: {message}" if line else f"{page_name}: {message}")

    # Not about this page, so not named after it: the same text for every page can be merged.
    specs = _extension_specs(
        extensions, extension_configs or {}, docs_dir, note, project_dir or docs_dir
    )
    body, front_matter = split_front_matter(source)
    raw_html, meta = _convert(_fix_stray_emphasis(body), specs, warn)
    meta = {**meta, **front_matter}

    soup = BeautifulSoup(raw_html, "html.parser")
    sanitise.strip_structure(soup)
    _warn_undefined_footnotes(soup, source, warn)
    stands_for_folder = source_path.stem.lower() in ("index", "readme")
    links = _Links(
        source_path.parent,
        docs_dir.resolve(),
        source_path.parent if stands_for_folder else source_path.parent / source_path.stem,
        link_for_page,
        file_url,
        unpublished_page_url,
    )
    _rewrite_urls(soup, source, links, warn)
    for img in soup.find_all("img"):
        if not img.get("alt"):
            img["alt"] = ""
        img["loading"] = "lazy"
    for anchor in soup.find_all("a", class_="headerlink"):
        anchor["aria-label"] = PERMALINK_LABEL
    _deduplicate_ids(soup, source, warn)
    sanitise.secure_link_targets(soup)
    safe_html = sanitise.clean_html(str(soup)).strip()

    final = BeautifulSoup(safe_html, "html.parser")
    sanitise.wrap_tables(final)
    h1 = final.find("h1")
    title = _plain_text(h1) if h1 is not None else ""
    if not title and meta.get("title"):
        title = " ".join(" ".join(meta["title"]).split())
    tags = final.find_all(["h2", "h3"], id=True)
    bodies = _section_bodies(str(final), len(tags))
    headings = [
        Heading(level=int(tag.name[1]), id=str(tag["id"]), text=_plain_text(tag), body=body)
        for tag, body in zip(tags, bodies, strict=True)
    ]
    return RenderedPage(
        html=str(final).strip(),
        title=title or None,
        headings=headings,
        text=_plain_text(final),
        meta=meta,
        warnings=warnings,
    )


def _snippet_bases(configured: Any, project_dir: Path, docs_dir: Path) -> list[str]:
    """pymdownx.snippets' base folders: those the site sets, relative to the folder of
    mkdocs.yml as MkDocs reads them (its default is that folder), keeping only those inside
    it, then the pages folder, so that a page may also name a snippet beside it."""
    names = configured if isinstance(configured, list) else [configured or "."]
    root = project_dir.resolve()
    bases: list[str] = []
    for name in names:
        if not isinstance(name, str):
            continue
        base = (root / name).resolve()
        if base.is_relative_to(root) and str(base) not in bases:
            bases.append(str(base))
    pages = str(docs_dir.resolve())
    return bases if pages in bases else [*bases, pages]


@dataclass
class _ExtensionSpec:
    extension: str | markdown.Extension
    config: dict[str, Any]

    @property
    def label(self) -> str:
        ext = self.extension
        return ext if isinstance(ext, str) else f"{type(ext).__module__}.{type(ext).__name__}"


def _extension_specs(
    extensions: Sequence[str | markdown.Extension],
    configs: Mapping[str, Mapping[str, Any]],
    docs_dir: Path,
    warn: Callable[[str], None],
    project_dir: Path,
) -> list[_ExtensionSpec]:
    """The extensions to use, base ones first, each checked to load with its configuration."""
    base = {name: dict(_BASE_CONFIGS.get(name, {})) for name in BASE_EXTENSIONS}
    extras: list[_ExtensionSpec] = []
    seen: set[str] = set()
    for ext in extensions:
        if not isinstance(ext, str):
            extras.append(_ExtensionSpec(ext, {}))
            continue
        name = known_extensions.canonical_name(ext)
        if name is None:  # the loader refuses these first; this is the last line of defence
            warn(
                with_fix(
                    f"{known_extensions.refusal(ext)}; skipped",
                    "remove it from markdown_extensions in mkdocs.yml",
                )
            )
            continue
        config = dict(configs.get(ext) or configs.get(name) or {})
        if name in base:
            base[name] = _merge_base_config(name, base[name], config)
        elif name in _REFUSED_EXTENSIONS:
            warn(
                with_fix(
                    f"Markdown extension “{name}” not used: {_REFUSED_EXTENSIONS[name]}",
                    "remove it from markdown_extensions in mkdocs.yml",
                )
            )
        elif name not in seen:
            if name == "pymdownx.snippets":
                # Snippets read files: keep them inside the project (links followed, see
                # `extensions`), and never download. A snippet that is missing, or outside,
                # is left out rather than costing the page every other extension.
                config.update(
                    check_paths=False,
                    base_path=_snippet_bases(config.get("base_path"), project_dir, docs_dir),
                    restrict_base_path=True,
                    url_download=False,
                )
            elif name == "pymdownx.emoji":
                # Emoji as characters: a site's own generator is Python code, never taken from
                # its folder, and images from a CDN would be blocked by the pages' CSP.
                config["emoji_generator"] = emoji_as_text
            extras.append(_ExtensionSpec(name, config))
        seen.add(name)

    specs: list[_ExtensionSpec] = []
    for name, config in base.items():
        spec = _ExtensionSpec(name, config)
        error = _load_error(spec) if config != _BASE_CONFIGS.get(name, {}) else None
        if error is not None:
            warn(
                with_fix(
                    f"settings for Markdown extension “{name}” ignored: {error}",
                    "correct or remove the extension's settings in mkdocs.yml",
                )
            )
            spec = _ExtensionSpec(name, dict(_BASE_CONFIGS.get(name, {})))
        specs.append(spec)
    for spec in extras:
        error = _load_error(spec)
        if error is None:
            specs.append(spec)
        else:
            warn(
                with_fix(
                    f"Markdown extension “{spec.label}” could not be loaded and was skipped: "
                    f"{error}",
                    "remove it from markdown_extensions, or install it where soundingboard runs",
                )
            )
    return specs


def _merge_base_config(name: str, base: dict[str, Any], user: dict[str, Any]) -> dict[str, Any]:
    if name != "toc":
        return {**user, **base}
    merged = dict(base)
    for key, value in user.items():
        if key not in _TOC_USER_OPTIONS or (key == "slugify" and not callable(value)):
            continue
        if key == "permalink":
            # A site may choose the symbol, not whether there is one.
            value = value if isinstance(value, str) and value else True
        merged[key] = value
    return merged


def _load_error(spec: _ExtensionSpec) -> str | None:
    """Why the extension cannot be set up, or None if it can."""
    try:
        _new_markdown([spec])
    except Exception as error:  # any failure in third-party code means "skip it"
        return f"{type(error).__name__}: {error}"
    return None


def _new_markdown(specs: Sequence[_ExtensionSpec]) -> markdown.Markdown:
    # Names are never handed to Python-Markdown, which would import whatever they say.
    return markdown.Markdown(
        extensions=[
            known_extensions.build(spec.extension, spec.config)
            if isinstance(spec.extension, str)
            else spec.extension
            for spec in specs
        ],
        output_format="html",
    )


def _convert(
    source: str, specs: list[_ExtensionSpec], warn: Callable[[str], None]
) -> tuple[str, dict[str, list[str]]]:
    """Markdown to (unsafe) HTML and the page's meta-data, falling back to fewer extensions."""
    base = [spec for spec in specs if spec.extension in BASE_EXTENSIONS]
    extras = [spec for spec in specs if spec not in base]
    try:
        return _convert_with(source, specs)
    except Exception as error:  # third-party extensions can fail on particular input
        if not extras:
            warn(
                with_fix(
                    f"rendering failed ({type(error).__name__}: {error}); shown as plain text",
                    "look for unclosed HTML or code blocks in the page and correct them",
                )
            )
            return f"<pre>{html_lib.escape(source)}</pre>", {}
        names = ", ".join(f"“{spec.label}”" for spec in extras)
        warn(
            with_fix(
                f"rendering failed ({type(error).__name__}: {error}); rendered without {names}",
                f"remove {names} from markdown_extensions, or change what the page asks of it",
            )
        )
    return _convert(source, base, warn)


def _convert_with(source: str, specs: list[_ExtensionSpec]) -> tuple[str, dict[str, list[str]]]:
    md = _new_markdown(specs)
    html = md.convert(source)
    raw_meta: Mapping[str, Sequence[str]] = getattr(md, "Meta", {})
    return html, {str(key): [str(value) for value in values] for key, values in raw_meta.items()}


def _fix_stray_emphasis(source: str) -> str:
    """Turn `*word *next` into `*word* next`, outside code."""
    lines = source.split("\n")
    fence: str | None = None
    for index, line in enumerate(lines):
        match = _FENCE.match(line)
        if match:
            marker = match.group(1)
            if fence is None:
                fence = marker
            elif marker[0] == fence[0] and len(marker) >= len(fence):
                fence = None
            continue
        if fence is not None or "*" not in line:
            continue
        pieces: list[str] = []
        last = 0
        for span in _CODE_SPAN.finditer(line):
            pieces.append(_STRAY_EMPHASIS_SPACE.sub(r"*\1* ", line[last : span.start()]))
            pieces.append(span.group(0))
            last = span.end()
        pieces.append(_STRAY_EMPHASIS_SPACE.sub(r"*\1* ", line[last:]))
        lines[index] = "".join(pieces)
    return "\n".join(lines)


def _warn_undefined_footnotes(
    soup: BeautifulSoup, source: str, warn: Callable[[str, int | None], None]
) -> None:
    lines = source.splitlines()
    seen: dict[str, int] = {}
    for text in soup.find_all(string=_UNDEFINED_FOOTNOTE):
        if isinstance(text, PreformattedString) or text.find_parent(["code", "pre"]):
            continue
        for match in _UNDEFINED_FOOTNOTE.finditer(str(text)):
            mark = match.group(0)
            seen[mark] = occurrence = seen.get(mark, 0) + 1
            line = next((n for n, found in _mark_lines(lines, mark) if found >= occurrence), None)
            warn(
                with_fix(
                    f"footnote “{mark}” has no definition; shown as written",
                    f"add the note at the end of the page, such as `{mark}: The source.`, or "
                    "remove the mark",
                ),
                line,
            )


def _mark_lines(lines: list[str], mark: str) -> Iterator[tuple[int, int]]:
    """Each line number with how many times `mark` has appeared up to and including it."""
    count = 0
    for number, line in enumerate(lines, start=1):
        count += line.count(mark)
        yield number, count


@dataclass
class _Links:
    """Where the relative addresses of one page lead: its folder and the address callbacks."""

    base: Path  # the page's folder
    docs_root: Path  # the pages folder, resolved
    address_base: Path  # the folder the page's address stands for, as MkDocs builds it
    link_for_page: Callable[[Path], str | None]
    file_url: Callable[[Path], str]
    unpublished_page_url: Callable[[Path], str] | None


def _rewrite_urls(
    soup: BeautifulSoup, source: str, links: _Links, warn: Callable[[str, int | None], None]
) -> None:
    lines = source.splitlines()
    seen: dict[str, int] = {}
    for tag, attribute, kind in _url_attributes(soup):
        value = tag.get(attribute)
        if not isinstance(value, str):
            continue
        seen[value] = occurrence = seen.get(value, 0) + 1
        warn_here = _warner_at(warn, lines, value, occurrence)
        new_value = _rewrite_url(value, kind, links, warn_here)
        if new_value is None:
            del tag[attribute]
        else:
            tag[attribute] = new_value


def _warner_at(
    warn: Callable[[str, int | None], None], lines: list[str], written: str, occurrence: int
) -> Callable[[str], None]:
    """A warning function naming the line of a link, found only when there is a warning."""
    return lambda message: warn(message, _line_of(lines, written, occurrence))


def _line_of(lines: list[str], written: str, occurrence: int) -> int | None:
    """The line of the source where `written` appears for the `occurrence`-th time, if it does."""
    # Whole addresses only: "a.md" is not the start of "a.md#part" or "data.md".
    pattern = re.compile(rf"(?<![\w./%-]){re.escape(written)}(?![\w./%#?-])")
    count = 0
    for number, line in enumerate(lines, start=1):
        count += len(pattern.findall(line))
        if count >= occurrence:
            return number
    return None


def _url_attributes(soup: BeautifulSoup) -> Iterator[tuple[Tag, str, str]]:
    for tag in soup.find_all("a", href=True):
        yield tag, "href", "link"
    for tag in soup.find_all("img", src=True):
        yield tag, "src", "image"


def _rewrite_url(
    url: str, kind: str, links: _Links, warn_here: Callable[[str], None]
) -> str | None:
    """The URL to use instead of relative `url`; `url` itself if not relative; None to drop it."""
    stripped = url.strip()
    parts = urlsplit(stripped)
    if not stripped or parts.scheme or parts.netloc or stripped.startswith(("#", "/", "\\")):
        return url
    if not parts.path:  # only a query
        return url
    written = unquote(parts.path)
    fragment = f"#{parts.fragment}" if parts.fragment else ""
    query = f"?{parts.query}" if parts.query else ""
    try:
        return _rewrite_path(written, kind, links, query, fragment, warn_here)
    except (OSError, ValueError) as error:  # e.g. a NUL byte or an over-long name
        reason = type(error).__name__
        warn_here(
            with_fix(
                f"{kind} “{_shorten(written)}” cannot be looked up ({reason}); {kind} removed",
                "correct the address",
            )
        )
        return None


def _rewrite_path(
    written: str,
    kind: str,
    links: _Links,
    query: str,
    fragment: str,
    warn_here: Callable[[str], None],
) -> str | None:
    # resolve() follows symlinks, so a link inside docs_dir to a file outside is caught too.
    real = Path(os.path.normpath(links.base / written)).resolve()
    shown = _shorten(written)
    if not real.is_relative_to(links.docs_root):
        warn_here(
            with_fix(
                f"{kind} “{shown}” points outside the pages folder; {kind} removed",
                "copy the file into the pages folder and point to the copy",
            )
        )
        return None
    page_file = real
    if real.is_dir():
        page_file = next(
            (real / n for n in ("index.md", "README.md") if (real / n).is_file()), real
        )
    if page_file.suffix.lower() in _PAGE_SUFFIXES:
        page_url = links.link_for_page(page_file)
        if page_url is not None:
            return _encode_url(page_url + fragment)
        if page_file.is_file() and links.unpublished_page_url is not None:
            # Kept where the page would be, so publishing the file mends the link.
            address = links.unpublished_page_url(page_file)
            warn_here(
                with_fix(
                    f"link to “{shown}”, which is not a page of this consultation, leads to "
                    f"{address}, where no page is published",
                    "add the file to the pages (`pages`, or `nav` in mkdocs.yml) or change the "
                    "link",
                )
            )
            return _encode_url(address + fragment)
        if page_file.is_file():
            warn_here(
                with_fix(
                    f"link to “{shown}”, which is not a page of this consultation; link removed",
                    "add the file to the pages (`pages`, or `nav` in mkdocs.yml) or change the "
                    "link",
                )
            )
        else:
            warn_here(
                with_fix(
                    f"link to “{shown}” not found; link removed",
                    "correct the file name in the link, or remove the link",
                )
            )
        return None
    if real.is_dir():
        warn_here(
            with_fix(
                f"link to folder “{shown}”, which has no page; link removed",
                "link to a page in the folder, or add an index.md to it",
            )
        )
        return None
    if not real.exists() and kind == "link" and (built := _built_page_url(written, links)):
        return _encode_url(built + fragment)
    if not real.is_file():
        # Still point at where the file would be served, so adding the file fixes the page.
        warn_here(
            with_fix(
                f"{kind} “{shown}” not found",
                "put the file at that path in the pages folder, or correct the path",
            )
        )
    return _encode_url(links.file_url(real) + query + fragment)


def _built_page_url(written: str, links: _Links) -> str | None:
    """The page a link written for the built site leads to, if any: `../other/` read from the
    page's own address (MkDocs leaves such links as they are, so they work there), or
    `other.html` for a site built without directory addresses."""
    candidates: list[Path] = []
    if written.lower().endswith(".html"):
        stem = written[: -len(".html")]
        candidates.append(links.base / f"{stem}.md")
        if stem.endswith("index"):
            candidates.append(links.base / stem[: -len("index")] / "README.md")
    else:
        target = Path(os.path.normpath(links.address_base / written))
        candidates += [target.with_name(f"{target.name}.md"), target / "index.md"]
        candidates.append(target / "README.md")
    for candidate in candidates:
        real = candidate.resolve()
        if real.is_relative_to(links.docs_root) and real.is_file():
            url = links.link_for_page(real)
            if url is not None:
                return url
    return None


def _shorten(text: str, limit: int = 120) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _encode_url(url: str) -> str:
    """Percent-encode spaces and non-ASCII characters, leaving existing escapes alone."""
    return quote(url, safe=_URL_SAFE_CHARS)


def _deduplicate_ids(
    soup: BeautifulSoup, source: str, warn: Callable[[str, int | None], None]
) -> None:
    """Make ids unique; headings keep theirs first, as their ids are their sections' addresses."""
    tagged = soup.find_all(id=True)
    ordered = [t for t in tagged if t.name in sanitise.HEADING_TAGS]
    ordered += [t for t in tagged if t.name not in sanitise.HEADING_TAGS]
    used: set[str] = set()
    duplicates: list[Tag] = []
    for tag in ordered:
        tag_id = str(tag["id"])
        if tag_id in used:
            duplicates.append(tag)
        used.add(tag_id)
    repeats: dict[str, int] = {}
    for tag in duplicates:
        old = str(tag["id"])
        number = 1
        while f"{old}_{number}" in used:
            number += 1
        new = f"{old}_{number}"
        used.add(new)
        tag["id"] = new
        for anchor in tag.find_all("a", class_="headerlink", href=f"#{old}"):
            anchor["href"] = f"#{new}"
        repeats[old] = repeats.get(old, 1) + 1
        warn(
            with_fix(
                f"id “{old}” is used more than once; renamed to “{new}”",
                "give each heading and element an id of its own",
            ),
            _line_of_id(source.splitlines(), old, repeats[old]),
        )


def _line_of_id(lines: list[str], tag_id: str, occurrence: int) -> int | None:
    """The line where an id is written for the `occurrence`-th time, or the last line it is
    written on when the others were made from headings' text."""
    written = (f"#{tag_id}}}", f'id="{tag_id}"', f"id='{tag_id}'")
    found = [n for n, line in enumerate(lines, 1) if any(w in line for w in written)]
    if not found:
        return None
    return found[min(occurrence, len(found)) - 1]


def _plain_text(root: Tag) -> str:
    """The text of `root`, with blocks separated and whitespace collapsed, without permalinks."""
    pieces: list[str] = []

    def walk(node: Tag) -> None:
        for child in node.children:
            if isinstance(child, PreformattedString):
                continue
            if isinstance(child, NavigableString):
                pieces.append(str(child))
            elif isinstance(child, Tag):
                if _NOT_TEXT.intersection(child.get("class") or []):
                    continue
                block = child.name in _BLOCK_TAGS
                if block:
                    pieces.append(" ")
                walk(child)
                if block:
                    pieces.append(" ")

    walk(root)
    return " ".join("".join(pieces).split())


_SECTION_MARK = "\x00"


def _section_bodies(html: str, count: int) -> list[str]:
    """The plain text under each of the page's `count` h2 and h3 headings (with an id), up to
    the next of them: a mark before and after each heading splits the page's text."""
    soup = BeautifulSoup(html, "html.parser")
    for tag in soup.find_all(["h2", "h3"], id=True):
        tag.insert_before(_SECTION_MARK)
        tag.insert_after(_SECTION_MARK)
    pieces = _plain_text(soup).split(_SECTION_MARK)
    # [before the first heading, heading 1, its body, heading 2, its body, ...]
    bodies = [piece.strip() for piece in pieces[2::2]]
    return bodies if len(bodies) == count else [""] * count


def _display_name(source_path: Path, docs_dir: Path) -> str:
    try:
        return source_path.relative_to(docs_dir).as_posix()
    except ValueError:
        return source_path.name
