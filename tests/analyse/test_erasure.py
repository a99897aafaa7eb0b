"""Erasure of one person's data, purging contact details after the retention date, and the
privacy notice that states the retention date."""

from __future__ import annotations

import datetime as dt
import sqlite3

import pytest

from soundingboard.analyse import erasure
from soundingboard.analyse.models import AuditEvent, Role
from soundingboard.collect.models import ActivityTick, Contact, IdeaScore, Response
from soundingboard.publish.loader import load_consultation
from tests.conftest import write_consultation

from .conftest import CONFIG, PAGES, SLUG
from .test_accounts import make_account, sign_in_verified, soundingboard

pytestmark = pytest.mark.django_db

UTC = dt.UTC
ERASURE = "/analyse/erasure/"


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


def test_cli_erase_asks_then_erases(tmp_path):
    data_dir = tmp_path / "data"
    first = soundingboard("erase", "--email", "x@example.org", "--yes", data_dir=data_dir)
    assert first.returncode == 0, first.stderr
    assert "nothing was erased" in first.stdout
    db = sqlite3.connect(data_dir / "soundingboard.sqlite3")
    db.execute(
        "INSERT INTO collect_contact (email, organisation, created_at, visit_token) "
        "VALUES ('X@example.org', 'X org', '2026-03-01 00:00:00', 'a-random-visit-token')"
    )
    contact_id = db.execute("SELECT max(id) FROM collect_contact").fetchone()[0]
    db.execute(
        "INSERT INTO collect_response (reference, consultation, kind, channel, status, "
        "page_path, page_matched, page_title, section_id, section_title, nature, summary, "
        "details, comments, role, spam_reason, submitted_at, contact_id) VALUES "
        "('SB-X', 'c', 'page', 'form', 'accepted', '', 1, '', '', '', '', 'kept', '', '', "
        "'', '', '2026-03-30 10:00:00', ?)",
        (contact_id,),
    )
    db.commit()
    refused = soundingboard("erase", "--email", "x@example.org", data_dir=data_dir, stdin="no\n")
    assert refused.returncode == 1
    assert "Found 1 contact record with" in refused.stdout
    assert db.execute("SELECT count(*) FROM collect_contact").fetchone()[0] == 1
    done = soundingboard("erase", "--email", "x@example.org", data_dir=data_dir, stdin="yes\n")
    assert done.returncode == 0, done.stderr
    assert db.execute("SELECT count(*) FROM collect_contact").fetchone()[0] == 0
    assert db.execute("SELECT summary, contact_id FROM collect_response").fetchall() == [
        ("kept", None)
    ]
    details = [
        d for (d,) in db.execute("SELECT detail FROM analyse_auditevent WHERE action='erasure'")
    ]
    assert len(details) == 1  # the first run found nothing and erased nothing
    assert "command line" in details[-1] and "example.org" not in "".join(details)


# Purging after the retention date -----------------------------------------------------------


@pytest.fixture
def retained(tmp_path):
    config = CONFIG.replace(
        "timezone: Europe/London\n",
        "timezone: Europe/London\ncontact_retention_until: 2026-04-30\n",
    )
    return load_consultation(write_consultation(tmp_path / "r", config, PAGES))


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


def test_cli_purge_contacts(tmp_path, retained, consultation):
    data_dir = tmp_path / "data"
    refused = soundingboard("purge-contacts", str(tmp_path / "c"), data_dir=data_dir)
    assert refused.returncode == 1
    assert "give the date with --before" in refused.stderr
    done = soundingboard(
        "purge-contacts", str(tmp_path / "r"), "--before", "2026-04-01", data_dir=data_dir
    )
    assert done.returncode == 0, done.stderr
    assert "Removed 0 contact records" in done.stdout
    bad = soundingboard(
        "purge-contacts", str(tmp_path / "r"), "--before", "soon", data_dir=data_dir
    )
    assert bad.returncode == 2
    assert "not a date" in bad.stderr


def test_privacy_notice_states_the_retention_date(tmp_path, retained, use_consultations, client):
    use_consultations(tmp_path / "r")
    text = client.get(retained.privacy_url).content.decode()
    assert "kept until 30 April 2026 and then deleted" in text


def test_privacy_notice_without_a_retention_date(tmp_path, consultation, use_consultations, client):
    use_consultations(tmp_path / "c")
    text = client.get(consultation.privacy_url).content.decode()
    assert "collects the feedback you give" in text
    assert "kept until" not in text
