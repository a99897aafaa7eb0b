"""Django app configuration for the analyst workspace."""

from django.apps import AppConfig


class AnalyseConfig(AppConfig):
    name = "soundingboard.analyse"
    verbose_name = "Analyse responses"

    def ready(self) -> None:
        # Accounts can be limited to named consultations; it lists them through this.
        from ..accounts.consultations import provide_consultations
        from ..core.published import provide_published
        from ..publish.registry import get_registry
        from .publishing import publication

        provide_consultations(
            lambda: {c.slug: c.title for c in get_registry().consultations.values()}
        )
        # The public pages link to the published response once there is one.
        provide_published(publication)
