"""Contacts get a random visit token, which the respondent's visit cookie names instead of the
contact's id. Existing contacts are given fresh tokens, so cookies set before (which name an
id) simply stop matching: those respondents are asked about themselves again."""

from django.db import migrations, models

import soundingboard.collect.models

BATCH = 1000


def give_tokens(apps, schema_editor):
    contact_model = apps.get_model("collect", "Contact")
    new_token = soundingboard.collect.models.new_visit_token
    ids = contact_model.objects.filter(visit_token__isnull=True).values_list("pk", flat=True)
    pending = list(ids)
    for start in range(0, len(pending), BATCH):
        contacts = [
            contact_model(pk=pk, visit_token=new_token()) for pk in pending[start : start + BATCH]
        ]
        contact_model.objects.bulk_update(contacts, ["visit_token"])


class Migration(migrations.Migration):
    dependencies = [
        ("collect", "0002_response_status_hidden"),
    ]

    operations = [
        migrations.AddField(
            model_name="contact",
            name="visit_token",
            field=models.CharField(editable=False, max_length=64, null=True),
        ),
        migrations.RunPython(give_tokens, migrations.RunPython.noop, elidable=True),
        migrations.AlterField(
            model_name="contact",
            name="visit_token",
            field=models.CharField(
                default=soundingboard.collect.models.new_visit_token,
                editable=False,
                max_length=64,
                unique=True,
            ),
        ),
    ]
