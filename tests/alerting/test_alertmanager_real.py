"""The real Prometheus Alertmanager (Debian's `prometheus-alertmanager`) posting to a real
`tocsin serve`: its webhook receiver and its PagerDuty receiver, alerts added and resolved
with `amtool`, exactly as an operator would wire them up.

Alertmanager notifies a receiver when a group changes (after `group_wait`, then at most once
per `group_interval`), so a repeat is made the way it happens in production: a second alert
joins the group and the next notification carries both, the first one again.
"""

import json
import os
import shutil
import subprocess
from datetime import UTC, datetime

import httpx
import pytest

from tests.support.live import LiveTocsin, Process, free_port, wait_for

ALERTMANAGER = shutil.which("prometheus-alertmanager")
AMTOOL = shutil.which("amtool")

pytestmark = pytest.mark.processes

SETUP = """
from tocsin.accounts.models import Membership, MembershipRole, Team
from tocsin.accounts.services import create_user
from tocsin.alerting.services import create_integration

team = Team.objects.create(name="Payments", slug="payments")
lead = create_user(email="alice@example.com", display_name="Alice Novak", password="x" * 20)
Membership.objects.create(team=team, user=lead, role=MembershipRole.LEAD)
webhook = create_integration(kind="alertmanager", name="Prometheus", team=team, by=lead)
pagerduty = create_integration(
    kind="pagerduty", name="Alertmanager via PagerDuty", team=team, by=lead
)
emit({"alertmanager": webhook.token, "pagerduty": pagerduty.token})
"""


def _require_alertmanager() -> None:
    if ALERTMANAGER and AMTOOL:
        return
    reason = (
        "the real Alertmanager is not installed: "
        "apt-get install prometheus-alertmanager (binaries prometheus-alertmanager, amtool)"
    )
    if os.environ.get("CI"):
        pytest.fail(reason + "; CI must run this test")
    pytest.skip(reason)


def alertmanager_config(tocsin_url: str, tokens: dict) -> dict:
    """One route to the webhook receiver; alerts labelled via=pagerduty go to PagerDuty's."""
    return {
        "route": {
            "receiver": "tocsin",
            "group_by": ["alertname", "service"],
            "group_wait": "1s",
            "group_interval": "1s",
            "repeat_interval": "1h",
            "routes": [{"matchers": ['via="pagerduty"'], "receiver": "tocsin-pagerduty"}],
        },
        "receivers": [
            {
                "name": "tocsin",
                "webhook_configs": [
                    {
                        "url": f"{tocsin_url}/api/v1/integrations/{tokens['alertmanager']}"
                        "/alertmanager",
                        "send_resolved": True,
                    }
                ],
            },
            {
                "name": "tocsin-pagerduty",
                "pagerduty_configs": [
                    {
                        "url": f"{tocsin_url}/v2/enqueue",
                        "routing_key": tokens["pagerduty"],
                        "severity": "{{ .CommonLabels.severity }}",
                        "send_resolved": True,
                    }
                ],
            },
        ],
    }


class Alertmanager(Process):
    def __init__(self, workdir, config: dict):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config_file = workdir / "alertmanager.yml"
        config_file.write_text(json.dumps(config, indent=2))  # JSON is YAML
        super().__init__(
            [
                ALERTMANAGER,
                f"--config.file={config_file}",
                f"--storage.path={workdir / 'data'}",
                f"--web.listen-address=127.0.0.1:{self.port}",
                "--cluster.listen-address=",
                "--log.level=debug",
            ],
            env=dict(os.environ),
            cwd=workdir,
            log=workdir / "alertmanager.log",
        )
        self.wait_until_answering(f"{self.url}/-/ready", timeout=15)

    def amtool(self, *labels: str, summary: str = "", resolve: bool = False) -> None:
        """`amtool alert add`; resolving sends the same labels with an end time of now."""
        argv = [AMTOOL, "alert", "add", *labels, f"--alertmanager.url={self.url}"]
        if summary:
            argv.append(f"--annotation=summary={summary}")
        if resolve:
            argv.append(f"--end={datetime.now(UTC).strftime('%Y-%m-%dT%H:%M:%SZ')}")
        result = subprocess.run(argv, capture_output=True, text=True, timeout=10)
        assert result.returncode == 0, result.stderr

    def resolve_together(self, *label_sets: tuple[str, ...]) -> None:
        """Resolve several alerts in one request to Alertmanager's API (amtool sends one each),
        so that no notification can fall between them."""
        now = datetime.now(UTC).isoformat()
        alerts = [
            {"labels": dict(label.split("=", 1) for label in labels), "endsAt": now}
            for labels in label_sets
        ]
        assert httpx.post(f"{self.url}/api/v2/alerts", json=alerts, timeout=5).status_code == 200


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    """A migrated Tocsin serving with two web workers, and an Alertmanager pointed at it."""
    _require_alertmanager()
    tocsin = LiveTocsin(tmp_path_factory.mktemp("tocsin"), name="alertmanager")
    try:
        tokens = tocsin.python(SETUP)
        server = tocsin.serve(workers=2)
        alertmanager = Alertmanager(
            tmp_path_factory.mktemp("alertmanager"), alertmanager_config(server.url, tokens)
        )
        try:
            yield tocsin, server, alertmanager
        finally:
            alertmanager.stop()
    finally:
        tocsin.close()


def alerts_of(tocsin, kind: str) -> dict[str, tuple]:
    """{summary: (status, count, incident id)} of the alerts from the integration of `kind`."""
    rows = tocsin.rows(
        "SELECT a.summary, a.status, a.count, a.incident_id FROM alerting_alert a "
        "JOIN alerting_integration i ON i.id = a.integration_id WHERE i.kind = %s",
        (kind,),
    )
    return {summary: (status, count, incident) for summary, status, count, incident in rows}


def incident(tocsin, pk) -> dict:
    [(status, severity, team, title)] = tocsin.rows(
        "SELECT i.status, s.key, t.name, i.title FROM incidents_incident i "
        "JOIN incidents_severity s ON s.id = i.severity_id "
        "JOIN accounts_team t ON t.id = i.team_id WHERE i.id = %s",
        (pk,),
    )
    return {"status": status, "severity": severity, "team": team, "title": title}


def test_alertmanager_webhook_opens_deduplicates_and_resolves(stack):
    tocsin, server, alertmanager = stack
    first = ("alertname=CheckoutErrors", "severity=critical", "service=checkout", "instance=web1")
    second = ("alertname=CheckoutErrors", "severity=critical", "service=checkout", "instance=web2")

    alertmanager.amtool(*first, summary="Checkout errors on web1")
    [(status, count, incident_id)] = wait_for(
        lambda: list(alerts_of(tocsin, "alertmanager").values()), what="the first notification"
    )
    assert (status, count) == ("firing", 1)
    assert incident(tocsin, incident_id) == {
        "status": "triggered",
        "severity": "P1",
        "team": "Payments",
        "title": "Checkout errors on web1",
    }

    # Adding the same alert changes nothing in its group, so Alertmanager stays silent; a second
    # alert joining the group makes it notify again with both: the first is a repeat.
    alertmanager.amtool(*first, summary="Checkout errors on web1")
    alertmanager.amtool(*second, summary="Checkout errors on web2")
    alerts = wait_for(
        lambda: len(found := alerts_of(tocsin, "alertmanager")) == 2 and found,
        what="the grouped notification",
    )
    assert alerts == {
        "Checkout errors on web1": ("firing", 2, incident_id),
        "Checkout errors on web2": ("firing", 1, incident_id),
    }
    assert tocsin.value("SELECT count(*) FROM incidents_incident") == 1

    # Resolving one: the notification's own status is still "firing" and it carries web2 again
    # (a repeat, counted); web1 resolves and the incident stays open for web2.
    alertmanager.amtool(*first, summary="Checkout errors on web1", resolve=True)
    wait_for(
        lambda: alerts_of(tocsin, "alertmanager")["Checkout errors on web1"][0] == "resolved",
        what="web1 to resolve",
    )
    assert alerts_of(tocsin, "alertmanager") == {
        "Checkout errors on web1": ("resolved", 2, incident_id),
        "Checkout errors on web2": ("firing", 2, incident_id),
    }
    assert incident(tocsin, incident_id)["status"] == "triggered"

    alertmanager.amtool(*second, summary="Checkout errors on web2", resolve=True)
    wait_for(
        lambda: incident(tocsin, incident_id)["status"] == "resolved",
        what="the incident to resolve",
    )
    assert alerts_of(tocsin, "alertmanager") == {
        "Checkout errors on web1": ("resolved", 2, incident_id),
        "Checkout errors on web2": ("resolved", 2, incident_id),
    }
    resolution = tocsin.value(
        "SELECT resolution FROM incidents_incident WHERE id = %s", (incident_id,)
    )
    assert resolution == "All 2 alert(s) resolved at the source"

    # Every notification came from Alertmanager itself and was accepted.
    log = server.output()
    posts = [line for line in log.splitlines() if "/alertmanager HTTP/1.1" in line]
    assert len(posts) == 4, log
    assert all('" 202 ' in line and "Alertmanager/0.25" in line for line in posts), log
    assert "Traceback" not in log


def test_alertmanager_pagerduty_receiver_opens_deduplicates_and_resolves(stack):
    tocsin, server, alertmanager = stack
    labels = ("alertname=PayoutsStuck", "severity=critical", "service=payouts", "via=pagerduty")

    alertmanager.amtool(*labels, "instance=worker1")
    [(summary, (status, count, incident_id))] = wait_for(
        lambda: list(alerts_of(tocsin, "pagerduty").items()), what="the trigger event"
    )
    # One PagerDuty alert per Alertmanager group: dedup_key is the SHA-256 of the group key.
    assert summary.startswith("[FIRING:1] PayoutsStuck") and (status, count) == ("firing", 1)
    assert incident(tocsin, incident_id)["severity"] == "P1"
    assert incident(tocsin, incident_id)["team"] == "Payments"

    # A second alert in the group: Alertmanager triggers again with the same dedup_key.
    alertmanager.amtool(*labels, "instance=worker2")
    [(summary, (status, count, _))] = wait_for(
        lambda: [item for item in alerts_of(tocsin, "pagerduty").items() if item[1][1] == 2],
        what="the repeated trigger",
    )
    assert summary.startswith("[FIRING:2] PayoutsStuck") and status == "firing"
    assert len(alerts_of(tocsin, "pagerduty")) == 1

    alertmanager.resolve_together((*labels, "instance=worker1"), (*labels, "instance=worker2"))
    wait_for(
        lambda: incident(tocsin, incident_id)["status"] == "resolved",
        what="the resolve event",
    )
    [(status, count, _)] = alerts_of(tocsin, "pagerduty").values()
    assert (status, count) == ("resolved", 2)

    log = server.output()
    posts = [line for line in log.splitlines() if "POST /v2/enqueue" in line]
    assert len(posts) == 3, log
    assert all('" 202 ' in line and "Alertmanager/0.25" in line for line in posts), log
    assert "Traceback" not in log
