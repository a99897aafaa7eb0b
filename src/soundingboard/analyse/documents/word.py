"""The report as an editable Word document (DOCX), made with python-docx, for teams that
finish their response in Word.

It holds what the PDF holds, in Word's own structure: the title and sections in the styles
"Heading 1" to "Heading 4" (so Word's navigation pane and table of contents find them),
every table as a Word table whose first row is marked as its header row (repeated on each
page, read as headers by screen readers), each chart as its text alternative and its table
(Word cannot show the SVG charts), quotes in the "Quote" style, and the document's title,
author and language (en-GB) in its properties.

The team's text arrives as the safe HTML `outcome.team_text` renders; `_TeamText` turns its
headings, paragraphs, lists, quotes, tables and links into Word's equivalents and keeps the
words of anything else. Images are never fetched: their alternative text stands in.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from bs4 import BeautifulSoup, NavigableString, Tag
from docx import Document
from docx.document import Document as WordDocument
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.opc.constants import RELATIONSHIP_TYPE
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt, RGBColor
from docx.table import Table as WordTable
from docx.text.paragraph import Paragraph

from ..charts import INVALID_XML
from ..presentation.figures import Figure, TableView
from ..presentation.report import Report, RunView, Section, report_context
from . import document_author, document_title

LANGUAGE = "en-GB"
LINK_COLOUR = RGBColor(0x1D, 0x70, 0xB8)
LINK_SCHEMES = ("http://", "https://", "mailto:")
DEEPEST_HEADING = 6


def _t(text: str) -> str:
    """Text Word can hold: python-docx refuses the control characters XML forbids, and an
    answer or a pasted text may carry one."""
    return INVALID_XML.sub("", text)


def report_docx(report: Report) -> bytes:
    """The report as a Word document."""
    context = report_context(report)
    consultation = report.consultation
    document = Document()
    _set_properties(document, document_title(consultation), document_author(consultation))
    document.add_heading(_t(document_title(consultation)), level=1)
    document.add_paragraph(f"Made on {_day(report)} from the analysis as it stood that day.")
    document.add_paragraph(
        f"Counts from 1 to {context['threshold'] - 1} are shown as [c], and so are counts "
        "that would let one of them be worked out. Quotes come only from people who agreed "
        "to be quoted, with any contact details taken out."
    )

    _section(document, context["summary"])

    _section(document, context["respondents_section"])
    if context["by_role_group"]:
        _table(document, context["by_role_group"])
    _table(document, context["by_channel"])

    for idea in context["idea_sections"]:
        _section(document, idea["section"])
        for figure in idea["measures"]:
            _figure(document, figure)

    for page in context["pages"]:
        _section(document, page["section"])
        for run in page["runs"]:
            _run(document, run)
        if not page["runs"]:
            document.add_paragraph("No themes have been confirmed for this page.")

    if context["other_runs"]:
        document.add_heading("Themes across the consultation", level=2)
        for run in context["other_runs"]:
            _run(document, run)

    if context["repeats"]:
        document.add_heading(_t(context["repeats_heading"]), level=2)
        document.add_paragraph(_t(context["repeats_intro"]))
        for repeats in context["repeats"]:
            document.add_heading(_t(repeats["heading"]), level=3)
            _table(document, repeats["table"])

    method: Section = context["method_section"]
    _section(document, method, heading="Annex: how we analysed the responses")
    for fact in context["method_facts"]:
        document.add_paragraph(_t(fact), style="List Bullet")

    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _day(report: Report) -> str:
    today = report.clock.today
    return f"{today.day} {today:%B %Y}"


def _set_properties(document: WordDocument, title: str, author: str) -> None:
    properties = document.core_properties
    properties.title = _t(title)
    properties.author = _t(author)
    properties.last_modified_by = _t(author)
    properties.language = LANGUAGE
    properties.subject = "Summary of responses"
    properties.comments = "Made by soundingboard from the analysis of the responses."
    # The language of the text itself (spelling, and what screen readers speak), not only
    # of the file's properties: set on the Normal style, which every other style is based on.
    run_properties = document.styles["Normal"].element.get_or_add_rPr()
    language = OxmlElement("w:lang")
    language.set(qn("w:val"), LANGUAGE)
    run_properties.append(language)


def _section(document: WordDocument, section: Section, heading: str | None = None) -> None:
    document.add_heading(_t(heading or section.heading), level=2)
    if section.team_html:
        _TeamText(document).add(section.team_html)
    else:
        document.add_paragraph("The team has not written this section yet.")


def _figure(document: WordDocument, figure: Figure) -> None:
    """A chart as words and numbers: its heading, what it shows (the chart's own text
    alternative) and its table."""
    document.add_heading(_t(figure.heading), level=3)
    if figure.svg:
        soup = BeautifulSoup(str(figure.svg), "html.parser")
        desc = soup.find("desc")
        if desc is not None:
            document.add_paragraph(_t(desc.get_text(" ", strip=True)))
    document.add_paragraph(_t(figure.description))
    _table(document, figure.table)


def _table(document: WordDocument, view: TableView) -> WordTable:
    caption = document.add_paragraph(style="Caption")
    caption.add_run(_t(view.title)).bold = True
    caption.add_run(_t(f" {view.based_on}"))
    rows = [
        [
            (f"{row.parent}: " if row.parent else "")
            + row.label
            + ("" if row.known else " (no longer listed)"),
            *(cell.text for cell in row.cells),
        ]
        for row in view.rows
    ]
    table = _word_table(
        document,
        [view.row_heading, *view.columns],
        rows,
        numeric=True,
        bold_rows=[i for i, r in enumerate(view.rows) if r.is_total],
    )
    for note in view.footnotes:
        _small(document.add_paragraph(_t(note)))
    return table


def _run(document: WordDocument, run: RunView) -> None:
    document.add_heading(_t(run.heading), level=3)
    document.add_paragraph(f"Confirmed {run.confirmed}.")
    caption = document.add_paragraph(style="Caption")
    caption.add_run(_t(run.heading)).bold = True
    _word_table(
        document,
        ["Theme", "Answers", "Share"],
        [[t.label, t.answers, t.share] for t in run.themes],
        numeric=True,
    )
    for theme in run.themes:
        if theme.quotes:
            document.add_heading(_t(f"In their words: {theme.label}"), level=4)
            for quote in theme.quotes:
                document.add_paragraph(_t(f"“{quote}”"), style="Quote")


def _word_table(
    document: WordDocument,
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    numeric: bool = False,
    bold_rows: Sequence[int] = (),
) -> WordTable:
    """A Word table: its first row the header row (marked so, and repeated on every page),
    the first column the rows' names, numbers aligned right when `numeric`."""
    width = max([len(header), *(len(r) for r in rows)])
    table = document.add_table(rows=1 + len(rows), cols=width)
    table.style = document.styles["Table Grid"]
    right = {index for index in range(1, width)} if numeric else set()
    # Each row's cells are looked up once: python-docx finds a cell by walking the table.
    for number, (row, values) in enumerate(zip(table.rows, [header, *rows], strict=True)):
        for index, (cell, text) in enumerate(zip(row.cells, values, strict=False)):
            paragraph = cell.paragraphs[0]
            run = paragraph.add_run(_t(text))
            run.bold = number == 0 or index == 0 or (number - 1) in bold_rows or None
            if index in right:
                paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    repeat = OxmlElement("w:tblHeader")
    repeat.set(qn("w:val"), "true")
    table.rows[0]._tr.get_or_add_trPr().append(repeat)
    return table


def _small(paragraph: Paragraph) -> Paragraph:
    for run in paragraph.runs:
        run.font.size = Pt(9)
    return paragraph


class _TeamText:
    """The team's safe HTML as Word paragraphs: headings (already placed under the section's
    own), paragraphs with bold, italic, code and links, bulleted and numbered lists, quotes,
    tables; anything else keeps its words."""

    def __init__(self, document: WordDocument) -> None:
        self.document = document

    def add(self, html: str) -> None:
        self._blocks(BeautifulSoup(html, "html.parser"))

    def _blocks(self, parent: Tag, style: str | None = None) -> None:
        loose: list[Any] = []  # inline content between blocks, kept as one paragraph
        for child in list(parent.children):
            if isinstance(child, Tag) and child.name in _BLOCKS:
                self._flush(loose, style)
                loose = []
                self._block(child, style)
            else:
                loose.append(child)
        self._flush(loose, style)

    def _flush(self, inline: list[Any], style: str | None) -> None:
        if "".join(_text(n) for n in inline).strip():
            paragraph = self.document.add_paragraph(style=style)
            for node in inline:
                self._inline(paragraph, node)

    def _block(self, tag: Tag, style: str | None) -> None:
        name = tag.name
        if name in ("h1", "h2", "h3", "h4", "h5", "h6"):
            level = min(int(name[1]), DEEPEST_HEADING)
            heading = self.document.add_heading(level=level)
            self._inlines(heading, tag)
        elif name == "p":
            paragraph = self.document.add_paragraph(style=style)
            self._inlines(paragraph, tag)
        elif name in ("ul", "ol"):
            self._list(tag, depth=1)
        elif name == "blockquote":
            self._blocks(tag, style="Quote")
        elif name == "pre":
            paragraph = self.document.add_paragraph(style=style)
            run = paragraph.add_run(_t(tag.get_text()))
            run.font.name = "Courier New"
        elif name == "table":
            self._table(tag)
        elif name == "hr":
            return
        else:  # div, section, details, figure, dl...: their content, in order
            self._blocks(tag, style)

    def _list(self, tag: Tag, depth: int) -> None:
        kind = "List Number" if tag.name == "ol" else "List Bullet"
        style = kind if depth == 1 else f"{kind} {min(depth, 3)}"
        for item in tag.find_all("li", recursive=False):
            paragraph = self.document.add_paragraph(style=style)
            nested = []
            for child in item.children:
                if isinstance(child, Tag) and child.name in ("ul", "ol"):
                    nested.append(child)
                elif isinstance(child, Tag) and child.name == "p":
                    self._inlines(paragraph, child)
                else:
                    self._inline(paragraph, child)
            for sub in nested:
                self._list(sub, depth + 1)

    def _table(self, tag: Tag) -> None:
        rows = [
            [cell.get_text(" ", strip=True) for cell in row.find_all(["th", "td"])]
            for row in tag.find_all("tr")
        ]
        rows = [r for r in rows if r]
        if rows:
            _word_table(self.document, rows[0], rows[1:])

    def _inlines(self, paragraph: Paragraph, tag: Tag) -> None:
        for child in tag.children:
            self._inline(paragraph, child)

    def _inline(
        self, paragraph: Paragraph, node: Any, bold: bool = False, italic: bool = False
    ) -> None:
        if isinstance(node, NavigableString):
            if str(node):
                run = paragraph.add_run(_t(str(node)))
                run.bold = bold or None
                run.italic = italic or None
            return
        if not isinstance(node, Tag) or "headerlink" in (node.get("class") or []):
            return
        name = node.name
        if name == "br":
            paragraph.add_run().add_break()
        elif name == "img":
            alt = str(node.get("alt") or "").strip()
            if alt:
                paragraph.add_run(_t(f"[Image: {alt}]")).italic = True
        elif name == "a" and str(node.get("href", "")).startswith(LINK_SCHEMES):
            _hyperlink(paragraph, str(node["href"]), node.get_text())
        elif name == "code":
            paragraph.add_run(_t(node.get_text())).font.name = "Courier New"
        else:
            bold = bold or name in ("strong", "b")
            italic = italic or name in ("em", "i")
            for child in node.children:
                self._inline(paragraph, child, bold, italic)


_BLOCKS = frozenset(
    {
        "h1", "h2", "h3", "h4", "h5", "h6", "p", "ul", "ol", "blockquote", "pre", "table",
        "hr", "div", "section", "details", "figure", "dl", "aside", "article",
    }
)  # fmt: skip


def _text(node: Any) -> str:
    return node.get_text() if isinstance(node, Tag) else str(node)


def _hyperlink(paragraph: Paragraph, url: str, text: str) -> None:
    """A real Word hyperlink (python-docx has no call for one): a relationship to the
    address and a w:hyperlink around a blue, underlined run."""
    relationship = paragraph.part.relate_to(_t(url), RELATIONSHIP_TYPE.HYPERLINK, is_external=True)
    link = OxmlElement("w:hyperlink")
    link.set(qn("r:id"), relationship)
    run = OxmlElement("w:r")
    properties = OxmlElement("w:rPr")
    colour = OxmlElement("w:color")
    colour.set(qn("w:val"), str(LINK_COLOUR))
    underline = OxmlElement("w:u")
    underline.set(qn("w:val"), "single")
    properties.append(colour)
    properties.append(underline)
    run.append(properties)
    words = OxmlElement("w:t")
    words.text = _t(text)
    words.set(qn("xml:space"), "preserve")
    run.append(words)
    link.append(run)
    paragraph._p.append(link)
