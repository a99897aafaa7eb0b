"""`soundingboard themes`: themes printed for a consultation's stored answers, the same
for the same command, and clear messages for a bad option."""

from __future__ import annotations

import datetime as dt
import sqlite3

import pytest

from soundingboard.analyse.themes import embedding
from soundingboard.analyse.themes.engine import representations
from soundingboard.cli import main
from soundingboard.collect.models import Response
from soundingboard.publish.settings_schema import DEFAULT_ROLES
from tests.command_line import soundingboard

from .conftest import SLUG
from .themes.test_pipeline import campaign_answers, topic_answers

pytestmark = pytest.mark.django_db

WHEN = dt.datetime(2026, 3, 10, 12, tzinfo=dt.UTC)


@pytest.fixture
def folder(tmp_path, consultation):
    """The consultation's folder, as given on the command line."""
    return str(tmp_path / "c")


@pytest.fixture
def stored(db):
    """Answers on three topics (the bus ones from another role), a campaign, and spam."""
    ids: dict[str, list[int]] = {}
    texts = topic_answers()
    texts["campaign"] = campaign_answers(50)
    texts["spam"] = ["Cheap watches and bus passes for sale at my website"] * 5
    n = 0
    for topic, answers in texts.items():
        for text in answers:
            n += 1
            response = Response.objects.create(
                reference=f"SB-CLI-{n:04d}",
                consultation=SLUG,
                page_path="models/" if topic != "park" else "",
                role=DEFAULT_ROLES[1] if topic == "bus" else DEFAULT_ROLES[0],
                status="spam" if topic == "spam" else "accepted",
                summary=text,
                submitted_at=WHEN,
            )
            ids.setdefault(topic, []).append(response.pk)
    return ids


def run(capsys, *args: str) -> tuple[int, str, str]:
    status = main(list(args))
    out, err = capsys.readouterr()
    return status, out, err


def test_themes_prints_each_theme_with_its_size_share_and_quotes(folder, stored, capsys):
    status, out, err = run(capsys, "themes", folder, "--k", "3")
    assert status == 0, err
    lines = out.splitlines()  # read with the static embedding, the default
    assert lines[0] == f"Representation: static. {representations.describe('static')}"
    assert "Read 140 answers." in out  # 90 on the topics and 50 of the campaign, no spam
    assert "50 of them are in 1 group of duplicates, each counted once: 91 in all." in out
    titles = [line for line in lines if line[:2] in ("1.", "2.", "3.")]
    assert len(titles) == 3
    for topic in ("bus", "library", "park"):
        assert sum(topic in title.lower() for title in titles) == 1
    assert "Size 30 (33.0%)" in out
    quotes = [line for line in lines if line.startswith("   - “")]
    assert len(quotes) >= 9
    quoted_ids = {int(line.rsplit("(response ", 1)[1].rstrip(")")) for line in quotes}
    assert quoted_ids <= {
        i for topic in ("bus", "library", "park", "campaign") for i in stored[topic]
    }
    assert "Duplicates and campaigns" in out
    assert (
        f"50 near-identical: “{campaign_answers(1)[0]}” (response {stored['campaign'][0]})" in out
    )
    assert "Cheap watches" not in out


def test_themes_can_be_narrowed_by_role_and_page(folder, stored, capsys):
    status, out, err = run(capsys, "themes", folder, "--role", DEFAULT_ROLES[1], "--k", "2")
    assert status == 0, err
    assert f"Read 30 answers: Role: {DEFAULT_ROLES[1]}." in out
    status, out, err = run(capsys, "themes", folder, "--page", "/", "--field", "summary")
    assert status == 0, err
    assert "Read 30 answers (summary): Page: Home." in out
    assert "Park" in out


def test_the_same_command_prints_the_same_themes(folder, stored, capsys):
    first = run(capsys, "themes", folder)
    status, out, _ = first
    assert status == 0
    assert "\n1. " in out and "\n2. " in out  # themes chosen automatically
    assert run(capsys, "themes", folder) == first


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--field", "title"], "“title” is not a field of a response: choose summary, details"),
        (["--representation", "magic"], "“magic” is not a representation: choose tfidf, static"),
        (["--role", "Astronaut"], "“Astronaut” is not a role in this consultation"),
        (["--page", "/nowhere/"], "“/nowhere/” is not a page of this consultation"),
        (["--slug", "elsewhere"], "no consultation “elsewhere”"),
        (["--field", "comments"], "there are no answers to read with these options"),
    ],
)
def test_bad_options_get_a_clear_message(folder, stored, capsys, options, message):
    status, out, err = run(capsys, "themes", folder, *options)
    assert status == 1
    assert message in err
    assert out == ""


def test_an_unavailable_representation_says_how_to_make_it_available(
    folder, stored, capsys, monkeypatch, tmp_path
):
    monkeypatch.setattr(representations, "STATIC_MODEL_DIR", tmp_path / "missing")
    reason = embedding.availability()["static"]
    assert reason
    status, out, err = run(capsys, "themes", folder, "--representation", "static")
    assert out == ""
    assert status == 1
    assert f"soundingboard: {reason}" in err
    assert "Install soundingboard again" in err


def test_a_bad_number_of_themes_is_refused(folder, capsys):
    with pytest.raises(SystemExit):
        main(["themes", folder, "--k", "0"])
    assert "“0” is not a whole number of 1 or more" in capsys.readouterr().err


# The installed command, on its own database --------------------------------------------


def test_the_command_finds_themes_in_a_database_of_its_own(tmp_path, consultation):
    data_dir = tmp_path / "data"
    folder = str(tmp_path / "c")
    done = soundingboard("embed", folder, data_dir=data_dir)  # migrates: nothing to read yet
    assert done.returncode == 0, done.stderr
    assert f"Stored the sentence vectors of 0 new answers to {SLUG}." in done.stdout

    db = sqlite3.connect(data_dir / "soundingboard.sqlite3")
    rows = [t for answers in topic_answers().values() for t in answers]
    db.executemany(
        "INSERT INTO collect_response (reference, consultation, kind, channel, status, "
        "page_path, page_matched, page_title, section_id, section_title, nature, summary, "
        "details, comments, role, spam_reason, body_hash, submitted_at) VALUES (?, ?, 'page', "
        "'form', 'accepted', '', 1, 'Home', '', '', '', ?, '', '', '', '', '', "
        "'2026-03-30 10:00:00')",
        [(f"SB-ROW-{i:04d}", SLUG, text) for i, text in enumerate(rows)],
    )
    db.commit()
    done = soundingboard("themes", folder, "--k", "3", data_dir=data_dir)
    assert done.returncode == 0, done.stderr
    assert "Read 90 answers." in done.stdout
    assert done.stdout.count("Size 30 (33.3%)") == 3
    done = soundingboard("embed", folder, data_dir=data_dir)  # the shipped sentence model
    assert done.returncode == 0, done.stderr
    assert f"Stored the sentence vectors of 90 new answers to {SLUG}." in done.stdout
