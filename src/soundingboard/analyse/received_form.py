"""The forms analysts enter a response received by email or on paper with.

Feedback on a page (`ReceivedResponseForm`) asks what the page feedback form asks, and which
page it is about; a main-questionnaire response (`ReceivedQuestionnaireForm`) asks what the
questionnaire asks: the ideas' scores and activities, the nature, comments and who the
respondent is. Both are the respondents' own forms (the same fields, options and messages)
with how the response came and when it was received (`HowReceived`) added.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms

from ..collect.forms import PageFeedbackForm
from ..collect.models import Response
from ..collect.questionnaire_forms import QuestionnaireForm
from ..collect.received import QuestionnaireAnswers
from ..collect.row_import import parse_timestamp
from ..publish.consultation import Consultation

CHANNEL_CHOICES = [
    (Response.Channel.EMAIL.value, "By email"),
    (Response.Channel.PAPER.value, "On paper, or by post"),
]


class HowReceived(forms.Form):
    """How a response reached the team, and when: the fields both entry forms add."""

    consultation: Consultation

    channel = forms.ChoiceField(
        choices=CHANNEL_CHOICES,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select how the response was received",
            "invalid_choice": "Select how the response was received",
        },
    )
    received = forms.CharField(
        max_length=40,
        error_messages={"required": "Enter the date the response was received"},
    )

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if role := self.fields.get("role"):
            # The respondent's own form asks for "your role"; the analyst enters someone else's.
            role.error_messages = {
                **role.error_messages,
                "required": "Select the respondent's role",
                "invalid_choice": "Select the respondent's role from the list",
            }

    def clean_received(self) -> dt.datetime:
        text = self.cleaned_data["received"]
        zone = self.consultation.settings.zone()
        try:
            moment = parse_timestamp(text, zone)
        except ValueError:
            raise forms.ValidationError(
                "Enter the date the response was received, like 27/3/2024"
            ) from None
        if ":" not in text:
            # A date alone: midday where the consultation is, so that it is that day wherever
            # it is shown. Midnight was the day before in UTC, as exports write times, all
            # summer.
            moment = moment.astimezone(zone).replace(hour=12).astimezone(dt.UTC)
        if moment > dt.datetime.now(dt.UTC) + dt.timedelta(days=1):
            raise forms.ValidationError(
                "The date the response was received must be today or in the past"
            )
        return moment


class ReceivedResponseForm(HowReceived, PageFeedbackForm):
    """Feedback on a page that reached the team another way."""

    field_order = [
        "channel",
        "received",
        "page",
        "nature",
        "summary",
        "details",
        "may_quote",
        "role",
        "organisation",
        "email",
    ]

    page = forms.ChoiceField(
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select the page the response is about",
            "invalid_choice": "Select the page the response is about",
        },
    )

    def __init__(self, *args: Any, consultation: Consultation, **kwargs: Any):
        super().__init__(*args, consultation=consultation, **kwargs)
        self.consultation = consultation
        # The form's own copy: the feedback fields are shared, this one is not.
        self.fields["page"] = forms.ChoiceField(
            choices=[(page.path or "/", page.title) for page in consultation.pages],
            widget=forms.RadioSelect,
            error_messages=self.fields["page"].error_messages,
        )

    def answers(self) -> dict[str, str]:
        """The answers as the intake API's payload names them."""
        data = self.cleaned_data
        return {
            "page": data["page"],
            "summary": data["summary"],
            "details": data["details"],
            "role": data["role"],
            "nature": data["nature"],
            "org": data["organisation"],
            "email": data["email"],
            # Asked only when the consultation asks its consent-to-quote question.
            "may_quote": data.get("may_quote") or "",
        }


class ReceivedQuestionnaireForm(HowReceived, QuestionnaireForm):
    """A main-questionnaire response that reached the team another way: the questionnaire's
    own questions, without what only a respondent online is offered (a copy by email, news
    when the results are published, the form's one-use token)."""

    NOT_ASKED = ("token", "send_copy", "notify_when_published")

    def __init__(self, *args: Any, consultation: Consultation, **kwargs: Any):
        super().__init__(*args, consultation=consultation, **kwargs)
        self.consultation = consultation
        for name in self.NOT_ASKED:
            self.fields.pop(name, None)
        # How it came first, as on the page feedback's form.
        self.order_fields(["channel", "received"])

    def answers_to_store(self) -> QuestionnaireAnswers:
        """The checked answers, as `collect.received` stores them."""
        data = self.cleaned_data
        return QuestionnaireAnswers(
            role=data["role"],
            nature=data["nature"],
            comments=data["comments"],
            may_quote=self.quote_answer(),
            contact=self.contact() or None,
            scores=self.scores(),
            ticks=self.ticks(),
        )
