"""Django app configuration for the analyst workspace."""

from django.apps import AppConfig


class AnalyseConfig(AppConfig):
    name = "soundingboard.analyse"
    verbose_name = "Analyse responses"

    def ready(self) -> None:
        # Accounts can be limited to named consultations; it lists them through this.
        from ..accounts.consultations import provide_consultations
        from ..publish.registry import get_registry

        provide_consultations(
            lambda: {c.slug: c.title for c in get_registry().consultations.values()}
        )
