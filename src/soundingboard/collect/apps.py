"""Django app configuration for collecting feedback."""

from django.apps import AppConfig
from django.core import checks
from django.db.models.signals import post_migrate


class CollectConfig(AppConfig):
    name = "soundingboard.collect"
    verbose_name = "Collect feedback"

    def ready(self) -> None:
        from . import attachments  # noqa: F401  - removes a file with its record
        from .deferred_indexes import ensure_indexes
        from .prepared_insert import check_models_written
        from .search_index import ensure_triggers

        checks.register(check_models_written, checks.Tags.models)
        # A migration that remakes the response table on SQLite drops its triggers.
        post_migrate.connect(ensure_triggers, sender=self)
        # An import killed outright leaves the indexes it dropped missing.
        post_migrate.connect(ensure_indexes, sender=self)
