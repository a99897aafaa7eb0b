"""`soundingboard adopt DIR`: an existing MkDocs project becomes a working consultation, none
of its files changed, its pasted questionnaire taken in and served in the platform's place."""

from __future__ import annotations

import html as html_lib
import re

import pytest
import yaml
from bs4 import BeautifulSoup
from django.urls import reverse
from tests.command_line import soundingboard
from tests.publish.adopt_sites import (
    DRIFTED_GROUPS,
    LIBRARY_SURVEY_WORDS,
    QUESTIONNAIRE_WORDS,
    fingerprints,
    make_library_project,
    make_seed_project,
    reference_ideas,
)

from soundingboard.collect.models import ActivityTick, IdeaScore, Response

# The seed project is adopted with its questionnaire page under either name: feedback.md
# keeps its own address /-/feedback/, since soundingboard's pages are under /-/.
PAGE_NAMES = ["main-feedback.md", "feedback.md"]


def adopt(folder, tmp_path, *extra):
    return soundingboard("adopt", str(folder), *extra, data_dir=tmp_path / "data")


def written(folder) -> dict:
    return yaml.safe_load((folder / "consultation.yml").read_text(encoding="utf-8"))


def page_text(reply) -> str:
    return html_lib.unescape(reply.content.decode())


def forms_in(page: str) -> list[str]:
    return re.findall(r"<form\b[^>]*>", page)


@pytest.mark.parametrize("page_name", PAGE_NAMES)
def test_the_seed_project_is_adopted_unchanged_and_checks(tmp_path, page_name):
    folder = make_seed_project(tmp_path, page_name)
    before = fingerprints(folder)
    result = adopt(folder, tmp_path)
    assert result.returncode == 0, result.stderr
    assert f"Wrote {folder / 'consultation.yml'}" in result.stdout
    after = fingerprints(folder)
    assert after.pop("consultation.yml")
    assert after == before  # every original file byte for byte the same

    settings = written(folder)
    assert settings["title"] == "Imagining a support offer"
    assert settings["organisation"] == "The Example Partnership"
    assert (
        f"{folder / 'mkdocs.yml'}:3: the organisation “The Example Partnership” was taken from "
        "copyright; check it in consultation.yml" in result.stdout
    )
    assert settings["allowed_origins"] == ["https://example.github.io"]
    assert settings["pages"][-1] == {"Main feedback": page_name}
    questionnaire = settings["questionnaire"]
    assert questionnaire["page"] == page_name
    assert questionnaire["usefulness_question"] == "Usefulness to the sector, if achieved"
    assert questionnaire["likelihood_question"] == (
        "Likelihood of your organisation using the outputs"
    )
    expected = []
    for idea in reference_ideas():
        entry = {"name": idea["name"]}
        if idea["name"] in DRIFTED_GROUPS:
            entry["aliases"] = [DRIFTED_GROUPS[idea["name"]]]
        entry["activities"] = idea["activities"]
        expected.append(entry)
    assert questionnaire["ideas"] == expected

    check = soundingboard("check", str(folder), data_dir=tmp_path / "data")
    assert check.returncode == 0, check.stderr
    address = page_name.removesuffix(".md")
    assert f"  /{address}/  Main feedback (with the main questionnaire)\n" in check.stdout


@pytest.mark.django_db
@pytest.mark.parametrize("page_name", PAGE_NAMES)
def test_the_questionnaire_page_keeps_its_words_and_address_and_takes_answers(
    tmp_path, client, use_consultations, page_name
):
    folder = make_seed_project(tmp_path, page_name)
    assert adopt(folder, tmp_path).returncode == 0
    consultation = use_consultations(folder).single
    address = "/" + page_name.removesuffix(".md") + "/"
    assert consultation.questionnaire_url == address

    reply = client.get(address)
    assert reply.status_code == 200
    page = page_text(reply)
    assert QUESTIONNAIRE_WORDS in page
    assert 'class="sb-questionnaire"' in page
    assert 'id="mf-form"' not in page and "mf-activity" not in page
    assert [f for f in forms_in(page) if "sb-questionnaire" in f] == [
        f'<form method="post" action="{address}" novalidate class="sb-questionnaire">'
    ]
    for seed_page in consultation.pages:
        served = page_text(client.get(seed_page.url))
        assert 'id="gs-form"' not in served and 'id="mf-form"' not in served
        assert "gs-summary" not in served and "Brief summary (required)" not in served
    # The side navigation lists the page once, as the current page, and no second link.
    assert page.count(f'href="{address}"') == 1
    assert 'aria-current="page">Main feedback<' in page
    # The home page's link to the Markdown file leads to the questionnaire's address.
    assert f'href="{address}"' in page_text(client.get("/"))
    # The platform's own questionnaire address leads to the page.
    assert client.get(reverse("questionnaire"))["Location"] == address

    fields = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page)
    answers = [
        *fields,
        ("usefulness-4", "5"),
        ("activities-4", "Improving typical procurement practice and other CMS-related activity"),
        ("role", consultation.settings.feedback.roles[0]),
        ("action", "check"),
    ]
    data: dict[str, list[str]] = {}
    for name, value in answers:
        data.setdefault(name, []).append(html_lib.unescape(value))
    checked = client.post(address, data)
    assert checked.status_code == 200, page_text(checked)
    carried = re.findall(
        r'<input type="hidden" name="([^"]+)" value="([^"]*)"', checked.content.decode()
    )
    sent: dict[str, list[str]] = {}
    for name, value in [*carried, ("action", "send")]:
        if name != "action" or value == "send":
            sent.setdefault(name, []).append(html_lib.unescape(value))
    reply = client.post(address, sent)
    assert reply.status_code == 303
    assert reply["Location"].startswith(address + "?sent=")
    response = Response.objects.get()
    assert response.kind == Response.Kind.QUESTIONNAIRE
    score = IdeaScore.objects.get(response=response)
    assert (score.idea, score.usefulness) == ("Making sense of case management systems", 5)
    assert ActivityTick.objects.get(response=response).idea == score.idea


def test_a_differently_shaped_form_is_read_and_what_is_unclear_is_said(tmp_path):
    folder = make_library_project(tmp_path)
    before = fingerprints(folder)
    result = adopt(folder, tmp_path)
    assert result.returncode == 0, result.stderr
    after = fingerprints(folder)
    after.pop("consultation.yml")
    assert after == before

    settings = written(folder)
    assert settings["organisation"] == "Wrenbridge Council"
    assert "allowed_origins" not in settings
    assert settings["feedback"] == {"roles": ["Library user", "Library staff", "Councillor"]}
    assert settings["questionnaire"] == {
        "page": "survey.md",
        "title": "Survey",
        "usefulness_question": "How useful would this be to you?",
        "likelihood_question": "How likely are you to use it?",
        "scale_low": "Not useful",
        "scale_high": "Essential",
        "activities_question": "Which of these should we try first?",
        "ideas": [
            {
                "name": "Longer opening hours",
                "aliases": ["hours"],
                "activities": ["Open on Sundays", "Open until 8pm on weekdays"],
            },
            {
                "name": "A mobile library",
                "aliases": ["mobile", "Mobile library"],
                "activities": ["Visits to villages"],
            },
        ],
    }
    survey = folder / "site" / "survey.md"
    consent_line = next(
        n for n, line in enumerate(survey.read_text().splitlines(), 1) if 'id="ok"' in line
    )
    assert (
        f"{survey}:{consent_line}: the checkbox “I agree to the terms” is under no idea"
        in result.stdout
    )
    assert f"{folder / 'mkdocs.yml'}: no site_url" in result.stdout
    assert soundingboard("check", str(folder), data_dir=tmp_path / "data").returncode == 0


@pytest.mark.django_db
def test_the_made_up_site_serves_its_survey_in_the_platforms_place(
    tmp_path, client, use_consultations
):
    folder = make_library_project(tmp_path)
    assert adopt(folder, tmp_path).returncode == 0
    use_consultations(folder)
    page = page_text(client.get("/survey/"))
    assert LIBRARY_SURVEY_WORDS in page
    assert "sb-questionnaire" in page
    assert "forms.example.invalid" not in page and 'name="useful[hours]"' not in page
    words = " ".join(BeautifulSoup(page, "html.parser").select_one(".sb-scale").stripped_strings)
    assert words.startswith("1 ( Not useful )") and words.endswith("5 ( Essential )")
    home = page_text(client.get("/"))
    assert 'name="who"' not in home  # the pasted page form is gone; the platform's is there
    assert "Library staff" in home


def test_an_existing_consultation_yml_is_kept_unless_forced(tmp_path):
    folder = make_library_project(tmp_path)
    (folder / "consultation.yml").write_text("title: Mine\n", encoding="utf-8")
    refused = adopt(folder, tmp_path)
    assert refused.returncode == 1
    assert "already exists, so nothing was written" in refused.stderr
    assert "--force" in refused.stderr
    assert (folder / "consultation.yml").read_text(encoding="utf-8") == "title: Mine\n"
    forced = adopt(folder, tmp_path, "--force")
    assert forced.returncode == 0, forced.stderr
    assert written(folder)["title"] == "Libraries plan"


def test_a_folder_without_mkdocs_yml_is_refused(tmp_path):
    (tmp_path / "plain").mkdir()
    result = adopt(tmp_path / "plain", tmp_path)
    assert result.returncode == 1
    assert "has no mkdocs.yml, so it is not an MkDocs project" in result.stderr
    assert not (tmp_path / "plain" / "consultation.yml").exists()
    assert not (tmp_path / "data").exists()  # adopt writes no data directory


@pytest.mark.django_db
def test_a_questionnaire_page_outside_the_nav_is_reached_through_links(
    tmp_path, client, use_consultations
):
    folder = make_library_project(tmp_path)
    (folder / "mkdocs.yml").write_text(
        "site_name: Libraries plan\ndocs_dir: site\nnav:\n  - index.md\n", encoding="utf-8"
    )
    (folder / "site" / "index.md").write_text(
        "# Our plan\n\n[Take the survey](survey.md)\n", encoding="utf-8"
    )
    result = adopt(folder, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "holds the questionnaire but is not in nav" in result.stdout
    consultation = use_consultations(folder).single
    assert consultation.questionnaire_page is not None
    assert not consultation.questionnaire_in_nav
    assert [p.path for p in consultation.pages] == [""]
    address = reverse("questionnaire")
    assert consultation.questionnaire_url == address
    assert f'href="{address}"' in consultation.pages[0].html
    assert not consultation.warnings  # the link is not to an unpublished page
    page = page_text(client.get(address))
    assert LIBRARY_SURVEY_WORDS in page and "sb-questionnaire" in page
    assert "forms.example.invalid" not in page


def test_what_mkdocs_yml_does_not_say_is_listed(tmp_path):
    folder = tmp_path / "bare-site"
    (folder / "docs").mkdir(parents=True)
    (folder / "docs" / "index.md").write_text("# Home\n", encoding="utf-8")
    (folder / "mkdocs.yml").write_text("theme: material\n", encoding="utf-8")
    result = adopt(folder, tmp_path)
    assert result.returncode == 0, result.stderr
    mkdocs = folder / "mkdocs.yml"
    assert written(folder) == {"title": "Bare site"}
    for note in (
        f"{mkdocs}: no site_name, so the title “Bare site” was made from the folder's name",
        f"{mkdocs}: neither site_author nor copyright names the organisation",
        f"{mkdocs}: no site_url, so no site may send feedback from its own pages",
        f"{mkdocs}: no nav, so every Markdown file is a page",
    ):
        assert f"- {note}" in result.stdout
    assert "questionnaire" not in result.stdout


def small_site(folder, mkdocs="site_name: Small\nsite_author: Org\n"):
    (folder / "docs").mkdir(parents=True)
    (folder / "docs" / "index.md").write_text("# Home\n", encoding="utf-8")
    (folder / "mkdocs.yml").write_text(mkdocs, encoding="utf-8")
    return folder


@pytest.mark.parametrize("target_exists", [False, True])
def test_adopt_never_writes_through_a_consultation_yml_link(tmp_path, target_exists):
    """A consultation.yml that is a link led adopt to write where it pointed, outside the
    folder: a new file there, or (with --force) over one that was there."""
    folder = small_site(tmp_path / "site")
    outside = tmp_path / "outside"
    outside.mkdir()
    victim = outside / "victim.txt"
    if target_exists:
        victim.write_text("keep me\n", encoding="utf-8")
    (folder / "consultation.yml").symlink_to(victim)
    result = adopt(folder, tmp_path, "--force")
    assert result.returncode == 1
    assert f"{folder / 'consultation.yml'} is a link (to {victim}), so nothing was written" in (
        result.stderr
    )
    if target_exists:
        assert victim.read_text(encoding="utf-8") == "keep me\n"
    else:
        assert not victim.exists()
    assert [p.name for p in outside.iterdir()] == (["victim.txt"] if target_exists else [])


def test_the_written_file_refuses_a_link_made_meanwhile(tmp_path):
    from soundingboard.publish.adopt import write_config

    folder = small_site(tmp_path / "site")
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me\n", encoding="utf-8")
    (folder / "consultation.yml").symlink_to(victim)
    with pytest.raises(OSError):
        write_config(folder / "consultation.yml", "title: X\n", folder / "mkdocs.yml")
    assert victim.read_text(encoding="utf-8") == "keep me\n"


def test_adopt_reads_no_mkdocs_yml_linked_from_outside(tmp_path):
    """The settings of an mkdocs.yml outside the folder (its title, organisation and
    site_url) were copied into consultation.yml before the load refused the link."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "mkdocs.yml").write_text(
        "site_name: SECRET-TITLE-OUTSIDE\nsite_author: Outside Ltd\n"
        "site_url: https://outside.example/\n",
        encoding="utf-8",
    )
    folder = tmp_path / "site"
    (folder / "docs").mkdir(parents=True)
    (folder / "docs" / "index.md").write_text("# Home\n", encoding="utf-8")
    (folder / "mkdocs.yml").symlink_to(outside / "mkdocs.yml")
    result = adopt(folder, tmp_path)
    assert result.returncode == 1
    assert f"{folder / 'mkdocs.yml'}: is a link to a file outside the consultation folder" in (
        result.stderr
    )
    assert not (folder / "consultation.yml").exists()
    assert "SECRET-TITLE-OUTSIDE" not in result.stdout + result.stderr


@pytest.mark.parametrize("site_url", ["site_url:\n", "site_url: !ENV SITE_URL\n"])
def test_an_empty_site_url_is_as_if_there_were_none(tmp_path, site_url):
    """MkDocs reads `site_url:` with no value (or from a variable not set, as preview
    builds do) as no site_url; `check` refused such a site after adopt."""
    folder = small_site(tmp_path / "site", "site_name: Small\nsite_author: Org\n" + site_url)
    result = adopt(folder, tmp_path)
    assert result.returncode == 0, result.stderr
    assert f"{folder / 'mkdocs.yml'}: no site_url" in result.stdout
    checked = soundingboard("check", str(folder), data_dir=tmp_path / "data")
    assert checked.returncode == 0, checked.stderr


def test_consultation_yml_is_readable_as_mkdocs_yml_is(tmp_path):
    """Commands keep the files they make private (0600); consultation.yml is the site's,
    and a server run by another account must read it as it reads mkdocs.yml."""
    folder = small_site(tmp_path / "site")
    (folder / "mkdocs.yml").chmod(0o644)
    assert adopt(folder, tmp_path).returncode == 0
    assert (folder / "consultation.yml").stat().st_mode & 0o777 == 0o644


def test_a_page_whose_pasted_form_offers_other_roles_is_noted_with_its_line(tmp_path):
    """Only the first page's roles were kept, without a word: the second page's script then
    sent a role the intake refused."""
    from soundingboard.publish.adopt import adoption

    folder = make_seed_project(tmp_path, "main-feedback.md")
    models = folder / "docs" / "models.md"
    text = models.read_text(encoding="utf-8").replace(
        "Data and digital consultant", "Independent consultant"
    )
    models.write_text(text, encoding="utf-8")
    line = text[: text.find("Independent consultant")].count("\n") + 1
    notes = [n for n in adoption(folder).notes if "Independent consultant" in n]
    assert notes == [
        f"{models}:{line}: its pasted form offers roles that the one in "
        f"{folder / 'docs' / 'index.md'} (used in consultation.yml) does not: "
        "“Independent consultant”; add them under `feedback: roles:` if they are to be accepted"
    ]


def test_links_in_nav_are_not_taken_for_missing_pages(tmp_path):
    """An email address or a part of a page in nav was said to be a file a plugin might
    make, and `check` then looked for the file."""
    folder = small_site(
        tmp_path / "site",
        "site_name: Small\nsite_author: Org\nnav:\n  - index.md\n"
        "  - Write to us: mailto:team@example.org\n  - Part two: index.md#part-two\n"
        "  - Elsewhere: https://example.org/\n",
    )
    result = adopt(folder, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "plugin" not in result.stdout and "mailto" not in result.stdout
    checked = soundingboard("check", str(folder), data_dir=tmp_path / "data")
    assert checked.returncode == 0, checked.stderr


SECRET_ROLE = "A-ROLE-FROM-OUTSIDE-0123456789"
OUTSIDE_FORM = (
    "# Other\n\n<form><label for='role'>Your role</label>"
    f"<select id='role' name='role'><option value='a'>{SECRET_ROLE}</option>"
    "<option value='b'>Other</option></select></form>\n"
)


@pytest.mark.parametrize(
    ("mkdocs", "note"),
    [
        ("docs_dir: ../elsewhere\n", "docs_dir leads out of the project's folder"),
        ("nav:\n  - index.md\n  - ../../elsewhere/private.md\n", "which leads out of docs/"),
        ("nav:\n  - index.md\n  - linked.md\n", None),  # a link in docs/ to a file outside
    ],
)
def test_adopt_reads_nothing_outside_the_project(tmp_path, mkdocs, note):
    """A project is untrusted: a form in a file outside it is never read into
    consultation.yml (its roles would be offered on the public form)."""
    from soundingboard.publish.adopt import adoption

    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "private.md").write_text(OUTSIDE_FORM, encoding="utf-8")
    project = tmp_path / "site"
    (project / "docs").mkdir(parents=True)
    (project / "docs" / "index.md").write_text("# Home\n", encoding="utf-8")
    (project / "docs" / "linked.md").symlink_to(outside / "private.md")
    (project / "mkdocs.yml").write_text("site_name: Site\nsite_author: Org\n" + mkdocs)
    result = adoption(project)
    assert SECRET_ROLE not in repr(result.settings)
    if note:
        assert any(note in line for line in result.notes), result.notes
