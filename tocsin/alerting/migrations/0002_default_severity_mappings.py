from django.db import migrations


def seed(apps, schema_editor):
    from tocsin.alerting.defaults import DEFAULT_SEVERITY_MAPPINGS

    Severity = apps.get_model("incidents", "Severity")
    SeverityMapping = apps.get_model("alerting", "SeverityMapping")
    ladder = {s.key: s for s in Severity.objects.all()}
    for kind, words in DEFAULT_SEVERITY_MAPPINGS.items():
        for value, key in words.items():
            if key in ladder:
                SeverityMapping.objects.get_or_create(
                    kind=kind, value=value, defaults={"severity": ladder[key]}
                )


class Migration(migrations.Migration):
    dependencies = [("alerting", "0001_initial"), ("incidents", "0002_default_severities")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
