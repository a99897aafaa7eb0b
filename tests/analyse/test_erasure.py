"""Erasure of one person's data, purging contact details after the retention date, and the
privacy notice that states the retention date."""

from __future__ import annotations

import datetime as dt

import pytest

from soundingboard.accounts.models import AuditEvent, Role
from soundingboard.analyse import erasure
from soundingboard.collect.models import ActivityTick, Contact, IdeaScore, Response
from tests.accounts.test_accounts import make_account, sign_in_verified

from .conftest import SLUG

pytestmark = pytest.mark.django_db

UTC = dt.UTC
ERASURE = "/-/erasure/"


def respond(
    reference: str,
    contact: Contact | None,
    *,
    when: dt.datetime,
    slug: str = SLUG,
    kind: str = "page",
) -> Response:
    response = Response.objects.create(
        reference=reference,
        consultation=slug,
        kind=kind,
        summary=f"Answer {reference}",
        contact=contact,
        submitted_at=when,
    )
    if kind == "questionnaire":
        IdeaScore.objects.create(response=response, idea="Local networks", usefulness=4)
        ActivityTick.objects.create(response=response, idea="Local networks", activity="x")
    return response


@pytest.fixture
def people(db):
    """Jo gave their email in two consultations (in two cases); Sam in one."""
    march = dt.datetime(2026, 3, 10, 12, tzinfo=UTC)
    jo_here = Contact.objects.create(email="Jo@Example.org", organisation="Jo's org")
    jo_there = Contact.objects.create(email="jo@example.org")
    sam = Contact.objects.create(email="sam@example.org", organisation="Sam's org")
    respond("SB-JO01", jo_here, when=march)
    respond("SB-JO02", jo_here, when=march, kind="questionnaire")
    respond("SB-JO03", jo_there, when=march, slug="another")
    respond("SB-SAM1", sam, when=march)
    respond("SB-NONE", None, when=march)
    return {"jo": [jo_here, jo_there], "sam": sam}


def test_erase_keeps_answers_across_consultations(people):
    counts = erasure.erase_contact("  JO@example.ORG ", responses=False, by=None)
    assert counts.contacts == 2
    assert counts.responses_kept == 3
    assert counts.responses_deleted == 0
    assert counts.consultations == (SLUG, "another")
    assert not Contact.objects.filter(email__iexact="jo@example.org").exists()
    for reference in ("SB-JO01", "SB-JO02", "SB-JO03"):
        response = Response.objects.get(reference=reference)
        assert response.contact_id is None
        assert response.summary == f"Answer {reference}"
    assert IdeaScore.objects.filter(response__reference="SB-JO02").count() == 1
    assert Response.objects.get(reference="SB-SAM1").contact == people["sam"]
    event = AuditEvent.objects.get(action=AuditEvent.Action.ERASURE)
    assert event.detail["contacts"] == 2
    assert event.detail["responses_kept"] == 3
    assert "example.org" not in str(event.detail).lower()


def test_erase_with_responses_deletes_them_and_their_answers(people):
    counts = erasure.erase_contact("jo@example.org", responses=True, by=None)
    assert (counts.contacts, counts.responses_deleted, counts.responses_kept) == (2, 3, 0)
    assert not Response.objects.filter(reference__startswith="SB-JO").exists()
    assert not IdeaScore.objects.exists()
    assert not ActivityTick.objects.exists()
    assert set(Response.objects.values_list("reference", flat=True)) == {"SB-SAM1", "SB-NONE"}
    assert Contact.objects.count() == 1


def test_erase_of_an_unknown_email_does_nothing_but_is_logged(people):
    counts = erasure.erase_contact("nobody@example.org", responses=True, by=None)
    assert counts.contacts == 0
    assert Response.objects.count() == 5
    assert "nothing was erased" in counts.summary()
    assert AuditEvent.objects.filter(action="erasure").count() == 1


def test_erasure_page_is_for_admins_and_confirms_first(client, people):
    analyst, device = make_account("ana", Role.ANALYST, two_factor=True)
    sign_in_verified(client, analyst, device)
    assert client.get(ERASURE).status_code == 403
    client.logout()
    admin, device = make_account("adam", Role.ADMIN, two_factor=True)
    sign_in_verified(client, admin, device)
    assert client.get(ERASURE).status_code == 200
    check = client.post(ERASURE, {"email": "jo@example.org", "with_responses": "on"})
    text = check.content.decode()
    assert 'id="erasure-contacts">2<' in text
    assert 'id="erasure-deleted">3<' in text
    assert Contact.objects.count() == 3  # nothing erased yet
    done = client.post(
        ERASURE, {"email": "jo@example.org", "with_responses": "on", "confirm": "yes"}
    )
    assert done.status_code == 302
    assert Contact.objects.count() == 1
    assert Response.objects.count() == 2
    event = AuditEvent.objects.get(action="erasure")
    assert event.username == "adam"
    assert event.detail["responses_deleted"] == 3
    assert "Erased 2 contact records" in client.get(ERASURE).content.decode()
    bad = client.post(ERASURE, {"email": "not an email"})
    assert "Enter an email address in the correct format" in bad.content.decode()


# Purging after the retention date -----------------------------------------------------------


def test_purge_respects_the_date_boundary(retained, db):
    # 1 April 2026 starts at 23:00 UTC on 31 March (British Summer Time).
    before_midnight = dt.datetime(2026, 3, 31, 22, 59, 59, tzinfo=UTC)
    at_midnight = dt.datetime(2026, 3, 31, 23, 0, tzinfo=UTC)
    old = Contact.objects.create(email="old@example.org")
    new = Contact.objects.create(email="new@example.org")
    both = Contact.objects.create(email="both@example.org")  # gave feedback again, later
    shared = Contact.objects.create(email="shared@example.org")  # also another consultation's
    respond("SB-OLD", old, when=before_midnight)
    respond("SB-NEW", new, when=at_midnight)
    respond("SB-B1", both, when=before_midnight)
    respond("SB-B2", both, when=at_midnight)
    respond("SB-S1", shared, when=before_midnight)
    respond("SB-S2", shared, when=before_midnight, slug="another")

    assert set(erasure.purgeable(retained, dt.date(2026, 4, 1))) == {old}
    counts = erasure.purge_contacts(retained, before=dt.date(2026, 4, 1), by=None)
    assert (counts.contacts, counts.responses_kept) == (1, 1)
    assert set(Contact.objects.all()) == {new, both, shared}
    assert Response.objects.get(reference="SB-OLD").contact is None
    assert Response.objects.get(reference="SB-OLD").summary == "Answer SB-OLD"
    event = AuditEvent.objects.get(action="erasure")
    assert event.consultation == SLUG
    assert event.detail["before"] == "2026-04-01"

    # A day later, the contact given again later goes too (all its responses are earlier).
    erasure.purge_contacts(retained, before=dt.date(2026, 4, 2), by=None)
    assert set(Contact.objects.all()) == {shared}


def test_purge_date_comes_from_the_retention_date(retained, consultation):
    assert erasure.retention_cutoff(retained, None, dt.date(2026, 5, 1)) == dt.date(2026, 5, 1)
    assert erasure.retention_cutoff(retained, dt.date(2026, 1, 1), dt.date(2026, 4, 1)) == (
        dt.date(2026, 1, 1)
    )
    with pytest.raises(erasure.ErasureError, match="kept until 2026-04-30"):
        erasure.retention_cutoff(retained, None, dt.date(2026, 4, 30))
    with pytest.raises(erasure.ErasureError, match="no contact_retention_until"):
        erasure.retention_cutoff(consultation, None, dt.date(2026, 5, 1))


def test_privacy_notice_states_the_retention_date(tmp_path, retained, use_consultations, client):
    use_consultations(tmp_path / "r")
    text = client.get(retained.privacy_url).content.decode()
    assert "kept until 30 April 2026 and then deleted" in text


def test_privacy_notice_without_a_retention_date(tmp_path, consultation, use_consultations, client):
    use_consultations(tmp_path / "c")
    text = client.get(consultation.privacy_url).content.decode()
    assert "collects the feedback you give" in text
    assert "kept until" not in text
