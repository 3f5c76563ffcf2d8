from django.db import migrations


def add_note(apps, schema_editor):
    apps.get_model("notes", "Note").objects.create(text="written by a migration")


class Migration(migrations.Migration):
    dependencies = [("notes", "0001_initial")]
    operations = [migrations.RunPython(add_note, migrations.RunPython.noop)]
