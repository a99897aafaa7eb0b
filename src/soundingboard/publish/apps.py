"""Django app configuration for publishing consultation pages."""

from django.apps import AppConfig


class PublishConfig(AppConfig):
    name = "soundingboard.publish"
    verbose_name = "Publish consultations"

    def ready(self) -> None:
        from ..core.errors import set_page_context
        from .views import not_found_context

        set_page_context(not_found_context)
