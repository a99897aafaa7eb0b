"""Unit tests for `soundingboard.publish.render` on small, made-up Markdown pages."""

from __future__ import annotations

from pathlib import Path

import markdown
import pytest
from bs4 import BeautifulSoup

from soundingboard.publish.consultation import Heading
from soundingboard.publish.render import PERMALINK_LABEL, RenderedPage, render_markdown


@pytest.fixture
def _plain_static_files() -> None:
    """Replaces the suite's autouse Django-settings fixture: rendering needs no Django."""


class Site:
    """A docs folder with a few pages, and the two URL callbacks the renderer needs."""

    def __init__(self, docs_dir: Path) -> None:
        self.docs_dir = docs_dir
        self.pages = {
            docs_dir / "index.md": "/",
            docs_dir / "other.md": "/other/",
            docs_dir / "sub" / "page.md": "/sub/page/",
        }
        for path in [*self.pages, docs_dir / "draft.md"]:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("# A page\n", encoding="utf-8")
        self.file_calls: list[Path] = []
        self.page_calls: list[Path] = []

    def link_for_page(self, path: Path) -> str | None:
        self.page_calls.append(path)
        return self.pages.get(path)

    def file_url(self, path: Path) -> str:
        self.file_calls.append(path)
        return "/-/files/" + path.relative_to(self.docs_dir).as_posix()

    def render(self, source: str, page: str = "index.md", **kwargs: object) -> RenderedPage:
        return render_markdown(
            source,
            source_path=self.docs_dir / page,
            docs_dir=self.docs_dir,
            link_for_page=self.link_for_page,
            file_url=self.file_url,
            **kwargs,  # type: ignore[arg-type]
        )


@pytest.fixture
def site(tmp_path: Path) -> Site:
    return Site((tmp_path / "docs").resolve())


def soup_of(page: RenderedPage) -> BeautifulSoup:
    return BeautifulSoup(page.html, "html.parser")


# --- always-on extensions -------------------------------------------------------------------


def test_admonition(site: Site) -> None:
    page = site.render('!!! note "Heads up"\n    The body of the note.\n')
    box = soup_of(page).select_one("div.admonition.note")
    assert box is not None
    assert box.select_one("p.admonition-title").get_text() == "Heads up"
    assert "The body of the note." in box.get_text()


def test_def_list(site: Site) -> None:
    page = site.render("Apple\n:   A fruit.\n\nCarrot\n:   A root.\n")
    soup = soup_of(page)
    assert [dt.get_text() for dt in soup.select("dl > dt")] == ["Apple", "Carrot"]
    assert [dd.get_text() for dd in soup.select("dl > dd")] == ["A fruit.", "A root."]


def test_footnote_with_definition(site: Site) -> None:
    page = site.render("A claim.[^src]\n\n[^src]: Where it comes from.\n")
    soup = soup_of(page)
    ref = soup.select_one("sup a.footnote-ref")
    assert ref is not None
    assert ref["href"] == "#fn:src"
    note = soup.select_one("div.footnote li#fn\\:src")
    assert note is not None
    assert "Where it comes from." in note.get_text()
    assert page.warnings == []
    assert "↩" not in page.text  # the back-link is not text to search


def test_table_keeps_alignment_without_style(site: Site) -> None:
    page = site.render("| Name | Count |\n| :--- | ----: |\n| a | 1 |\n| b | 22 |\n")
    soup = soup_of(page)
    assert [th.get_text() for th in soup.select("table thead th")] == ["Name", "Count"]
    assert len(soup.select("table tbody tr")) == 2
    assert soup.select("th")[1]["align"] == "right"
    assert "style=" not in page.html


def test_attr_list_heading_id_and_class(site: Site) -> None:
    page = site.render("## A custom heading {#custom .highlight}\n\nText {: .lead }\n")
    heading = soup_of(page).find("h2")
    assert heading["id"] == "custom"
    assert heading["class"] == ["highlight"]
    assert page.headings == [Heading(level=2, id="custom", text="A custom heading")]


def test_md_in_html(site: Site) -> None:
    page = site.render('<div class="box" markdown>\n\nSome **bold** text.\n\n</div>\n')
    box = soup_of(page).select_one("div.box")
    assert box is not None
    assert box.find("strong").get_text() == "bold"


def test_meta_title_used_when_there_is_no_h1(site: Site) -> None:
    page = site.render("Title: From meta\nAuthors: Ann\n    Bo\n\nBody text.\n")
    assert page.title == "From meta"
    assert page.meta == {"title": ["From meta"], "authors": ["Ann", "Bo"]}
    assert "Authors" not in page.text
    assert page.text == "Body text."


def test_h1_wins_over_meta_title(site: Site) -> None:
    page = site.render("title: From meta\n\n# From the heading\n")
    assert page.title == "From the heading"


def test_no_title_at_all(site: Site) -> None:
    assert site.render("Just a paragraph.\n").title is None


def test_toc_permalinks_and_headings(site: Site) -> None:
    page = site.render("# Page\n\n## Hello World\n\n### A Detail\n\n#### Too deep\n")
    soup = soup_of(page)
    h2 = soup.find("h2")
    assert h2["id"] == "hello-world"
    link = h2.find("a", class_="headerlink")
    assert link["href"] == "#hello-world"
    assert link["aria-label"] == PERMALINK_LABEL
    assert link["title"] == PERMALINK_LABEL
    assert page.headings == [
        Heading(level=2, id="hello-world", text="Hello World"),
        Heading(level=3, id="a-detail", text="A Detail"),
    ]
    assert page.title == "Page"
    assert "¶" not in page.text
    assert page.text == "Page Hello World A Detail Too deep"


def test_repeated_headings_get_distinct_ids(site: Site) -> None:
    page = site.render("## Same\n\ntext\n\n## Same\n")
    ids = [h.id for h in page.headings]
    assert ids == ["same", "same_1"]


def test_raw_html_id_clash_renames_the_raw_element_not_the_heading(site: Site) -> None:
    page = site.render('<div id="intro">box</div>\n\n## Intro\n')
    soup = soup_of(page)
    assert soup.find("h2")["id"] == "intro"
    assert soup.find("div")["id"] == "intro_1"
    assert any("“intro”" in w for w in page.warnings)


def test_fenced_code_and_sane_lists(site: Site) -> None:
    page = site.render("```python\nx = '<b>'\n```\n\n1. one\n2. two\n\n* a\n* b\n")
    soup = soup_of(page)
    assert soup.find("code").get_text() == "x = '<b>'\n"
    assert len(soup.select("ol > li")) == 2
    assert len(soup.select("ul > li")) == 2


def test_each_call_starts_fresh(site: Site) -> None:
    source = "One[^1] two.\n\n[^1]: Note.\n\n## Part\n"
    assert site.render(source).html == site.render(source).html


# --- extra extensions -------------------------------------------------------------------------


def test_extra_pymdownx_extension_loaded(site: Site) -> None:
    page = site.render("Some ==marked== text.\n", extensions=["pymdownx.mark"])
    assert soup_of(page).find("mark").get_text() == "marked"
    assert page.warnings == []


def test_extension_instance_accepted(site: Site) -> None:
    page = site.render("*[HTML]: Hyper Text\n\nSome HTML.\n", extensions=[markdown.Extension()])
    assert "Some HTML." in page.text


def test_unknown_extension_skipped_with_warning(site: Site) -> None:
    page = site.render("Hello.\n", extensions=["material.extensions.nonexistent", "abbr"])
    assert page.text == "Hello."
    [warning] = page.warnings
    # about the site, not the page: the same text on every page, so it can be merged
    assert warning.startswith("the Markdown extension “material.extensions.nonexistent” is a")
    assert warning.endswith(
        "; skipped\n  How to fix it: remove it from markdown_extensions in mkdocs.yml"
    )


def test_known_module_that_is_no_extension_skipped_with_warning(site: Site) -> None:
    page = site.render("Hello.\n", extensions=["pymdownx.util"])
    assert page.text == "Hello."
    [warning] = page.warnings
    assert warning.startswith("Markdown extension “pymdownx.util” could not be loaded")


def test_extension_config_naming_a_function_skipped(site: Site) -> None:
    configs = {"pymdownx.emoji": {"emoji_index": "material.extensions.emoji.twemoji"}}
    page = site.render("Smile :smile:\n", extensions=["pymdownx.emoji"], extension_configs=configs)
    assert page.text == "Smile :smile:"
    assert any("pymdownx.emoji" in w for w in page.warnings)


def test_site_toc_settings_merged_but_permalink_kept(site: Site) -> None:
    page = site.render(
        "## Heading\n",
        extensions=["toc", "markdown.extensions.tables"],
        extension_configs={"toc": {"permalink": "#", "permalink_title": "x", "anchorlink": True}},
    )
    link = soup_of(page).select_one("h2 a.headerlink")
    assert link.get_text() == "#"
    assert link["title"] == PERMALINK_LABEL
    assert page.warnings == []


def test_bad_settings_for_base_extension_ignored(site: Site) -> None:
    page = site.render(
        "A | B\n--|--\n1 | 2\n", extensions=["tables"], extension_configs={"tables": {"bad": 1}}
    )
    assert soup_of(page).find("table") is not None
    assert any("tables" in w for w in page.warnings)


def test_snippets_cannot_read_outside_docs(site: Site, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-VALUE\n", encoding="utf-8")
    (site.docs_dir / "part.md").write_text("Included *part*.\n", encoding="utf-8")
    page = site.render(f'--8<-- "{secret}"\n\n--8<-- "part.md"\n', extensions=["pymdownx.snippets"])
    assert "TOP-SECRET-VALUE" not in page.html
    assert "Included part." in page.text


def test_refused_extension(site: Site) -> None:
    page = site.render("Hi.\n", extensions=["pymdownx.b64"])
    assert page.text == "Hi."
    assert any("pymdownx.b64" in w for w in page.warnings)


# --- sanitising -------------------------------------------------------------------------------


def test_active_content_removed(site: Site) -> None:
    source = (
        "Before.\n\n"
        "<script>alert('x')</script>\n\n"
        "<style>p { color: red }</style>\n\n"
        '<iframe src="https://example.org"></iframe>\n\n'
        '<object data="x.swf"></object><embed src="y.swf">\n\n'
        '<p onclick="alert(1)" onmouseover="alert(2)">After.</p>\n'
    )
    page = site.render(source)
    lowered = page.html.lower()
    for fragment in ("<script", "alert", "<style", "color: red", "<iframe", "<object", "<embed"):
        assert fragment not in lowered
    assert "onclick" not in lowered and "onmouseover" not in lowered
    assert page.text == "Before. After."


@pytest.mark.parametrize(
    "source",
    [
        "[click](javascript:alert(1))",
        '<a href="javascript:alert(1)">click</a>',
        '<a href="JaVaScRiPt:alert(1)">click</a>',
        '<a href=" javascript:alert(1)">click</a>',
        '<a href="jav&#x09;ascript:alert(1)">click</a>',
    ],
)
def test_javascript_links_removed(site: Site, source: str) -> None:
    page = site.render(source + "\n")
    assert "javascript" not in page.html.lower()
    assert "alert" not in page.html
    assert "click" in page.text


def test_style_attributes_removed_other_attributes_kept(site: Site) -> None:
    page = site.render(
        '<p class="lead" id="p1" title="t" lang="fr" dir="ltr" style="color:red" '
        'aria-describedby="p2" data-x="1">Bonjour <span style="color:blue">x</span></p>\n'
    )
    para = soup_of(page).find("p")
    assert para.attrs == {
        "class": ["lead"],
        "id": "p1",
        "title": "t",
        "lang": "fr",
        "dir": "ltr",
        "aria-describedby": "p2",
    }
    assert "style" not in page.html


def test_raw_html_blocks_kept(site: Site) -> None:
    source = (
        "<details><summary>More</summary>\n\nHidden <cite>words</cite>.\n\n</details>\n\n"
        '<figure><img src="https://example.org/x.png"><figcaption>Cap</figcaption></figure>\n\n'
        '<table><tr><td colspan="2">Cell</td></tr></table>\n\nH<sub>2</sub>O x<sup>2</sup>\n'
    )
    soup = soup_of(site.render(source))
    assert soup.find("summary").get_text() == "More"
    assert soup.find("figcaption").get_text() == "Cap"
    assert soup.find("td")["colspan"] == "2"
    assert soup.find("sub").get_text() == "2"
    assert soup.find("sup").get_text() == "2"


def test_comments_removed(site: Site) -> None:
    page = site.render("Text.\n\n<!-- a private note -->\n\nMore <!-- inline --> text.\n")
    assert "<!--" not in page.html
    assert "private note" not in page.html
    assert "inline" not in page.html


def test_target_blank_gets_rel(site: Site) -> None:
    page = site.render('<a href="https://example.org" target="_blank">out</a>\n\n[in](#top)\n')
    links = soup_of(page).find_all("a")
    assert links[0]["rel"] == ["noopener", "noreferrer"]
    assert "rel" not in links[1].attrs


def test_form_and_its_wrapper_removed(site: Site) -> None:
    source = (
        "Intro.\n\n<!-- form -->\n\n"
        '<div class="wrap" id="fb">\n  <h2>Tell us</h2>\n  <form id="f">\n'
        '    <label for="q">Question text</label>\n    <input id="q" name="q">\n'
        "    <select><option>Choice one</option></select>\n"
        '    <textarea name="t"></textarea>\n    <button type="submit">Send it</button>\n'
        '    <div class="ok" hidden>Received thanks</div>\n  </form>\n</div>\n\n'
        "Outro.\n"
    )
    page = site.render(source)
    assert page.text == "Intro. Outro."
    for gone in ("<form", "<div", "<input", "<select", "<label", "Tell us", 'id="fb"'):
        assert gone not in page.html


def test_wrapper_with_other_content_kept(site: Site) -> None:
    source = '<div class="wrap">\n<h2>Title</h2>\n<p>Keep me.</p>\n<form><input></form>\n</div>\n'
    page = site.render(source)
    assert soup_of(page).select_one("div.wrap h2").get_text() == "Title"
    assert page.text == "Title Keep me."


def test_form_heading_before_top_level_form_removed(site: Site) -> None:
    source = "## Real section\n\nText.\n\n## Feedback\n\n<form><input></form>\n"
    page = site.render(source)
    assert [h.text for h in page.headings] == ["Real section"]
    assert "Feedback" not in page.text


def test_stray_form_controls_removed(site: Site) -> None:
    # (not at the very start: "Name: ..." on the first line would be meta-data)
    source = 'Intro.\n\nName <label>Your name</label> <input name="n"> <button>Go</button>\n'
    page = site.render(source)
    assert page.text == "Intro. Name"


# --- links and files --------------------------------------------------------------------------


def test_md_links_rewritten_with_fragment(site: Site) -> None:
    page = site.render("[o](other.md#part-two) [s](sub/page.md) [self](#here)\n")
    hrefs = [a.get("href") for a in soup_of(page).find_all("a")]
    assert hrefs == ["/other/#part-two", "/sub/page/", "#here"]
    assert site.page_calls[0] == site.docs_dir / "other.md"
    assert page.warnings == []


def test_md_link_from_sub_folder(site: Site) -> None:
    page = site.render("[home](../index.md) [o](../other.md)\n", page="sub/page.md")
    assert [a["href"] for a in soup_of(page).find_all("a")] == ["/", "/other/"]


def test_md_link_to_missing_or_non_page(site: Site) -> None:
    page = site.render("[gone](missing.md) and [draft](draft.md)\n")
    assert all(not a.has_attr("href") for a in soup_of(page).find_all("a"))
    assert page.text == "gone and draft"
    assert any("index.md" in w and "“missing.md” not found" in w for w in page.warnings)
    assert any("“draft.md”" in w and "not a page" in w for w in page.warnings)


def test_md_link_to_a_file_that_is_no_page_keeps_its_would_be_address(site: Site) -> None:
    source = (
        "Intro.\n\nSee the [draft](draft.md#costs).\n\n"
        "Or [its folder](sub/page.md) and\nthe [draft again](draft.md).\n"
    )
    page = site.render(source, unpublished_page_url=lambda p: "/" + p.stem + "/")
    hrefs = [a.get("href") for a in soup_of(page).find_all("a")]
    assert hrefs == ["/draft/#costs", "/sub/page/", "/draft/"]
    warned = [w for w in page.warnings if "draft.md" in w]
    assert [w.split(": ", 1)[0] for w in warned] == ["index.md:3", "index.md:6"]
    assert "which is not a page of this consultation, leads to /draft/" in warned[0]
    assert "add the file to the pages" in warned[0]


def test_file_links_rewritten_and_encoded(site: Site) -> None:
    report = site.docs_dir / "files" / "annual report.pdf"
    report.parent.mkdir()
    report.write_bytes(b"%PDF")
    page = site.render("[r](<files/annual report.pdf#page=2>) [r2](files/annual%20report.pdf)\n")
    hrefs = [a["href"] for a in soup_of(page).find_all("a")]
    assert hrefs == [
        "/-/files/files/annual%20report.pdf#page=2",
        "/-/files/files/annual%20report.pdf",
    ]
    assert site.file_calls == [report, report]
    assert page.warnings == []


def test_image_with_spaces_in_name(site: Site) -> None:
    image = site.docs_dir / "img" / "a picture 1.png"
    image.parent.mkdir()
    image.write_bytes(b"png")
    page = site.render('![A picture](img/a picture 1.png "The title")\n')
    img = soup_of(page).find("img")
    assert img["src"] == "/-/files/img/a%20picture%201.png"
    assert img["alt"] == "A picture"
    assert img["title"] == "The title"
    assert img["loading"] == "lazy"
    assert site.file_calls == [image]
    assert page.warnings == []


def test_missing_image_warns_but_is_kept(site: Site) -> None:
    page = site.render("Intro.\n\n![Chart](img/no such.png)\n", page="sub/page.md")
    img = soup_of(page).find("img")
    assert img["src"] == "/-/files/sub/img/no%20such.png"
    assert page.warnings == [
        "sub/page.md:3: image “img/no such.png” not found\n"
        "  How to fix it: put the file at that path in the pages folder, or correct the path"
    ]


def test_images_always_have_alt(site: Site) -> None:
    page = site.render('<img src="https://example.org/a.png">\n\n![](https://example.org/b.png)\n')
    imgs = soup_of(page).find_all("img")
    assert [img["alt"] for img in imgs] == ["", ""]
    assert all(img["loading"] == "lazy" for img in imgs)
    assert 'alt=""' in page.html


@pytest.mark.parametrize(
    "source",
    ["[x](../../etc/passwd)", "[x](../outside.md)", '<a href="../../etc/passwd">x</a>'],
)
def test_links_escaping_docs_dir_dropped(site: Site, source: str) -> None:
    page = site.render(source + "\n")
    link = soup_of(page).find("a")
    assert not link.has_attr("href")
    assert site.file_calls == []
    assert any("outside the pages folder" in w for w in page.warnings)


def test_image_escaping_docs_dir_dropped(site: Site) -> None:
    page = site.render("![secret](../../secret.png)\n")
    img = soup_of(page).find("img")
    assert not img.has_attr("src")
    assert any("image “../../secret.png”" in w for w in page.warnings)


def test_symlink_out_of_docs_dir_not_served(site: Site, tmp_path: Path) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_text("x", encoding="utf-8")
    (site.docs_dir / "link.txt").symlink_to(outside)
    page = site.render("[l](link.txt)\n")
    assert not soup_of(page).find("a").has_attr("href")
    assert site.file_calls == []


def test_absolute_and_special_links_untouched(site: Site) -> None:
    page = site.render(
        "[a](https://example.org/x.md) [b](mailto:someone@example.org) [c](#frag) "
        "[d](/already/absolute/) [e](//cdn.example.org/x.png)\n"
    )
    hrefs = [a["href"] for a in soup_of(page).find_all("a")]
    assert hrefs == [
        "https://example.org/x.md",
        "mailto:someone@example.org",
        "#frag",
        "/already/absolute/",
        "//cdn.example.org/x.png",
    ]
    assert site.file_calls == [] and site.page_calls == []


# --- quirks -----------------------------------------------------------------------------------


def test_undefined_footnote_rendered_literally_with_warning(site: Site) -> None:
    page = site.render("A point.<sup>[^9]</sup>\n")
    assert soup_of(page).find("sup").get_text() == "[^9]"
    assert page.warnings == [
        "index.md:1: footnote “[^9]” has no definition; shown as written\n"
        "  How to fix it: add the note at the end of the page, such as `[^9]: The source.`, "
        "or remove the mark"
    ]


def test_stray_space_in_emphasis_fixed_outside_code(site: Site) -> None:
    page = site.render("a *viable *thing, and `*keep *this` as code\n")
    soup = soup_of(page)
    assert soup.find("em").get_text() == "viable"
    assert soup.find("code").get_text() == "*keep *this"
    assert page.text == "a viable thing, and *keep *this as code"


def test_plain_text_keeps_words_whole_and_blocks_apart(site: Site) -> None:
    page = site.render("**Help**ing out.\n\n- one\n- two\n\n> quoted\n")
    assert page.text == "Helping out. one two quoted"


# --- MkDocs Material widgets ------------------------------------------------------------------


@pytest.mark.parametrize("alternate", [True, False])
def test_tabs_keep_their_titles_without_form_controls(site: Site, alternate: bool) -> None:
    page = site.render(
        '=== "First tab"\n    Alpha.\n\n=== "Second tab"\n    Beta.\n',
        extensions=["pymdownx.tabbed"],
        extension_configs={"pymdownx.tabbed": {"alternate_style": alternate}},
    )
    assert "<input" not in page.html and "<label" not in page.html
    assert page.text == "First tab Alpha. Second tab Beta."
    titles = soup_of(page).select("p.tabbed-title")
    assert [t.get_text() for t in titles] == ["First tab", "Second tab"]


@pytest.mark.parametrize("custom", [True, False])
def test_task_list_boxes_become_marks(site: Site, custom: bool) -> None:
    page = site.render(
        "- [x] finished\n- [ ] open\n",
        extensions=["pymdownx.tasklist"],
        extension_configs={"pymdownx.tasklist": {"custom_checkbox": custom}},
    )
    assert "<input" not in page.html and "<label" not in page.html
    marks = soup_of(page).select("li.task-list-item > span.task-list-indicator")
    assert [(m.get_text(), m["aria-label"]) for m in marks] == [("☑", "Done"), ("☐", "Not done")]
    assert page.text == "finished open"


def test_typical_material_extension_list_loads_cleanly(site: Site) -> None:
    extensions = [
        "abbr",
        "admonition",
        "attr_list",
        "def_list",
        "footnotes",
        "md_in_html",
        "toc",
        "tables",
        "pymdownx.details",
        "pymdownx.superfences",
        "pymdownx.highlight",
        "pymdownx.inlinehilite",
        "pymdownx.snippets",
        "pymdownx.tabbed",
        "pymdownx.tasklist",
        "pymdownx.caret",
        "pymdownx.mark",
        "pymdownx.tilde",
        "pymdownx.keys",
    ]
    configs = {"toc": {"permalink": True}, "pymdownx.tabbed": {"alternate_style": True}}
    page = site.render(
        '# Title\n\n??? note "More"\n    Inside.\n\n```python\nx = 1\n```\n\nH~2~O ^^new^^\n',
        extensions=extensions,
        extension_configs=configs,
    )
    assert page.warnings == []
    soup = soup_of(page)
    assert soup.select_one("details.note > summary").get_text() == "More"
    assert soup.find("sub").get_text() == "2" and soup.find("ins").get_text() == "new"
    assert "style=" not in page.html
