"""Render the real seed pages (in `<repo>/../shared/seeds`) and check what comes out."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from soundingboard.publish.consultation import Heading
from soundingboard.publish.render import PERMALINK_LABEL, RenderedPage, render_markdown

SEEDS = Path(__file__).resolve().parents[2].parent / "shared" / "seeds"

pytestmark = pytest.mark.skipif(not SEEDS.is_dir(), reason=f"seed documents not found at {SEEDS}")


@pytest.fixture
def _plain_static_files() -> None:
    """Replaces the suite's autouse Django-settings fixture: rendering needs no Django."""


# Markdown seed file -> the page file name it is rendered as.
SOURCES = {
    "000_72582377825078c8.txt": "responding-to-large-scale-change.md",
    "002_eabb676612777297.txt": "imagining-a-centre-of-excellence.md",
    "003_9aa6026d31a4fa08.txt": "models-for-delivery.md",
    "004_832c7b34b5ff61f2.txt": "possible-mechanisms.md",
}

# Texts of the pasted feedback form; none may survive rendering.
FORM_TEXTS = [
    "Page feedback",
    "Thanks — feedback received",
    "Sorry — something went wrong",
    "Submit feedback",
    "Your role",
    "Your organisation",
    "Your email",
    "Reflection on our thinking",
    "Brief summary",
    "Select your role",
    "Local authority data professional",
    "I’m enthusiastic about this",
    "hp_field",
    "gs-form",
    "you@example.org",
]


@dataclass
class Rendering:
    page: RenderedPage
    soup: BeautifulSoup
    file_calls: list[Path] = field(default_factory=list)


def render_seed(seed: str, docs_dir: Path) -> Rendering:
    file_calls: list[Path] = []
    pages = {docs_dir / name: "/" + name.removesuffix(".md") + "/" for name in SOURCES.values()}

    def file_url(path: Path) -> str:
        file_calls.append(path)
        return "/-/files/" + path.relative_to(docs_dir).as_posix()

    page = render_markdown(
        (SEEDS / seed).read_text(encoding="utf-8"),
        source_path=docs_dir / SOURCES[seed],
        docs_dir=docs_dir,
        link_for_page=pages.get,
        file_url=file_url,
    )
    return Rendering(page, BeautifulSoup(page.html, "html.parser"), file_calls)


@pytest.fixture
def docs_dir(tmp_path: Path) -> Path:
    docs = (tmp_path / "docs").resolve()
    docs.mkdir()
    return docs


@pytest.fixture
def render(docs_dir: Path):
    return lambda seed: render_seed(seed, docs_dir)


@pytest.mark.parametrize("seed", sorted(SOURCES))
def test_no_form_script_or_style_survives(render, seed: str) -> None:
    page = render(seed).page
    lowered = page.html.lower()
    for fragment in (
        "<form",
        "<input",
        "<select",
        "<option",
        "<textarea",
        "<button",
        "<label",
        "<script",
        "<style",
        "style=",
        "<!--",
        'id="sheets"',
        "feedback-section",
    ):
        assert fragment not in lowered, fragment
    for text in FORM_TEXTS:
        assert text not in page.html, text
        assert text not in page.text, text


@pytest.mark.parametrize("seed", sorted(SOURCES))
def test_headings_have_unique_ids_and_labelled_permalinks(render, seed: str) -> None:
    soup = render(seed).soup
    ids = [tag["id"] for tag in soup.find_all(id=True)]
    assert len(ids) == len(set(ids))
    for heading in soup.find_all(["h1", "h2", "h3", "h4"]):
        link = heading.find("a", class_="headerlink")
        assert link["href"] == "#" + heading["id"]
        assert link["aria-label"] == PERMALINK_LABEL


@pytest.mark.parametrize(
    ("seed", "title"),
    [
        ("000_72582377825078c8.txt", "Responding to large-scale change"),
        ("002_eabb676612777297.txt", "Imagining a Centre of Excellence"),
        ("003_9aa6026d31a4fa08.txt", "Models for delivery"),
        ("004_832c7b34b5ff61f2.txt", "Possible mechanisms for change"),
    ],
)
def test_titles(render, seed: str, title: str) -> None:
    result = render(seed)
    assert result.page.title == title
    assert len(result.soup.find_all("h1")) == 1


def test_000_coloured_heading_and_list(render) -> None:
    result = render("000_72582377825078c8.txt")
    h1 = result.soup.find("h1")
    assert h1["id"] == "responding-to-large-scale-change"
    assert h1.find("span") is not None  # kept, without its colour
    items = result.soup.select("ul > li")
    assert [li.find("strong").get_text() for li in items] == ["Helping", "Testing", "Negotiating"]
    assert result.page.headings == []  # the form's "Page feedback" heading is gone
    assert result.page.warnings == []


def test_000_text_matches_what_the_browser_showed(render) -> None:
    """Every line of the browser's copy of the page (seed 001) is in the rendered text."""
    text = render("000_72582377825078c8.txt").page.text
    shown = (SEEDS / "001_19a29a72913d9233.txt").read_text(encoding="utf-8")
    lines = [" ".join(line.replace("¶", "").split()) for line in shown.splitlines()]
    lines = [line for line in lines if line and line != "-"]
    assert len(lines) >= 10
    for line in lines:
        assert line in text
    assert text.startswith("Responding to large-scale change Large-scale change requires")


def test_002_heading_ids_and_headings(render) -> None:
    result = render("002_eabb676612777297.txt")
    assert result.page.headings == [
        Heading(level=2, id="a-case-for-change", text="A case for change"),
        Heading(level=2, id="our-invitation", text="Our invitation"),
        Heading(level=2, id="clear-opportunities", text="Clear opportunities"),
    ]
    assert "{#" not in result.page.html


def test_002_block_quotes_inside_list_items(render) -> None:
    soup = render("002_eabb676612777297.txt").soup
    quoted = soup.select("ul > li > blockquote strong")
    assert [tag.get_text() for tag in quoted] == ["Engage", "Experiment", "Evaluate", "Design"]


def test_002_links_placeholders_and_missing_footnotes(render) -> None:
    result = render("002_eabb676612777297.txt")
    link = result.soup.find("a", href="https://www.datatoinsight.org/coe")
    assert link is not None
    assert link.find("em").get_text() == "https://www.datatoinsight.org/coe"
    assert "[LINK]" in result.page.text and "\\[LINK" not in result.page.html
    marks = [sup.get_text() for sup in result.soup.find_all("sup")]
    assert marks == ["[^1]", "[^2]"]
    assert result.page.warnings == [
        f"imagining-a-centre-of-excellence.md:{line}: footnote “{mark}” has no definition; "
        "shown as written\n  How to fix it: add the note at the end of the page, such as "
        f"`{mark}: The source.`, or remove the mark"
        for mark, line in (
            (m, _first_line_with("002_eabb676612777297.txt", m)) for m in ("[^1]", "[^2]")
        )
    ]


def test_003_quotes_with_cite(render) -> None:
    soup = render("003_9aa6026d31a4fa08.txt").soup
    quotes = soup.find_all("blockquote")
    assert len(quotes) == 2
    cites = [quote.find("cite") for quote in quotes]
    assert cites[0].get_text().startswith("John Gall, Systemantics")
    assert cites[0].find("em") is not None
    assert cites[1].get_text().startswith("E. F. Schumacher, Small is Beautiful")
    assert len(quotes[1].find_all("p")) == 5


def test_003_h4_emphasis_and_plain_sup(render) -> None:
    result = render("003_9aa6026d31a4fa08.txt")
    h4 = result.soup.find("h4")
    assert h4["id"] == "what-we-imagine-right-now"
    assert "What we imagine right now" in h4.get_text()
    # h4 is below the levels that take feedback of their own
    assert result.page.headings == []
    assert "What we imagine right now" in result.page.text
    # `*viable *organisation` reads as intended, not with stray stars
    assert [em.get_text() for em in result.soup.find_all("em") if em.get_text() == "viable"]
    assert "*viable" not in result.page.text
    sups = [sup.get_text() for sup in result.soup.find_all("sup")]
    assert sups == ["8", "8"]
    assert result.soup.find("a", href=re.compile(r"^https://www\.contractsfinder")) is not None
    second_list = [li.get_text(strip=True) for li in result.soup.select("ul")[1].find_all("li")]
    assert second_list[0] == "Innovation hosting and collaboration"
    assert result.page.warnings == []


def test_004_images_rewritten_and_missing_ones_reported(render, docs_dir: Path) -> None:
    result = render("004_832c7b34b5ff61f2.txt")
    imgs = result.soup.find_all("img")
    assert [img["src"] for img in imgs] == [
        f"/-/files/assets/img/Picture{n}-Possible%20mechanisms%20for%20change{i}.png"
        for n, i in ((10, 1), (11, 2), (12, 3))
    ]
    assert result.file_calls == [
        docs_dir / "assets" / "img" / f"Picture{n}-Possible mechanisms for change{i}.png"
        for n, i in ((10, 1), (11, 2), (12, 3))
    ]
    for img in imgs:
        assert img["alt"].startswith(("Three item cycle", "Six column table", "Text-heavy"))
        assert img["title"] == img["alt"]
        assert img["loading"] == "lazy"
    image_warnings = [w for w in result.page.warnings if "image" in w]
    assert image_warnings == [
        f"possible-mechanisms.md:{line}: image “assets/img/Picture{n}-Possible mechanisms for "
        f"change{i}.png” not found\n  How to fix it: put the file at that path in the pages "
        "folder, or correct the path"
        for n, i, line in ((10, 1, 7), (11, 2, 15), (12, 3, 23))
    ]


def test_004_no_image_warning_when_files_exist(render, docs_dir: Path) -> None:
    for n, i in ((10, 1), (11, 2), (12, 3)):
        image = docs_dir / "assets" / "img" / f"Picture{n}-Possible mechanisms for change{i}.png"
        image.parent.mkdir(parents=True, exist_ok=True)
        image.write_bytes(b"png")
    result = render("004_832c7b34b5ff61f2.txt")
    assert not [w for w in result.page.warnings if "image" in w]


def test_004_external_link_and_footnote_marks(render) -> None:
    result = render("004_832c7b34b5ff61f2.txt")
    link = result.soup.find(
        "a", href="https://medium.com/ldcu/council-spotlight-november-b6e647d44041"
    )
    assert link is not None
    assert link.get_text() == "this article published by MHCLG"
    assert "rel" not in link.attrs  # no target, so nothing to protect against
    assert [sup.get_text() for sup in result.soup.find_all("sup")] == ["5", "[^6]", "[^7]", "5"]
    assert any("“[^6]”" in w for w in result.page.warnings)


def _first_line_with(seed: str, text: str) -> int:
    source = (SEEDS / seed).read_text(encoding="utf-8")
    return next(n for n, line in enumerate(source.splitlines(), 1) if text in line)
