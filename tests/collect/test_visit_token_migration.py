"""Migration 0003 gives the contacts of an existing database random visit tokens, each its
own, so the database keeps working (and visit cookies that named an id stop matching)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("collect", "0002_response_status_hidden")]
AFTER = [("collect", "0003_contact_visit_token")]


def migrate(targets: list[tuple[str, str]]):  # type: ignore[no-untyped-def]
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def test_existing_contacts_get_a_token_each():
    old = migrate(BEFORE)
    try:
        contact = old.get_model("collect", "Contact")
        contact.objects.bulk_create(
            contact(email=f"person{n}@example.org", organisation="Council") for n in range(5)
        )
        new = migrate(AFTER)
        tokens = list(new.get_model("collect", "Contact").objects.values_list("visit_token"))
        assert len(tokens) == 5 and len(set(tokens)) == 5
        assert all(len(token) >= 32 for (token,) in tokens)
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())  # every app's latest
