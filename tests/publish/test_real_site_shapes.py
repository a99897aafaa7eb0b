"""Shapes of real MkDocs projects, met adopting published sites: each made up here, small,
in the form that broke `adopt`, `check` or the pages before it was fixed."""

from __future__ import annotations

from pathlib import Path

import yaml
from bs4 import BeautifulSoup
from tests.command_line import soundingboard

from soundingboard.publish.adopt import adoption
from soundingboard.publish.loader import load_consultation


def project(folder: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def test_inherit_and_env_defaults_are_read_as_mkdocs_reads_them(tmp_path: Path) -> None:
    # Sites share settings through INHERIT and take their name from the environment with a
    # default; the default is what soundingboard reads, the same on every machine.
    folder = project(
        tmp_path / "site",
        {
            "base.yml": (
                'site_name: !ENV [SITE_NAME, "Shapes handbook"]\n'
                "site_url: https://shapes.example.org/handbook/\n"
                "markdown_extensions:\n  - admonition\n  - pymdownx.emoji:\n"
                "      emoji_generator: !!python/name:material.extensions.emoji.to_svg\n"
                "extra:\n  colour: blue\n  size: 2\nplugins:\n  - blog\n"
            ),
            "mkdocs.yml": (
                "INHERIT: base.yml\ndocs_dir: documentation\n"
                "site_author: !ENV AUTHOR\ncopyright: Copyright 2024 Shapes Team\n"
                "extra:\n  size: 3\n"
                "nav:\n  - Home: README.md\n"
            ),
            "documentation/README.md": '# Shapes\n\n!!! note "Said"\n    Noted.\n',
        },
    )
    adopted = adoption(folder)
    assert adopted.settings["title"] == "Shapes handbook"
    assert adopted.settings["organisation"] == "Shapes Team"  # no author: no variable is read
    assert adopted.settings["allowed_origins"] == ["https://shapes.example.org"]

    result = soundingboard("adopt", str(folder), data_dir=tmp_path / "data")
    assert result.returncode == 0, result.stderr
    consultation = load_consultation(folder)
    assert consultation.title == "Shapes handbook"
    assert 'class="admonition note"' in consultation.pages[0].html
    # Warnings about inherited settings name the file and line they are written on.
    base = folder / "base.yml"
    assert [w.split(": ", 1)[0] for w in consultation.warnings] == [f"{base}:6", f"{base}:10"]


def test_an_inherit_outside_the_project_is_not_read(tmp_path: Path) -> None:
    (tmp_path / "shared.yml").write_text("site_name: From outside\n", encoding="utf-8")
    folder = project(
        tmp_path / "site",
        {
            "mkdocs.yml": "site_name: Inside\nINHERIT: ../shared.yml\n",
            "docs/index.md": "# Home\n",
        },
    )
    consultation = load_consultation(folder)
    assert consultation.title == "Inside"
    assert any(
        w.startswith(f"{folder / 'mkdocs.yml'}:2: INHERIT names ../shared.yml, which is outside")
        and "How to fix it: copy the settings" in w
        for w in consultation.warnings
    )
    written = yaml.safe_load(adoption(folder).text("mkdocs.yml"))
    assert written["title"] == "Inside"


def test_files_that_inherit_from_each_other_in_a_circle_are_named_where_it_closes(
    tmp_path: Path,
) -> None:
    """The warning named mkdocs.yml, whose INHERIT was followed, rather than the file whose
    INHERIT led back, and said "outside the project (or already read)"."""
    folder = project(
        tmp_path / "site",
        {
            "mkdocs.yml": "site_name: Inside\nINHERIT: config/base.yml\n",
            "config/base.yml": "site_author: Org\nINHERIT: ../mkdocs.yml\n",
            "docs/index.md": "# Home\n",
        },
    )
    consultation = load_consultation(folder)
    assert consultation.title == "Inside"
    [warning] = [w for w in consultation.warnings if "INHERIT" in w]
    assert warning.startswith(
        f"{folder / 'config' / 'base.yml'}:2: INHERIT names ../mkdocs.yml, which was read "
        "already (the files inherit from each other in a circle)"
    )
    assert "How to fix it: remove this INHERIT line" in warning


def test_material_front_matter_is_read_not_shown(tmp_path: Path) -> None:
    # Material sites hide parts of a page with an indented YAML list in the front matter;
    # the `meta` extension alone stopped at the list and showed it as a heading.
    folder = project(
        tmp_path / "site",
        {
            "mkdocs.yml": "site_name: Front\nnav:\n  - index.md\n  - about.md\n",
            "docs/index.md": "---\nhide:\n  - navigation\n  - toc\nicon: material/home\n"
            "tags:\n  - start\n---\n\n# Welcome\n\n![missing](nowhere.png)\n",
            "docs/about.md": "---\ntitle: About us\nstatus: new\n---\n\nNo heading here.\n",
        },
    )
    consultation = load_consultation(folder)
    home, about = consultation.pages
    assert home.text == "Welcome"
    assert "navigation" not in home.html and "<hr" not in home.html
    assert about.title == "About us"
    assert about.text == "No heading here."
    # warnings still name the file's own line
    assert any(
        w.startswith("index.md:12: image “nowhere.png” not found") for w in consultation.warnings
    )


def test_links_written_for_the_built_site_lead_to_their_pages(tmp_path: Path) -> None:
    # MkDocs leaves a link that is not to a .md file as written, so sites link `../other/`
    # from the page's own address, or `other.html` when built without directory addresses.
    folder = project(
        tmp_path / "site",
        {
            "mkdocs.yml": "site_name: Built\nnav:\n  - index.md\n  - guide/start.md\n"
            "  - guide/deep/two.md\n  - guide/index.md\n",
            "docs/index.md": "# Home\n\n[two](guide/deep/two/) [guide](guide/index.html)\n",
            "docs/guide/index.md": "# Guide\n\n[start](start/#part) [home](../)\n",
            "docs/guide/start.md": "# Start\n\n## Part\n",
            "docs/guide/deep/two.md": "# Two\n\n[start](../../start/) [html](../start.html) "
            "[gone](../../nowhere/)\n",
        },
    )
    consultation = load_consultation(folder)
    hrefs = {
        page.path: [
            str(a.get("href"))
            for a in BeautifulSoup(page.html, "html.parser").find_all("a")
            if "headerlink" not in (a.get("class") or [])
        ]
        for page in consultation.pages
    }
    assert hrefs[""] == ["/guide/deep/two/", "/guide/"]
    assert hrefs["guide/"][:2] == ["/guide/start/#part", "/"]
    assert hrefs["guide/deep/two/"][:2] == ["/guide/start/", "/guide/start/"]
    assert [w for w in consultation.warnings if "nowhere" in w] == [
        "guide/deep/two.md:3: link “../../nowhere/” not found\n"
        "  How to fix it: put the file at that path in the pages folder, or correct the path"
    ]


def test_nav_pages_made_while_the_site_builds_are_left_out_and_named(tmp_path: Path) -> None:
    # Plugins write some pages only while MkDocs builds (API references, a changelog); MkDocs
    # itself only warns about a nav entry whose file is missing.
    folder = project(
        tmp_path / "site",
        {
            "mkdocs.yml": "site_name: Generated\nnav:\n  - Home: index.md\n"
            "  - API:\n    - Overview: api/index.md\n    - reference/\n"
            "  - Built later:\n    - later.md\n  - Changelog: changelog.md\n"
            "plugins:\n  - gen-files\n",
            "docs/index.md": "# Home\n",
            "docs/api/index.md": "# API\n",
        },
    )
    result = soundingboard("adopt", str(folder), data_dir=tmp_path / "data")
    assert result.returncode == 0, result.stdout + result.stderr
    mkdocs = folder / "mkdocs.yml"
    for line, name in ((6, "reference/"), (8, "later.md"), (9, "changelog.md")):
        assert f"{mkdocs}:{line}: nav names “{name}”, which is not in docs/" in result.stdout
    settings = yaml.safe_load((folder / "consultation.yml").read_text(encoding="utf-8"))
    assert settings["pages"] == [{"Home": "index.md"}, {"API": [{"Overview": "api/index.md"}]}]
    checked = soundingboard("check", str(folder), data_dir=tmp_path / "data")
    assert checked.returncode == 0, checked.stderr
    assert [p.url for p in load_consultation(folder).pages] == ["/", "/api/"]
