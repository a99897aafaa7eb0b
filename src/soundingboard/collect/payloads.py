"""Submissions in the original site's JSON shape, checked with the HTML forms' own rules.

The intake API and the spreadsheet import both receive what the original site sent:
`{"tab": "Feedback", ...}` for feedback on a page and `{"tab": "MainFeedback", ...}` for the
main questionnaire. This module turns one such payload into a `Submission` ready to store, or
a `PayloadError` whose messages are the same as the web forms show, keyed by the payload's
own field names.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import (
    EmailValidator,
    MaxLengthValidator,
    ProhibitNullCharactersValidator,
)

from ..core.forms import TextField, VisibleMinLengthValidator
from ..core.text import clean_text, visible_length
from ..publish.consultation import Consultation
from .activity_matching import ActivityMatcher
from .forms import OverallCommentsForm, PageFeedbackForm, quote_answer
from .limits import LIMITS
from .models import Response
from .page_addresses import PageMatch, match_page
from .spam import HONEYPOT_FIELD, honeypot_reason
from .storage import ContactDetails, Score, Tick, store_response

PAGE_FEEDBACK_TAB = "Feedback"
QUESTIONNAIRE_TAB = "MainFeedback"
TEXT_FIELDS = {
    PAGE_FEEDBACK_TAB: (
        "page",
        "summary",
        "details",
        "role",
        "org",
        "email",
        "nature",
        "may_quote",
    ),
    QUESTIONNAIRE_TAB: (
        *("page", "role", "org", "email", "section", "nature", "comments", "may_quote"),
    ),
}
# The payload calls the organisation `org`; the forms call it `organisation`.
FORM_NAMES = {"org": "organisation"}
PAYLOAD_NAMES = {v: k for k, v in FORM_NAMES.items()}
SCORE_MESSAGE = "Scores must be whole numbers from 1 to 5"
# Scores for idea names that match none of the consultation's ideas are kept as sent, in one
# field of the response (`Response.unmatched_ideas`), up to these limits: enough for an older
# site's hand-kept list of names, too few for invented names to swamp the analysis.
MAX_UNMATCHED_IDEAS = 20
MAX_UNMATCHED_IDEA_NAME = LIMITS["option"]
TOO_MANY_UNMATCHED = (
    f"rank_usefulness and rank_likelihood may name at most {MAX_UNMATCHED_IDEAS} ideas "
    "that are not this consultation's own"
)
UNMATCHED_TOO_LONG = (
    f"Idea names that are not this consultation's own must be {MAX_UNMATCHED_IDEA_NAME} "
    "characters or fewer"
)


# The form fields a payload's text can fill (`_form_data`): the forms' others never get a value.
_GIVEN = {tab: frozenset(FORM_NAMES.get(n, n) for n in names) for tab, names in TEXT_FIELDS.items()}


class PayloadError(Exception):
    """A payload that cannot be accepted, with messages for each field at fault."""

    def __init__(self, errors: dict[str, list[str]]):
        self.errors = errors
        super().__init__("; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items()))


@dataclass
class Submission:
    """A checked payload, ready to store."""

    fields: dict[str, Any]
    contact: ContactDetails | None
    scores: list[Score] = field(default_factory=list)
    ticks: list[Tick] = field(default_factory=list)

    def store(
        self, *, token: str | None, submitted_at: dt.datetime | None = None, body_hash: str = ""
    ) -> tuple[Response, bool]:
        fields = dict(self.fields)
        if submitted_at is not None:
            fields["submitted_at"] = submitted_at
        if body_hash:
            fields["body_hash"] = body_hash
        return store_response(
            fields, token=token, contact=self.contact, scores=self.scores, ticks=self.ticks
        )


_matchers: dict[int, ActivityMatcher] = {}


def _matcher(consultation: Consultation) -> ActivityMatcher:
    questionnaire = consultation.settings.questionnaire
    assert questionnaire is not None
    key = id(questionnaire)
    if key not in _matchers:
        _matchers[key] = ActivityMatcher(questionnaire)
    return _matchers[key]


# A bulk checker remembers at most this many different values of a choice or a page address.
MAX_REMEMBERED = 2_000


# What a quick check returns when it cannot vouch for a value: the field itself must say.
ASK_THE_FIELD: Any = object()
_LENGTH_VALIDATORS = (
    MaxLengthValidator,
    VisibleMinLengthValidator,
    ProhibitNullCharactersValidator,
)


# Addresses that Django's `EmailValidator` accepts, and that are quicker to tell: a user part
# of dot-separated runs of letters, digits and `_%+-`; a domain of labels of letters, digits
# and inner hyphens (at most 63 characters), ending in a top-level domain of letters alone.
# Anything else (quoted user parts, other characters, an address in brackets, `localhost`) is
# left to the validator.
QUICK_EMAIL = re.compile(
    r"[A-Za-z0-9_%+\-]+(?:\.[A-Za-z0-9_%+\-]+)*"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}"
)
_EMAIL_VALIDATORS = (EmailValidator, MaxLengthValidator, ProhibitNullCharactersValidator)


def quick_check(form_field: forms.Field) -> Callable[[Any], Any] | None:
    """For a text field, a check that gives the cleaned value the field's own `clean()` gives
    for every value it accepts, at a fraction of the cost (no exceptions, no validator
    objects), or `ASK_THE_FIELD` for anything else: empty when required, too long, too short,
    not text. So an accepted value is cleaned the same, and a refused one gets the field's own
    messages. None for fields it does not know (their `clean()` is used for every value)."""
    if type(form_field) is TextField and form_field.strip and form_field.empty_value == "":
        if not all(type(v) in _LENGTH_VALIDATORS for v in form_field.validators):
            return None
        required = form_field.required
        # The validators' own limits (those max_length and min_length made, and any other).
        limits = [v.limit_value for v in form_field.validators if type(v) is MaxLengthValidator]
        longest = min(limits) if limits else None
        shortest = max(
            [v.limit_value for v in form_field.validators if type(v) is VisibleMinLengthValidator],
            default=0,
        )

        def text_check(value: Any) -> Any:
            if value is None or value == "":
                return ASK_THE_FIELD if required else ""
            if type(value) is not str:
                return ASK_THE_FIELD
            text = clean_text(value.strip())  # as CharField.to_python, then TextField's
            if not text:
                return ASK_THE_FIELD if required else ""
            if longest is not None and len(text) > longest:
                return ASK_THE_FIELD
            # Nothing the null-character check refuses is left: clean_text drops it.
            if shortest and visible_length(text) < shortest:
                return ASK_THE_FIELD
            return text

        return text_check
    if (
        type(form_field) is forms.EmailField
        and not form_field.required
        and form_field.strip
        and form_field.empty_value == ""
        and all(type(v) in _EMAIL_VALIDATORS for v in form_field.validators)
    ):
        # An optional address: one that passes a stricter test than Django's validator
        # (`QUICK_EMAIL`, plain ASCII, tests/collect/test_payload_checker.py), within the
        # field's limits, is accepted as the field would; anything else goes to the field.
        limits = [v.limit_value for v in form_field.validators if type(v) is MaxLengthValidator]
        longest = min(limits, default=320)
        quick = QUICK_EMAIL.fullmatch

        def email_check(value: Any) -> Any:
            if value is None or value == "":
                return ""
            if type(value) is not str:
                return ASK_THE_FIELD
            text = value.strip()  # as CharField.to_python
            if not text:
                return ""
            if len(text) <= longest and quick(text):
                return text
            return ASK_THE_FIELD

        return email_check
    if (
        type(form_field) in (forms.CharField, forms.EmailField)
        and isinstance(form_field, forms.CharField)
        and not form_field.required
    ):
        # Any other optional text field (the email address): only its empty value is quick.
        empty = form_field.empty_value

        def empty_check(value: Any) -> Any:
            return empty if value is None or value == "" else ASK_THE_FIELD

        return empty_check
    return None


class FieldRules:
    """A form's checks, run field by field with the form's own fields and messages, without
    making a form for each payload (a tenth of a millisecond each: too slow for an import of
    100,000 rows). The forms here have no `clean_<field>()` or `clean()` of their own, so
    the fields' checks are the whole form's (tests/collect/test_payload_checker.py compares).

    A text field's value is checked first by its `quick_check()`, the field's own `clean()`
    asked only for a value that check cannot vouch for (and so for every message).

    With `remember=True` (imports), what a choice field made of a value is remembered, as a
    file repeats a few roles and natures many times, and so is what an empty field makes."""

    def __init__(
        self, form: forms.Form, *, remember: bool, given: Collection[str] | None = None
    ) -> None:
        self.fields = dict(form.fields)  # made by the form, so its messages are complete
        self.remember = remember
        # Per field: value -> (cleaned value, or None and its messages).
        self.remembered: dict[str, dict[str | None, tuple[Any, list[str] | None]]] = {
            name: {} for name in self.fields
        }
        # `given`: the only names the data ever holds (a payload's). What each other field
        # makes of no value is worked out once, if it accepts it (they all do).
        self.absent: dict[str, Any] = {}
        if given is not None:
            for name, form_field in self.fields.items():
                # One that refuses it is checked each time, so its message comes in its place.
                if name not in given:
                    with contextlib.suppress(ValidationError):
                        self.absent[name] = form_field.clean(None)
        self.checks = [
            (name, form_field, quick_check(form_field), self.remembered[name])
            for name, form_field in self.fields.items()
            if name not in self.absent
        ]

    def clean(self, data: Mapping[str, str]) -> tuple[dict[str, Any], dict[str, list[str]]]:
        """The cleaned values, and each field's messages (as `form.errors` would have them)."""
        cleaned: dict[str, Any] = self.absent.copy()
        errors: dict[str, list[str]] = {}
        for name, form_field, quick, memory in self.checks:
            value = data.get(name)
            if quick is not None:
                result = quick(value)
                if result is not ASK_THE_FIELD:
                    cleaned[name] = result
                    continue
            known = memory.get(value)
            if known is not None:
                result, messages = known
            else:
                try:
                    result, messages = form_field.clean(value), None
                except ValidationError as error:
                    result, messages = None, list(error.messages)
                # Empty values of any field, and the few values of a choice field.
                if (
                    self.remember
                    and len(memory) < MAX_REMEMBERED
                    and (not value or isinstance(form_field, forms.ChoiceField))
                ):
                    memory[value] = (result, messages)
            if messages is None:
                cleaned[name] = result
            else:
                errors[name] = messages
        return cleaned, errors


class PayloadChecker:
    """Checks payloads for one consultation. `remember=True` (for an import, which checks
    many) keeps what it worked out about repeated values: choices and page addresses."""

    def __init__(self, consultation: Consultation, *, remember: bool = False):
        self.consultation = consultation
        self.remember = remember
        self.pages: dict[str, PageMatch] | None = {} if remember else None
        self.commons: dict[tuple[str, str, str], dict[str, Any]] | None = {} if remember else None

    # Made on first use: the intake API makes a checker for each payload and needs only one.
    @functools.cached_property
    def page_rules(self) -> FieldRules:
        form = PageFeedbackForm(consultation=self.consultation)
        return FieldRules(form, remember=self.remember, given=_GIVEN[PAGE_FEEDBACK_TAB])

    @functools.cached_property
    def comments_rules(self) -> FieldRules:
        form = OverallCommentsForm(consultation=self.consultation)
        return FieldRules(form, remember=self.remember, given=_GIVEN[QUESTIONNAIRE_TAB])

    def match(self, address: str) -> PageMatch:
        pages = self.pages
        if pages is None:
            return match_page(self.consultation, address)
        found = pages.get(address)
        if found is None:
            found = match_page(self.consultation, address)
            if len(pages) < MAX_REMEMBERED:
                pages[address] = found
        return found

    def common(self, address: str, spam_reason: str, channel: str) -> dict[str, Any]:
        """The fields every kind of response has: the page sent from, spam or not. A new
        dict each time (the caller changes it), made from one remembered when remembering."""
        memory = self.commons
        key = (address, spam_reason, channel)
        if memory is not None and (known := memory.get(key)) is not None:
            return known.copy()
        match = self.match(address)
        made: dict[str, Any] = {
            "consultation": self.consultation.slug,
            # Choices as their text, not their enums: stored and compared alike, and an
            # import's checked fields cross to its storing process by pickle, in which an
            # enum costs many times what its text does (row_import._packed).
            "channel": str(channel),
            "status": str(Response.Status.SPAM if spam_reason else Response.Status.ACCEPTED),
            "spam_reason": spam_reason,
            "page_path": match.page.path if match.page else match.address[: LIMITS["page_path"]],
            "page_matched": match.page is not None,
            "page_title": match.page.title[: LIMITS["title"]] if match.page else "",
            "section_id": match.section.id if match.section else "",
            "section_title": match.section.text[: LIMITS["title"]] if match.section else "",
        }
        if memory is not None and len(memory) < MAX_REMEMBERED:
            memory[key] = made.copy()
        return made

    def check(self, payload: Any, channel: str = Response.Channel.API) -> Submission:
        """Check one payload; raise PayloadError with every problem found."""
        return _submission(self, payload, channel)


def submission_from_payload(
    consultation: Consultation, payload: Any, channel: str = Response.Channel.API
) -> Submission:
    """Check one payload; raise PayloadError with every problem found."""
    return PayloadChecker(consultation).check(payload, channel)


def _submission(checker: PayloadChecker, payload: Any, channel: str) -> Submission:
    consultation = checker.consultation
    if not isinstance(payload, Mapping):
        raise PayloadError({"": ["Send a JSON object"]})
    tab = payload.get("tab")
    if not isinstance(tab, str) or tab not in TEXT_FIELDS:
        raise PayloadError({"tab": [f'tab must be "{PAGE_FEEDBACK_TAB}" or "{QUESTIONNAIRE_TAB}"']})
    errors: dict[str, list[str]] = {}
    text = _text_fields(payload, TEXT_FIELDS[tab], errors)
    spam_reason = honeypot_reason(payload.get(HONEYPOT_FIELD))
    common = checker.common(text.get("page", ""), spam_reason, channel)
    if tab == PAGE_FEEDBACK_TAB:
        cleaned, submission = _checked(
            checker.page_rules, _form_data(text), errors, common, kind=Response.Kind.PAGE
        )
        if submission:
            submission.fields.update(summary=cleaned["summary"], details=cleaned["details"])
            return submission
    else:
        if consultation.settings.questionnaire is None:
            raise PayloadError({"tab": ["This consultation has no main questionnaire"]})
        scores, unmatched_ideas = _scores(consultation, payload, errors)
        ticks = _ticks(consultation, payload.get("activities"), errors)
        section = text.get("section", "")
        if len(section) > LIMITS["title"]:
            errors["section"] = [f"section must be {LIMITS['title']} characters or fewer"]
        common.update(kind=Response.Kind.QUESTIONNAIRE)
        if section and not common["section_title"]:
            common["section_title"] = section
        cleaned, submission = _checked(
            checker.comments_rules,
            _form_data(text),
            errors,
            common,
            kind=Response.Kind.QUESTIONNAIRE,
        )
        if submission:
            submission.fields.update(comments=cleaned["comments"])
            submission.fields.update(
                unmatched_ideas=[{"idea": name, **s} for name, s in unmatched_ideas.items()] or None
            )
            submission.scores, submission.ticks = scores, ticks
            return submission
    raise PayloadError(errors)


def _text_fields(
    payload: Mapping[str, Any], names: tuple[str, ...], errors: dict[str, list[str]]
) -> dict[str, str]:
    text: dict[str, str] = {}
    for name in names:
        value = payload.get(name)
        if value is None:
            continue
        # Most cells of a file: empty, or plain text with nothing to clean (printable text
        # holds no control character or surrogate: as clean_text and _encodable would say).
        if value == "" or (type(value) is str and value.isprintable()):
            text[name] = value
            continue
        if not isinstance(value, str):
            errors[name] = [f"{name} must be text"]
            continue
        if not _encodable(value):
            errors[name] = [f"{name} contains characters that are not valid text"]
            continue
        text[name] = clean_text(value)  # as the forms clean theirs: also what is kept as sent
    return text


def _form_data(text: dict[str, str]) -> dict[str, str]:
    return {FORM_NAMES.get(name, name): value for name, value in text.items()}


def _checked(
    rules: FieldRules,
    data: dict[str, str],
    errors: dict[str, list[str]],
    common: dict[str, Any],
    *,
    kind: str,
) -> tuple[dict[str, Any], Submission | None]:
    cleaned, field_errors = rules.clean(data)
    for name, messages in field_errors.items():
        errors.setdefault(PAYLOAD_NAMES.get(name, name), []).extend(messages)
    if errors:
        return cleaned, None
    contact = ContactDetails(cleaned.get("email", ""), cleaned.get("organisation", ""))
    fields = {**common, "kind": str(kind), "role": cleaned["role"], "nature": cleaned["nature"]}
    if "may_quote" in rules.fields:
        fields["may_quote"] = quote_answer(cleaned.get("may_quote"))
    return cleaned, Submission(fields=fields, contact=contact or None)


def _scores(
    consultation: Consultation, payload: Mapping[str, Any], errors: dict[str, list[str]]
) -> tuple[list[Score], dict[str, dict[str, int | None]]]:
    """The scores of the consultation's ideas, and those of names that match none of them
    (`{name as sent: {"usefulness": score or None, "likelihood": ...}}`)."""
    matcher = _matcher(consultation)
    by_idea: dict[str, dict[str, int]] = {}
    unmatched: dict[str, dict[str, int | None]] = {}
    for measure in ("usefulness", "likelihood"):
        name = f"rank_{measure}"
        given = payload.get(name)
        if given is None or given == "":
            continue
        if not isinstance(given, Mapping):
            errors[name] = [f"{name} must be an object of idea names and scores"]
            continue
        for idea_name, value in given.items():
            if not _encodable(str(idea_name)):
                errors.setdefault(name, []).append("Idea names must be valid text")
                continue
            score = _score(value)
            if score is None:
                errors.setdefault(name, []).append(f"{SCORE_MESSAGE} (“{idea_name}”)")
                continue
            idea = matcher.idea(str(idea_name))
            if idea is not None:
                by_idea.setdefault(idea.name, {})[measure] = score
                continue
            sent = clean_text(str(idea_name))
            if len(sent) > MAX_UNMATCHED_IDEA_NAME:
                _add_once(errors, name, UNMATCHED_TOO_LONG)
            elif sent not in unmatched and len(unmatched) >= MAX_UNMATCHED_IDEAS:
                _add_once(errors, name, TOO_MANY_UNMATCHED)
            else:
                unmatched.setdefault(sent, {"usefulness": None, "likelihood": None})[measure] = (
                    score
                )
    scores = [Score(idea, s.get("usefulness"), s.get("likelihood")) for idea, s in by_idea.items()]
    return scores, unmatched


def _add_once(errors: dict[str, list[str]], name: str, message: str) -> None:
    if message not in errors.setdefault(name, []):
        errors[name].append(message)


def _score(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return value if isinstance(value, int) and 1 <= value <= 5 else None


def _ticks(consultation: Consultation, given: Any, errors: dict[str, list[str]]) -> list[Tick]:
    if given is None or given == "":
        return []
    if not isinstance(given, list) or not all(
        isinstance(item, str) and _encodable(item) for item in given
    ):
        errors["activities"] = ["activities must be a list of text"]
        return []
    if len(given) > 200:
        errors["activities"] = ["activities must list 200 activities or fewer"]
        return []
    matcher = _matcher(consultation)
    ticks: dict[str, Tick] = {}
    for raw in given:
        if len(raw) > LIMITS["tick"]:
            errors["activities"] = [f"Each activity must be {LIMITS['tick']} characters or fewer"]
            return []
        tick = matcher.tick(clean_text(raw).strip())
        ticks.setdefault(f"{tick.idea}\0{tick.activity}" if tick.matched else raw, tick)
    return list(ticks.values())


def _encodable(text: str) -> bool:
    """False for text with lone surrogates, which JSON allows but no database can store."""
    if text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
