"""The main questionnaire's form: built from the consultation's ideas, checked like the rest.

Each idea `n` (counted from 1, in the order of `questionnaire.ideas`) has three fields:
`usefulness-n` and `likelihood-n` (a score from 1 to 5, or nothing) and `activities-n` (the
names of the activities ticked). Then come `nature`, `comments` and, unless the respondent is
remembered from earlier in their visit, the same "about you" fields as the per-page form.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms

from ..publish.consultation import Consultation
from ..publish.settings_schema import IdeaSettings, QuestionnaireSettings
from .forms import HiddenTextField, OverallCommentsForm
from .limits import LIMITS
from .storage import ContactDetails, Score, Tick

SCORES = range(1, 6)


@dataclass(frozen=True)
class IdeaAnswer:
    """What one respondent said about one idea, ready to show or store."""

    number: int
    idea: IdeaSettings
    usefulness: int | None
    likelihood: int | None
    activities: list[str]


def score_label(score: int, settings: QuestionnaireSettings) -> str:
    """How a score is shown: "1 (Not at all)", "2" … "5 (Very)"."""
    if score == SCORES[0]:
        return f"{score} ({settings.scale_low})"
    if score == SCORES[-1]:
        return f"{score} ({settings.scale_high})"
    return str(score)


def _score_field(message: str, settings: QuestionnaireSettings) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        required=False,
        choices=[(s, score_label(s, settings)) for s in SCORES],
        coerce=int,
        empty_value=None,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": message},
    )


class QuestionnaireForm(OverallCommentsForm):
    """The main questionnaire. Everything is optional except the role (when it is asked)."""

    token = HiddenTextField(max_length=200)

    def __init__(
        self, *args: Any, consultation: Consultation, ask_about_you: bool = True, **kwargs: Any
    ):
        super().__init__(*args, consultation=consultation, ask_about_you=ask_about_you, **kwargs)
        settings = consultation.settings.questionnaire
        if settings is None:
            raise ValueError(f"{consultation.slug} has no questionnaire")
        self.settings = settings
        # The ideas' fields go first, in the order people meet them on the page.
        idea_fields: dict[str, forms.Field] = {}
        for number, idea in enumerate(settings.ideas, start=1):
            name = idea.name
            idea_fields[f"usefulness-{number}"] = _score_field(
                f"Select a usefulness score from 1 to 5 for “{name}”", settings
            )
            idea_fields[f"likelihood-{number}"] = _score_field(
                f"Select a likelihood score from 1 to 5 for “{name}”", settings
            )
            idea_fields[f"activities-{number}"] = forms.MultipleChoiceField(
                required=False,
                choices=[(a, a) for a in idea.activities],
                widget=forms.CheckboxSelectMultiple,
                error_messages={
                    "invalid_choice": f"Select activities for “{name}” from the list",
                    "invalid_list": f"Select activities for “{name}” from the list",
                },
            )
        self.fields = {**idea_fields, **self.fields}

    # What the templates show, one group of fields per idea.

    def idea_groups(self) -> list[dict[str, object]]:
        groups = []
        for number, idea in enumerate(self.settings.ideas, start=1):
            group: dict[str, object] = {"number": number, "idea": idea, "key": f"idea-{number}"}
            for kind in ("usefulness", "likelihood", "activities"):
                group[kind] = self[f"{kind}-{number}"]
            groups.append(group)
        return groups

    # The answers of a checked form (or, after a failed check, those parts that passed).

    def answers(self) -> list[IdeaAnswer]:
        data = getattr(self, "cleaned_data", None) or {}
        return [
            IdeaAnswer(
                number=number,
                idea=idea,
                usefulness=data.get(f"usefulness-{number}"),
                likelihood=data.get(f"likelihood-{number}"),
                activities=list(data.get(f"activities-{number}") or []),
            )
            for number, idea in enumerate(self.settings.ideas, start=1)
        ]

    def scores(self) -> list[Score]:
        """One score for each idea given at least one score."""
        return [
            Score(a.idea.name, a.usefulness, a.likelihood)
            for a in self.answers()
            if a.usefulness is not None or a.likelihood is not None
        ]

    def ticks(self) -> list[Tick]:
        """One tick for each activity ticked, matched to the consultation's own names."""
        return [
            Tick(a.idea.name, activity, raw=f"{a.idea.name}: {activity}"[: LIMITS["tick"]])
            for a in self.answers()
            for activity in a.activities
        ]

    def contact(self) -> ContactDetails:
        return self.contact_details()

    def carried_fields(self) -> list[tuple[str, str]]:
        """(name, value) of every answer, as hidden inputs that carry them to the next step."""
        pairs: list[tuple[str, str]] = []
        data = self.cleaned_data
        for name in self.fields:
            value = data.get(name)
            if value in (None, "", []):
                continue
            for item in value if isinstance(value, list) else [value]:
                pairs.append((name, str(item)))
        if self.ask_about_you:
            pairs.append(("about_you", "1"))
        return pairs

    def as_initial(self) -> dict[str, object]:
        """The checked answers, to fill in the form again."""
        return {k: v for k, v in self.cleaned_data.items() if v not in (None, "", [])}
