"""An MkDocs project taken in by `soundingboard adopt`, in a real browser: its questionnaire
page, with the page's own words and the platform's questionnaire in place of the pasted form,
has no accessibility violations and takes answers without JavaScript."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from soundingboard.collect.models import Response
from tests.browser.audit import audit
from tests.browser.conftest import SERVER_ENV
from tests.command_line import soundingboard
from tests.live_server import LiveServer, running_server
from tests.publish.adopt_sites import QUESTIONNAIRE_WORDS, make_seed_project

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]
PAGE = "main-feedback.md"
ADDRESS = "/main-feedback/"


@pytest.fixture(scope="module")
def adopted(
    django_db_setup: None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    folder: Path = make_seed_project(tmp_path_factory.mktemp("adopted"), PAGE)
    data = tmp_path_factory.mktemp("data")
    result = soundingboard("adopt", str(folder), data_dir=data)
    assert result.returncode == 0, result.stderr
    with running_server([folder], data, workers=1, extra_env=SERVER_ENV) as server:
        yield server


def test_the_questionnaire_page_has_no_violations(adopted: LiveServer, page):
    page.goto(adopted.url + ADDRESS)
    assert QUESTIONNAIRE_WORDS in page.inner_text("main")
    assert page.locator("form#mf-form").count() == 0
    assert page.locator("form.sb-questionnaire").count() == 1
    assert audit(page, "adopted questionnaire page") == []


def test_answers_are_sent_from_the_page_without_javascript(adopted: LiveServer, new_context):
    page = new_context(java_script_enabled=False).new_page()
    page.goto(adopted.url + ADDRESS)
    page.check("#id_usefulness-1_4")
    page.check("#id_role_0")
    page.click("form.sb-questionnaire button[value=check]")
    assert page.locator("h1").inner_text() == "Check your answers before sending"
    page.click("button[value=send]")
    assert page.locator("h1").inner_text() == "Answers received"
    assert page.url.startswith(adopted.url + ADDRESS + "?sent=")
    score = Response.objects.get().scores.get()
    assert (score.idea, score.usefulness) == ("Data tool collaboration", 5)
