"""The analyst account models move to the accounts app (accounts.0001_initial).

Only Django's record of the models changes: their tables stay, with their rows and names.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("analyse", "0003_themes"),
        ("accounts", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="AnalystProfile"),
                migrations.DeleteModel(name="AuditEvent"),
            ],
            database_operations=[],
        ),
    ]
