# Grouping is per team: an incident opened from alerts stores its grouping key within its team
# (`tocsin.alerting.grouping.incident_key`), so that the one-open-incident-per-key constraint
# is one per team and key. Incidents opened before keep receiving their alerts: their keys are
# rewritten in the same form here.

import hashlib
import re

from django.db import migrations

KEY_MAX_LENGTH = 255
SCOPED = re.compile(r"team-\d+:(?P<key>alert:.*)", re.DOTALL)
OPEN_STATUSES = ("triggered", "acknowledged", "identified", "monitoring")


def incident_key(team_id, key):
    """A copy of grouping.incident_key as it is when this migration is written."""
    scoped = f"team-{team_id}:{key}"
    if len(scoped) <= KEY_MAX_LENGTH:
        return scoped
    digest = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()
    return f"team-{team_id}:sha256:{digest}"


def scope_by_team(apps, schema_editor):
    Incident = apps.get_model("incidents", "Incident")
    changed = []
    for incident in Incident.objects.filter(grouping_key__startswith="alert:").only(
        "pk", "team_id", "grouping_key"
    ):
        incident.grouping_key = incident_key(incident.team_id, incident.grouping_key)
        changed.append(incident)
    Incident.objects.bulk_update(changed, ["grouping_key"], batch_size=500)


def unscope(apps, schema_editor):
    """Back to one key for every team; an open incident whose bare key another team's open
    incident already has keeps its scoped key (the old code opens a new one for its alerts)."""
    Incident = apps.get_model("incidents", "Incident")
    taken = set()
    changed = []
    rows = Incident.objects.filter(grouping_key__startswith="team-").only(
        "pk", "status", "grouping_key"
    )
    for incident in rows.order_by("pk"):
        match = SCOPED.fullmatch(incident.grouping_key)
        if match is None:  # a key too long for the column, kept as its hash: cannot go back
            continue
        key = match["key"]
        if incident.status in OPEN_STATUSES:
            if key in taken:
                continue
            taken.add(key)
        incident.grouping_key = key
        changed.append(incident)
    Incident.objects.bulk_update(changed, ["grouping_key"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("alerting", "0005_change_events"),
        ("incidents", "0007_change_events"),
    ]

    operations = [migrations.RunPython(scope_by_team, unscope)]
