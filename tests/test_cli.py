"""The `soundingboard` command as an author uses it: init, check; and the launcher that hands
every other command to Django."""

from __future__ import annotations

import pytest
import yaml
from django.core.management import call_command, find_commands
from django.core.management.base import CommandError

from soundingboard import cli
from soundingboard.publish.settings_schema import DEFAULT_ROLE_GROUPS
from tests.command_line import soundingboard
from tests.conftest import EXAMPLE, write_consultation

OPERATIONS = {
    "adopt": "publish",
    "import-sheet": "collect",
    "import": "collect",
    "createuser": "accounts",
    "export": "analyse",
    "erase": "analyse",
    "purge-contacts": "analyse",
    "themes": "analyse",
    "embed": "analyse",
    "notify-published": "analyse",
}


def test_init_makes_a_folder_that_loads_at_once(tmp_path):
    folder = tmp_path / "roads-plan"
    made = soundingboard("init", str(folder), data_dir=tmp_path / "data")
    assert made.returncode == 0, made.stderr
    settings = yaml.safe_load((folder / "consultation.yml").read_text())
    assert settings["title"] == "Roads plan"
    assert settings["slug"] == "roads-plan"
    assert len(settings["feedback"]["roles"]) == 14
    assert len(settings["feedback"]["natures"]) == 6
    # Role groups are shown, to be changed with the roles: the defaults, written out.
    assert settings["feedback"]["role_groups"] == {
        name: list(roles) for name, roles in DEFAULT_ROLE_GROUPS.items()
    }
    checked = soundingboard("check", str(folder), data_dir=tmp_path / "data")
    assert checked.returncode == 0, checked.stderr
    assert "Roads plan (roads-plan):" in checked.stdout
    # What init leaves to fill in is pointed out, each with its line and its fix.
    config = folder / "consultation.yml"
    warnings = [w for w in checked.stderr.splitlines() if w.startswith("warning: ")]
    assert [w.split(": ", 2)[1].rsplit(":", 1)[0] for w in warnings] == [str(config)] * len(
        warnings
    )
    said = checked.stderr
    for placeholder in ("[Name of your organisation]", "[12 months]", "[your contact address]"):
        assert f"the privacy notice still says “{placeholder}”" in said
    assert "“organisation” is empty" in said and "“contact_email” is empty" in said
    assert "“First idea” is the example idea" in said
    assert said.count("How to fix it: ") == len(warnings) == 7


def test_init_in_a_folder_named_like_a_former_address_of_soundingboard_keeps_the_name(tmp_path):
    folder = tmp_path / "users"
    assert soundingboard("init", str(folder), data_dir=tmp_path / "data").returncode == 0
    assert yaml.safe_load((folder / "consultation.yml").read_text())["slug"] == "users"
    checked = soundingboard("check", str(folder), data_dir=tmp_path / "data")
    assert checked.returncode == 0, checked.stderr


def test_init_refuses_a_folder_that_is_not_empty(tmp_path):
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "notes.txt").write_text("keep me")
    made = soundingboard("init", str(tmp_path / "busy"), data_dir=tmp_path / "data")
    assert made.returncode == 1
    assert "not empty" in made.stderr
    assert (tmp_path / "busy" / "notes.txt").read_text() == "keep me"


def test_check_reports_every_problem_with_file_and_line(tmp_path):
    folder = write_consultation(
        tmp_path / "broken",
        "title: Broken\ncolour: blue\npages:\n  - index.md\n  - missing.md\n",
        {"index.md": "# Home\n"},
    )
    checked = soundingboard("check", str(folder), data_dir=tmp_path / "data")
    assert checked.returncode == 1
    assert "problem" in checked.stderr
    assert f"{folder / 'consultation.yml'}:2: unknown setting “colour”" in checked.stderr


def test_check_lists_the_example_pages(tmp_path):
    checked = soundingboard("check", str(EXAMPLE), data_dir=tmp_path / "data")
    assert checked.returncode == 0, checked.stderr
    assert checked.stdout.count("\n  /") >= 5


def test_check_refuses_a_folder_that_would_run_code_or_publish_a_file_outside(tmp_path):
    marker = tmp_path / "pwned"
    secret = tmp_path / "elsewhere" / "secret_key"
    secret.parent.mkdir()
    secret.write_text("TOP-SECRET-KEY\n")
    folder = tmp_path / "attack"
    (folder / "docs").mkdir(parents=True)
    (folder / "docs" / "index.md").write_text("# Home\n")
    (folder / "docs" / "key.md").symlink_to(secret)
    (folder / "hook.py").write_text(f"open({str(marker)!r}, 'w').close()\n")
    (folder / "mkdocs.yml").write_text(
        "site_name: Attack\nhooks:\n  - hook.py\nmarkdown_extensions:\n  - toc\n"
        f"  - subprocess:Popen:\n      args: [touch, {marker}]\n"
    )
    checked = soundingboard("check", str(folder), data_dir=tmp_path / "data")
    assert checked.returncode == 1
    assert f"{folder / 'docs' / 'key.md'}: is a link to a file outside" in checked.stderr
    assert "TOP-SECRET-KEY" not in checked.stdout + checked.stderr
    assert not marker.exists()

    # Without the link, the site loads: the hook and the extension naming code to run are
    # skipped with a warning each (a site's own extensions are common), never run.
    (folder / "docs" / "key.md").unlink()
    checked = soundingboard("check", str(folder), data_dir=tmp_path / "data")
    assert checked.returncode == 0, checked.stderr
    assert f"warning: {folder / 'mkdocs.yml'}:2: “hooks” is ignored" in checked.stderr
    assert (
        f"warning: {folder / 'mkdocs.yml'}:6: the Markdown extension “subprocess:Popen” names "
        "Python code to run"
    ) in checked.stderr
    assert not marker.exists()


# The launcher ------------------------------------------------------------------------------


def test_every_operation_is_a_management_command_of_its_app():
    found = {
        name.replace("_", "-"): folder.parent.parent.name
        for folder in cli.PACKAGE_DIR.glob("*/management/commands")
        for name in find_commands(str(folder.parent))
    }
    assert found == OPERATIONS


def test_help_lists_every_command_without_starting_django(tmp_path):
    listed = soundingboard("--help", data_dir=tmp_path / "data")
    assert listed.returncode == 0, listed.stderr
    for name in ("init", "check", "serve", "demo", "manage", *OPERATIONS):
        assert f"\n    {name} " in listed.stdout or f"\n    {name}\n" in listed.stdout
    assert "export a consultation's responses as CSV, XLSX or JSON" in listed.stdout
    explained = soundingboard("import-sheet", "--help", data_dir=tmp_path / "data")
    assert explained.returncode == 0, explained.stderr
    assert explained.stdout.startswith("usage: soundingboard import-sheet ")
    assert "--tab {Feedback,MainFeedback}" in explained.stdout
    assert "--data-dir" in explained.stdout
    assert "--pythonpath" not in explained.stdout  # Django's own options work, unlisted
    assert not (tmp_path / "data").exists()  # no data directory, secret key or database made


def test_commands_answer_to_their_django_names_too(tmp_path):
    for args in (["purge_contacts", "--help"], ["manage", "purge_contacts", "--help"]):
        done = soundingboard(*args, data_dir=tmp_path / "data")
        assert done.returncode == 0, done.stderr
        assert "--before DATE" in done.stdout
    unknown = soundingboard("exports", data_dir=tmp_path / "data")
    assert unknown.returncode == 2
    assert "invalid choice: 'exports'" in unknown.stderr


@pytest.mark.django_db
def test_a_command_refuses_a_data_dir_django_did_not_start_with(tmp_path):
    with pytest.raises(CommandError, match="--data-dir is read as Django starts") as refused:
        call_command("erase", "--email", "jo@example.org", "--data-dir", str(tmp_path))
    assert refused.value.returncode == 1
