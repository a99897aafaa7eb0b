"""Django app configuration for the shared core."""

from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "soundingboard.core"
    verbose_name = "Shared core"
