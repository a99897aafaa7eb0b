"""Make the HTML rendered from a page safe to serve inside the platform's own pages.

Two steps. `strip_structure` edits the parsed tree: it drops comments, active content and any
feedback form pasted into the page (with the wrapper that only held the form), because the
platform asks for feedback itself. `clean_html` then runs the nh3 allowlist, which removes every
tag, attribute and URL scheme not listed here; it is the last step, so nothing done afterwards
can reintroduce unsafe markup.

Inline `style` attributes are never allowed: the platform's stylesheet decides colours (pasted
colours often fail contrast checks) and a strict Content-Security-Policy forbids inline styles.
"""

from __future__ import annotations

from typing import Final

import nh3
from bs4 import BeautifulSoup, NavigableString, PageElement, Tag
from bs4.element import PreformattedString

# Removed together with everything inside them.
ACTIVE_CONTENT_TAGS: Final = frozenset(
    {
        "script",
        "style",
        "iframe",
        "frame",
        "frameset",
        "object",
        "embed",
        "applet",
        "noscript",
        "template",
        "link",
        "meta",
        "base",
        "svg",
        "canvas",
    }
)

FORM_CONTROL_TAGS: Final = frozenset(
    {
        "input",
        "select",
        "option",
        "optgroup",
        "textarea",
        "button",
        "label",
        "datalist",
        "output",
        "fieldset",
        "legend",
    }
)

HEADING_TAGS: Final = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})

# Elements that may be removed when, once a form has gone, they hold nothing but headings.
_FORM_WRAPPER_TAGS: Final = frozenset(
    {"div", "section", "aside", "article", "details", "p", "span"}
)

# Elements that count as content even though they have no text.
_CONTENTFUL_EMPTY_TAGS: Final = frozenset({"img", "table", "hr", "figure"})

ALLOWED_TAGS: Final = frozenset(
    {
        "a",
        "abbr",
        "article",
        "aside",
        "b",
        "bdi",
        "bdo",
        "blockquote",
        "br",
        "caption",
        "cite",
        "code",
        "col",
        "colgroup",
        "data",
        "dd",
        "del",
        "details",
        "dfn",
        "div",
        "dl",
        "dt",
        "em",
        "figcaption",
        "figure",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "hr",
        "i",
        "img",
        "ins",
        "kbd",
        "li",
        "mark",
        "ol",
        "p",
        "pre",
        "q",
        "rp",
        "rt",
        "ruby",
        "s",
        "samp",
        "section",
        "small",
        "span",
        "strong",
        "sub",
        "summary",
        "sup",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "time",
        "tr",
        "u",
        "ul",
        "var",
        "wbr",
    }
)

_GENERIC_ATTRIBUTES: Final = frozenset({"id", "class", "title", "lang", "dir", "role", "hidden"})

_TAG_ATTRIBUTES: Final[dict[str, frozenset[str]]] = {
    "a": frozenset({"href", "hreflang", "target", "rel"}),
    "img": frozenset({"src", "alt", "width", "height", "loading"}),
    "td": frozenset({"colspan", "rowspan", "headers", "align"}),
    "th": frozenset({"colspan", "rowspan", "headers", "align", "scope", "abbr"}),
    "col": frozenset({"span"}),
    "colgroup": frozenset({"span"}),
    "ol": frozenset({"start", "reversed", "type"}),
    "li": frozenset({"value"}),
    "details": frozenset({"open"}),
    "time": frozenset({"datetime"}),
    "data": frozenset({"value"}),
    "blockquote": frozenset({"cite"}),
    "q": frozenset({"cite"}),
    "del": frozenset({"cite", "datetime"}),
    "ins": frozenset({"cite", "datetime"}),
}

ALLOWED_URL_SCHEMES: Final = frozenset({"http", "https", "mailto", "tel"})

_SAFE_REL: Final = ("noopener", "noreferrer")


def strip_structure(soup: BeautifulSoup) -> None:
    """Remove comments, active content and pasted feedback forms from `soup`, in place."""
    for node in soup.find_all(string=lambda s: isinstance(s, PreformattedString)):
        node.extract()
    _keep_widget_text(soup)
    for tag in soup.find_all(ACTIVE_CONTENT_TAGS):
        if not tag.decomposed:
            tag.decompose()
    for form in soup.find_all("form"):
        if not form.decomposed:
            _remove_form(form)
    for tag in soup.find_all(FORM_CONTROL_TAGS):
        if not tag.decomposed:
            tag.decompose()


def secure_link_targets(soup: BeautifulSoup) -> None:
    """Give every link that opens another browsing context `rel="noopener noreferrer"`."""
    for link in soup.find_all("a", target=True):
        rel: str | list[str] = link.get("rel") or []
        tokens = rel.split() if isinstance(rel, str) else list(rel)
        tokens += [token for token in _SAFE_REL if token not in tokens]
        link["rel"] = " ".join(tokens)


def wrap_tables(soup: BeautifulSoup) -> None:
    """Put each table in a container that scrolls sideways on a narrow screen, which a
    keyboard can reach (so it can scroll) and a screen reader can name."""
    for number, table in enumerate(soup.find_all("table"), start=1):
        caption = table.find("caption")
        name = " ".join(caption.get_text().split()) if caption else f"Table {number}"
        wrapper = soup.new_tag(
            "div",
            attrs={"class": "sb-table-wrap", "tabindex": "0", "role": "region", "aria-label": name},
        )
        table.wrap(wrapper)


def clean_html(html: str) -> str:
    """Apply the allowlist: only the tags, attributes and URL schemes listed here survive."""
    return nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        clean_content_tags=set(ACTIVE_CONTENT_TAGS | FORM_CONTROL_TAGS | {"form"}),
        attributes={
            "*": set(_GENERIC_ATTRIBUTES),
            **{k: set(v) for k, v in _TAG_ATTRIBUTES.items()},
        },
        generic_attribute_prefixes={"aria-"},
        url_schemes=set(ALLOWED_URL_SCHEMES),
        strip_comments=True,
        # `rel` is set by `secure_link_targets` only where a link has a target.
        link_rel=None,
    )


def _keep_widget_text(soup: BeautifulSoup) -> None:
    """Keep what pymdownx tabs and task lists say, before their form controls are removed."""
    for tabs in soup.select(".tabbed-set"):
        labels = _own(tabs, tabs.find_all("label"))
        blocks = _own(tabs, tabs.select(".tabbed-block")) or _own(
            tabs, tabs.select(".tabbed-content")
        )
        if len(labels) != len(blocks):
            continue
        for label, block in zip(labels, blocks, strict=True):
            title = soup.new_tag("p", attrs={"class": "tabbed-title"})
            strong = soup.new_tag("strong")
            strong.string = label.get_text(" ", strip=True)
            title.append(strong)
            block.insert(0, title)
    for box in soup.select("li.task-list-item input[type=checkbox]"):
        done = box.has_attr("checked")
        mark = soup.new_tag(
            "span",
            attrs={
                "class": "task-list-indicator",
                "role": "img",
                "aria-label": "Done" if done else "Not done",
            },
        )
        mark.string = "☑" if done else "☐"
        control = box.find_parent("label", class_="task-list-control")
        (control or box).replace_with(mark)


def _own(tabs: Tag, elements: list[Tag]) -> list[Tag]:
    """Those of `elements` that belong to this tab set, not to one nested inside it."""
    return [e for e in elements if e.find_parent(class_="tabbed-set") is tabs]


def _remove_form(form: Tag) -> None:
    parent = form.parent
    before = form.find_previous_sibling()
    form.decompose()
    # A heading left directly before where the form was, with nothing under it, was its title.
    if isinstance(before, Tag) and before.name in HEADING_TAGS:
        after = before.find_next_sibling()
        if after is None or after.name in HEADING_TAGS:
            before.decompose()
    while (
        isinstance(parent, Tag)
        and parent.name in _FORM_WRAPPER_TAGS
        and parent.parent is not None
        and _holds_only_headings(parent)
    ):
        grandparent = parent.parent
        parent.decompose()
        parent = grandparent


def _holds_only_headings(tag: Tag) -> bool:
    return all(_is_heading_or_empty(child) for child in tag.children)


def _is_heading_or_empty(node: PageElement) -> bool:
    if isinstance(node, NavigableString):
        return isinstance(node, PreformattedString) or not node.strip()
    if not isinstance(node, Tag):
        return True
    if node.name in HEADING_TAGS:
        return True
    return (
        node.name not in _CONTENTFUL_EMPTY_TAGS
        and node.find(_CONTENTFUL_EMPTY_TAGS) is None
        and not node.get_text(strip=True)
    )
