"""A test alert, sent from an integration's page: one firing alert through the same pipeline a
real one goes through (`ingest`), marked as a test so that the incident it opens is a drill.

Its fingerprint is the same every time: a second press while the first is still firing is a
repeat, counted on the same alert, exactly as a source sending the same alert again would be.
Once its drill incident is resolved (which resolves the alert), the next press opens a new one.
"""

from tocsin.accounts.models import User
from tocsin.accounts.permissions import ensure_manages_team
from tocsin.errors import Conflict

from .ingest import Outcome, ingest
from .models import Integration
from .sources import Action, ParsedAlert

FINGERPRINT = "tocsin-test-alert"
ALERTNAME = "TocsinTestAlert"


def send_test_alert(*, integration: Integration, by: User) -> Outcome:
    """Send one test alert to `integration` as `by`; what the pipeline decided is returned."""
    ensure_manages_team(integration.team, by, action="send a test alert")
    if not integration.enabled:
        raise Conflict(f"{integration.name} is disabled: enable it to send a test alert")
    alert = ParsedAlert(
        fingerprint=FINGERPRINT,
        action=Action.TRIGGER,
        summary=f"Test alert from {integration.name}",
        description=(
            f"Sent by {by} from the integration's page to try routing, grouping and paging. "
            "Resolve the drill incident when you are done."
        ),
        source="Tocsin",
        labels={"alertname": ALERTNAME, "test": "true"},
        raw={"test": True, "sent_by": by.email, "integration": integration.pk},
        test=True,
    )
    [outcome] = ingest(integration=integration, alerts=[alert])
    return outcome
