"""Django app configuration for collecting feedback."""

from django.apps import AppConfig


class CollectConfig(AppConfig):
    name = "soundingboard.collect"
    verbose_name = "Collect feedback"
