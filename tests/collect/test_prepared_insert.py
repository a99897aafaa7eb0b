"""A prepared INSERT stores exactly what Django's own create() would."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.forms.models import model_to_dict

from soundingboard.collect.models import ActivityTick, Contact, IdeaScore, Response
from soundingboard.collect.prepared_insert import prepare

pytestmark = pytest.mark.django_db

WHEN = dt.datetime(2026, 3, 30, 23, 30, 15, 123456, tzinfo=dt.UTC)  # the eve of BST's end


def every_field(reference: str, **more) -> dict:
    return {
        "reference": reference,
        "consultation": "libraries",
        "kind": Response.Kind.QUESTIONNAIRE,
        "channel": Response.Channel.API,
        "status": Response.Status.SPAM,
        "page_path": "opening-hours/",
        "page_matched": False,
        "page_title": "Opening hours",
        "section_id": "saturdays",
        "section_title": "Saturdays",
        "nature": "I’m unsure about this",
        "summary": "Keep Saturday mornings",
        "details": "Line one\nLine two, with “quotes” and an emoji 📚",
        "comments": "",
        "role": "Library user",
        "spam_reason": "honeypot",
        "submitted_at": WHEN,
        "submission_token": f"token-{reference}",
        **more,
    }


def stored(response: Response) -> dict:
    found = model_to_dict(Response.objects.get(pk=response.pk))
    return {k: v for k, v in found.items() if k != "id"}


def test_every_field_is_stored_as_create_stores_it():
    contact = Contact.objects.create(email="a@example.org")
    by_django = Response.objects.create(**every_field("SB-AAAA-AAAA", contact=contact))
    mine = Response(**every_field("SB-BBBB-BBBB"))
    with transaction.atomic():
        prepare([mine], later=["contact_id"]).run(contact_id=contact.pk)
    assert mine.pk is not None and mine.pk != by_django.pk
    assert mine.contact_id == contact.pk and not mine._state.adding
    theirs, ours = stored(by_django), stored(mine)
    assert {k: v for k, v in ours.items() if k not in ("reference", "submission_token")} == {
        k: v for k, v in theirs.items() if k not in ("reference", "submission_token")
    }
    assert Response.objects.get(pk=mine.pk).submitted_at == WHEN


def test_defaults_are_filled_as_create_fills_them():
    mine = Response(reference="SB-CCCC-CCCC", consultation="libraries")
    prepare([mine], later=["contact_id"]).run(contact_id=None)
    row = Response.objects.get(pk=mine.pk)
    assert (row.kind, row.channel, row.status, row.page_matched) == (
        "page",
        "form",
        "accepted",
        True,
    )
    assert row.contact_id is None and row.submission_token is None
    assert abs(row.submitted_at - mine.submitted_at) < dt.timedelta(seconds=1)


def test_several_rows_get_the_key_given_late():
    response = Response.objects.create(reference="SB-DDDD-DDDD", consultation="libraries")
    scores = [IdeaScore(idea=f"Idea {i}", usefulness=i, likelihood=None) for i in (1, 2, 3)]
    ticks = [ActivityTick(idea="", activity="Unmatched", matched=False, raw="unmatched ")]
    for rows in (scores, ticks):
        prepare(rows, later=["response_id"]).run(response_id=response.pk)
    assert sorted(response.scores.values_list("idea", "usefulness", "likelihood")) == [
        ("Idea 1", 1, None),
        ("Idea 2", 2, None),
        ("Idea 3", 3, None),
    ]
    assert list(response.ticks.values_list("activity", "matched", "raw")) == [
        ("Unmatched", False, "unmatched ")
    ]


def test_a_unique_value_taken_is_refused_inside_the_transaction():
    Response.objects.create(reference="SB-EEEE-EEEE", consultation="libraries")
    again = prepare([Response(reference="SB-EEEE-EEEE", consultation="libraries")], later=[])
    with pytest.raises(IntegrityError), transaction.atomic():
        again.run()
    assert Response.objects.count() == 1


def test_nothing_or_an_unknown_column_is_a_mistake():
    with pytest.raises(ValueError, match="nothing to insert"):
        prepare([])
    with pytest.raises(ValueError, match="no such column: response"):
        prepare([Response(reference="SB-FFFF-FFFF")], later=["response"])
