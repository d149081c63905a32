from django.db import migrations

RENAMED = {"alert_failure": "failure", "alert_degraded": "degraded", "alert_ssl": "ssl"}


def rename(apps, schema_editor):
    """Checkly's parser reports failure, degraded and ssl, not the ALERT_ prefixed types."""
    SeverityMapping = apps.get_model("alerting", "SeverityMapping")
    for old, new in RENAMED.items():
        if not SeverityMapping.objects.filter(kind="checkly", value=new).exists():
            SeverityMapping.objects.filter(kind="checkly", value=old).update(value=new)
        SeverityMapping.objects.filter(kind="checkly", value=old).delete()


class Migration(migrations.Migration):
    dependencies = [("alerting", "0002_default_severity_mappings")]

    operations = [migrations.RunPython(rename, migrations.RunPython.noop)]
