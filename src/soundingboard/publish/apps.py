"""Django app configuration for publishing consultation pages."""

from django.apps import AppConfig


class PublishConfig(AppConfig):
    name = "soundingboard.publish"
    verbose_name = "Publish consultations"
