"""ThemeRun.assigned_with: which representation the machine last assigned answers with.

Also forgets the sentence vectors stored before the sentence model was shipped as 8-bit
ONNX: they were PyTorch's, and are never read again (a stored vector's text hash names the
model's version), but `embed_pending` would count their answers as done."""

from django.db import migrations, models


def forget_old_sentence_vectors(apps, schema_editor):
    apps.get_model("analyse", "ResponseEmbedding").objects.filter(
        representation="sentence"
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("analyse", "0007_published_response"),
    ]

    operations = [
        migrations.AddField(
            model_name="themerun",
            name="assigned_with",
            field=models.CharField(blank=True, max_length=16),
        ),
        migrations.RunPython(forget_old_sentence_vectors, migrations.RunPython.noop),
    ]
