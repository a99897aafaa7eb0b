"""MkDocs projects for `soundingboard adopt` to take in: one built from the seed pages with the
original site's main questionnaire pasted into a page, and a small made-up library site whose
form is shaped quite differently."""

from __future__ import annotations

import hashlib
import html
import shutil
from pathlib import Path

import pytest
import yaml
from tests.conftest import REPO, SEEDS

REFERENCE = REPO.parent / "shared" / "reference" / "main-questionnaire.yml"
# The group names the original's hand-kept activity list sent for five of the ideas
# (../shared/seeds/README.md).
DRIFTED_GROUPS = {
    "Making sense of case management systems": "Procurement and configuration",
    "Making sense of AI, RPA, and other advanced and integrative software": "Advanced technology",
    "Curating technical standards": "Curating standards",
    "Advocacy across internal hierarchies": "Advocacy across hierarchies",
    "Responding to large-scale change": "Responding to large scale change",
}
QUESTIONNAIRE_WORDS = "Score each idea below, then tell us which activities matter most."
SEED_PAGE_NAMES = {
    "index.md": "002_eabb676612777297.txt",
    "models.md": "003_9aa6026d31a4fa08.txt",
    "mechanisms.md": "004_832c7b34b5ff61f2.txt",
    "large-scale-change.md": "000_72582377825078c8.txt",
}


def reference_ideas() -> list[dict]:
    if not REFERENCE.is_file():
        pytest.skip(f"the reference questionnaire is not at {REFERENCE}")
    return yaml.safe_load(REFERENCE.read_text(encoding="utf-8"))["ideas"]


def original_questionnaire_form(ideas: list[dict]) -> str:
    """The original site's main questionnaire as pasted HTML: a fieldset per idea (its name in
    `data-idea` and the legend), two labelled radio scales, and checkboxes whose values carry
    the group names of the hand-kept list."""
    parts = [
        '<form id="mf-form">',
        '  <input type="hidden" id="mf-page">',
        '  <input type="text" id="mf-hp" style="display:none" tabindex="-1">',
    ]
    for number, idea in enumerate(ideas):
        name = idea["name"]
        group = DRIFTED_GROUPS.get(name, name)
        parts.append(f'  <fieldset data-idea="{html.escape(name)}">')
        parts.append(f"    <legend>{html.escape(name)}</legend>")
        for measure, label in (
            ("usefulness", "Usefulness to the sector, if achieved"),
            ("likelihood", "Likelihood of your organisation using the outputs"),
        ):
            parts.append(f'    <div class="mf-scale">{label}:')
            for score in range(1, 6):
                parts.append(
                    f'      <label><input type="radio" name="{measure}-{number}" '
                    f'value="{score}" data-measure="{measure}"> {score}</label>'
                )
            parts.append("    </div>")
        for activity in idea["activities"]:
            value = html.escape(f"{group}: {activity}")
            parts.append(
                f'    <label><input type="checkbox" class="mf-activity" value="{value}"> '
                f"{html.escape(activity)}</label>"
            )
        parts.append("  </fieldset>")
    parts += [
        '  <label for="mf-role">Your role</label>',
        '  <select id="mf-role" required><option value="">Choose one</option>'
        "<option>Local authority data professional</option></select>",
        '  <textarea id="mf-comments"></textarea>',
        '  <button type="submit">Send</button>',
        "</form>",
    ]
    return "\n".join(parts)


def make_seed_project(parent: Path, questionnaire_name: str) -> Path:
    """An MkDocs Material project of the seed pages (each with its pasted page form) and a
    page, `questionnaire_name`, holding the original main questionnaire form."""
    if not SEEDS.is_dir():
        pytest.skip(f"the seed documents are not at {SEEDS}")
    ideas = reference_ideas()
    folder = parent / "paper"
    docs = folder / "docs"
    docs.mkdir(parents=True)
    for name, seed in SEED_PAGE_NAMES.items():
        shutil.copy(SEEDS / seed, docs / name)
    (docs / questionnaire_name).write_text(
        "# Main feedback\n\n"
        f"{QUESTIONNAIRE_WORDS} Read [the models](models.md) first.\n\n"
        f"{original_questionnaire_form(ideas)}\n\n"
        '<p id="mf-ok" hidden>Thanks — feedback received</p>\n',
        encoding="utf-8",
    )
    (docs / "index.md").write_text(
        (docs / "index.md").read_text(encoding="utf-8")
        + f"\n\nWhen you have read it all, [give your main feedback]({questionnaire_name}).\n",
        encoding="utf-8",
    )
    (folder / "mkdocs.yml").write_text(
        "site_name: Imagining a support offer\n"
        "site_url: https://example.github.io/support-offer/\n"
        "copyright: Copyright &copy; 2025 The Example Partnership\n"
        "theme:\n  name: material\n"
        "nav:\n"
        "  - Home: index.md\n"
        "  - Ideas:\n"
        "      - models.md\n"
        "      - mechanisms.md\n"
        "  - large-scale-change.md\n"
        f"  - Main feedback: {questionnaire_name}\n"
        "markdown_extensions:\n  - attr_list\n  - footnotes\n  - toc:\n      permalink: true\n",
        encoding="utf-8",
    )
    return folder


def _library_scale(prefix: str, name: str, legend: str, ends: tuple[str, str]) -> str:
    """A fieldset of five radios, each with a label for its id."""
    radios = []
    for score in range(1, 6):
        words = {1: ends[0], 5: ends[1]}.get(score, "")
        label = f"{score} – {words}" if words else str(score)
        radios.append(
            f'    <input type="radio" id="{prefix}-{score}" name="{name}" value="{score}">'
            f'<label for="{prefix}-{score}">{label}</label>'
        )
    return (
        "  <fieldset>\n    <legend>"
        + legend
        + "</legend>\n"
        + "\n".join(radios)
        + "\n  </fieldset>"
    )


def _library_checkboxes(boxes: list[tuple[str, str, str]]) -> str:
    lines = [
        f'    <input type="checkbox" id="{box_id}" name="try" value="{value}">'
        f'<label for="{box_id}">{label}</label>'
        for box_id, value, label in boxes
    ]
    return (
        "  <fieldset>\n    <legend>Which of these should we try first?</legend>\n"
        + "\n".join(lines)
        + "\n  </fieldset>"
    )


USEFUL, LIKELY = "How useful would this be to you?", "How likely are you to use it?"
# Headings for ideas, a fieldset for each question (the second idea asks its two scales the
# other way round), names like useful[hours], labels joined by `for`, and a consent box.
LIBRARY_FORM = "\n".join(
    [
        '<form class="survey" action="https://forms.example.invalid/submit" method="post">',
        "  <h2>Our proposals</h2>",
        "  <h3>Longer opening hours</h3>",
        _library_scale("u1", "useful[hours]", USEFUL, ("Not useful", "Essential")),
        _library_scale("l1", "likely[hours]", LIKELY, ("Not useful", "Essential")),
        _library_checkboxes(
            [
                ("a1", "Hours: Open on Sundays", "Open on Sundays"),
                ("a2", "Hours: Open until 8pm on weekdays", "Open until 8pm on weekdays"),
            ]
        ),
        "  <h3>A mobile library</h3>",
        _library_scale("l2", "likely[mobile]", LIKELY, ("", "")),
        _library_scale("u2", "useful[mobile]", USEFUL, ("", "")),
        _library_checkboxes([("a3", "Mobile library: Visits to villages", "Visits to villages")]),
        "  <h3>About you</h3>",
        '  <p><input type="checkbox" id="ok" name="consent" value="yes">',
        '  <label for="ok">I agree to the terms</label></p>',
        "  <button>Send</button>",
        "</form>",
    ]
)

LIBRARY_PAGE_FORM = """\
<form class="page-feedback">
  <label for="who">Your role</label>
  <select id="who" name="who"><option value="">Choose</option><option>Library user</option>
  <option>Library staff</option><option>Councillor</option></select>
  <textarea name="comment"></textarea><button>Send</button>
</form>
"""
LIBRARY_SURVEY_WORDS = "Five minutes on what we should do first."


def make_library_project(parent: Path) -> Path:
    """A small MkDocs project with no site_url, a per-page form with its own roles, and a
    survey laid out with headings, a fieldset per question and names like useful[hours]."""
    folder = parent / "library"
    (folder / "site").mkdir(parents=True)
    (folder / "mkdocs.yml").write_text(
        "site_name: Libraries plan\ndocs_dir: site\nsite_author: Wrenbridge Council\n"
        "nav:\n  - index.md\n  - Survey: survey.md\n",
        encoding="utf-8",
    )
    (folder / "site" / "index.md").write_text(
        f"# Our plan\n\nWhat we propose.\n\n{LIBRARY_PAGE_FORM}", encoding="utf-8"
    )
    (folder / "site" / "survey.md").write_text(
        f"# Survey\n\n{LIBRARY_SURVEY_WORDS}\n\n{LIBRARY_FORM}", encoding="utf-8"
    )
    return folder


def fingerprints(folder: Path) -> dict[str, str]:
    """Every file under `folder` and a hash of its bytes."""
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }
