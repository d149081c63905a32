from django.db import migrations


def seed(apps, schema_editor):
    from tocsin.incidents.defaults import DEFAULT_SEVERITIES

    Severity = apps.get_model("incidents", "Severity")
    for row in DEFAULT_SEVERITIES:
        Severity.objects.get_or_create(key=row["key"], defaults=row)


class Migration(migrations.Migration):
    dependencies = [("incidents", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
