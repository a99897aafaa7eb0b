"""The base of every GOV.UK form, and the text fields forms share.

`GovukForm` lists its errors for the GOV.UK error summary, each linked to its field;
`TextField` drops control characters before lengths are checked; `HiddenTextField` holds a
value the page fills in itself.
"""

from __future__ import annotations

from collections.abc import Sized
from typing import Any

from django import forms
from django.core.validators import MinLengthValidator

from .text import clean_text, visible_length


class GovukForm(forms.Form):
    """A form whose errors can be listed in a GOV.UK error summary."""

    # The field that errors about the whole form (such as a wrong password) point to.
    non_field_anchor = ""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            # Django's own message for a NUL does not say which field it is about.
            label = field.label or name.replace("_", " ").capitalize()
            field.error_messages.setdefault(
                "null_characters_not_allowed", f"{label} must not include control characters"
            )

    def error_links(self) -> list[tuple[str, str]]:
        """(element id, message) for the error summary, in the order of the fields."""
        # An ErrorList yields its messages as text; str() only tells the checker so.
        links = [(f"id_{self.non_field_anchor}", str(m)) for m in self.non_field_errors()]
        for name, field in self.fields.items():
            for message in self.errors.get(name, []):
                radios = isinstance(field.widget, forms.RadioSelect | forms.CheckboxSelectMultiple)
                links.append((f"id_{name}_0" if radios else f"id_{name}", str(message)))
        return links


class VisibleMinLengthValidator(MinLengthValidator):
    """A minimum length that counts only the characters that show (`visible_length`)."""

    def clean(self, x: Sized) -> int:
        # A TextField's value is always text; anything else is counted as Django counts it.
        return visible_length(x) if isinstance(x, str) else len(x)


class TextField(forms.CharField):
    """A CharField that removes control characters before checking lengths; its minimum
    length, if any, counts only the characters that show."""

    def __init__(self, **kwargs: Any):
        super().__init__(**kwargs)
        self.validators = [
            VisibleMinLengthValidator(v.limit_value) if type(v) is MinLengthValidator else v
            for v in self.validators
        ]

    def to_python(self, value: Any) -> str | None:
        text = super().to_python(value)
        return None if text is None else clean_text(text)


class HiddenTextField(forms.CharField):
    """A value the page fills in itself (the form's token, a section's id). One that was
    tampered with is not the respondent's mistake, so it is never an error shown to them:
    text over `max_length`, or with control characters, counts as not sent."""

    def __init__(self, *, max_length: int, **kwargs: Any):
        super().__init__(required=False, widget=forms.HiddenInput, **kwargs)
        self.limit = max_length

    def clean(self, value: Any) -> str:
        text = value if isinstance(value, str) else ""
        return text if len(text) <= self.limit and clean_text(text) == text else ""
