"""A database made by the previous release upgrades with `migrate` and loses nothing.

The database is taken back to the migrations the previous release (0.1.0) shipped, filled
there through the models as they were then, and migrated forward; every row must still be
there, read through today's models. Runs on SQLite and on PostgreSQL, like every storage test.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from soundingboard.accounts.models import AnalystProfile, AuditEvent
from soundingboard.analyse.models import ChangeRecord, Note, ResponseTag, Tag
from soundingboard.collect.models import ActivityTick, Contact, IdeaScore, Response

# The newest migration of each of soundingboard's apps in release 0.1.0; None: no migrations.
PREVIOUS_RELEASE = {
    "collect": "0002_response_status_hidden",
    "analyse": "0003_themes",
    "accounts": None,
}
WHEN = dt.datetime(2026, 11, 30, 12, 0, tzinfo=dt.UTC)


def _migrate(targets: list[tuple[str, str | None]]):  # type: ignore[no-untyped-def]
    """Migrate to `targets`; the models as they are there."""
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state([t for t in targets if t[1] is not None]).apps


def _previous_release() -> list[tuple[str, str | None]]:
    executor = MigrationExecutor(connection)
    leaves = dict(executor.loader.graph.leaf_nodes())
    return [(app, PREVIOUS_RELEASE.get(app, leaves[app])) for app in leaves]


def _fill(apps) -> None:  # type: ignore[no-untyped-def]
    """One of each kind of row, as release 0.1.0 wrote them."""
    user = apps.get_model("auth", "User").objects.create(username="ada", password="!")
    apps.get_model("analyse", "AnalystProfile").objects.create(
        user=user, role="admin", must_change_password=True
    )
    apps.get_model("analyse", "AuditEvent").objects.create(
        at=WHEN, user=user, username="ada", role="admin", action="export", detail={"rows": 2}
    )
    contact = apps.get_model("collect", "Contact").objects.create(
        email="sam@example.org", organisation="A council", created_at=WHEN
    )
    response_model = apps.get_model("collect", "Response")
    page = response_model.objects.create(
        reference="AAAA-BBBB",
        consultation="example",
        page_path="proposals/",
        summary="A summary kept",
        contact=contact,
        submitted_at=WHEN,
    )
    questionnaire = response_model.objects.create(
        reference="CCCC-DDDD", consultation="example", kind="questionnaire", submitted_at=WHEN
    )
    apps.get_model("collect", "IdeaScore").objects.create(
        response=questionnaire, idea="An idea", usefulness=4, likelihood=2
    )
    apps.get_model("collect", "ActivityTick").objects.create(
        response=questionnaire, idea="An idea", activity="An activity"
    )
    tag = apps.get_model("analyse", "Tag").objects.create(consultation="example", name="Cost")
    apps.get_model("analyse", "ResponseTag").objects.create(response=page, tag=tag)
    apps.get_model("analyse", "Note").objects.create(response=page, text="Follow up", author=user)


@pytest.mark.django_db(transaction=True)
def test_a_database_of_the_previous_release_keeps_its_rows():
    _fill(_migrate(_previous_release()))

    executor = MigrationExecutor(connection)
    _migrate(list(executor.loader.graph.leaf_nodes()))

    user = get_user_model().objects.get(username="ada")
    profile = AnalystProfile.objects.get(user=user)
    assert (profile.role, profile.must_change_password) == ("admin", True)
    event = AuditEvent.objects.get()
    assert (event.user, event.action, event.detail, event.at) == (user, "export", {"rows": 2}, WHEN)
    page = Response.objects.get(reference="AAAA-BBBB")
    assert (page.summary, page.page_path, page.contact.email) == (
        "A summary kept",
        "proposals/",
        "sam@example.org",
    )
    assert Contact.objects.get().organisation == "A council"
    assert IdeaScore.objects.get().usefulness == 4
    assert ActivityTick.objects.get().activity == "An activity"
    assert ResponseTag.objects.get().tag == Tag.objects.get(name="Cost")
    assert Note.objects.get().text == "Follow up"
    assert ChangeRecord.objects.count() == 0
    # And the moved models work as they did: a new event and profile are stored.
    AuditEvent.objects.create(username="ada", action="sign-in")
    assert AuditEvent.objects.count() == 2
