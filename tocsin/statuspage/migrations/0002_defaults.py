from django.db import migrations

from tocsin.statuspage.defaults import DEFAULT_PAGE, PROPOSED_STATUSES


def seed(apps, schema_editor):
    Page = apps.get_model("statuspage", "Page")
    ProposedStatus = apps.get_model("statuspage", "ProposedStatus")
    Severity = apps.get_model("incidents", "Severity")
    if not Page.objects.filter(is_default=True).exists():
        Page.objects.create(is_default=True, **DEFAULT_PAGE)
    for key, status in PROPOSED_STATUSES.items():
        severity = Severity.objects.filter(key=key).first()
        if severity is not None:
            ProposedStatus.objects.get_or_create(severity=severity, defaults={"status": status})


class Migration(migrations.Migration):
    dependencies = [
        ("statuspage", "0001_initial"),
        ("incidents", "0002_default_severities"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
