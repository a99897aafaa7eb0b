"""The administrators' erasure page, /-/erasure/: erase one person's contact details,
and on request their responses, by email address (`analyse.erasure`); a confirmation step
shows what will go before anything does.
"""

from __future__ import annotations

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from ...accounts.access import analyst_view, notify
from ...accounts.models import Role
from ...collect.forms import EMAIL_FORMAT
from .. import erasure
from ..presentation.workspace import workspace_context


class ErasureForm(forms.Form):
    email = forms.EmailField(
        max_length=254,
        error_messages={
            "required": "Enter the email address of the person whose details to erase",
            "invalid": EMAIL_FORMAT,
            "null_characters_not_allowed": EMAIL_FORMAT,
        },
    )
    with_responses = forms.BooleanField(required=False)


@analyst_view(min_role=Role.ADMIN)
def erasure_page(request: HttpRequest) -> HttpResponse:
    """Step 1: the form. Step 2 (POST without `confirm`): what would be erased. Step 3 (POST
    with `confirm`): erase, log, and come back here with a notice."""
    form = ErasureForm(request.POST or None)
    context = workspace_context(request, nav="erasure", form=form)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        with_responses = form.cleaned_data["with_responses"]
        if request.POST.get("confirm") == "yes":
            counts = erasure.erase_contact(
                email, responses=with_responses, by=request, via="erasure page"
            )
            notify(request, counts.summary())
            return redirect("analyse:erasure")
        context.update(
            {
                "preview": erasure.preview(email, responses=with_responses),
                "email": email,
                "with_responses": with_responses,
            }
        )
        return render(request, "analyse/erasure_confirm.html", context)
    return render(request, "analyse/erasure.html", context)
