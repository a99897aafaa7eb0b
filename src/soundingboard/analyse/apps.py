"""Django app configuration for the analyst workspace."""

from django.apps import AppConfig


class AnalyseConfig(AppConfig):
    name = "soundingboard.analyse"
    verbose_name = "Analyse responses"
