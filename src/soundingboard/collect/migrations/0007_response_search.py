"""The full-text index of responses' free text (collect/search_index.py), filled with every
response already stored; on SQLite, Django reads it as the unmanaged model SearchEntry."""

from typing import Any

import django.db.models.deletion
from django.db import migrations, models

import soundingboard.collect.models
from soundingboard.collect import search_index


def create(apps: Any, schema_editor: Any) -> None:
    search_index.create(schema_editor.connection, columns=search_index.FIRST_COLUMNS)


def drop(apps: Any, schema_editor: Any) -> None:
    search_index.drop(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [
        ("collect", "0006_response_channel_paper_email"),
    ]

    operations = [
        migrations.RunPython(create, drop),
        migrations.CreateModel(
            name="SearchEntry",
            fields=[
                (
                    "response",
                    models.OneToOneField(
                        db_column="id",
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        primary_key=True,
                        related_name="search_entry",
                        serialize=False,
                        to="collect.response",
                    ),
                ),
                (
                    "document",
                    soundingboard.collect.models.FullTextField(db_column="collect_response_search"),
                ),
                ("rank", models.FloatField()),
            ],
            options={"db_table": "collect_response_search", "managed": False},
        ),
    ]
