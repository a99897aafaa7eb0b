"""Analyst accounts move here from the analyse app, with their tables as they are.

The tables were made by `analyse.0001_initial` and keep their names (`db_table`): this
migration only tells Django the models are now this app's, and changes nothing in the
database.
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        # The tables must exist first, on a new database too.
        ("analyse", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="AnalystProfile",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "role",
                            models.CharField(
                                choices=[
                                    ("reader", "Reader"),
                                    ("analyst", "Analyst"),
                                    ("admin", "Administrator"),
                                ],
                                default="reader",
                                max_length=16,
                            ),
                        ),
                        ("must_change_password", models.BooleanField(default=False)),
                        (
                            "user",
                            models.OneToOneField(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="analyst_profile",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={"db_table": "analyse_analystprofile"},
                ),
                migrations.CreateModel(
                    name="AuditEvent",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("at", models.DateTimeField(default=django.utils.timezone.now)),
                        ("username", models.CharField(blank=True, max_length=150)),
                        ("role", models.CharField(blank=True, max_length=16)),
                        (
                            "action",
                            models.CharField(
                                choices=[
                                    ("sign-in", "Signed in (password)"),
                                    ("sign-in-failed", "Sign-in failed"),
                                    ("sign-in-locked", "Sign-in refused: too many attempts"),
                                    ("2fa-verified", "Two-factor code accepted"),
                                    ("2fa-failed", "Two-factor code refused"),
                                    ("2fa-enrolled", "Two-factor authentication set up"),
                                    ("2fa-reset", "Two-factor authentication reset"),
                                    ("sign-out", "Signed out"),
                                    ("session-expired", "Session expired"),
                                    ("password-changed", "Password changed"),
                                    ("password-reset", "One-time password set"),
                                    ("user-created", "Account created"),
                                    ("role-changed", "Role changed"),
                                    ("user-deactivated", "Account deactivated"),
                                    ("user-reactivated", "Account reactivated"),
                                    ("personal-data-view", "Personal data viewed"),
                                    ("export", "Export"),
                                    ("erasure", "Erasure"),
                                    ("settings-changed", "Settings changed"),
                                ],
                                max_length=32,
                            ),
                        ),
                        ("consultation", models.CharField(blank=True, max_length=64)),
                        ("detail", models.JSONField(blank=True, default=dict)),
                        ("throttle_key", models.CharField(blank=True, max_length=64)),
                        ("client", models.CharField(blank=True, max_length=64)),
                        (
                            "user",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="audit_events",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "db_table": "analyse_auditevent",
                        "ordering": ["-at", "-id"],
                        "indexes": [
                            models.Index(fields=["-at"], name="audit_newest_first"),
                            models.Index(fields=["action", "-at"], name="audit_action"),
                            models.Index(fields=["username", "-at"], name="audit_username"),
                            models.Index(
                                fields=["throttle_key", "action", "at"], name="audit_throttle_key"
                            ),
                            models.Index(
                                fields=["client", "action", "at"], name="audit_throttle_client"
                            ),
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
