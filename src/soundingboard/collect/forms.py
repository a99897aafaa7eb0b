"""The per-page feedback form: its fields, limits and the messages people see.

The wording of every message follows the GOV.UK Design System's error message patterns, and
matches what the docs say about each field.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Iterator
from typing import Any, cast

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils.choices import BaseChoiceIterator

from ..core.forms import GovukForm, HiddenTextField, TextField
from ..publish.consultation import Consultation
from .attachments import kind_of
from .limits import LIMITS, SUMMARY_MIN_LENGTH
from .storage import ContactDetails


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

    def to_python(self, value: Any) -> str:
        text = super().to_python(value).strip()
        choices = cast(OptionChoices, self.choices)  # what fields_for gives every such field
        return choices.by_key.get(_option_key(text), text)


def _option_key(text: str) -> str:
    return " ".join(text.replace("’", "'").replace("‘", "'").casefold().split())


EMAIL_FORMAT = "Enter an email address in the correct format, like name@example.com"
NEED_EMAIL = "Enter your email address, so that we can email you"


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


# The answers to the consent-to-quote question, as the forms and the intake API take them.
QUOTE_ANSWERS = ("yes", "no")


def quote_answer(value: str | None) -> bool | None:
    """What a consent-to-quote answer ("yes", "no" or none) is stored as."""
    return {"yes": True, "no": False}.get(value or "")


class AboutYouForm(GovukForm):
    """What every kind of response asks: the nature of the feedback and who is giving it.

    With `ask_about_you=False` (the respondent's role is remembered from earlier in their
    visit) role, organisation and email are not asked.
    """

    ABOUT_YOU_FIELDS = ("role", "organisation", "email", "notify_when_published")

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

    # Asked only when the consultation sets `quote_consent`; its label is the question.
    may_quote = forms.ChoiceField(
        required=False,
        choices=[(answer, answer.capitalize()) for answer in QUOTE_ANSWERS],
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": "Select yes or no"},
    )
    # "Send me a copy" and "tell me when the results are published": offered only when the
    # site can send email (settings.py).
    send_copy = forms.BooleanField(required=False)
    notify_when_published = forms.BooleanField(required=False)

    def __init__(
        self, *args: Any, consultation: Consultation, ask_about_you: bool = True, **kwargs: Any
    ):
        options = consultation.settings.feedback
        # Django makes self.fields from self.base_fields: this form's shared ones, set on the
        # instance (the stubs allow only the class's).
        fields = fields_for(type(self), tuple(options.natures), tuple(options.roles))
        self.base_fields = fields  # type: ignore[misc]  # the instance's own, as said above
        super().__init__(*args, **kwargs)
        self.ask_about_you = ask_about_you
        if not ask_about_you:
            for name in self.ABOUT_YOU_FIELDS:
                del self.fields[name]
        if not settings.SOUNDINGBOARD_EMAIL_ENABLED:
            for name in ("send_copy", "notify_when_published"):
                self.fields.pop(name, None)
        self.quote_question = consultation.settings.quote_question
        if self.quote_question is None:
            del self.fields["may_quote"]

    def quote_answer(self) -> bool | None:
        """The answer to the consent-to-quote question (on a checked form); None if none."""
        return quote_answer(self.cleaned_data.get("may_quote"))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        wanted = data.get("send_copy") or data.get("notify_when_published")
        asked = wanted and self.ask_about_you and "email" not in self.errors
        if asked and not data.get("email"):
            self.add_error("email", NEED_EMAIL)
        return data

    def contact_details(self) -> ContactDetails:
        """The contact details given (on a checked form that asked about the respondent)."""
        data = self.cleaned_data
        return ContactDetails(
            data.get("email", ""),
            data.get("organisation", ""),
            bool(data.get("notify_when_published")) and bool(data.get("email")),
        )

    def wants_copy(self) -> bool:
        """Whether "send me a copy" was ticked (on a checked form)."""
        return bool(self.cleaned_data.get("send_copy"))


class MultipleFileInput(forms.ClearableFileInput):
    """A file input that takes several files (`multiple` only when more than one may be sent)."""

    allow_multiple_selected = True


class DocumentsField(forms.FileField):
    """Documents attached to a response: a list of uploads, checked by the form (which knows
    the consultation's limits)."""

    def __init__(self, **kwargs: Any):
        kwargs.setdefault("widget", MultipleFileInput)
        super().__init__(**kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        files = data if isinstance(data, list | tuple) else [data]
        return [super(DocumentsField, self).clean(file, initial) for file in files if file]


class PageFeedbackForm(AboutYouForm):
    """Feedback on one page, or one section of it, with documents attached if the
    consultation allows them (`attachments` in consultation.yml)."""

    field_order = [
        *("nature", "summary", "details", "documents", "may_quote"),
        *("role", "organisation", "email", "send_copy", "notify_when_published"),
    ]

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
    documents = DocumentsField(
        required=False,
        error_messages={
            "invalid": "The selected file could not be read; choose it again",
            "empty": "The selected file is empty",
            "missing": "The selected file could not be read; choose it again",
        },
    )
    section = HiddenTextField(max_length=LIMITS["section_id"])
    token = HiddenTextField(max_length=200)

    def __init__(self, *args: Any, consultation: Consultation, **kwargs: Any):
        super().__init__(*args, consultation=consultation, **kwargs)
        self.attachment_limits = consultation.settings.attachments
        if self.attachment_limits.max_files == 0:
            del self.fields["documents"]

    def clean_documents(self) -> list[tuple[UploadedFile, str]]:
        """Each document with its kind (from its content): no more, and none larger, than
        the consultation allows."""
        files: list[UploadedFile] = self.cleaned_data.get("documents") or []
        limits = self.attachment_limits
        if len(files) > limits.max_files:
            if limits.max_files == 1:
                raise forms.ValidationError("Select only one file")
            raise forms.ValidationError(f"Select {limits.max_files} files or fewer")
        checked = []
        for upload in files:
            if upload.size is not None and upload.size > limits.max_mb * 1024 * 1024:
                raise forms.ValidationError(
                    f"“{upload.name}” is too big: the file must be smaller than {limits.max_mb} MB"
                )
            kind = kind_of(upload)
            if kind is None:
                raise forms.ValidationError(f"“{upload.name}” is not a PDF, DOCX or ODT document")
            checked.append((upload, kind))
        return checked

    @property
    def documents_hint(self) -> str:
        """What the upload accepts, in the words of its hint."""
        limits = self.attachment_limits
        files = "one file" if limits.max_files == 1 else f"up to {limits.max_files} files"
        again = " If there is a problem with your answers, you will need to choose it again."
        return f"A PDF, DOCX or ODT document: {files}, each smaller than {limits.max_mb} MB.{again}"

    def checked_documents(self) -> list[tuple[UploadedFile, str]]:
        """The attached documents with their kinds (on a checked form)."""
        return list(self.cleaned_data.get("documents") or [])

    # The honeypot (`spam.HONEYPOT_FIELD`) is read from the raw POST, not checked here: a
    # filled honeypot is kept aside as spam, not refused with a message a bot could learn from.


class OverallCommentsForm(AboutYouForm):
    """The parts of the main questionnaire that are not scores or ticks."""

    field_order = [
        *("nature", "comments", "may_quote", "role", "organisation", "email"),
        *("send_copy", "notify_when_published"),
    ]

    comments = TextField(
        required=False,
        max_length=LIMITS["comments"],
        widget=forms.Textarea,
        error_messages={"max_length": _too_long("Comments", LIMITS["comments"])},
    )
