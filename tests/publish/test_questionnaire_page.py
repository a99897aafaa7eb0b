"""`questionnaire.page`: the page whose words the questionnaire shows above its questions, in
place of a form pasted into it; checked like a page of the list."""

from __future__ import annotations

import re

import pytest
from tests.conftest import write_consultation

from soundingboard.publish.errors import ConsultationError
from soundingboard.publish.loader import load_consultation

CONFIG = """\
title: With a questionnaire page
pages:
  - index.md
  - Have your say: say.md
questionnaire:
  page: {page}
  ideas:
    - name: An idea
"""
PAGES = {
    "index.md": "# Home\n\n[Say what you think](say.md).\n",
    "say.md": "# Have your say\n\n## Before you start\n\nIt takes five minutes.\n\n"
    '<form id="old"><input type="radio" name="u" value="1"></form>\n',
    "notes.txt": "not Markdown\n",
}


def problem_of(tmp_path, page: str):
    folder = write_consultation(tmp_path / "c", CONFIG.format(page=page), PAGES)
    with pytest.raises(ConsultationError) as caught:
        load_consultation(folder)
    [problem] = caught.value.problems
    return folder, problem


def test_the_page_in_the_nav_is_the_questionnaire_at_its_own_address(tmp_path):
    folder = write_consultation(tmp_path / "c", CONFIG.format(page="say.md"), PAGES)
    consultation = load_consultation(folder)
    assert consultation.questionnaire_in_nav
    assert consultation.questionnaire_page is consultation.page("say/")
    assert consultation.questionnaire_url == "/say/"
    html = consultation.questionnaire_page.html
    assert "It takes five minutes." in html
    assert "<form" not in html
    # Its sections take no comments of their own: the questions follow the page.
    assert "Comment on this section" not in html


def test_a_page_that_does_not_exist_names_the_line_and_a_close_name(tmp_path):
    folder, problem = problem_of(tmp_path, "sya.md")
    assert problem.file == folder / "consultation.yml"
    assert problem.line == 6
    assert problem.message.startswith("the questionnaire's page “sya.md” does not exist")
    assert problem.fix == "did you mean “say.md”? Correct the name or create the file"


def test_a_file_that_is_not_markdown_is_refused(tmp_path):
    _, problem = problem_of(tmp_path, "notes.txt")
    assert problem.line == 6
    assert problem.message == "the questionnaire's page “notes.txt” is not a Markdown file"
    assert "such as feedback.md" in problem.fix


def test_a_page_outside_the_pages_folder_is_refused(tmp_path):
    _, problem = problem_of(tmp_path, "../elsewhere.md")
    assert problem.line == 6
    assert (
        problem.message == "the questionnaire's page “../elsewhere.md” is outside the pages folder"
    )
    assert problem.fix.startswith("name a file inside the pages folder")


@pytest.mark.parametrize(
    ("words", "headings"),
    [("# Have your say\n\nFive minutes.\n", ["Have your say"]), ("Five minutes.\n", ["Say"])],
)
@pytest.mark.django_db  # every page looks up whether the response is published
def test_the_served_page_has_one_main_heading(tmp_path, client, use_consultations, words, headings):
    config = CONFIG.format(page="say.md").replace("  ideas:", "  title: Say\n  ideas:")
    folder = write_consultation(tmp_path / "c", config, {**PAGES, "say.md": words})
    use_consultations(folder)
    page = client.get("/say/").content.decode()
    assert re.findall(r"<h1[^>]*>(?:<[^>]+>)*([^<]+)", page) == headings
    assert "Five minutes." in page


@pytest.mark.django_db
def test_only_the_questionnaire_page_takes_a_post(tmp_path, client, use_consultations):
    folder = write_consultation(tmp_path / "c", CONFIG.format(page="say.md"), PAGES)
    use_consultations(folder)
    refused = client.post("/", {"comments": "x"})
    assert refused.status_code == 405
    assert refused["Allow"] == "GET, HEAD"
    assert client.post("/say/", {"action": "check"}).status_code == 400  # the questionnaire's
