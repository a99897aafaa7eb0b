"""A consultation folder may come from someone else: nothing in it runs code, and nothing
outside it is read or published.

Each attack here worked before: `markdown_extensions` naming `subprocess:Popen` ran a command
while the folder loaded, and a page linked to the data directory's secret key printed the key.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from tests.conftest import write_consultation

from soundingboard.publish.errors import ConsultationError
from soundingboard.publish.extensions import canonical_name
from soundingboard.publish.loader import load_consultation
from soundingboard.publish.registry import load_registry

SECRET = "TOP-SECRET-KEY-0123456789"
# A module that leaves a mark when imported; the folder holds it under several names.
MARKING_MODULE = "from pathlib import Path\nPath({marker!r}).write_text('imported')\n"


def mkdocs_site(folder: Path, mkdocs: str, pages: dict[str, str] | None = None) -> Path:
    """An MkDocs project: `mkdocs.yml` with this text, and pages under docs/."""
    docs = folder / "docs"
    docs.mkdir(parents=True)
    (folder / "mkdocs.yml").write_text(mkdocs, encoding="utf-8")
    for name, text in (pages or {"index.md": "# Home\n\nHello.\n"}).items():
        (docs / name).parent.mkdir(parents=True, exist_ok=True)
        (docs / name).write_text(text, encoding="utf-8")
    return folder


def problems_of(folder: Path) -> list[str]:
    with pytest.raises(ConsultationError) as caught:
        load_consultation(folder)
    return [str(problem) for problem in caught.value.problems]


@pytest.fixture
def secret_file(tmp_path: Path) -> Path:
    """A stand-in for the data directory's secret key, outside every consultation folder."""
    data = tmp_path / "data"
    data.mkdir()
    secret = data / "secret_key"
    secret.write_text(SECRET + "\n", encoding="utf-8")
    return secret


# --- no code from mkdocs.yml ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("entry", "said"),
    [
        (
            "  - subprocess:Popen:\n      args: [touch, {marker}]\n",
            "names Python code to run (the module:Class form)",
        ),
        ("  - os:system\n", "names Python code to run (the module:Class form)"),
        (
            "  - markdown.extensions.toc:TocExtension\n",
            "names Python code to run (the module:Class form)",
        ),
        ("  - marking.module\n", "is a Python module, not one of the extensions"),
        ("  - marking_top\n", "“marking_top” is not a Markdown extension soundingboard knows"),
        (
            "  - !!python/object/apply:os.system ['touch {marker}']\n",
            "“!!python/object/apply:os.system” names Python code",
        ),
        (
            "  - !!python/object/apply:subprocess.Popen [[touch, {marker}]]: {{}}\n",
            "names Python code",
        ),
    ],
)
def test_extension_naming_code_is_skipped_and_never_imported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, entry: str, said: str
) -> None:
    marker = tmp_path / "pwned"
    folder = mkdocs_site(
        tmp_path / "site",
        "site_name: Attack\nmarkdown_extensions:\n  - toc\n" + entry.format(marker=marker),
    )
    # Modules in the folder that could be imported by the names above, were anything imported.
    (folder / "marking").mkdir()
    (folder / "marking" / "__init__.py").write_text("")
    (folder / "marking" / "module.py").write_text(MARKING_MODULE.format(marker=str(marker)))
    (folder / "marking_top.py").write_text(MARKING_MODULE.format(marker=str(marker)))
    monkeypatch.syspath_prepend(str(folder))

    # A warning, not a refusal: the site loads without it (as real sites that name their own
    # extensions must), and nothing it names is imported.
    consultation = load_consultation(folder)
    [warning] = [w for w in consultation.warnings if said in w]
    assert warning.startswith(f"{folder / 'mkdocs.yml'}:4: ")
    assert "; it is skipped" in warning
    assert "remove it from markdown_extensions" in warning
    assert consultation.pages[0].title == "Home"
    assert not marker.exists()
    assert not {"marking", "marking.module", "marking_top"} & set(sys.modules)


def test_python_tags_in_extension_settings_are_dropped_and_reported(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    folder = mkdocs_site(
        tmp_path / "site",
        "site_name: Attack\n"
        "markdown_extensions:\n"
        "  - pymdownx.superfences:\n"
        "      custom_fences:\n"
        "        - name: shell\n"
        "          class: shell\n"
        "          format: !!python/name:os.system\n"
        "  - pymdownx.emoji:\n"
        "      emoji_index: !!python/name:os.system\n"
        f"      emoji_generator: !!python/object/apply:os.system ['touch {marker}']\n",
        {"index.md": f"# Home\n\n```shell\ntouch {marker}\n```\n"},
    )
    consultation = load_consultation(folder)
    mkdocs = folder / "mkdocs.yml"
    assert [w.split(": in the settings")[0] for w in consultation.warnings] == [
        f"{mkdocs}:7",
        f"{mkdocs}:9",
        f"{mkdocs}:10",
    ]
    assert all(
        "names Python code, which soundingboard never runs" in w for w in consultation.warnings
    )
    assert not marker.exists()
    # The fence without its function is plain code, shown as written.
    assert f"touch {marker}" in consultation.pages[0].text


def test_emoji_are_characters_whatever_the_site_said(tmp_path: Path) -> None:
    folder = mkdocs_site(
        tmp_path / "site",
        "site_name: Emoji\n"
        "markdown_extensions:\n"
        "  - pymdownx.emoji:\n"
        "      emoji_index: !!python/name:material.extensions.emoji.twemoji\n"
        "      emoji_generator: !!python/name:material.extensions.emoji.to_svg\n",
        {"index.md": "# Home\n\nGlad :smile:\n"},
    )
    consultation = load_consultation(folder)
    assert len(consultation.warnings) == 2
    assert consultation.pages[0].text == "Home Glad \U0001f604"
    assert "<img" not in consultation.pages[0].html


def test_settings_that_unfold_to_billions_of_values_are_refused_at_once(tmp_path: Path) -> None:
    # Nine anchors, each nine times the last: 9**9 values if walked as written.
    anchors = "".join(
        f"        l{n}: &l{n} [{', '.join([f'*l{n - 1}'] * 9)}]\n" for n in range(1, 10)
    )
    folder = mkdocs_site(
        tmp_path / "site",
        "site_name: Laughs\n"
        "markdown_extensions:\n"
        "  - pymdownx.superfences:\n"
        "      custom_fences:\n"
        "        - name: shell\n"
        "          format: !!python/name:os.system\n"
        "      preserve_tabs:\n"
        "        l0: &l0\n"
        "          - !!python/name:os.system\n" + anchors,
    )
    [problem] = problems_of(folder)
    assert problem.startswith(f"{folder / 'mkdocs.yml'}:")
    assert "uses aliases (*name) that repeat what they name so often" in problem
    assert "write the lists out in full" in problem


def test_a_page_list_that_unfolds_to_billions_of_entries_is_refused(tmp_path: Path) -> None:
    """Walked as written, eight lines of anchors would take the loader hours (before this
    check it ran for 53 s at six levels), and the server loads every folder as it starts."""
    sections = "".join(
        f"  - &l{n} {{S{n}: [{', '.join([f'*l{n - 1}'] * 9)}]}}\n" for n in range(1, 9)
    )
    folder = write_consultation(
        tmp_path / "c",
        "title: Laughs\npages:\n  - &l0 {S0: [index.md]}\n" + sections,
        {"index.md": "# Home\n"},
    )
    [problem] = problems_of(folder)
    assert problem.startswith(f"{folder / 'consultation.yml'}:")
    assert "more than 100,000 values" in problem


def test_python_tag_in_a_setting_is_a_problem_not_a_call(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    folder = mkdocs_site(
        tmp_path / "site", f"site_name: !!python/object/apply:os.system ['touch {marker}']\n"
    )
    [problem] = problems_of(folder)
    assert problem.startswith(f"{folder / 'mkdocs.yml'}:1: ")
    assert not marker.exists()


def test_hooks_and_plugins_are_never_run_and_said_to_be_ignored(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    folder = mkdocs_site(
        tmp_path / "site",
        "site_name: Hooks\nplugins:\n  - search\n  - marking_plugin\nhooks:\n  - marking_hook.py\n",
    )
    (folder / "marking_hook.py").write_text(MARKING_MODULE.format(marker=str(marker)))
    consultation = load_consultation(folder)
    mkdocs = folder / "mkdocs.yml"
    fix = (
        "\n  How to fix it: nothing, if the pages read well without them (check them); "
        "otherwise change the pages so that they do not need them"
    )
    assert consultation.warnings == [
        f"{mkdocs}:2: “plugins” is ignored: soundingboard never runs MkDocs plugins, "
        "which are Python code" + fix,
        f"{mkdocs}:5: “hooks” is ignored: soundingboard never runs MkDocs hooks, "
        "which are Python code" + fix,
    ]
    assert not marker.exists()
    assert "marking_hook" not in sys.modules


def test_extensions_written_as_a_mapping_are_checked_too(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    folder = mkdocs_site(
        tmp_path / "site",
        "site_name: Mapping\nmarkdown_extensions:\n  toc:\n    permalink: true\n"
        f"  subprocess:Popen:\n    args: [touch, {marker}]\n",
    )
    [warning] = load_consultation(folder).warnings
    assert warning.startswith(
        f"{folder / 'mkdocs.yml'}:5: the Markdown extension “subprocess:Popen”"
    )
    assert not marker.exists()
    (folder / "mkdocs.yml").write_text(
        "site_name: Mapping\nmarkdown_extensions:\n  toc:\n    permalink: true\n  admonition:\n"
    )
    assert load_consultation(folder).warnings == []


def test_search_plugin_alone_is_not_worth_a_warning(tmp_path: Path) -> None:
    folder = mkdocs_site(tmp_path / "site", "site_name: Plain\nplugins:\n  - search\n")
    assert load_consultation(folder).warnings == []


def test_extensions_real_mkdocs_sites_name_still_work(tmp_path: Path) -> None:
    folder = mkdocs_site(
        tmp_path / "site",
        "site_name: Real\n"
        "theme:\n  name: material\n"
        "markdown_extensions:\n"
        "  - toc:\n      permalink: true\n"
        "  - admonition\n"
        "  - pymdownx.details\n"
        "  - pymdownx.superfences\n"
        "  - attr_list\n"
        "  - tables\n"
        "  - md_in_html\n"
        "  - footnotes\n"
        "  - markdown.extensions.abbr\n"
        "  - pymdownx.blocks.tab\n"
        "  - pymdownx.snippets\n",
        {
            "index.md": (
                '# Home\n\n## Part {#part-one}\n\n!!! note "Said"\n    An admonition.\n\n'
                '??? tip "More"\n    Hidden.\n\n| A | B |\n|---|---|\n| 1 | 2 |\n\n'
                'A point.[^1]\n\n[^1]: The note.\n\n--8<-- "part.md"\n'
            ),
            "part.md": "Included from a snippet.\n",
        },
    )
    consultation = load_consultation(folder)
    assert consultation.warnings == []
    soup = BeautifulSoup(consultation.pages[0].html, "html.parser")
    assert soup.select_one("h2#part-one a.headerlink") is not None
    assert soup.select_one("div.admonition.note") is not None
    assert soup.select_one("details.tip > summary").get_text() == "More"
    assert soup.find("table") is not None
    assert soup.select_one("div.footnote") is not None
    assert "Included from a snippet." in consultation.pages[0].text


@pytest.mark.parametrize(
    "name",
    ["toc", "markdown.extensions.toc", "smarty", "pymdownx.superfences", "pymdownx.blocks.tab"],
)
def test_known_extension_names(name: str) -> None:
    assert canonical_name(name) is not None


@pytest.mark.parametrize(
    "name",
    [
        "subprocess:Popen",
        "os",
        "os.path",
        "pymdownx",
        "pymdownx._bypassnorm",
        "pymdownx.superfences:SuperFencesCodeExtension",
        "markdown.extensions.nonexistent",
        "markdown.extensions.toc:TocExtension",
        "../pymdownx.details",
    ],
)
def test_unknown_extension_names(name: str) -> None:
    assert canonical_name(name) is None


# --- nothing outside the folder is published ------------------------------------------------


def test_page_linked_to_a_file_outside_is_refused(tmp_path: Path, secret_file: Path) -> None:
    folder = write_consultation(tmp_path / "c", "title: Leak\n", {"index.md": "# Home\n"})
    (folder / "key.md").symlink_to(secret_file)
    [problem] = problems_of(folder)
    assert problem.startswith(f"{folder / 'key.md'}: is a link to a file outside the consultation")
    assert SECRET not in problem


def test_page_named_in_the_nav_linked_outside_is_refused_with_its_line(
    tmp_path: Path, secret_file: Path
) -> None:
    folder = mkdocs_site(tmp_path / "site", "site_name: Leak\nnav:\n  - index.md\n  - key.md\n")
    (folder / "docs" / "key.md").symlink_to(secret_file)
    [problem] = problems_of(folder)
    assert problem.startswith(f"{folder / 'mkdocs.yml'}:4: the page “key.md” is a link to a file")


def test_links_inside_the_folder_are_allowed(tmp_path: Path) -> None:
    folder = mkdocs_site(tmp_path / "site", "site_name: Readme\nnav:\n  - index.md\n")
    (folder / "docs" / "index.md").unlink()
    (folder / "README.md").write_text("# From the readme\n")
    (folder / "docs" / "index.md").symlink_to(folder / "README.md")
    assert load_consultation(folder).pages[0].title == "From the readme"


def test_folder_linked_outside_publishes_nothing_from_it(tmp_path: Path, secret_file: Path) -> None:
    folder = write_consultation(tmp_path / "c", "title: Leak\n", {"index.md": "# Home\n"})
    (secret_file.parent / "notes.md").write_text(f"# Notes\n\n{SECRET}\n")
    (folder / "data").symlink_to(secret_file.parent)
    consultation = load_consultation(folder)
    assert [page.path for page in consultation.pages] == [""]
    named = write_consultation(
        tmp_path / "named", "title: Leak\npages:\n  - index.md\n  - data/notes.md\n", {}
    )
    (named / "index.md").write_text("# Home\n")
    (named / "data").symlink_to(secret_file.parent)
    [problem] = problems_of(named)
    assert problem.startswith(f"{named / 'consultation.yml'}:4: the page “data/notes.md” is a link")


def test_pages_folder_outside_is_refused(tmp_path: Path, secret_file: Path) -> None:
    for docs_dir, make_link in [
        ("../data", False),
        ("docs", True),
        (str(secret_file.parent), False),
    ]:
        folder = tmp_path / f"c-{docs_dir.replace('/', '-')}"
        write_consultation(folder, f"title: Leak\ndocs_dir: {docs_dir}\n", {})
        if make_link:
            (folder / "docs").symlink_to(secret_file.parent)
        [problem] = problems_of(folder)
        assert problem.startswith(f"{folder / 'consultation.yml'}:2: the pages folder")
        assert "is outside the consultation folder" in problem


def test_settings_file_linked_outside_is_refused(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere.yml"
    elsewhere.write_text("title: From elsewhere\n")
    folder = tmp_path / "c"
    folder.mkdir()
    (folder / "consultation.yml").symlink_to(elsewhere)
    (folder / "index.md").write_text("# Home\n")
    [problem] = problems_of(folder)
    assert problem.startswith(f"{folder / 'consultation.yml'}: is a link to a file outside")


def test_consultation_folder_linked_outside_a_folder_of_folders_is_refused(tmp_path: Path) -> None:
    elsewhere = write_consultation(tmp_path / "elsewhere", "title: Other\n", {"index.md": "# O\n"})
    parent = tmp_path / "served"
    write_consultation(parent / "mine", "title: Mine\n", {"index.md": "# M\n"})
    (parent / "other").symlink_to(elsewhere)
    with pytest.raises(ConsultationError) as caught:
        load_registry([parent])
    [problem] = [str(p) for p in caught.value.problems]
    assert problem.startswith(f"{parent / 'other'}: is a link to a folder outside {parent}")


@pytest.mark.parametrize(
    "include", ["../../data/secret_key", "linked.txt", "inside/secret_key", "{secret}"]
)
def test_snippets_never_include_a_file_outside(
    tmp_path: Path, secret_file: Path, include: str
) -> None:
    folder = mkdocs_site(
        tmp_path / "site",
        "site_name: Snippets\nmarkdown_extensions:\n  - pymdownx.snippets:\n"
        "      base_path: [/]\n      restrict_base_path: false\n",
        {
            "index.md": f'# Home\n\n--8<-- "{include.format(secret=secret_file)}"\n\n'
            '--8<-- "part.md"\n',
            "part.md": "Kept.\n",
        },
    )
    (folder / "docs" / "linked.txt").symlink_to(secret_file)
    (folder / "docs" / "inside").symlink_to(secret_file.parent)
    consultation = load_consultation(folder)
    assert SECRET not in consultation.pages[0].html
    assert consultation.pages[0].text == "Home Kept."


@pytest.mark.django_db
def test_nothing_outside_is_served(
    client, tmp_path: Path, secret_file: Path, use_consultations
) -> None:
    (secret_file.parent / "secret.png").write_bytes(b"\x89PNG" + SECRET.encode())
    (secret_file.parent / "secret.txt").write_text(SECRET)
    folder = write_consultation(
        tmp_path / "c",
        "title: Leak\n",
        {
            "index.md": (
                "# Home\n\n![chart](images/chart.png) ![passwd](../../../etc/passwd)\n\n"
                "[key](../data/secret.txt) [linked](linked.txt) [folder](data/secret.txt)\n"
            )
        },
    )
    (folder / "images").mkdir()
    (folder / "images" / "chart.png").symlink_to(secret_file.parent / "secret.png")
    (folder / "linked.txt").symlink_to(secret_file.parent / "secret.txt")
    (folder / "data").symlink_to(secret_file.parent)
    consultation = use_consultations(folder).single
    assert any("points outside the pages folder" in w for w in consultation.warnings)

    page = client.get("/")
    html = page.content.decode()
    assert page.status_code == 200 and SECRET not in html
    soup = BeautifulSoup(html, "html.parser")
    assert [img.get("src") for img in soup.select("main img")] == [None, None]
    hrefs = [a.get("href") for a in soup.select("main a") if a.get_text() in {"key", "linked"}]
    assert hrefs == [None, None]
    for address in [
        "/-/files/images/chart.png",
        "/-/files/linked.txt",
        "/-/files/data/secret.txt",
        "/-/files/data/secret.png",
        "/-/files/../data/secret.txt",
        "/-/files/%2E%2E/data/secret.txt",
    ]:
        reply = client.get(address)
        assert reply.status_code == 404, address
        assert SECRET.encode() not in b"".join(getattr(reply, "streaming_content", [reply.content]))
    assert SECRET not in client.get("/-/search/", {"q": "SECRET"}).content.decode()


def test_only_files_a_page_links_to_or_shows_are_served(
    client, tmp_path: Path, use_consultations
) -> None:
    """Any file with a served suffix anywhere in the pages folder was public: an export of
    the responses written there (contact details and all), the team's notes in outcome/,
    the spreadsheet imported from. A link to a hidden file published it under the link's
    name."""
    folder = write_consultation(
        tmp_path / "c",
        "title: Files\n",
        {"index.md": "# Home\n\n[the plan](plan.pdf) [notes](pub.txt)\n\n![chart](chart.png)\n"},
    )
    (folder / "plan.pdf").write_bytes(b"%PDF-1.4 plan")
    (folder / "chart.png").write_bytes(b"\x89PNG chart")
    (folder / "c-responses-2026-12-08.csv").write_text("reference,email\nSB-1,a@example.org\n")
    (folder / "Feedback.csv").write_text("Timestamp,summary\n")
    (folder / "outcome").mkdir()
    (folder / "outcome" / "draft.txt").write_text("not yet published")
    (folder / ".secret.txt").write_text("hidden")
    (folder / "pub.txt").symlink_to(folder / ".secret.txt")
    use_consultations(folder)
    assert client.get("/-/files/plan.pdf").status_code == 200
    assert client.get("/-/files/chart.png").status_code == 200
    for address in [
        "/-/files/c-responses-2026-12-08.csv",
        "/-/files/Feedback.csv",
        "/-/files/outcome/draft.txt",
        "/-/files/pub.txt",
        "/-/files/.secret.txt",
    ]:
        assert client.get(address).status_code == 404, address


def test_snippets_come_from_the_base_paths_the_site_sets_inside_the_project(
    tmp_path: Path, secret_file: Path
) -> None:
    # MkDocs reads `base_path` from the folder of mkdocs.yml: real sites keep their snippets
    # (abbreviations, shared notices) beside docs/, not in it. A base outside stays unread.
    folder = mkdocs_site(
        tmp_path / "site",
        "site_name: Snippets\nmarkdown_extensions:\n  - abbr\n  - pymdownx.snippets:\n"
        f'      base_path: ["includes", ".", "{secret_file.parent}", ".."]\n'
        "      check_paths: true\n",
        {
            "index.md": '# Home\n\nThe LA said.\n\n--8<-- "notice.md"\n\n'
            '--8<-- "includes/abbreviations.md"\n\n--8<-- "secret_key"\n'
        },
    )
    (folder / "includes").mkdir()
    (folder / "includes" / "notice.md").write_text("A shared notice.\n", encoding="utf-8")
    (folder / "includes" / "abbreviations.md").write_text("*[LA]: Local authority\n")
    consultation = load_consultation(folder)
    page = consultation.pages[0]
    assert "A shared notice." in page.text
    assert '<abbr title="Local authority">LA</abbr>' in page.html
    assert SECRET not in page.html


@pytest.mark.parametrize("depth", [250, 2000])
def test_a_page_nested_hundreds_deep_is_refused_with_its_file(tmp_path: Path, depth: int) -> None:
    """Quotes one inside another, hundreds deep, exhausted Python's recursion in the HTML
    parser: loading (and so the server's start, for every consultation) ended in a
    traceback."""
    folder = write_consultation(
        tmp_path / "c",
        "title: C\npages:\n  - index.md\n",
        {"index.md": "# Home\n\n" + "> " * depth + "deep\n"},
    )
    [problem] = problems_of(folder)
    assert problem.startswith(f"{folder / 'index.md'}: nests quotes, lists or other parts")
    assert "nest them no more than a few levels deep" in problem


@pytest.mark.parametrize("settings_file", ["mkdocs.yml", "consultation.yml"])
def test_settings_nested_hundreds_deep_are_refused_with_their_file(
    tmp_path: Path, settings_file: str
) -> None:
    """The YAML parser goes a level down Python's stack for each level of nesting: 600
    levels ended loading (and `check`, `adopt` and the server's start) in a traceback."""
    deep = "extra:\n  deep: " + "[" * 600 + "]" * 600 + "\n"
    if settings_file == "mkdocs.yml":
        folder = mkdocs_site(tmp_path / "site", "site_name: Deep\n" + deep)
    else:
        folder = write_consultation(
            tmp_path / "c", "title: Deep\npages:\n  - index.md\n" + deep, {"index.md": "# Home\n"}
        )
    [problem] = problems_of(folder)
    assert problem.startswith(
        f"{folder / settings_file}: nests lists or mappings in one another too deeply to be read"
    )
    assert "write it with fewer levels" in problem


def test_front_matter_nested_hundreds_deep_is_not_read_and_the_page_loads(tmp_path: Path) -> None:
    from soundingboard.publish.front_matter import split_front_matter

    page = "---\ntitle: " + "[" * 600 + "]" * 600 + "\n---\n# Home\n"
    assert split_front_matter(page) == (page, {})
    # Read as any front matter that is not YAML: as the page's own text.
    folder = write_consultation(
        tmp_path / "c", "title: C\npages:\n  - index.md\n", {"index.md": page}
    )
    assert "<h1" in load_consultation(folder).pages[0].html
