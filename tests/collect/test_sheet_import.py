"""Importing the original site's spreadsheet tabs, saved as CSV."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml

from soundingboard.collect import bulk_storage, deferred_indexes, row_import
from soundingboard.collect.models import ActivityTick, Contact, IdeaScore, Response
from soundingboard.collect.sheet_import import (
    ImportReport,
    SheetError,
    import_sheet,
    parse_timestamp,
    read_sheet,
)
from soundingboard.publish.loader import load_consultation
from tests.conftest import write_consultation

FIXTURES = Path(__file__).resolve().parent / "fixtures"
LONDON = ZoneInfo("Europe/London")
PAGES = {
    "index.md": "# Imagining a Centre of Excellence\n\nText.\n",
    "models-for-delivery.md": "# Models for delivery\n\nText.\n",
    "responding-to-large-scale-change.md": (
        "# Responding to large-scale change\n\n## Navigating change {#navigating-change}\n\nText.\n"
    ),
    "possible-mechanisms-for-change.md": "# Possible mechanisms for change\n\nText.\n",
}


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)


def consultation_folder(
    folder: Path, ideas: list[dict] | None, slug: str = "support-offer", *, asks_to_quote=False
):
    """`asks_to_quote`: the consultation asks its consent-to-quote question."""
    config: dict = {"title": "Imagining a support offer", "slug": slug}
    if asks_to_quote:
        config["quote_consent"] = True
    if ideas is not None:
        config["questionnaire"] = {"ideas": ideas}
    return write_consultation(folder, yaml.safe_dump(config, allow_unicode=True), PAGES)


@pytest.fixture
def consultation(tmp_path: Path, reference_ideas):
    return load_consultation(consultation_folder(tmp_path / "support-offer", reference_ideas))


def run_import(consultation, path: Path, tab: str) -> tuple[ImportReport, str]:
    out = io.StringIO()
    report = import_sheet(consultation, read_sheet(path, tab), out=out, progress=False)
    return report, out.getvalue()


def write_csv(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


# Reading timestamps


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("15/03/2024 09:05:07", utc(2024, 3, 15, 9, 5, 7)),  # GMT
        ("01/07/2024 12:00:00", utc(2024, 7, 1, 11, 0, 0)),  # BST
        ("1/7/2024 9:05:00", utc(2024, 7, 1, 8, 5, 0)),
        ("20/11/2024 16:45", utc(2024, 11, 20, 16, 45)),
        ("2024-04-02T14:30:00Z", utc(2024, 4, 2, 14, 30)),
        ("2024-05-09T08:00:00+01:00", utc(2024, 5, 9, 7, 0)),
        ("2024-07-01 12:00:00", utc(2024, 7, 1, 11, 0)),  # naive ISO: London time
        (" 2024-04-02T14:30:00.250Z ", utc(2024, 4, 2, 14, 30, 0) + dt.timedelta(0, 0, 250000)),
    ],
)
def test_timestamps_are_read_as_aware_utc(text, expected):
    moment = parse_timestamp(text, LONDON)
    assert moment == expected
    assert moment.utcoffset() == dt.timedelta(0)


@pytest.mark.parametrize("text", ["", "31/02/2024 10:00:00", "yesterday", "2024-13-01", "15.03.24"])
def test_bad_timestamps_are_refused(text):
    with pytest.raises(ValueError):
        parse_timestamp(text, LONDON)


# Importing


@pytest.mark.django_db
def test_feedback_sheet_is_imported(consultation):
    report, out = run_import(consultation, FIXTURES / "feedback.csv", "Feedback")
    assert out == ""
    assert (report.rows, report.imported, report.spam, report.skipped) == (4, 3, 1, 0)
    rows = list(Response.objects.order_by("submitted_at"))
    assert [r.submitted_at for r in rows] == [
        utc(2024, 3, 15, 9, 5, 7),
        utc(2024, 4, 2, 14, 30),
        utc(2024, 7, 1, 11, 0),  # 12:00 in London in summer
        utc(2024, 11, 20, 16, 45),
    ]
    assert all(r.submitted_at.tzinfo is not None for r in rows)
    first, second, moved, spam = rows
    assert {r.channel for r in rows} == {"import"} and {r.kind for r in rows} == {"page"}
    assert (first.page_path, first.page_matched, first.page_title) == (
        "models-for-delivery/",
        True,
        "Models for delivery",
    )
    assert first.summary == "The hub model needs a clearer funding route"
    assert (
        first.details
        == "Who pays after the first two years?\nOur council could not carry it alone."
    )
    assert first.role == "Local authority data professional"
    assert first.nature == "I’m unsure about this"
    assert (first.contact.email, first.contact.organisation) == (
        "analyst@northshire.example.gov.uk",
        "Northshire County Council",
    )
    assert (second.page_path, second.section_id, second.section_title) == (
        "responding-to-large-scale-change/",
        "navigating-change",
        "Navigating change",
    )
    assert second.nature == "I’ve identified a specific issue with this"  # typed with '
    assert second.contact is None
    assert moved.page_matched is False
    assert moved.page_path == "https://example.github.io/support-offer/an-older-page/"
    assert spam.status == "spam" and "honeypot" in spam.spam_reason
    assert Contact.objects.count() == 1
    assert len({r.submission_token for r in rows}) == 4
    assert all(r.submission_token.startswith("import:") for r in rows)


@pytest.mark.django_db
def test_main_feedback_sheet_is_imported(consultation):
    report, out = run_import(consultation, FIXTURES / "main-feedback.csv", "MainFeedback")
    assert out == ""
    assert (report.rows, report.imported, report.skipped) == (2, 2, 0)
    first, second = Response.objects.order_by("submitted_at")
    assert first.kind == "questionnaire" and first.channel == "import"
    assert first.submitted_at == utc(2024, 3, 18, 10, 15)
    assert second.submitted_at == utc(2024, 5, 9, 7, 0)
    assert first.comments == "Promising overall; the standards work matters most."
    assert first.role == "Local authority children’s social care professional"
    assert first.contact.organisation == "Eastvale Borough Council"
    scores = {
        (s.idea, s.usefulness, s.likelihood) for s in IdeaScore.objects.filter(response=first)
    }
    assert scores == {
        ("Data tool collaboration", 5, 4),
        ("Curating technical standards", 4, 2),  # sent as "Curating standards"
        ("Improving data quality", 3, None),
    }
    ticks = list(
        ActivityTick.objects.filter(response=first)
        .order_by("id")
        .values_list("idea", "activity", "matched")
    )
    assert ticks == [
        (
            "Making sense of case management systems",
            "Improving typical procurement practice and other CMS-related activity",
            True,
        ),
        (
            "Making sense of AI, RPA, and other advanced and integrative software",
            "Advocating for good practice with strategies for AI, RPA and other technologies",
            True,
        ),
        ("", "", False),
    ]
    assert ActivityTick.objects.get(response=first, matched=False).raw == (
        "Mystery group: Something nobody listed"
    )
    # Plain text, not JSON: activities on lines of their own and after "; ".
    assert not IdeaScore.objects.filter(response=second).exists()
    assert list(
        ActivityTick.objects.filter(response=second).order_by("id").values_list("idea", "matched")
    ) == [
        ("Responding to large-scale change", True),
        ("Supporting professional development", True),
        ("Curating technical standards", True),
    ]


@pytest.mark.django_db
def test_running_again_adds_nothing(consultation):
    first, _ = run_import(consultation, FIXTURES / "feedback.csv", "Feedback")
    run_import(consultation, FIXTURES / "main-feedback.csv", "MainFeedback")
    counts = (
        Response.objects.count(),
        Contact.objects.count(),
        IdeaScore.objects.count(),
        ActivityTick.objects.count(),
    )
    again, out = run_import(consultation, FIXTURES / "feedback.csv", "Feedback")
    main_again, _ = run_import(consultation, FIXTURES / "main-feedback.csv", "MainFeedback")
    assert out == ""
    assert (again.imported, again.spam, again.already_there, again.skipped) == (0, 0, 4, 0)
    assert (main_again.imported, main_again.already_there) == (0, 2)
    assert counts == (
        Response.objects.count(),
        Contact.objects.count(),
        IdeaScore.objects.count(),
        ActivityTick.objects.count(),
    )
    assert counts == (6, 2, 3, 6)
    assert "imported 3, already there 0, skipped 0 (bad), spam 1" in first.summary("f.csv")
    assert "imported 0, already there 4, skipped 0 (bad), spam 0" in again.summary("f.csv")


@pytest.mark.django_db
def test_another_export_of_the_same_rows_adds_nothing(consultation, tmp_path):
    """Columns reordered, spelt differently, an empty column added, the time written in ISO."""
    run_import(consultation, FIXTURES / "feedback.csv", "Feedback")
    before = Response.objects.count()
    reexport = write_csv(
        tmp_path / "reexport.csv",
        "\ufeff Role ,Page,Summary,Organisation,EMAIL, Time stamp ,Notes,Details,Nature,hp_field\n"
        "Local authority data professional,"
        "https://example.github.io/support-offer/models-for-delivery/,"
        "The hub model needs a clearer funding route,Northshire County Council,"
        "analyst@northshire.example.gov.uk,2024-03-15T09:05:07+00:00,,"
        '"Who pays after the first two years?\r\nOur council could not carry it alone.",'
        "I’m unsure about this,\n",
    )
    sheet = read_sheet(reexport, "Feedback")
    assert sheet.warnings == [
        f"{reexport}: ignoring the column “Notes”, not part of a Feedback row"
    ]
    report, _ = run_import(consultation, reexport, "Feedback")
    assert (report.imported, report.already_there) == (0, 1)
    assert Response.objects.count() == before


@pytest.mark.django_db
def test_identical_rows_within_a_file_are_one_response(consultation, tmp_path):
    row = (
        "15/03/2024 09:05:07,https://example.github.io/support-offer/,Sent twice by a double "
        "click,Local authority leadership\n"
    )
    path = write_csv(tmp_path / "twice.csv", "Timestamp,page,summary,role\n" + row + row + row)
    report, _ = run_import(consultation, path, "Feedback")
    assert (report.rows, report.imported, report.repeated) == (3, 1, 2)
    assert Response.objects.count() == 1
    assert "2 rows repeated an earlier row of this file: stored once" in report.summary("twice.csv")


@pytest.mark.django_db
def test_bad_rows_are_reported_with_their_line_and_skipped(consultation):
    path = FIXTURES / "bad-feedback.csv"
    report, out = run_import(consultation, path, "Feedback")
    assert out.splitlines() == [
        f"{path}:6: summary: Summary must be 5 characters or more",
        f"{path}:7: role: Select your role from the list",
        f"{path}:8: timestamp: “31/02/2024 10:00:00” is not a date and time; use DD/MM/YYYY "
        "HH:MM:SS or ISO 8601, like 2024-03-15T10:05:00Z",
    ]
    assert [(p.line, p.field) for p in report.problems] == [
        (6, "summary"),
        (7, "role"),
        (8, "timestamp"),
    ]
    assert (report.rows, report.imported, report.skipped) == (6, 3, 3)
    assert sorted(Response.objects.values_list("summary", flat=True)) == [
        "A good row after the bad ones",
        "A good row before the bad ones",
        "A good row with long details",
    ]
    assert Response.objects.get(summary__contains="long").details == (
        "First line.\nSecond line.\nThird line."
    )


@pytest.mark.django_db
def test_bad_questionnaire_rows_leave_nothing_behind(consultation):
    path = FIXTURES / "bad-main-feedback.csv"
    report, out = run_import(consultation, path, "MainFeedback")
    lines = out.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith(f"{path}:4: rank_usefulness: is not valid JSON (")
    assert lines[1] == (
        f"{path}:5: rank_likelihood: Scores must be whole numbers from 1 to 5 "
        "(“Improving data quality”)"
    )
    assert (report.imported, report.skipped) == (2, 2)
    assert sorted(Response.objects.values_list("comments", flat=True)) == [
        "Fine.",
        "Two lines\nof comments.",
    ]
    # Nothing of the skipped rows: only the first row's one score.
    assert list(IdeaScore.objects.values_list("idea", "usefulness")) == [
        ("Data tool collaboration", 5)
    ]


@pytest.mark.django_db
def test_rows_of_another_tab_and_stray_cells_are_refused(consultation, tmp_path):
    path = write_csv(
        tmp_path / "mixed.csv",
        "Timestamp,tab,page,summary,role\n"
        "15/03/2024 09:05:07,MainFeedback,/,A row from the other tab,Local authority leadership\n"
        "\n"
        ",,,,\n"
        "15/03/2024 09:06:07,Feedback,/,A row with a stray cell,Local authority leadership,oops\n"
        "15/03/2024 09:07:07,feedback,/,A good row,Local authority leadership\n",
    )
    report, out = run_import(consultation, path, "Feedback")
    assert out.splitlines() == [
        f"{path}:2: tab: the row is from the “MainFeedback” tab, not Feedback",
        f"{path}:5: 6 cells, but the header has 5 columns",
    ]
    assert (report.rows, report.imported, report.skipped) == (3, 1, 2)


@pytest.mark.django_db
def test_semicolon_separated_file_is_read(consultation, tmp_path):
    path = write_csv(
        tmp_path / "semicolons.csv",
        "Timestamp;page;summary;role\n"
        "15/03/2024 09:05:07;/;Excel in a European locale;Data and digital consultant\n",
    )
    report, _ = run_import(consultation, path, "Feedback")
    assert report.imported == 1


@pytest.mark.django_db
def test_old_mac_line_endings_are_read_with_their_lines(consultation, tmp_path):
    # Carriage returns alone end the lines (as an old Mac Excel exports), one inside a quoted
    # cell too; a bad row is still named by its own line.
    path = write_csv(
        tmp_path / "mac.csv",
        "Timestamp,page,summary,role\r"
        "15/03/2024 09:05:07,/,Saved on an old Mac,Data and digital consultant\r"
        '15/03/2024 09:06:07,/,"Two\rlines",Data and digital consultant\r'
        "not a time,/,Bad time,Data and digital consultant\r",
    )
    report, out = run_import(consultation, path, "Feedback")
    assert (report.rows, report.imported, report.skipped) == (3, 2, 1)
    assert f"{path}:5: timestamp:" in out
    assert Response.objects.filter(summary="Saved on an old Mac").exists()


def test_missing_required_column_is_named(tmp_path):
    with pytest.raises(SheetError) as caught:
        read_sheet(FIXTURES / "missing-role-column.csv", "Feedback")
    assert "no “role” column" in str(caught.value)
    with pytest.raises(SheetError) as caught:
        read_sheet(FIXTURES / "main-feedback.csv", "Feedback")
    assert "no “summary” column" in str(caught.value)
    assert "is this the MainFeedback tab?" in str(caught.value)


HEAD = b"Timestamp,page,summary,role"
GOOD = b"\n15/03/2024 09:05:07,/,A good row,Local authority leadership"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no such file"),
        (b"", "is empty"),
        (b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00\xb3\xe1\xfa", "is not UTF-8"),
        (
            b'Timestamp,page,summary,role\n1,2,"never closed,4\n',
            'is not valid CSV: a quote (") opens a cell that is never closed',
        ),
        (b"Timestamp,Date,page,summary,role\n", "are both the timestamp column"),
        # Where the fault is, not only what it is: the line is named. Good rows before it are
        # not stored either: the file is read through before anything is.
        (HEAD + GOOD + b"\r\n2,/,caf\xe9,r\n", "sheet.csv:3: is not UTF-8"),
        (HEAD + GOOD + b"\r2,/,a\x00b,r\n", "sheet.csv:3: holds binary"),
        (
            HEAD + GOOD + b'\n1,/,"two\nlines",r\n2,/,"x"y,r\n',
            'sheet.csv:5: is not valid CSV: a cell goes on after the quote (") that closed it',
        ),
        (HEAD + GOOD * 30 + b"\n2,/,caf\xe9,r\n", "sheet.csv:32: is not UTF-8"),
    ],
)
def test_unreadable_files_are_refused_whole(consultation, tmp_path, content, message):
    path = tmp_path / "sheet.csv"
    if content is not None:
        path.write_bytes(content)
    out = io.StringIO()
    with pytest.raises(SheetError) as caught:  # when the file is opened, or read through
        import_sheet(consultation, read_sheet(path, "Feedback"), out=out, progress=False)
    assert message in str(caught.value)
    assert Response.objects.count() == 0
    assert out.getvalue() == ""


@pytest.mark.django_db
def test_questionnaire_rows_need_a_questionnaire(tmp_path):
    plain = load_consultation(consultation_folder(tmp_path / "plain", None))
    with pytest.raises(SheetError, match="no main questionnaire"):
        import_sheet(plain, read_sheet(FIXTURES / "main-feedback.csv", "MainFeedback"))


@pytest.mark.django_db
def test_batches_keep_counts_and_lines_across_them(consultation, tmp_path):
    """Three rows to a batch: a repeat in a later batch, a bad row in the middle one."""
    good = "15/03/2024 09:0{n}:07,/,Row number {n} of the file,Local authority leadership\n"
    path = write_csv(
        tmp_path / "batches.csv",
        "Timestamp,page,summary,role\n"
        + good.format(n=1)
        + good.format(n=2)
        + good.format(n=3)
        + "15/03/2024 09:04:07,/,Bad,Local authority leadership\n"
        + good.format(n=5)
        + good.format(n=1)
        + good.format(n=7),
    )
    out = io.StringIO()
    report = import_sheet(
        consultation, read_sheet(path, "Feedback"), out=out, progress=False, batch_size=3
    )
    assert (report.rows, report.imported, report.repeated, report.skipped) == (7, 5, 1, 1)
    assert out.getvalue() == f"{path}:5: summary: Summary must be 5 characters or more\n"
    again = import_sheet(consultation, read_sheet(path, "Feedback"), out=out, batch_size=3)
    # The second time, the repeat is found in the database like the row it repeats.
    assert (again.imported, again.already_there, again.repeated) == (0, 6, 0)


@pytest.mark.django_db
def test_new_rows_are_stored_without_a_look_up_until_one_is_refused(
    consultation, tmp_path, monkeypatch
):
    """Once a transaction's rows were all new, the next is stored without looking its tokens
    up first; should the database refuse it (a row imported before, or repeated from an
    earlier transaction), nothing of it is kept, its rows are looked up, and the rest stored."""
    monkeypatch.setattr(deferred_indexes, "DEFER_MIN_ROWS", 1)  # a large import
    monkeypatch.setattr(row_import, "BATCH_SIZE", 2)
    monkeypatch.setattr(row_import, "LARGE_BATCH_SIZE", 2)
    row = "15/03/2024 09:0{n}:07,/,Row number {n} of the file,Local authority leadership\n"
    header = "Timestamp,page,summary,role\n"
    earlier = write_csv(tmp_path / "earlier.csv", header + row.format(n=1))
    assert import_sheet(consultation, read_sheet(earlier, "Feedback"), progress=False).imported
    tried: list[list[str]] = []
    looked_up: list[int] = []
    insert, look_up = bulk_storage._insert, row_import._stored_tokens

    def watched(batch):
        tried.append([p.submission.fields["summary"].split()[2] for p in batch])
        return insert(batch)

    def watched_look_up(tokens):
        looked_up.append(len(tokens))
        return look_up(tokens)

    monkeypatch.setattr(bulk_storage, "_insert", watched)
    monkeypatch.setattr(row_import, "_stored_tokens", watched_look_up)
    numbers = (2, 3, 4, 1, 5, 2, 6, 7, 8, 9)
    path = write_csv(tmp_path / "later.csv", header + "".join(row.format(n=n) for n in numbers))
    report = import_sheet(consultation, read_sheet(path, "Feedback"), progress=False)
    assert (report.imported, report.already_there, report.repeated) == (8, 1, 1)
    # 2 and 3 looked up, all new; 4 and 1 tried whole, refused for row 1, looked up, 4
    # stored; 5 and 2 looked up (a repeat of row 2 found), 5 stored; 6 and 7 looked up, all
    # new again; so 8 and 9 are stored without a look-up.
    assert tried == [["2", "3"], ["4", "1"], ["4"], ["5"], ["6", "7"], ["8", "9"]]
    assert looked_up == [2, 2, 2, 2]
    assert Response.objects.count() == 9


@pytest.mark.django_db
def test_a_large_import_joins_batches_into_larger_transactions(consultation, tmp_path, monkeypatch):
    """Rows checked two to a batch, stored five to a transaction: a repeat of a row checked
    in another batch of the same transaction is still found, and a bad row still named."""
    monkeypatch.setattr(deferred_indexes, "DEFER_MIN_ROWS", 1)  # a large import
    monkeypatch.setattr(row_import, "BATCH_SIZE", 2)
    monkeypatch.setattr(row_import, "LARGE_BATCH_SIZE", 5)
    stored: list[int] = []
    store = bulk_storage._insert

    def watched(batch):
        stored.append(len(batch))
        return store(batch)

    monkeypatch.setattr(bulk_storage, "_insert", watched)
    good = "15/03/2024 09:0{n}:07,/,Row number {n} of the file,Local authority leadership\n"
    rows = [good.format(n=n) for n in (1, 2, 3)]
    rows += ["15/03/2024 09:04:07,/,Bad,Local authority leadership\n", good.format(n=5)]
    rows += [good.format(n=n) for n in (1, 7, 8)]
    path = write_csv(tmp_path / "large.csv", "Timestamp,page,summary,role\n" + "".join(rows))
    out = io.StringIO()
    report = import_sheet(consultation, read_sheet(path, "Feedback"), out=out, progress=False)
    assert (report.rows, report.imported, report.repeated, report.skipped) == (8, 6, 1, 1)
    # Batches of 2 joined into transactions of 5 or more rows: the file's first six rows
    # (less the bad row and the repeat), then its last two.
    assert stored == [4, 2]
    assert out.getvalue() == f"{path}:5: summary: Summary must be 5 characters or more\n"


@pytest.mark.django_db
def test_progress_bar_counts_rows(consultation, monkeypatch):
    monkeypatch.setattr(row_import, "PROGRESS_DELAY", 0)  # shown at once, not after 0.5 s
    out = io.StringIO()
    sheet = read_sheet(FIXTURES / "feedback.csv", "Feedback")
    import_sheet(consultation, sheet, out=out, progress=True)
    assert "4/4" in out.getvalue() and "row" in out.getvalue()


@pytest.mark.django_db
@pytest.mark.parametrize("batch_size", [None, 1])  # stored in bulk, and one row at a time
def test_the_answer_to_may_we_quote_you_is_kept(tmp_path, reference_ideas, batch_size):
    folder = consultation_folder(tmp_path / "quoted", reference_ideas, asks_to_quote=True)
    consultation = load_consultation(folder)
    path = write_csv(
        tmp_path / "quoted.csv",
        "Timestamp,tab,page,summary,role,may_quote\n"
        "15/03/2024 09:05:07,Feedback,/,Quote me,Local authority data professional,yes\n"
        "15/03/2024 09:06:07,Feedback,/,Do not,Local authority data professional,no\n"
        "15/03/2024 09:07:07,Feedback,/,Not said,Local authority data professional,\n"
        "15/03/2024 09:08:07,Feedback,/,Said in capitals,Local authority data professional, YES\n"
        "15/03/2024 09:09:07,Feedback,/,Refused in capitals,Local authority data professional,No\n",
    )
    report = import_sheet(
        consultation, read_sheet(path, "Feedback"), progress=False, batch_size=batch_size
    )
    assert report.imported == 5
    answers = dict(Response.objects.values_list("summary", "may_quote"))
    assert answers == {
        "Quote me": True,
        "Do not": False,
        "Not said": None,
        "Said in capitals": True,
        "Refused in capitals": False,
    }
