"""`soundingboard import`'s mapping files: parsing and each message, the shipped mappings on
small realistic CSV and XLSX files, idempotence, bad rows with their row."""

from __future__ import annotations

import datetime as dt
import io
import shutil
from pathlib import Path

import openpyxl
import pytest

from soundingboard.collect.mapped_import import import_mapped
from soundingboard.collect.mapping import (
    MappingError,
    load_mapping,
    parse_mapping,
    shipped_mappings,
)
from soundingboard.collect.models import ActivityTick, Contact, IdeaScore, Response
from soundingboard.collect.tables import open_table
from soundingboard.publish.loader import load_consultation

from .test_sheet_import import FIXTURES, consultation_folder, write_csv

ROLE = "Local authority data professional"


@pytest.fixture
def consultation(tmp_path: Path, reference_ideas):
    return load_consultation(consultation_folder(tmp_path / "support-offer", reference_ideas))


def run(consultation, path: Path, mapping: str, sheet: str | None = None):
    out = io.StringIO()
    bound = load_mapping(mapping).bind(open_table(path, sheet), consultation)
    report = import_mapped(consultation, bound, out=out, progress=False)
    return report, out.getvalue(), bound


def as_xlsx(csv_path: Path, xlsx_path: Path, sheet: str = "Responses") -> Path:
    """The CSV file's rows in a workbook's sheet, as a spreadsheet program would save them."""
    import csv

    workbook = openpyxl.Workbook()
    worksheet = workbook.active
    worksheet.title = sheet
    with csv_path.open(newline="", encoding="utf-8-sig") as file:
        for cells in csv.reader(file):
            worksheet.append(cells)
    workbook.save(xlsx_path)
    return xlsx_path


# Parsing the mapping file, and each message


def test_the_shipped_mappings_are_found_by_name():
    assert shipped_mappings() == [
        "original-feedback",
        "original-main-feedback",
        "survey-page-feedback",
    ]
    for name in shipped_mappings():
        assert load_mapping(name).path == f"{name} (shipped mapping)"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("kind: page\ndate: D\ncolums:\n  summary: S\n", "m.yml:3: unknown setting “colums”"),
        ("kind: survey\ndate: D\n", "m.yml:1: kind must be page or questionnaire, not “survey”"),
        (
            "kind: page\ncolumns:\n  summary: S\n  role: R\n",
            "m.yml:1: name the column that says when",
        ),
        ("date: D\ncolumns:\n  summary: S\n", "m.yml:2: columns: every page response needs role"),
        (
            "date: D\ncolumns:\n  summary: S\n  role: R\n  score: X\n",
            "m.yml:5: “score” is not an answer of a page response",
        ),
        ("date: D\ncolumns:\n  summary: S\n  summary: T\n", "m.yml:4: “summary” is given twice"),
        (
            "date: D\ncolumns:\n  summary: {column: S}\n  role: R\n",
            "m.yml:3: name a column (“Summary”), several",
        ),
        (
            "date: D\ncolumns:\n  summary: S\n  role: R\nscores:\n  - idea: X\n",
            "m.yml:5: scores are for kind: questionnaire",
        ),
        (
            "date: D\ncolumns:\n  summary: S\n  role: R\nvalues:\n  colour:\n    a: b\n",
            "m.yml:6: values: “colour” cannot be mapped",
        ),
        ("date: [D\n", "m.yml:2: is not valid YAML"),
        # Every row was a bad row, none naming the mapping's line.
        (
            'date: D\ndate_format: "%Q"\n',
            "m.yml:2: date_format: “%Q” is not a date format; write it with Python's strptime",
        ),
        ("date: D\ndate_format: 12\n", "m.yml:2: date_format: “12” is not a date format"),
        # The parser's own words were shown, and an unclosed quote was put at the file's end.
        (
            'kind: page\ndate: "Submitted\ncolumns:\n  summary: S\n  role: R\n',
            "m.yml:2: is not valid YAML: a quote that is opened but never closed; check the",
        ),
        (
            "kind: page\ndate: D\ncolumns:\n  summary: Summary\n   role: Role\n",
            "m.yml:5: is not valid YAML: a colon followed by a space inside a value; check the",
        ),
        (
            "kind: page\ndate: D\ncolumns:\n\tsummary: S\n",
            "m.yml:4: is not valid YAML: a tab; indent with spaces; check the indentation",
        ),
        ("- date\n", "m.yml:1: a mapping file is a list of settings"),
        # The YAML parser goes a level down Python's stack for each: a traceback before.
        (
            "date: " + "[" * 600 + "]" * 600 + "\n",
            "m.yml:1: nests lists or mappings in one another too deeply to be read; write it",
        ),
    ],
)
def test_mapping_mistakes_are_named_with_their_line(text, message):
    with pytest.raises(MappingError) as caught:
        parse_mapping(text, "m.yml")
    assert str(caught.value).startswith(message), str(caught.value)


def test_an_unknown_mapping_name_lists_the_shipped_ones():
    with pytest.raises(
        MappingError, match="no mapping of that name comes with soundingboard: original-feedback"
    ):
        load_mapping("citizen-space")


def test_mapping_that_does_not_fit_the_file_or_consultation(consultation, tmp_path):
    data = write_csv(tmp_path / "r.csv", "When,Text,Who\n2024-03-01T10:00:00Z,Hello there,x\n")
    table = open_table(data)
    cases = [
        (
            "date: When\ncolumns:\n  summary: Summary\n  role: Who\n",
            f"m.yml:3: summary: {data}:1 has no column “Summary”; its columns are “When”, "
            "“Text”, “Who”",
        ),
        (
            "date: When\ncolumns:\n  summary: Text\n  role: Who\nvalues:\n  role:\n"
            "    x: Astronaut\n",
            "m.yml:7: “x” maps to “Astronaut”, which is not one of the consultation's roles",
        ),
        (
            "date: When\ncolumns:\n  summary: Text\n  role: Who\nvalues:\n  score:\n    great: 7\n",
            "m.yml:7: “great” maps to “7”, but a score is a whole number from 1 to 5",
        ),
        (
            "kind: questionnaire\ndate: When\ncolumns:\n  role: Who\nscores:\n"
            "  - idea: Teleportation\n    usefulness: Text\n",
            "m.yml:6: “Teleportation” is not one of the questionnaire's ideas",
        ),
    ]
    for text, message in cases:
        with pytest.raises(MappingError) as caught:
            parse_mapping(text, "m.yml").bind(table, consultation)
        assert str(caught.value).startswith(message), str(caught.value)
    # An optional answer's column missing is said, not refused.
    bound = parse_mapping(
        "date: When\ncolumns:\n  summary: Text\n  role: Who\n  email: E-mail\n", "m.yml"
    ).bind(table, consultation)
    assert bound.warnings == [
        f"m.yml:5: email: {data}:1 has no column “E-mail”, so email is left empty"
    ]


# The shipped mappings on small realistic files


@pytest.mark.django_db
@pytest.mark.parametrize("form", ["csv", "xlsx"])
def test_original_feedback_tab_through_its_mapping(consultation, tmp_path, form):
    path = shutil.copy(FIXTURES / "feedback.csv", tmp_path / "Feedback.csv")
    if form == "xlsx":
        path = as_xlsx(Path(path), tmp_path / "Feedback.xlsx")
    report, out, _ = run(consultation, Path(path), "original-feedback")
    assert out == ""
    assert (report.rows, report.imported, report.spam, report.skipped) == (4, 3, 1, 0)
    first = Response.objects.order_by("submitted_at").first()
    assert (first.page_path, first.channel, first.role) == ("models-for-delivery/", "import", ROLE)
    assert first.contact.organisation == "Northshire County Council"
    again, _, _ = run(consultation, Path(path), "original-feedback")
    assert (again.imported, again.already_there) == (0, 4)
    assert Response.objects.count() == 4


@pytest.mark.django_db
@pytest.mark.parametrize("form", ["csv", "xlsx"])
def test_original_main_feedback_tab_through_its_mapping(consultation, tmp_path, form):
    path = FIXTURES / "main-feedback.csv"
    if form == "xlsx":
        path = as_xlsx(path, tmp_path / "MainFeedback.xlsx")
    report, out, _ = run(consultation, path, "original-main-feedback")
    assert out == "" and (report.imported, report.skipped) == (2, 0)
    first = Response.objects.order_by("submitted_at").first()
    assert first.kind == "questionnaire"
    assert set(IdeaScore.objects.filter(response=first).values_list("idea", "usefulness")) == {
        ("Data tool collaboration", 5),
        ("Curating technical standards", 4),
        ("Improving data quality", 3),
    }
    assert ActivityTick.objects.filter(response=first, matched=True).count() == 2


SURVEY = (
    "Response ID,Submitted,Which best describes you?,Page,Your feedback in one line,Comments,"
    "Email address\n"
    "R-0001,14/05/2024 09:30,Council,https://example.github.io/support-offer/models-for-delivery/,"
    'Funding needs to last longer than two years,"Our council has seen pilots end.",\n'
    "R-0002,15/05/2024 16:02,Data and digital supplier/partner,"
    "https://example.github.io/support-offer/,A clearer route for suppliers,,sam@example.com\n"
)
SURVEY_MAPPING = """\
kind: page
id: Response ID
date: Submitted
columns:
  page: Page
  summary: Your feedback in one line
  details: Comments
  role: Which best describes you?
  email: Email address
values:
  role:
    Council: Local authority data professional
"""


@pytest.mark.django_db
@pytest.mark.parametrize("form", ["csv", "xlsx"])
def test_a_survey_export_through_a_mapping_of_ones_own(consultation, tmp_path, form):
    path = write_csv(tmp_path / "survey.csv", SURVEY)
    if form == "xlsx":
        path = as_xlsx(path, tmp_path / "survey.xlsx", sheet="Form responses 1")
    mapping = tmp_path / "survey.yml"
    mapping.write_text(SURVEY_MAPPING)
    report, out, _ = run(consultation, path, str(mapping))
    assert out == "" and (report.imported, report.skipped) == (2, 0)
    first, second = Response.objects.order_by("submitted_at")
    assert (first.role, first.page_path, first.details) == (
        ROLE,
        "models-for-delivery/",
        "Our council has seen pilots end.",
    )
    assert second.contact.email == "sam@example.com"
    # A later export, with one answer edited and a new response: only the new one is stored.
    later = write_csv(
        tmp_path / "later.csv",
        SURVEY.replace("A clearer route", "An even clearer route")
        + "R-0003,16/05/2024 08:00,Council,,A third response arrives,,\n",
    )
    again, _, _ = run(consultation, later, str(mapping))
    assert (again.imported, again.already_there) == (1, 2)


@pytest.mark.django_db
def test_the_generic_survey_mapping(consultation, tmp_path):
    path = write_csv(tmp_path / "survey.csv", SURVEY.replace("Council,", f"{ROLE},"))
    report, out, bound = run(consultation, path, "survey-page-feedback")
    assert (report.imported, report.skipped) == (2, 0), out
    assert [w.split(": ", 1)[1] for w in bound.warnings] == [
        "nature: " + f"{path}:1 has no column “Nature” or “Type of feedback”, so nature is left "
        "empty",
        "organisation: " + f"{path}:1 has no column “Organisation” or “Organization” or "
        "“Organisation name”, so organisation is left empty",
    ]


@pytest.mark.django_db
def test_values_that_map_to_nothing_are_reported_with_row_and_mapping_line(consultation, tmp_path):
    path = write_csv(
        tmp_path / "survey.csv",
        SURVEY + "R-0003,16/05/2024 08:00,Parish clerk,,A response from a clerk,,\n"
        "R-0004,16/05/2024 08:00,Council,,No,,\n",
    )
    mapping = tmp_path / "survey.yml"
    mapping.write_text(SURVEY_MAPPING)
    report, out, _ = run(consultation, path, str(mapping))
    assert out.splitlines() == [
        f"{path}:4: role: “Parish clerk” is not one of the consultation's roles; add it under "
        f"values: role: at {mapping}:11",
        f"{path}:5: summary: Summary must be 5 characters or more",
    ]
    assert (report.imported, report.skipped) == (2, 2)
    assert Response.objects.count() == 2 and Contact.objects.count() == 1


@pytest.mark.django_db
def test_xlsx_rows_are_named_by_sheet_and_row(consultation, tmp_path):
    csv_path = write_csv(
        tmp_path / "s.csv",
        SURVEY.replace("Funding needs to last longer than two years", "No"),
    )
    path = as_xlsx(csv_path, tmp_path / "s.xlsx", sheet="Form responses 1")
    mapping = tmp_path / "survey.yml"
    mapping.write_text(SURVEY_MAPPING)
    report, out, _ = run(consultation, path, str(mapping), sheet="Form responses 1")
    assert out == (
        f"{path}, sheet “Form responses 1”, row 2: summary: Summary must be 5 characters or more\n"
    )
    assert (report.imported, report.skipped) == (1, 1)


@pytest.mark.django_db
def test_xlsx_date_and_number_cells_are_read_as_a_csv_export_would_write_them(
    consultation, tmp_path
):
    """A real workbook holds dates as dates and numbers as numbers, not text."""
    import datetime as dt

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(
        [
            "Response ID",
            "Submitted",
            "Which best describes you?",
            "Page",
            "Your feedback in one line",
        ]
    )
    sheet.append(
        [
            1001,
            dt.datetime(2024, 7, 1, 12, 0),
            ROLE,
            "models-for-delivery/",
            "A summary typed in a workbook",
        ]
    )
    path = tmp_path / "dates.xlsx"
    workbook.save(path)
    report, out, _ = run(consultation, path, "survey-page-feedback")
    assert out == "" and report.imported == 1
    stored = Response.objects.get()
    assert stored.submitted_at.isoformat() == "2024-07-01T11:00:00+00:00"  # 12:00 BST
    again, _, _ = run(consultation, path, "survey-page-feedback")
    assert again.already_there == 1  # known again by its id, 1001


QUOTED = (
    "Response ID,Submitted,Role,Summary,Can we publish your response?\n"
    f"Q-1,14/05/2024 09:30,{ROLE},Publish it without my name,Yes - without my name\n"
    f"Q-2,14/05/2024 09:31,{ROLE},Keep this one private,No\n"
    f"Q-3,14/05/2024 09:32,{ROLE},Written as the site writes it,yes\n"
    f"Q-4,14/05/2024 09:33,{ROLE},Left the question blank,\n"
    f"Q-5,14/05/2024 09:34,{ROLE},An answer nobody mapped,Only the summary\n"
)
QUOTED_MAPPING = """\
id: Response ID
date: Submitted
columns:
  summary: Summary
  role: Role
  may_quote: Can we publish your response?
values:
  may_quote:
    Yes - without my name: yes
"""


def quoting_consultation(tmp_path: Path, reference_ideas, asks: bool):
    return load_consultation(
        consultation_folder(tmp_path / "quoted", reference_ideas, asks_to_quote=asks)
    )


@pytest.mark.django_db
def test_the_answer_to_may_we_quote_you_is_mapped(tmp_path, reference_ideas):
    consultation = quoting_consultation(tmp_path, reference_ideas, asks=True)
    path = write_csv(tmp_path / "quoted.csv", QUOTED)
    mapping = tmp_path / "quoted.yml"
    mapping.write_text(QUOTED_MAPPING)
    report, out, bound = run(consultation, path, str(mapping))
    assert bound.warnings == []
    assert out.splitlines() == [
        f"{path}:6: may_quote: “Only the summary” is not yes or no; add it under values: "
        f"may_quote: at {mapping}:8"
    ]
    assert (report.imported, report.skipped) == (4, 1)
    answers = dict(Response.objects.values_list("summary", "may_quote"))
    assert answers == {
        "Publish it without my name": True,
        "Keep this one private": False,
        "Written as the site writes it": True,
        "Left the question blank": None,
    }


@pytest.mark.django_db
def test_a_consent_column_for_a_consultation_that_does_not_ask_is_named(tmp_path, reference_ideas):
    consultation = quoting_consultation(tmp_path, reference_ideas, asks=False)
    path = write_csv(tmp_path / "quoted.csv", QUOTED.rsplit("Q-5", 1)[0])
    mapping = tmp_path / "quoted.yml"
    mapping.write_text(QUOTED_MAPPING)
    report, out, bound = run(consultation, path, str(mapping))
    assert bound.warnings == [
        f"{mapping}:6: may_quote: the consultation asks no consent-to-quote question "
        "(quote_consent in consultation.yml), so the answers are not kept"
    ]
    assert (out, report.imported) == ("", 4)
    assert set(Response.objects.values_list("may_quote", flat=True)) == {None}


def test_a_consent_answer_mapped_to_something_else_is_named(tmp_path, reference_ideas):
    consultation = quoting_consultation(tmp_path, reference_ideas, asks=True)
    mapping = parse_mapping(
        QUOTED_MAPPING.replace("without my name: yes", "without my name: maybe"), "m.yml"
    )
    table = open_table(write_csv(tmp_path / "quoted.csv", QUOTED))
    with pytest.raises(MappingError) as caught:
        mapping.bind(table, consultation)
    assert str(caught.value) == (
        "m.yml:9: “yes - without my name” maps to “maybe”, but the answer to the "
        "consent-to-quote question is yes, no, or empty (not answered)"
    )


@pytest.mark.django_db
def test_another_export_whose_ids_start_again_at_one_is_stored(consultation, tmp_path):
    """Many tools number each form's responses from 1: a response is known again by its id
    with when it was sent, not by its id alone."""
    header = "ID,Submitted,Page,Summary,Role\n"
    models = header + (
        f"1,14/05/2024 09:30,models-for-delivery/,Funding must last longer,{ROLE}\n"
        f"2,14/05/2024 10:30,models-for-delivery/,The hub needs local staff,{ROLE}\n"
    )
    change = header + (
        f"1,20/05/2024 11:00,responding-to-large-scale-change/,Change needs a named lead,{ROLE}\n"
        f"2,21/05/2024 12:00,responding-to-large-scale-change/,Share the plans earlier,{ROLE}\n"
    )
    first, _, _ = run(
        consultation, write_csv(tmp_path / "models.csv", models), "survey-page-feedback"
    )
    assert first.imported == 2
    second, _, _ = run(
        consultation, write_csv(tmp_path / "change.csv", change), "survey-page-feedback"
    )
    assert (second.imported, second.already_there) == (2, 0)
    again, _, _ = run(consultation, tmp_path / "change.csv", "survey-page-feedback")
    assert (again.imported, again.already_there) == (0, 2)
    assert Response.objects.count() == 4


# What a helper trying real and odd files found (2026-12-08)

FEEDBACK_HEADER = "Timestamp,Page,Summary,Details,Role\n"


@pytest.mark.django_db
def test_a_time_to_the_millisecond_and_the_same_time_to_the_second_are_one_row(
    consultation, tmp_path
):
    """A spreadsheet's own file keeps the milliseconds a form recorded, its CSV download
    does not: the same response read from both was stored twice."""
    workbook = openpyxl.Workbook()
    workbook.active.append(["Timestamp", "Page", "Summary", "Role"])
    workbook.active.append([dt.datetime(2026, 3, 15, 10, 4, 59, 412000), "", "Open later", ROLE])
    workbook.save(tmp_path / "sheet.xlsx")
    first, _, _ = run(consultation, tmp_path / "sheet.xlsx", "original-feedback")
    assert first.imported == 1
    csv_path = write_csv(
        tmp_path / "sheet.csv",
        f"Timestamp,Page,Summary,Role\n15/03/2026 10:04:59,,Open later,{ROLE}\n",
    )
    again, _, _ = run(consultation, csv_path, "original-feedback")
    assert (again.imported, again.already_there) == (0, 1)
    assert Response.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("ending", ["\r", "\n", "\r\n"])
def test_a_line_break_in_a_cell_is_kept_whatever_the_file_ends_lines_with(
    consultation, tmp_path, ending
):
    """A carriage return alone (old Mac files, inside their cells too) was dropped, joining
    the cell's two lines into one."""
    path = tmp_path / "cr.csv"
    path.write_bytes(
        (
            "Timestamp,Page,Summary,Details,Role"
            + ending
            + f'15/03/2026 10:05,,Open later please,"line one\rline two",{ROLE}'
            + ending
        ).encode()
    )
    report, out, _ = run(consultation, path, "original-feedback")
    assert report.imported == 1, out
    assert Response.objects.get().details == "line one\nline two"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("bad_row", "message"),
    [
        # Python's CSV reader stops at 131,072 characters a cell: one such answer refused the
        # whole file with the reader's own words.
        (f"Open later,{'x' * 200_000},{ROLE}", ": details: Details must be 10,000 characters"),
        # `import` took such a row without a word, where `import-sheet` skips it: its cells
        # are not where the header says.
        (f"Open later,,{ROLE},extra", ": 6 cells, but the header has 5 columns"),
    ],
    ids=["long-cell", "more-cells"],
)
def test_a_bad_row_is_skipped_alone_with_its_line(consultation, tmp_path, bad_row, message):
    path = write_csv(
        tmp_path / "rows.csv",
        FEEDBACK_HEADER
        + f"15/03/2026 10:01,,{bad_row}\n"
        + f"15/03/2026 10:02,,Open earlier,,{ROLE}\n",
    )
    report, out, _ = run(consultation, path, "original-feedback")
    assert (report.imported, report.skipped) == (1, 1)
    assert out.startswith(f"{path}:2{message}")
    assert Response.objects.get().summary == "Open earlier"


def test_a_cell_longer_than_any_answer_names_its_line_plainly(tmp_path):
    from soundingboard.collect.tables import MAX_CELL_CHARACTERS, TableError

    path = write_csv(
        tmp_path / "huge.csv",
        FEEDBACK_HEADER + f'15/03/2026 10:01,,"{"x" * (MAX_CELL_CHARACTERS + 1)}",,{ROLE}\n',
    )
    with pytest.raises(TableError) as caught:
        _ = open_table(path).count
    assert str(caught.value).startswith(
        f"{path}:2: is not valid CSV: a cell is longer than 16,777,216 characters"
    )


def test_a_mapped_column_named_twice_in_the_file_is_refused(consultation, tmp_path):
    """The last of two “Summary” columns was read without a word: an empty one made every
    row fail, one with other text stored that text."""
    path = write_csv(
        tmp_path / "twice.csv",
        "Timestamp,Page,Summary,Details,Role,Summary\n"
        f"15/03/2026 10:01,,Open later,,{ROLE},something else\n",
    )
    with pytest.raises(MappingError) as caught:
        load_mapping("original-feedback").bind(open_table(path), consultation)
    assert f"summary: {path}:1 has more than one column “Summary” (columns 3 and 6)" in str(
        caught.value
    )
