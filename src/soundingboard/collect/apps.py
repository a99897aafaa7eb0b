"""Django app configuration for collecting feedback."""

from django.apps import AppConfig
from django.core import checks


class CollectConfig(AppConfig):
    name = "soundingboard.collect"
    verbose_name = "Collect feedback"

    def ready(self) -> None:
        from .prepared_insert import check_models_written

        checks.register(check_models_written, checks.Tags.models)
