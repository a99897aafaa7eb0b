"""The themes pages: finding themes, shaping the candidates (rename, merge, split, delete,
each recorded), confirming them as tags that the filters and exports use, correcting
answers one by one and in bulk; and readers, who may look but not change."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.http import StreamingHttpResponse

from soundingboard.analyse.models import (
    ChangeRecord,
    Tag,
    Theme,
    ThemeAssignment,
    ThemeRun,
)
from soundingboard.analyse.themes import assignment
from soundingboard.analyse.themes.engine import representations
from tests.analyse.conftest import SLUG

from .workspace_data import (  # noqa: F401
    CAMPAIGN_COPIES,
    ana_fixture,
    analyst_fixture,
    answers_fixture,
    draft_run,
    reader_fixture,
    served_fixture,
)

pytestmark = pytest.mark.django_db

THEMES = f"/-/analyse/{SLUG}/themes/"


def html(reply) -> str:
    return reply.content.decode()


def run_url(run: ThemeRun, end: str = "") -> str:
    return f"{THEMES}{run.pk}/{end}"


def theme_url(theme: Theme, end: str = "") -> str:
    return f"{THEMES}{theme.run_id}/{theme.pk}/{end}"


def members(theme: Theme) -> set[int]:
    return set(ThemeAssignment.objects.filter(theme=theme).values_list("response_id", flat=True))


def themes_of(run: ThemeRun) -> list[Theme]:
    return list(run.themes.exclude(key=Theme.OTHER).order_by("position"))


def records(action: str) -> list[ChangeRecord]:
    return list(ChangeRecord.objects.filter(action=action).order_by("id"))


def table_rows(page: str) -> dict[str, tuple[int, int, int]]:
    """The themes table of a run page: label -> (size, share %, all answers)."""
    pattern = re.compile(
        r'<th scope="row" class="govuk-table__header"><a class="govuk-link" '
        r'href="#theme-\d+">([^<]+)</a></th>\s*'
        r'<td class="[^"]+">(\d+)</td>\s*<td class="[^"]+">(\d+)%</td>\s*'
        r'<td class="[^"]+">(\d+)</td>'
    )
    return {m[1]: (int(m[2]), int(m[3]), int(m[4])) for m in pattern.finditer(page)}


def test_finding_themes_on_the_page_counts_a_campaign_once(analyst, answers):
    page = html(analyst.get(THEMES))
    assert "No themes have been found yet" in page
    assert 'id="representation-tfidf"' in page
    # The static embedding ships with soundingboard: it is there, and chosen unless another is.
    assert re.search(r'id="representation-static"[^>]*checked', page)
    assert not re.search(r'id="representation-static"[^>]*disabled', page)
    form = page.split('action="', 1)[1]
    for jargon in ("TF-IDF", "latent semantic", "MiniLM", "embedding", "`"):
        assert jargon not in form, jargon

    reply = analyst.post(THEMES + "new/", {"field": "", "k": "4", "representation": "tfidf"})
    run = ThemeRun.objects.get()
    assert reply.status_code == 302 and reply["Location"] == run_url(run)
    assert (run.k, run.representation, run.created_by_name) == (4, "tfidf", "ana")
    page = html(analyst.get(run_url(run)))
    assert "By the words they use. Groups answers that use the same words" in page
    assert "TF-IDF" in run.description and "TF-IDF" not in page  # kept for the command line
    for theme in themes_of(run):
        assert theme.label in page
        for quote in theme.quote_ids[:1]:
            reference = answers_reference(answers, quote)
            assert f'/-/analyse/{SLUG}/responses/{reference}/"' in page

    campaign = {r.pk for r in answers["campaign"]}
    [group] = run.duplicate_groups.filter(count=CAMPAIGN_COPIES)
    assert set(group.member_ids) == campaign and group.exact
    holder = next(t for t in run.themes.all() if campaign <= members(t))
    rows = table_rows(page)
    size, share, every = rows[holder.label]
    assert every == len(members(holder))
    assert size == every - (CAMPAIGN_COPIES - 1) - duplicates_besides(run, holder, campaign)
    assert share == round(100 * size / run.counted)
    assert sum(s for s, _, _ in rows.values()) == run.counted
    assert f"Counted with each group of duplicates once: {run.counted}." in page
    assert "Identical" in page and f">{CAMPAIGN_COPIES}</td>" in page


def answers_reference(answers, response_id: int) -> str:
    return next(r.reference for rs in answers.values() for r in rs if r.pk == response_id)


def duplicates_besides(run: ThemeRun, theme: Theme, campaign: set[int]) -> int:
    """Answers of the theme beyond the first of each other group of duplicates."""
    mine = members(theme)
    return sum(
        len(set(ids) & mine) - 1
        for ids in run.duplicate_groups.values_list("member_ids", flat=True)
        if set(ids) != campaign and set(ids) & mine
    )


def test_finding_themes_explains_what_is_wrong(analyst, answers):
    for data, message in (
        ({"k": "1"}, "The number of themes must be a whole number between 2 and 50"),
        ({"k": "lots"}, "The number of themes must be a whole number between 2 and 50"),
        ({"representation": "magic"}, "Choose how to read the answers"),
        ({"page": "/mechanisms/"}, "There are 0 answers to read: themes need at least 10"),
        ({"from": "2026-02-30"}, "Date from must be a real date"),
    ):
        reply = analyst.post(THEMES + "new/", {"representation": "tfidf", **data})
        assert reply.status_code == 400, data
        page = html(reply)
        assert "govuk-error-summary" in page and message in page, data
    assert not ThemeRun.objects.exists()


def test_rename_merge_split_and_delete_work_and_are_recorded(analyst, answers, ana, served):
    run = draft_run(ana[0], served)
    first, second, third, fourth = themes_of(run)

    reply = analyst.post(theme_url(first, "rename/"), {"label": "Getting there"})
    assert reply.status_code == 302
    first.refresh_from_db()
    assert first.label == "Getting there"
    [renamed] = records("theme-renamed")
    assert renamed.after == {"theme": "Getting there"} and renamed.username == "ana"
    for label, message in (
        ("", "Enter a name for the theme"),
        (second.label.upper(), "There is already a theme called"),
        ("Other / unclear", "There is already a theme called"),
    ):
        reply = analyst.post(theme_url(first, "rename/"), {"label": label})
        assert reply.status_code == 400 and message in html(reply)

    expected = members(first) | members(second)
    reply = analyst.post(run_url(run, "merge/"), {"theme": [first.pk], "label": "x"})
    assert reply.status_code == 400 and "Choose two or more themes to merge" in html(reply)
    reply = analyst.post(
        run_url(run, "merge/"), {"theme": [first.pk, second.pk], "label": "Getting about"}
    )
    assert reply.status_code == 302
    merged = Theme.objects.get(run=run, label="Getting about")
    assert members(merged) == expected and not Theme.objects.filter(pk=second.pk).exists()
    [merge] = records("themes-merged")
    assert merge.before == {"themes": ["Getting there", second.label]}
    assert merge.after == {"theme": "Getting about"}

    reply = analyst.post(theme_url(merged, "split/"), {"n": "1"})
    assert reply.status_code == 400 and "Split into between 2 and 10 themes" in html(reply)
    reply = analyst.post(theme_url(merged, "split/"), {"n": "2"})
    assert reply.status_code == 302
    assert not Theme.objects.filter(pk=merged.pk).exists()
    [split] = records("theme-split")
    made = [Theme.objects.get(run=run, label=label) for label in split.after["themes"]]
    assert len(made) == 2
    other = run.themes.get(key=Theme.OTHER)
    assert members(made[0]) | members(made[1]) | (expected & members(other)) == expected

    others_before = members(other)
    gone = members(third)
    reply = analyst.post(theme_url(third, "delete/"))
    assert reply.status_code == 302
    assert members(other) == others_before | gone
    [deleted] = records("theme-deleted")
    assert deleted.before == {"theme": third.label, "responses": len(gone)}
    reply = analyst.post(theme_url(other, "delete/"))
    assert reply.status_code == 400 and "cannot be deleted" in html(reply)

    # Sizes and shares stay whole: every counted answer is in exactly one place.
    run.refresh_from_db()
    assert sum(t.size for t in run.themes.all()) == run.counted
    assert {t.label for t in run.themes.all()} == {
        *split.after["themes"],
        fourth.label,
        "Other / unclear",
    }
    # The changes are listed with the codebook's.
    page = html(analyst.get(f"/-/analyse/{SLUG}/codebook/"))
    for words in ("Theme renamed", "Themes merged", "Theme split", "Theme deleted"):
        assert words in page


def test_confirmed_themes_are_tags_in_the_filters_and_exports(analyst, answers, ana, served):
    run = draft_run(ana[0], served)
    reply = analyst.post(run_url(run, "confirm/"))
    assert reply.status_code == 302
    run.refresh_from_db()
    assert run.is_confirmed and run.confirmed_by_name == "ana"
    page = html(analyst.get(run_url(run)))
    assert "confirmed themes" in page and "Assign again" in page
    assert "Confirm these themes" not in page and "Delete" not in page
    assert "Split into how many themes" in page  # a confirmed theme can still be split

    responses_page = html(analyst.get(f"/-/analyse/{SLUG}/responses/"))
    export = analyst.post(f"/-/analyse/{SLUG}/export/download/", {"format": "csv"})
    assert isinstance(export, StreamingHttpResponse)
    data = b"".join(export.streaming_content).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(data, newline="")))
    for theme in themes_of(run):
        tag = Tag.objects.get(pk=theme.tag_id)
        assert tag.name == f"Theme: {theme.label}"
        assert f'value="{tag.pk}"' in responses_page  # a choice in the tag filter
        listed = html(analyst.get(f"/-/analyse/{SLUG}/responses/?tag={tag.pk}"))
        count = re.search(r'id="responses-count"><strong>(\d+)</strong>', listed)[1]
        assert int(count) == len(members(theme))
        exported = {int(r["id"]) for r in rows if tag.name in r["tags"].split("; ")}
        assert exported == members(theme)


def test_correcting_answers_one_by_one_and_in_bulk(analyst, answers, ana, served):
    run = draft_run(ana[0], served)
    assignment.confirm(ana[0], served, run)
    first, second, *_ = themes_of(run)
    response = ThemeAssignment.objects.filter(theme=first, rank=1).first().response
    page = html(analyst.get(f"/-/analyse/{SLUG}/responses/{response.reference}/"))
    assert f"Set {run.pk}" in page and first.label in page and "Correct its themes" in page

    correct = f"{THEMES}{run.pk}/responses/{response.reference}/correct/"
    reply = analyst.post(correct, {"main": "", "second": ""})
    assert reply.status_code == 400 and "Choose the answer&#x27;s main theme" in html(reply)
    reply = analyst.post(correct, {"main": second.pk, "second": "", "back": "response"})
    assert reply["Location"] == f"/-/analyse/{SLUG}/responses/{response.reference}/#themes"
    page = html(analyst.get(f"/-/analyse/{SLUG}/responses/{response.reference}/"))
    assert "by ana" in page and f"the machine said “{first.label}”" in page
    assert f"Theme: {second.label}" in page  # its tag, in the tags and the history

    theme_page = html(analyst.get(theme_url(first)))
    ticked = re.findall(r'name="response" type="checkbox" value="([^"]+)"', theme_page)[:3]
    reply = analyst.post(
        run_url(run, "move/"), {"from": first.pk, "to": second.pk, "response": ticked}
    )
    assert reply.status_code == 302 and reply["Location"] == theme_url(first)
    reply = analyst.post(run_url(run, "move/"), {"from": first.pk, "to": second.pk})
    assert "tick the answers" in html(analyst.get(reply["Location"]))

    reply = analyst.post(run_url(run, "assign/"))
    assert reply.status_code == 302
    moved = ThemeAssignment.objects.filter(
        run=run, rank=1, response__reference__in=[*ticked, response.reference]
    )
    assert {(a.theme_id, a.source, a.machine_theme_id) for a in moved} == {
        (second.pk, "person", first.pk)
    }
    assert "4 corrected by people kept as they were" in html(analyst.get(run_url(run)))


def test_a_reader_may_look_but_not_change_themes(reader, answers, ana, served):
    run = draft_run(ana[0], served)
    first, second, *_ = themes_of(run)
    labels = {t.pk: t.label for t in run.themes.all()}
    page = html(reader.get(THEMES))
    assert f"Set {run.pk}" in page and "Find themes" not in page
    page = html(reader.get(run_url(run)))
    assert first.label in page
    assert "Confirm these themes" not in page and "Merge themes" not in page
    assert reader.get(theme_url(first)).status_code == 200

    for url, data in (
        (THEMES + "new/", {"representation": "tfidf"}),
        (theme_url(first, "rename/"), {"label": "Mine"}),
        (run_url(run, "merge/"), {"theme": [first.pk, second.pk]}),
        (theme_url(first, "split/"), {"n": "2"}),
        (theme_url(first, "delete/"), {}),
        (run_url(run, "confirm/"), {}),
    ):
        assert reader.post(url, data).status_code == 403, url
    assignment.confirm(ana[0], served, run)
    response = answers["books"][0]
    page = html(reader.get(f"/-/analyse/{SLUG}/responses/{response.reference}/"))
    assert f"Set {run.pk}" in page and "Correct its themes" not in page
    for url, data in (
        (run_url(run, "assign/"), {}),
        (run_url(run, "move/"), {"from": first.pk, "to": second.pk, "response": "x"}),
        (
            f"{THEMES}{run.pk}/responses/{response.reference}/correct/",
            {"main": second.pk},
        ),
    ):
        assert reader.post(url, data).status_code == 403, url
    assert {t.pk: t.label for t in run.themes.all()} == labels
    assert ThemeRun.objects.count() == 1
    assert not ThemeAssignment.objects.filter(source="person").exists()


def test_a_way_of_reading_not_set_up_says_who_can_set_it_up(
    analyst, answers, monkeypatch, tmp_path
):
    """In plain words: no method or model names, no command in backticks."""
    monkeypatch.setattr(representations, "STATIC_MODEL_DIR", tmp_path / "missing")
    page = html(analyst.get(THEMES))
    assert re.search(r'id="representation-static"[^>]*disabled', page)
    assert re.search(r'id="representation-tfidf"[^>]*checked', page)
    assert "Whoever runs the server can set it up" in page
    form = page.split('action="', 1)[1]
    for jargon in ("TF-IDF", "latent semantic", "MiniLM", "embedding", "`"):
        assert jargon not in form, jargon
    reply = analyst.post(THEMES + "new/", {"representation": "static"})
    assert reply.status_code == 400
    assert "The static embedding is missing from this installation" in html(reply)


def test_the_page_says_which_reading_assigned_the_answers(
    analyst, answers, ana, served, monkeypatch
):
    from soundingboard.analyse.themes import sentence_vectors
    from soundingboard.analyse.themes.sentence_vectors import Budget

    run = draft_run(ana[0], served)
    # The worker has not run, and the vectors are too many to compute while the page waits.
    monkeypatch.setattr(sentence_vectors, "NOW_BUDGET", Budget(10, 100_000))
    page = html(analyst.post(run_url(run, "confirm/"), follow=True))
    assert "(answers read by the words they use)" in page
    assert "A closer reading of the answers is being prepared in the background" in page
    assert "Nearest theme (answers read by the words they use)" in page

    monkeypatch.setattr(sentence_vectors, "NOW_BUDGET", Budget(2_000, 150_000))
    page = html(analyst.post(run_url(run, "assign/"), follow=True))
    assert "(nearest theme, answers read by meaning, most closely)" in page
    assert "A closer reading" not in page
    assert "Nearest theme (answers read by meaning, most closely)" in page


def test_a_sentence_search_too_long_for_the_page_says_when_to_come_back(
    analyst, answers, monkeypatch
):
    from soundingboard.analyse.themes import sentence_vectors
    from soundingboard.analyse.themes.sentence_vectors import Budget

    monkeypatch.setattr(sentence_vectors, "SEARCH_BUDGET", Budget(20, 100_000))
    reply = analyst.post(THEMES + "new/", {"representation": "sentence"})
    assert reply.status_code == 400
    page = html(reply)
    assert "govuk-error-summary" in page
    assert "would take about 2 minutes: longer than a page can wait" in page
    assert not ThemeRun.objects.exists()
