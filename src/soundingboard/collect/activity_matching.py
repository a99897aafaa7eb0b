"""Matching ticked activities and scored ideas, as another site sent them, to the questionnaire.

The original site kept its list of activities twice, by hand, and the copies drifted: group
names differ ("Procurement and configuration" for "Making sense of case management systems")
and activity texts differ in punctuation ("eg-" for "e.g.", "LAs" for "local authorities").
So an activity is matched by its own text first, across all ideas, with the group name only
breaking ties; what cannot be matched with confidence is kept as sent, marked unmatched.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from ..publish.settings_schema import IdeaSettings, QuestionnaireSettings
from .storage import Tick

ACTIVITY_CUTOFF = 0.82
IDEA_CUTOFF = 0.8

_REPLACEMENTS = [
    (re.compile(r"\be\.?\s?g\b[.\-,]*"), " eg "),
    (re.compile(r"\blas\b"), " local authorities "),
    (re.compile(r"\bla\b"), " local authority "),
    (re.compile(r"&"), " and "),
    (re.compile(r"[^\w\s]"), " "),
]


def normalise(text: str) -> str:
    """Lower case, British abbreviations spelt out, punctuation and spacing folded."""
    text = text.casefold().replace("’", "'")
    for pattern, replacement in _REPLACEMENTS:
        text = pattern.sub(replacement, text)
    return " ".join(text.split())


@dataclass(frozen=True)
class _Known:
    idea: IdeaSettings
    activity: str
    key: str


class ActivityMatcher:
    """Matches "Group: activity" strings and idea names for one questionnaire."""

    def __init__(self, questionnaire: QuestionnaireSettings):
        self.ideas = questionnaire.ideas
        self._idea_keys = {
            normalise(name): idea for idea in self.ideas for name in (idea.name, *idea.aliases)
        }
        self._activities = [
            _Known(idea, activity, normalise(activity))
            for idea in self.ideas
            for activity in idea.activities
        ]
        self._exact = {(k.idea.name, k.key): k for k in self._activities}
        self._seen: dict[str, Tick] = {}  # the same few strings arrive again and again

    def idea(self, name: str) -> IdeaSettings | None:
        """The idea a name refers to: exactly (after normalising), by an alias, or closely."""
        key = normalise(name)
        if key in self._idea_keys:
            return self._idea_keys[key]
        close = difflib.get_close_matches(key, list(self._idea_keys), n=1, cutoff=IDEA_CUTOFF)
        if close:
            return self._idea_keys[close[0]]
        # A shortened name ("Curating standards") whose words all belong to one idea's name.
        words = set(key.split())
        if len(words) >= 2:
            within = {id(i): i for k, i in self._idea_keys.items() if words <= set(k.split())}
            if len(within) == 1:
                return next(iter(within.values()))
        return None

    def tick(self, raw: str) -> Tick:
        """Match one ticked activity; an unmatched one keeps its text with `matched=False`."""
        if raw not in self._seen:
            if len(self._seen) > 10_000:
                self._seen.clear()
            self._seen[raw] = self._match(raw)
        return self._seen[raw]

    def _match(self, raw: str) -> Tick:
        group, _, text = raw.partition(":") if ":" in raw else ("", "", raw)
        group_idea = self.idea(group) if group.strip() else None
        key = normalise(text)
        if group_idea is not None and (exact := self._exact.get((group_idea.name, key))):
            return Tick(exact.idea.name, exact.activity, raw, matched=True)
        best: tuple[float, _Known] | None = None
        for known in self._activities:
            score = difflib.SequenceMatcher(None, key, known.key).ratio()
            if group_idea is known.idea:
                score += 0.05  # the group name breaks ties between similar activities
            if best is None or score > best[0]:
                best = (score, known)
        if best is not None and best[0] >= ACTIVITY_CUTOFF:
            return Tick(best[1].idea.name, best[1].activity, raw, matched=True)
        return Tick("", "", raw, matched=False)
