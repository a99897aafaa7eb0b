"""The full-text index of responses' free text (collect/search_index.py), filled with every
response already stored."""

from typing import Any

from django.db import migrations

from soundingboard.collect import search_index


def create(apps: Any, schema_editor: Any) -> None:
    search_index.create(schema_editor.connection)


def drop(apps: Any, schema_editor: Any) -> None:
    search_index.drop(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [
        ("collect", "0005_response_unmatched_ideas"),
    ]

    operations = [migrations.RunPython(create, drop)]
