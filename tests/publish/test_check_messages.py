"""What `check` says: for each kind of mistake, a folder that makes it, and the message, the
file and line, and the fix it is given. Messages are our own words (never pydantic's), and
every one comes with a fix that fits it."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.conftest import write_consultation

from soundingboard.publish.errors import ConsultationError
from soundingboard.publish.loader import load_consultation

PAGES = {"index.md": "# Home\n\nWelcome.\n"}
PYDANTIC_WORDS = ("Input should", "valid string", "Value error", "Field required", "type=")
QUOTES = (
    'write the colour in quotes as # and six hexadecimal digits, such as "#1d70b8" '
    "(without quotes, YAML reads # as the start of a comment)"
)

# (consultation.yml after its first line "title: T", line, message, fix)
SETTINGS_MISTAKES = [
    pytest.param(
        "organisation:\n  - A\n  - B\n",
        2,
        "“organisation” must be text, not a list",
        "write it as text on the same line; put it in double quotes if it contains a colon "
        "followed by a space or starts with a special character such as # or [",
        id="text-given-a-list",
    ),
    pytest.param(
        "pages: index.md\n",
        2,
        "“pages” must be a list, not “index.md”",
        "write each item on a line of its own under `pages:`, starting with `- `",
        id="list-given-text",
    ),
    pytest.param(
        "feedback: yes\n",
        2,
        "“feedback” must hold settings of its own, not yes or no",
        "indent its own settings under it, each on a line of its own, such as:\n"
        "    feedback:\n    roles:\n      - Library user",
        id="group-given-yes",
    ),
    pytest.param(
        "opens: 31/03/2027\n",
        2,
        "“opens”: “31/03/2027” is not a date",
        "write a date as YYYY-MM-DD, such as 2027-03-31, or a date and time: 2027-03-31 17:00",
        id="date",
    ),
    pytest.param(
        "organisation: " + "x" * 201 + "\n",
        2,
        "“organisation” is longer than 200 characters",
        "shorten it to 200 or fewer",
        id="too-long",
    ),
    pytest.param(
        "feedback:\n  roles: []\n",
        3,
        "“feedback.roles” lists nothing",
        "list at least one item, or remove the setting to use the default",
        id="empty-list",
    ),
    pytest.param(
        "slug: Library Plan\n",
        2,
        "“slug”: “Library Plan” is not written as this setting needs",
        "use up to 64 lower-case letters, digits and hyphens, starting and ending with a letter "
        "or digit, such as library-plan",
        id="slug-form",
    ),
    pytest.param(
        'accent_colour: "#ffdd00"\n',
        2,
        "“accent_colour”: white text on #ffdd00 has a contrast of 1.3:1, below the 4.5:1 that "
        "WCAG AA needs; choose a darker colour",
        "choose a darker colour, such as #1d70b8 (blue) or #1d6b48 (green)",
        id="low-contrast",
    ),
    pytest.param(
        'accent_colour: "blue"\n',
        2,
        "“accent_colour”: “blue” is not written as this setting needs",
        QUOTES,
        id="colour-form",
    ),
    pytest.param(
        "accent_colour: #1d70b8\n", 2, "“accent_colour” is empty", QUOTES, id="colour-unquoted"
    ),
    pytest.param(
        "contact_email: not-an-address\n",
        2,
        "“contact_email”: “not-an-address” is not an email address",
        "write a full email address, such as consultation@example.org",
        id="email",
    ),
    pytest.param(
        "timezone: Mars/Olympus\n",
        2,
        "“timezone”: “Mars/Olympus” is not a time zone name; use one like Europe/London",
        "use a name from the IANA list, such as Europe/London",
        id="timezone",
    ),
    pytest.param(
        "opens: 2027-03-31\ncloses: 2027-01-04\n",
        3,
        "closes must be after opens",
        "move `closes` to after `opens`, or remove one of them",
        id="dates-order",
    ),
    pytest.param(
        "feedback:\n  roles:\n    - Reader\n    - Reader\n",
        3,
        "“feedback.roles”: “Reader” is listed twice; list each option once",
        "remove the second one",
        id="repeated-choice",
    ),
    pytest.param(
        "feedback:\n  roles: [Reader]\n  role_groups:\n    Everyone: [Writer]\n",
        4,
        "“feedback.role_groups”: role group “Everyone” names “Writer”, which is not one of the "
        "roles",
        "add it to `roles`, or correct its spelling",
        id="role-group",
    ),
    pytest.param(
        "questionnaire:\n  ideas:\n    - name: Parks\n    - name: parks\n",
        3,
        "“questionnaire.ideas”: “parks” names two ideas; give each idea its own name",
        "give each idea a name of its own, or remove the repeated alias",
        id="idea-names",
    ),
    pytest.param(
        "allowed_origins:\n  - https://example.org/consult/\n",
        3,
        "“allowed_origins.0”: “https://example.org/consult/” is not written as this setting needs",
        "write each origin as scheme and host only, with no path and no slash at the end, such "
        "as https://example.org",
        id="origin",
    ),
    pytest.param(
        "site_url: example.org\n",
        2,
        "“site_url”: “example.org” is not written as this setting needs",
        "write the full address of the site's home page, such as https://example.github.io/paper/",
        id="site-url",
    ),
    pytest.param(
        "pages:\n  - index.md\n  - Empty section:\n",
        4,
        # Shown as Python shows it before: {'Empty section': None}.
        "cannot read the page entry “{Empty section: null}”",
        "write `- page.md`, `- Title: page.md` or `- Section: [pages]`",
        id="page-entry",
    ),
    pytest.param(
        "title2: T\n",
        2,
        "unknown setting “title2”",
        "did you mean “title”? (the settings are listed in docs/writing-a-consultation.md)",
        id="unknown",
    ),
]


def problems(folder: Path) -> list:
    with pytest.raises(ConsultationError) as caught:
        load_consultation(folder)
    return caught.value.problems


@pytest.mark.parametrize(("config", "line", "message", "fix"), SETTINGS_MISTAKES)
def test_each_settings_mistake_has_its_words_line_and_fix(tmp_path, config, line, message, fix):
    folder = write_consultation(tmp_path / "c", "title: T\n" + config, PAGES)
    [problem] = problems(folder)
    assert (problem.file, problem.line) == (folder / "consultation.yml", line)
    assert problem.message == message
    assert problem.fix == fix
    assert not any(words in str(problem) for words in PYDANTIC_WORDS)


def test_problems_come_in_line_order(tmp_path):
    folder = write_consultation(
        tmp_path / "c",
        'title: T\nslug: Bad Slug\ntimezone: Nowhere\naccent_colour: "#ffff00"\n'
        "pages:\n  - index.md\n  - missing.md\n",
        PAGES,
    )
    assert [p.line for p in problems(folder)] == [2, 3, 4]


def test_markdown_files_no_page_list_names_are_listed(tmp_path):
    folder = write_consultation(
        tmp_path / "c",
        "title: T\npages:\n  - index.md\n",
        {**PAGES, "draft.md": "# Draft\n", "notes/old.md": "# Old\n", ".hidden/x.md": "# X\n"},
    )
    warnings = load_consultation(folder).warnings
    assert warnings == [
        "draft.md: is not published, because the page list (`pages`, or `nav` in mkdocs.yml) "
        "does not name it\n  How to fix it: add `- draft.md` to the page list if readers should "
        "see it; otherwise nothing, or move it out of the pages folder",
        "notes/old.md: is not published, because the page list (`pages`, or `nav` in "
        "mkdocs.yml) does not name it\n  How to fix it: add `- notes/old.md` to the page list "
        "if readers should see it; otherwise nothing, or move it out of the pages folder",
    ]


def test_without_a_page_list_every_markdown_file_is_published_and_none_is_listed(tmp_path):
    folder = write_consultation(tmp_path / "c", "title: T\n", {**PAGES, "draft.md": "# D\n"})
    assert load_consultation(folder).warnings == []


@pytest.mark.parametrize(
    ("config", "line", "message", "fix"),
    [
        pytest.param(
            "privacy_notice: |\n  ## Who\n\n  [Name of your organisation] runs it. See "
            "[the law](https://example.org) and note[^1].\n",
            5,
            "the privacy notice still says “[Name of your organisation]”, which "
            "`soundingboard init` left to fill in",
            "replace “[Name of your organisation]” with your own words",
            id="privacy-placeholder",
        ),
        pytest.param(
            'organisation: ""\n',
            2,
            "“organisation” is empty",
            "write the organisation running the consultation, such as Wrenbridge Council, or "
            "remove the line",
            id="empty-organisation",
        ),
        pytest.param(
            "contact_email:\n",
            2,
            "“contact_email” is empty",
            "write an email address readers can write to, such as consultation@example.org, or "
            "remove the line",
            id="empty-contact-email",
        ),
        pytest.param(
            "questionnaire:\n  ideas:\n    - name: Parks\n    - name: Second idea\n",
            5,
            "“Second idea” is the example idea `soundingboard init` wrote",
            "replace it with one of your own ideas and its activities, or delete the "
            "questionnaire section if you have no main questionnaire",
            id="example-idea",
        ),
    ],
)
def test_what_init_left_to_fill_in_is_flagged(tmp_path, config, line, message, fix):
    folder = write_consultation(tmp_path / "c", "title: T\n" + config, PAGES)
    [warning] = load_consultation(folder).warnings
    assert warning == f"{folder / 'consultation.yml'}:{line}: {message}\n  How to fix it: {fix}"


@pytest.mark.parametrize(
    ("markdown", "line", "message", "fix"),
    [
        pytest.param(
            "# Home\n\nSee [the plan](plan.md).\n",
            3,
            "link to “plan.md” not found; link removed",
            "correct the file name in the link, or remove the link",
            id="link-not-found",
        ),
        pytest.param(
            "# Home\n\n[Files](empty/)\n",
            3,
            "link to folder “empty/”, which has no page; link removed",
            "link to a page in the folder, or add an index.md to it",
            id="folder-link",
        ),
        pytest.param(
            "# Home\n\n![Secret](../../secret.png)\n",
            3,
            "image “../../secret.png” points outside the pages folder; image removed",
            "copy the file into the pages folder and point to the copy",
            id="outside",
        ),
        pytest.param(
            "# Home\n\nText.\n\n![Chart](chart.png)\n",
            5,
            "image “chart.png” not found",
            "put the file at that path in the pages folder, or correct the path",
            id="image-not-found",
        ),
        pytest.param(
            "# Home\n\nFirst.\n\nA claim.<sup>[^4]</sup>\n",
            5,
            "footnote “[^4]” has no definition; shown as written",
            "add the note at the end of the page, such as `[^4]: The source.`, or remove the mark",
            id="footnote",
        ),
    ],
)
def test_each_page_warning_has_its_line_and_fix(tmp_path, markdown, line, message, fix):
    folder = write_consultation(tmp_path / "c", "title: T\n", {"index.md": markdown})
    (folder / "empty").mkdir(exist_ok=True)
    [warning] = load_consultation(folder).warnings
    assert warning == f"index.md:{line}: {message}\n  How to fix it: {fix}"


def test_warnings_come_file_by_file_in_line_order(tmp_path):
    folder = write_consultation(
        tmp_path / "c",
        "title: T\npages:\n  - index.md\n  - b.md\n",
        {
            "index.md": "# Home\n\n![A](a.png)\n\nA claim.<sup>[^1]</sup>\n\n![B](b.png)\n",
            "b.md": "# B\n\n[Gone](gone.md)\n",
        },
    )
    warnings = load_consultation(folder).warnings
    assert [w.split(": ", 1)[0] for w in warnings] == [
        "index.md:3",
        "index.md:5",
        "index.md:7",
        "b.md:3",
    ]


@pytest.mark.parametrize(
    ("config", "line", "message"),
    [
        pytest.param(
            "organisation: Us: the council\n",
            2,
            "is not valid YAML: a colon followed by a space inside a value",
            id="colon",
        ),
        pytest.param(
            "pages:\n\t- index.md\n", 3, "is not valid YAML: a tab; indent with spaces", id="tab"
        ),
    ],
)
def test_yaml_mistakes_are_said_in_words(tmp_path, config, line, message):
    folder = write_consultation(tmp_path / "c", "title: T\n" + config, PAGES)
    [problem] = problems(folder)
    assert (problem.line, problem.message) == (line, message)
    assert problem.fix.startswith("check the indentation and the punctuation on this line")


def test_a_date_that_does_not_exist(tmp_path):
    folder = write_consultation(tmp_path / "c", "title: T\ncloses: 2027-02-30\n", PAGES)
    [problem] = problems(folder)
    assert (problem.line, problem.message) == (
        2,
        "has a date that does not exist, such as 2027-02-30",
    )
    assert problem.fix == "check that every date is a real date, written as YYYY-MM-DD"


def test_a_warning_about_an_extension_names_the_line_of_mkdocs_yml_that_names_it(tmp_path):
    folder = tmp_path / "site"
    (folder / "docs").mkdir(parents=True)
    (folder / "docs" / "index.md").write_text("# Home\n", encoding="utf-8")
    mkdocs = folder / "mkdocs.yml"
    mkdocs.write_text(
        "site_name: S\nmarkdown_extensions:\n  - attr_list\n  - pymdownx.b64\n", encoding="utf-8"
    )
    [warning] = load_consultation(folder).warnings
    assert warning == (
        f"{mkdocs}:4: Markdown extension “pymdownx.b64” not used: images are served as files, "
        "not embedded\n  How to fix it: remove it from markdown_extensions in mkdocs.yml"
    )


@pytest.mark.parametrize(
    ("markdown", "line"),
    [
        pytest.param('# Home\n\n## Costs\n\n<p id="costs">Note.</p>\n', 5, id="element"),
        pytest.param("# Home\n\n## A {#same}\n\n## B {#same}\n", 5, id="attribute"),
    ],
)
def test_an_id_used_twice_is_said_with_its_second_line(tmp_path, markdown, line):
    folder = write_consultation(tmp_path / "c", "title: T\n", {"index.md": markdown})
    [warning] = load_consultation(folder).warnings
    assert warning.startswith(f"index.md:{line}: id “")
    assert warning.endswith("How to fix it: give each heading and element an id of its own")


@pytest.mark.parametrize("name", ["index.md", "consultation.yml"])
def test_a_file_not_in_utf8_names_its_line_in_plain_words(tmp_path, name):
    """The decoder's words were shown ("invalid continuation byte"), and no line."""
    folder = write_consultation(tmp_path / "c", "title: T\n", PAGES)
    path = folder / name
    path.write_bytes(path.read_bytes() + "\nCaf\u00e9 au lait\n".encode("cp1252"))
    [problem] = problems(folder)
    lines = path.read_bytes().count(b"\n")
    assert (problem.file, problem.line) == (path, lines)
    assert (
        problem.message == "is not UTF-8 text: this line has a character saved in another encoding"
    )
    assert problem.fix.startswith("save the file as UTF-8")
