"""Django app configuration for analyst accounts."""

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "soundingboard.accounts"
    verbose_name = "Analyst accounts"
