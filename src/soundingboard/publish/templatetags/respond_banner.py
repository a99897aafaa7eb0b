"""`{% respond_banner consultation link text %}`: the strip under the header of every public
page that says whether the consultation is open, until when, and how to respond.

It is worked out for each request, not when the consultation is loaded, because the answer
changes at the opening and closing moments while the server keeps running. `link` is where
"respond" goes: the page's own form (`#feedback`), nothing ("" on the forms themselves), or,
left out, the main questionnaire when there is one.

Once the consultation's response is published (`core.published`), it also says so and links
to it, on every page but the response's own (`on_response`).
"""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone

from ...core.published import published
from ..consultation import Consultation
from ..settings_schema import describe_moment

register = template.Library()


@register.inclusion_tag("publish/_respond_banner.html")
def respond_banner(
    consultation: Consultation, link: str | None = None, text: str = "", on_response: bool = False
) -> dict[str, Any]:
    settings = consultation.settings
    response = None if on_response else published(consultation.slug)
    if link is None and settings.questionnaire is not None:
        link, text = consultation.questionnaire_url, f"Answer “{settings.questionnaire.title}”"
    return {
        "status": consultation.status(timezone.now()),
        "opens_on": describe_moment(settings.opens),
        "closes_on": describe_moment(settings.closes),
        "link": link or "",
        "text": text,
        "response_on": (
            describe_moment(response.published_at.astimezone(settings.zone()).date())
            if response
            else ""
        ),
        "response_url": consultation.response_url,
    }
