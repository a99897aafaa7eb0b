"""The per-page feedback form: its fields, limits and the messages people see.

The wording of every message follows the GOV.UK Design System's error message patterns, and
matches what the docs say about each field.
"""

from __future__ import annotations

import copy
import functools
import re
import unicodedata
from collections.abc import Iterator

from django import forms
from django.core.validators import MinLengthValidator
from django.utils.choices import BaseChoiceIterator

from ..publish.consultation import Consultation
from .limits import LIMITS, SUMMARY_MIN_LENGTH

# Unicode's control characters (category Cc) but line feed and tab, and lone surrogates (Cs).
# A carriage return is dropped, so CR LF becomes a line feed.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")


def clean_text(value: str) -> str:
    """Drop control characters other than line breaks and tabs; they are never meant."""
    return _CONTROL.sub("", value)


# Characters that show nothing: spaces and line breaks, control and format characters (such
# as the zero-width space U+200B and the bidirectional controls), and letters and symbols
# drawn blank (the Hangul fillers and the blank Braille pattern).
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zs", "Zl", "Zp"})
_BLANK_GLYPHS = frozenset("\u115f\u1160\u3164\uffa0\u2800")


def is_visible(char: str) -> bool:
    """Whether one character shows something on the screen."""
    return not (
        char.isspace()
        or unicodedata.category(char) in _INVISIBLE_CATEGORIES
        or char in _BLANK_GLYPHS
    )


def visible_length(text: str) -> int:
    """The characters of a text that show something: what a minimum length counts, so that
    six zero-width spaces are not a summary. The text itself is kept as it was sent."""
    return sum(1 for char in text if is_visible(char))


@functools.cache
def invisible_characters_class() -> str:
    """The characters `is_visible` refuses, as the inside of a regular expression's [...]
    (for the OpenAPI description). Planes 0, 1 and 14 hold every one of them."""
    ranges: list[list[int]] = []
    for point in (*range(0x20000), *range(0xE0000, 0xF0000)):
        if not is_visible(chr(point)):
            if ranges and ranges[-1][1] == point - 1:
                ranges[-1][1] = point
            else:
                ranges.append([point, point])

    def escaped(point: int) -> str:
        return f"\\u{point:04x}" if point <= 0xFFFF else chr(point)

    return "".join(escaped(a) if a == b else f"{escaped(a)}-{escaped(b)}" for a, b in ranges)


class VisibleMinLengthValidator(MinLengthValidator):
    """A minimum length that counts only the characters that show (`visible_length`)."""

    def clean(self, x: str) -> int:
        return visible_length(x)


class TextField(forms.CharField):
    """A CharField that removes control characters before checking lengths; its minimum
    length, if any, counts only the characters that show."""

    def __init__(self, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(**kwargs)
        self.validators = [
            VisibleMinLengthValidator(v.limit_value) if type(v) is MinLengthValidator else v
            for v in self.validators
        ]

    def to_python(self, value):  # type: ignore[no-untyped-def]
        return clean_text(super().to_python(value))


class HiddenTextField(forms.CharField):
    """A value the page fills in itself (the form's token, a section's id). One that was
    tampered with is not the respondent's mistake, so it is never an error shown to them:
    text over `max_length`, or with control characters, counts as not sent."""

    def __init__(self, *, max_length: int, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(required=False, widget=forms.HiddenInput, **kwargs)
        self.limit = max_length

    def clean(self, value):  # type: ignore[no-untyped-def]
        text = value if isinstance(value, str) else ""
        return text if len(text) <= self.limit and clean_text(text) == text else ""


def _too_long(name: str, limit: int) -> str:
    return f"{name} must be {limit:,} characters or fewer"


class OptionChoices(BaseChoiceIterator):
    """A consultation's options as choices, each its own label, with each option found by its
    forgiving key (`by_key`). Made with the shared fields (`fields_for`); Django takes choices
    of this kind as they are."""

    def __init__(self, options: tuple[str, ...]) -> None:
        self.pairs = tuple((option, option) for option in options)
        self.by_key = {_option_key(option): option for option in reversed(options)}

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return iter(self.pairs)

    def __len__(self) -> int:
        return len(self.pairs)


class OptionChoiceField(forms.ChoiceField):
    """A choice among a consultation's options that forgives how an apostrophe was typed.
    Its choices are `OptionChoices`, given by `fields_for`."""

    def to_python(self, value):  # type: ignore[no-untyped-def]
        text = super().to_python(value).strip()
        return self.choices.by_key.get(_option_key(text), text)


def _option_key(text: str) -> str:
    return " ".join(text.replace("’", "'").replace("‘", "'").casefold().split())


EMAIL_FORMAT = "Enter an email address in the correct format, like name@example.com"


class SharedFields(dict):
    """A form's fields, made once and shared by every form made like it.

    Django deep-copies a form's fields for every form it makes, so that one form may change
    its own; that copy was a tenth of the time the intake API takes for a submission. These
    forms never change a field after `fields_for` makes it (they only leave some out), so a
    form gets a new dict of the same field objects instead."""

    def __deepcopy__(self, memo: dict[int, object]) -> dict[str, forms.Field]:
        return dict(self)


@functools.lru_cache(maxsize=256)
def fields_for(
    form_class: type[AboutYouForm], natures: tuple[str, ...], roles: tuple[str, ...]
) -> SharedFields:
    """The fields of this form, with these options to choose from; made on first use."""
    fields = SharedFields(copy.deepcopy(form_class.base_fields))
    fields["nature"].choices = OptionChoices(natures)
    fields["role"].choices = OptionChoices(roles)
    return fields


class AboutYouForm(forms.Form):
    """What every kind of response asks: the nature of the feedback and who is giving it.

    With `ask_about_you=False` (the respondent's role is remembered from earlier in their
    visit) role, organisation and email are not asked.
    """

    ABOUT_YOU_FIELDS = ("role", "organisation", "email")

    nature = OptionChoiceField(
        required=False,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": "Select what kind of feedback this is from the list"},
    )
    role = OptionChoiceField(
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select your role",
            "invalid_choice": "Select your role from the list",
        },
    )
    organisation = TextField(
        required=False,
        max_length=LIMITS["organisation"],
        error_messages={"max_length": _too_long("Organisation", LIMITS["organisation"])},
    )
    email = forms.EmailField(
        required=False,
        max_length=LIMITS["email"],
        error_messages={
            "invalid": EMAIL_FORMAT,
            "null_characters_not_allowed": EMAIL_FORMAT,
            "max_length": _too_long("Email address", LIMITS["email"]),
        },
    )

    def __init__(self, *args, consultation: Consultation, ask_about_you: bool = True, **kwargs):
        options = consultation.settings.feedback
        # Django makes self.fields from self.base_fields: this form's shared ones.
        self.base_fields = fields_for(type(self), tuple(options.natures), tuple(options.roles))
        super().__init__(*args, **kwargs)
        self.ask_about_you = ask_about_you
        if not ask_about_you:
            for name in self.ABOUT_YOU_FIELDS:
                del self.fields[name]

    def error_links(self) -> list[tuple[str, str]]:
        """(element id, message) for the error summary, in the order of the fields."""
        links = []
        for name, field in self.fields.items():
            for message in self.errors.get(name, []):
                radios = isinstance(field.widget, forms.RadioSelect | forms.CheckboxSelectMultiple)
                links.append((f"id_{name}_0" if radios else f"id_{name}", message))
        return links


class PageFeedbackForm(AboutYouForm):
    """Feedback on one page, or one section of it."""

    field_order = ["nature", "summary", "details", "role", "organisation", "email"]

    summary = TextField(
        min_length=SUMMARY_MIN_LENGTH,
        max_length=LIMITS["summary"],
        error_messages={
            "required": "Enter a summary of your feedback",
            "min_length": f"Summary must be {SUMMARY_MIN_LENGTH} characters or more",
            "max_length": _too_long("Summary", LIMITS["summary"]),
        },
    )
    details = TextField(
        required=False,
        max_length=LIMITS["details"],
        widget=forms.Textarea,
        error_messages={"max_length": _too_long("Details", LIMITS["details"])},
    )
    section = HiddenTextField(max_length=LIMITS["section_id"])
    token = HiddenTextField(max_length=200)
    # The honeypot (`spam.HONEYPOT_FIELD`) is read from the raw POST, not checked here: a
    # filled honeypot is kept aside as spam, not refused with a message a bot could learn from.


class OverallCommentsForm(AboutYouForm):
    """The parts of the main questionnaire that are not scores or ticks."""

    field_order = ["nature", "comments", "role", "organisation", "email"]

    comments = TextField(
        required=False,
        max_length=LIMITS["comments"],
        widget=forms.Textarea,
        error_messages={"max_length": _too_long("Comments", LIMITS["comments"])},
    )
