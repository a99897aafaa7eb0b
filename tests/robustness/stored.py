"""What may be in the database after any input: checked text, as the forms would accept it.

`garbage()` scans every text column of the project's tables for NUL, unpaired surrogates and
control characters other than tab and line feed. `not_revalidated(consultation)` runs every
stored response back through the form that checks that kind of response: whatever is stored
must pass the same checks as when it was sent.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager

from django.apps import apps
from django.db import models, transaction

from soundingboard.collect.forms import OverallCommentsForm, PageFeedbackForm
from soundingboard.collect.models import Response
from soundingboard.publish.consultation import Consultation

APPS = ("collect", "analyse")


@contextmanager
def rolled_back() -> Iterator[None]:
    """What one Hypothesis example stores is undone after it, so that each example starts
    from the test's own data and a failure is shrunk to the example that caused it."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def text_problem(value: str) -> str:
    """What is wrong with a stored text, or ""."""
    for ch in value:
        if ch == "\x00":
            return "NUL"
        if "\ud800" <= ch <= "\udfff":
            return f"an unpaired surrogate U+{ord(ch):04X}"
        if ch not in "\n\t" and unicodedata.category(ch) == "Cc":
            return f"the control character U+{ord(ch):04X}"
    return ""


def garbage() -> list[str]:
    found = []
    for label in APPS:
        for model in apps.get_app_config(label).get_models():
            if not model._meta.managed:  # SQLite's search index (SearchEntry): no table of its
                continue  # own on PostgreSQL, and its text is the responses' own, checked here
            fields = [
                f.name
                for f in model._meta.get_fields()
                if isinstance(f, models.CharField | models.TextField)
            ]
            for row in model.objects.values("pk", *fields):
                for name in fields:
                    value = row[name]
                    if isinstance(value, str) and (problem := text_problem(value)):
                        found.append(f"{model.__name__} {row['pk']} {name}: {problem}")
    return found


def not_revalidated(consultation: Consultation) -> list[str]:
    found = []
    for response in Response.objects.filter(consultation=consultation.slug):
        contact = response.contact
        data = {
            "role": response.role,
            "nature": response.nature,
            "organisation": contact.organisation if contact else "",
            "email": contact.email if contact else "",
        }
        if response.kind == Response.Kind.PAGE:
            data |= {"summary": response.summary, "details": response.details}
            form = PageFeedbackForm(data, consultation=consultation)
        else:
            data |= {"comments": response.comments}
            form = OverallCommentsForm(data, consultation=consultation)
        if not form.is_valid():
            found.append(f"{response.reference}: {form.errors.as_data()}")
            continue
        changed = {k: v for k, v in data.items() if form.cleaned_data.get(k, v) != v}
        if changed:
            found.append(f"{response.reference}: stored unlike the form would: {changed}")
    return found
