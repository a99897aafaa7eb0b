"""What the themes pages show around their content: labels of the representations and
fields, each set's title, addresses, breadcrumbs, and the representation options offered.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import reverse

from ...publish.consultation import Consultation
from ..models import Theme, ThemeRun
from ..themes import embedding
from ..themes.engine import representations
from ..themes.sentence_vectors import SENTENCE
from .workspace import workspace_context

# What analysts read about the ways of reading answers: plain words, not the methods' names
# (`representations.describe` names them, for operators at the command line).
REPRESENTATION_LABELS = {
    "tfidf": "By the words they use",
    "static": "By meaning, quickly",
    "sentence": "By meaning, most closely",
}
REPRESENTATION_HINTS = {
    "tfidf": "Groups answers that use the same words and phrases. Always available.",
    "static": "Also groups answers that say the same thing in different words. Fast.",
    "sentence": "Reads each answer as a whole sentence: the closest grouping, and the slowest.",
}
NOT_SET_UP = (
    "Not set up on this server. Whoever runs the server can set it up: see “Themes in the "
    "free text” in the documentation."
)
FIELD_LABELS = {
    "": "All their free text",
    "summary": "Summaries of page feedback",
    "details": "Details of page feedback",
    "comments": "Comments on the main questionnaire",
}


def themes_context(
    request: HttpRequest, consultation: Consultation, trail: list[tuple[str, str]], **extra: Any
) -> dict[str, Any]:
    """A themes page's context: the workspace's, with the Themes tab current."""
    return workspace_context(request, consultation, current="themes", trail=trail, **extra)


def run_or_404(slug: str, run_id: int) -> ThemeRun:
    return get_object_or_404(ThemeRun, consultation=slug, pk=run_id)


def theme_or_404(run: ThemeRun, theme_id: int) -> Theme:
    return get_object_or_404(Theme, run=run, pk=theme_id)


def run_url(run: ThemeRun, anchor: str = "") -> str:
    url = reverse("analyse:themes-run", args=[run.consultation, run.pk])
    return url + (f"#{anchor}" if anchor else "")


def theme_url(theme: Theme) -> str:
    return reverse("analyse:themes-theme", args=[theme.run.consultation, theme.run_id, theme.pk])


def run_trail(run: ThemeRun, last: str = "") -> list[tuple[str, str]]:
    """The breadcrumbs below the consultation: Themes, the set, and `last` (this page)."""
    themes_list = ("Themes", reverse("analyse:themes", args=[run.consultation]))
    if not last:
        return [themes_list, (run_title(run), "")]
    return [themes_list, (run_title(run), run_url(run)), (last, "")]


def run_title(run: ThemeRun) -> str:
    return f"Set {run.pk}"


# Agreement (adjusted Rand index) from which a grouping is called stable, or fairly stable.
STABLE, FAIRLY_STABLE = 0.8, 0.5


def stability_words(run: ThemeRun) -> str:
    """How stable the run's themes are, in plain words ("" if it was not measured)."""
    if run.stability is None:
        return ""
    agreement = f"{run.stability:.2f}"
    if run.stability >= STABLE:
        verdict = "Stable: grouping the answers again from other starting points gives nearly"
        verdict += " the same themes"
    elif run.stability >= FAIRLY_STABLE:
        verdict = "Fairly stable: grouping again gives mostly the same themes, but the"
        verdict += " smaller ones can change; check them before relying on them"
    else:
        verdict = "Unstable: grouping again gives noticeably different themes. Treat them as"
        verdict += " a first view, and merge, split or rename them as you read"
    return (
        f"{verdict} (agreement {agreement}, on a scale from 0, no better than chance, "
        "to 1, the same)."
    )


def representation_options(chosen: str = "") -> list[dict[str, Any]]:
    reasons = embedding.availability()
    return [
        {
            "value": name,
            "label": REPRESENTATION_LABELS[name],
            "hint": REPRESENTATION_HINTS[name],
            "reason": NOT_SET_UP if reasons.get(name) else None,
            "checked": name == chosen,
        }
        for name in representations.NAMES
    ]


def read_with_words(representation: str) -> str:
    """How the machine read the answers it assigned, as a phrase: "answers read by meaning,
    most closely"."""
    label = REPRESENTATION_LABELS.get(representation, representation)
    return f"answers read {label[:1].lower()}{label[1:]}"


def closer_reading_note(representation: str) -> str:
    """What to do when the machine assigned without the sentence model this server has: its
    vectors are still being made in the background (themes.sentence_vectors)."""
    if representation == SENTENCE or embedding.availability().get(SENTENCE):
        return ""
    return (
        " A closer reading of the answers is being prepared in the background: assign again "
        "in a few minutes to use it."
    )


def default_representation() -> str:
    reasons = embedding.availability()
    return "static" if reasons.get("static") is None else "tfidf"
