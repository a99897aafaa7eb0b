"""Loading consultation folders and MkDocs projects, and the messages for broken ones."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.conftest import EXAMPLE, write_consultation

from soundingboard.publish.consultation import NavSection
from soundingboard.publish.errors import ConsultationError
from soundingboard.publish.loader import load_consultation, page_address
from soundingboard.publish.registry import load_registry

NESTED = """\
title: Nested
slug: nested
pages:
  - index.md
  - Part one:
      - one/a.md
      - Deeper:
          - one/b.md
  - Last page: last.md
"""
PAGES = {
    "index.md": "# Home\n\nWelcome.\n",
    "one/a.md": "# Page A\n\n## First part\n\nText.\n",
    "one/b.md": "Title: Page B from meta\n\nNo heading.\n",
    "last.md": "# Heading of last\n",
}


def problems_of(folder: Path) -> list[str]:
    with pytest.raises(ConsultationError) as caught:
        load_consultation(folder)
    return [str(p) for p in caught.value.problems]


def test_pages_order_nesting_titles_and_addresses(tmp_path):
    consultation = load_consultation(write_consultation(tmp_path / "c", NESTED, PAGES))
    assert [p.path for p in consultation.pages] == ["", "one/a/", "one/b/", "last/"]
    assert [p.title for p in consultation.pages] == [
        "Home",
        "Page A",
        "Page B from meta",
        "Last page",
    ]
    section = consultation.nav[1]
    assert isinstance(section, NavSection) and section.title == "Part one"
    assert isinstance(section.children[1], NavSection)
    assert consultation.page("one/b").section_trail == ("Part one", "Deeper")
    assert consultation.page("one/a/").previous.title == "Home"
    assert consultation.page("one/a/").next.title == "Page B from meta"
    assert consultation.page("last/").next is None


def test_defaults_fill_in_what_is_not_said(tmp_path):
    consultation = load_consultation(
        write_consultation(tmp_path / "My Folder", "title: Minimal\n", {"index.md": "# Hi\n"})
    )
    assert consultation.slug == "my-folder"
    assert len(consultation.settings.feedback.roles) == 14
    assert len(consultation.settings.feedback.natures) == 6
    assert consultation.settings.accent_colour == "#1d70b8"


@pytest.mark.parametrize(
    ("address", "expected"),
    [("index.md", ""), ("a.md", "a/"), ("a/index.md", "a/"), ("a/b c.md", "a/b c/")],
)
def test_page_addresses_follow_mkdocs(tmp_path, address, expected):
    assert page_address(tmp_path / address, tmp_path) == expected


def test_missing_page_names_file_line_and_fix(tmp_path):
    config = NESTED.replace("one/b.md", "one/bb.md")
    [problem] = problems_of(write_consultation(tmp_path / "c", config, PAGES))
    assert "consultation.yml:8:" in problem
    assert "“one/bb.md” does not exist" in problem
    assert "did you mean “one/b.md”" in problem


def test_malformed_yaml_names_the_line(tmp_path):
    config = "title: Broken\npages:\n  - index.md\n - other.md\n"
    [problem] = problems_of(write_consultation(tmp_path / "c", config, PAGES))
    assert "consultation.yml:4:" in problem
    assert "is not valid YAML" in problem
    assert "How to fix it" in problem


def test_unknown_key_suggests_the_right_one(tmp_path):
    config = "title: Typo\nclosing: 2027-01-01\n"
    [problem] = problems_of(write_consultation(tmp_path / "c", config, PAGES))
    assert "consultation.yml:2:" in problem
    assert "unknown setting “closing”" in problem
    assert "did you mean “closes”?" in problem


def test_unknown_feedback_key_and_bad_values(tmp_path):
    config = (
        "title: Values\n"
        "feedback:\n  role:\n    - A\n"
        "accent_colour: '#ffff00'\n"
        "contact_email: not-an-email\n"
    )
    problems = problems_of(write_consultation(tmp_path / "c", config, PAGES))
    text = "\n".join(problems)
    assert "consultation.yml:3: unknown setting “feedback.role”" in text
    assert "did you mean “roles”?" in text
    assert "consultation.yml:5:" in text and "contrast of 1.1:1" in text
    assert "consultation.yml:6:" in text and "contact_email" in text


def test_unquoted_colour_explains_the_comment_trap(tmp_path):
    config = "title: Colour\naccent_colour: #1d70b8\n"
    [problem] = problems_of(write_consultation(tmp_path / "c", config, PAGES))
    assert "without quotes, YAML reads # as the start of a comment" in problem


def test_impossible_date_is_a_clear_problem(tmp_path):
    config = "title: Dates\ncloses: 2027-02-30\n"
    [problem] = problems_of(write_consultation(tmp_path / "c", config, PAGES))
    assert "consultation.yml:2:" in problem and "real date" in problem


def test_closing_before_opening_is_refused(tmp_path):
    config = "title: Dates\nopens: 2027-03-01\ncloses: 2027-02-01\n"
    [problem] = problems_of(write_consultation(tmp_path / "c", config, PAGES))
    assert "closes must be after opens" in problem


def test_pages_named_like_soundingboards_own_pages_keep_their_addresses(tmp_path):
    names = ("search", "feedback", "questionnaire", "privacy", "files", "analyse", "api")
    pages = {"index.md": "# Hi\n"} | {f"{name}.md": f"# {name}\n" for name in names}
    consultation = load_consultation(write_consultation(tmp_path / "c", "title: C\n", pages))
    assert sorted(page.path for page in consultation.pages) == sorted(
        ["", *(f"{name}/" for name in names)]
    )


def test_a_page_at_soundingboards_own_prefix_is_refused(tmp_path):
    folder = write_consultation(
        tmp_path / "c", "title: C\n", {"index.md": "# Hi\n", "-/x.md": "# X\n"}
    )
    [problem] = problems_of(folder)
    assert "x.md" in problem and "where soundingboard keeps its own pages" in problem
    assert "rename the file or its folder" in problem


def test_folder_without_settings_says_how_to_start(tmp_path):
    (tmp_path / "empty").mkdir()
    [problem] = problems_of(tmp_path / "empty")
    assert "has no consultation.yml or mkdocs.yml" in problem
    assert "soundingboard init" in problem


def test_mkdocs_project_uses_nav_docs_dir_and_site_name(seed_site):
    consultation = load_consultation(seed_site)
    assert consultation.title == "Imagining a support offer"
    assert consultation.docs_dir == seed_site / "docs"
    assert [p.path for p in consultation.pages] == [
        "",
        "mechanisms/",
        "models/",
        "large-scale-change/",
    ]
    assert consultation.page("mechanisms").title == "Possible mechanisms for change"
    assert any("not found" in w for w in consultation.warnings)  # the seeds' images


def test_consultation_yml_beside_mkdocs_adds_the_rest(seed_site):
    (seed_site / "consultation.yml").write_text(
        "slug: support-offer\ncloses: 2030-01-01\norganisation: Example Consortium\n",
        encoding="utf-8",
    )
    consultation = load_consultation(seed_site)
    assert consultation.slug == "support-offer"
    assert consultation.title == "Imagining a support offer"  # still from site_name
    assert consultation.settings.organisation == "Example Consortium"


def test_mkdocs_site_url_is_read_and_a_bad_one_named_with_its_line(seed_site):
    mkdocs = (seed_site / "mkdocs.yml").read_text()
    (seed_site / "mkdocs.yml").write_text(mkdocs + "site_url: https://example.github.io/paper/\n")
    assert load_consultation(seed_site).settings.site_url == "https://example.github.io/paper/"
    (seed_site / "consultation.yml").write_text("site_url: example.github.io/paper\n")
    [problem] = problems_of(seed_site)
    assert "consultation.yml:1:" in problem
    assert "such as https://example.github.io/paper/" in problem


def test_mkdocs_nav_problem_points_into_mkdocs_yml(seed_site):
    config = (seed_site / "mkdocs.yml").read_text().replace("models.md", "modles.md")
    (seed_site / "mkdocs.yml").write_text(config)
    [problem] = problems_of(seed_site)
    assert "mkdocs.yml:6:" in problem and "did you mean “models.md”" in problem


def test_several_consultations_each_get_their_slug(tmp_path):
    write_consultation(tmp_path / "all" / "one", "title: One\n", {"index.md": "# One\n"})
    write_consultation(tmp_path / "all" / "two", "title: Two\n", {"index.md": "# Two\n"})
    registry = load_registry([tmp_path / "all"])
    assert registry.single is None
    assert {c.slug: c.url_prefix for c in registry.consultations.values()} == {
        "one": "/one/",
        "two": "/two/",
    }


def test_duplicate_slugs_are_refused(tmp_path):
    write_consultation(tmp_path / "a", "title: A\nslug: same\n", {"index.md": "# A\n"})
    write_consultation(tmp_path / "b", "title: B\nslug: same\n", {"index.md": "# B\n"})
    with pytest.raises(ConsultationError, match="already used"):
        load_registry([tmp_path / "a", tmp_path / "b"])


@pytest.mark.parametrize("name", ["users", "audit", "analyse", "api", "static"])
def test_any_slug_and_folder_name_is_the_consultations(tmp_path, name):
    folder = write_consultation(tmp_path / name, "title: C\n", {"index.md": "# C\n"})
    assert load_consultation(folder).slug == name
    write_consultation(folder, f"title: C\nslug: {name}\n", {"index.md": "# C\n"})
    assert load_consultation(folder).slug == name


def test_the_bundled_example_loads_without_warnings():
    consultation = load_consultation(EXAMPLE)
    assert len(consultation.pages) >= 5
    assert consultation.warnings == []


def test_role_groups_default_and_custom(tmp_path):
    default = load_consultation(write_consultation(tmp_path / "d", "title: D\n", PAGES))
    feedback = default.settings.feedback
    assert feedback.group_of(feedback.roles[0]) == "Local authority"
    assert feedback.group_of(feedback.roles[-1]) == "People without experience of social care"
    config = "title: C\nfeedback:\n  roles: [A, B, C]\n  role_groups:\n    Both: [A, B]\n"
    custom = load_consultation(write_consultation(tmp_path / "c", config, PAGES))
    assert custom.settings.feedback.group_names() == ["Both", "Other"]
    bad = config.replace("[A, B]\n", "[A, Z]\n")
    [problem] = problems_of(write_consultation(tmp_path / "b", bad, PAGES))
    assert "“Z”, which is not one of the roles" in problem


def test_a_link_to_a_markdown_file_that_is_no_page_keeps_its_address(tmp_path):
    folder = write_consultation(
        tmp_path / "c",
        "title: Links\npages:\n  - index.md\n",
        {
            "index.md": "# Home\n\nTell us on the [feedback page](feedback.md).\n",
            "feedback.md": "# Feedback\n\nA pasted form.\n",
        },
    )
    consultation = load_consultation(folder, url_prefix="/links/")
    assert 'href="/links/feedback/"' in consultation.page("").html
    [warning] = [w for w in consultation.warnings if "link to “feedback.md”" in w]
    assert warning.startswith("index.md:3: link to “feedback.md”, which is not a page")
    assert "leads to /links/feedback/" in warning


def _project(folder: Path, mkdocs: str, pages: dict[str, str]) -> Path:
    docs = folder / "docs"
    for name, text in pages.items():
        (docs / name).parent.mkdir(parents=True, exist_ok=True)
        (docs / name).write_text(text, encoding="utf-8")
    (folder / "mkdocs.yml").write_text(mkdocs, encoding="utf-8")
    return folder


def test_without_nav_a_readme_beside_an_index_is_not_a_page_as_in_mkdocs(tmp_path: Path) -> None:
    """Both were the home page: / showed README.md's text and index.md could not be reached,
    without a word. MkDocs keeps index.md."""
    folder = _project(
        tmp_path / "site",
        "site_name: S\n",
        {"index.md": "# Index\n", "README.md": "# Readme\n", "b/README.md": "# B\n"},
    )
    consultation = load_consultation(folder)
    assert [(p.path, p.title) for p in consultation.pages] == [("", "Index"), ("b/", "B")]


@pytest.mark.parametrize("nav", ["", "nav:\n  - index.md\n  - a.md\n  - a/index.md\n"])
def test_two_pages_at_one_address_are_a_problem_naming_both(tmp_path: Path, nav: str) -> None:
    """a.md and a/index.md are both /a/: one of them was unreachable, without a word."""
    folder = _project(
        tmp_path / "site",
        "site_name: S\n" + nav,
        {"index.md": "# Home\n", "a.md": "# A page\n", "a/index.md": "# A index\n"},
    )
    with pytest.raises(ConsultationError) as caught:
        load_consultation(folder)
    [problem] = [str(p) for p in caught.value.problems]
    docs = folder / "docs"
    assert problem.startswith(f"{docs / 'a' / 'index.md'}: its address /a/ is also that of a.md")
    assert "rename one of the two files, or leave one out of the pages" in problem
