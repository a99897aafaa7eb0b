"""Saving a response's themes on its page marks it coded, whether the machine's themes are
changed or kept, keeps the list's query, and offers the theme chooser its keyboard shortcut."""

from __future__ import annotations

import pytest
from django.urls import reverse

from soundingboard.analyse.models import Review, ReviewChange, Theme, ThemeAssignment
from soundingboard.analyse.themes import assignment
from tests.analyse.conftest import SLUG

from .workspace_data import (  # noqa: F401
    ana_fixture,
    analyst_fixture,
    answers_fixture,
    draft_run,
    served_fixture,
)

pytestmark = pytest.mark.django_db


def test_saving_themes_marks_the_response_coded_and_keeps_the_list(analyst, answers, ana, served):
    run = draft_run(ana[0], served)
    assignment.confirm(ana[0], served, run)
    first, second = list(run.themes.exclude(key=Theme.OTHER).order_by("position"))[:2]
    one, other = [a.response for a in ThemeAssignment.objects.filter(theme=first, rank=1)[:2]]
    page = reverse("analyse:response", args=[SLUG, one.reference])
    text = analyst.get(page + "?sort=oldest").content.decode()
    assert (
        'data-shortcut="h"' in text
        and '<input type="hidden" name="list" value="sort=oldest">' in text
    )

    correct = reverse("analyse:themes-correct", args=[SLUG, run.pk, one.reference])
    reply = analyst.post(
        correct, {"main": second.pk, "second": "", "back": "response", "list": "sort=oldest"}
    )
    assert reply["Location"] == page + "?sort=oldest#themes"
    assert Review.objects.get(response=one).state == "coded"
    change = ReviewChange.objects.get(response=one)
    assert (change.after, change.via, change.username) == (
        "coded",
        f"Themes corrected in set {run.pk}",
        "ana",
    )

    # Keeping the machine's themes is coding too (the person's row then replaces the
    # machine's, so it counts as a correction).
    correct = reverse("analyse:themes-correct", args=[SLUG, run.pk, other.reference])
    had = assignment.themes_of(run, [other.pk])[other.pk]
    kept = had[2].theme_id if had.get(2) and had[2].theme_id else ""
    analyst.post(correct, {"main": first.pk, "second": kept, "back": "response"})
    assert Review.objects.get(response=other).state == "coded"
    assert ReviewChange.objects.get(response=other).via.startswith("Themes ")
