"""End to end, the drill of docs/drills.md: Alice starts "Checkout 502s"; its Alertmanager body
goes through the real intake, routing, escalation and paging; Bob's page e-mail arrives over
real SMTP with [DRILL] in its subject, the cards in the Payments Telegram group and Slack channel
say [DRILL]; the public status page and its subscribers hear nothing; a webhook that did not opt
in to drills gets nothing, one that did gets the events with "drill": true; the metrics do not
change."""

import pytest

from tests.notify.conftest import _base_url, group, room, slack, telegram  # noqa: F401
from tests.support import slack as slack_support
from tests.support import telegram as telegram_support
from tests.support.fakes.webhook_receiver import Receiver
from tests.support.mailbox import html_of, text_of
from tests.support.outbox import deliver
from tests.support.people import email_method
from tocsin.alerting.models import Alert, AlertEvent
from tocsin.drills.models import RunStatus
from tocsin.drills.services import start_drill
from tocsin.incidents.models import Channel, Event, Source
from tocsin.incidents.services import acknowledge, resolve
from tocsin.notify.models import OutboxMessage, OutboxState, Purpose
from tocsin.oncall.escalation.engine import run_due_escalations
from tocsin.oncall.escalation.models import NotificationRule
from tocsin.statuspage import services as statuspage
from tocsin.statuspage.models import Page, PublicIncident, Subscriber
from tocsin.statuspage.snapshot import render_page
from tocsin.webhooks.services import create_webhook

pytestmark = pytest.mark.django_db


@pytest.fixture
def receiver(settings):
    """A webhook receiver on 127.0.0.1, allowed the way an admin allows an internal address."""
    settings.WEBHOOK_ALLOW_PRIVATE = ""
    settings.WEBHOOK_ALLOWED_NETWORKS = "127.0.0.0/8"
    server = Receiver().start()
    yield server
    server.stop()


@pytest.fixture
def public_page(admin, checkout):
    """The default status page with a Checkout component that publishes alerts' incidents by
    itself, and a confirmed subscriber of it."""
    page = Page.objects.filter(is_default=True).first() or Page.objects.create(
        slug="public", name="Status", is_default=True
    )
    component = statuspage.create_component(
        page=page,
        name="Checkout",
        services=[checkout],
        automatic=True,
        automatic_message="We are looking into failed payments.",
        by=admin,
    )
    subscriber = Subscriber.objects.create(
        page=page, kind="email", email="customer@example.net", confirmed_at=component.updated_at
    )
    subscriber.components.set([component])
    render_page(page.pk)
    return page


def _deliver_everything():
    for _ in range(6):
        deliver()
        pending = OutboxMessage.objects.filter(state=OutboxState.PENDING)
        if not pending.exists():
            return
        pending.update(next_attempt_at=OutboxMessage.objects.earliest("created_at").created_at)
    raise AssertionError(
        list(OutboxMessage.objects.exclude(state=OutboxState.SENT).values("address", "last_error"))
    )


def _metrics(api):
    response = api.get("/metrics?period=month&group=team")
    assert response.status_code == 200, response.content
    return response.json()


def test_a_drill_runs_the_whole_pipeline_marked_and_kept_apart(  # noqa: PLR0915 (one story)
    scenario,
    policy,
    member,
    lead,
    admin,
    telegram,  # noqa: F811
    group,  # noqa: F811
    slack,  # noqa: F811
    room,  # noqa: F811
    smtp,
    settings,
    receiver,
    public_page,
    payments,
    p1,
    checkout,
    api_as,
    client,
):
    assert settings.EMAIL_BACKEND.endswith("smtp.EmailBackend")  # the real SMTP server
    quiet = create_webhook(team=payments, name="quiet", url=receiver.url("/quiet"), by=admin)
    loud = create_webhook(
        team=payments,
        name="loud",
        url=receiver.url("/loud"),
        include_drills=True,
        by=admin,
    )
    receiver.secrets["/quiet"], receiver.secrets["/loud"] = quiet.secret, loud.secret
    # Bob is paged at once by e-mail, by Telegram and by Slack.
    methods = [
        email_method(member),
        telegram_support.link(member, telegram_support.BOB_TELEGRAM, "bob"),
        slack_support.linked(member, "U0BOB"),
    ]
    for position, method in enumerate(methods, start=1):
        NotificationRule.objects.create(user=member, position=position, contact_method=method)
    metrics_before = _metrics(api_as(admin))
    public_before = client.get("/status/api/v2/incidents.json").json()["incidents"]

    run = start_drill(scenario=scenario, by=lead, via=Channel.WEB)

    # The incident came from the intake: a drill, of the scenario's severity and service.
    incident = run.incident
    assert run.status == RunStatus.RUNNING and run.started_by == lead
    assert incident.drill and incident.source == Source.ALERT
    assert (incident.team, incident.severity) == (payments, p1)
    assert list(incident.services.all()) == [checkout]
    assert incident.title == "Disk almost full on db1"  # what the payload's alert says
    [alert] = Alert.objects.filter(incident=incident)
    assert alert.test and alert.integration == scenario.integration
    assert alert.labels["alertname"] == "DiskFull"
    [received] = AlertEvent.objects.filter(alert=alert)
    assert "A drill: team Payments, severity P1 and service Checkout set by its scenario" in (
        received.decisions
    )
    assert incident.timeline.filter(
        kind=Event.DRILL, message="Drill started by Alice Novak from scenario Checkout 502s"
    ).exists()

    # Escalation pages Bob, who is on call; everything queued is delivered.
    run_due_escalations()
    assert incident.timeline.filter(kind=Event.PAGE_SENT, message__contains="Bob Okafor").exists()
    _deliver_everything()

    [page_mail] = smtp.to(member.email)
    assert page_mail["Subject"].startswith(f"[DRILL] [P1] {incident.reference} ")
    assert text_of(page_mail).startswith("DRILL · P1")
    assert ">DRILL</span>" in html_of(page_mail)
    headline = f"[DRILL] [P1] {incident.reference} Disk almost full on db1"
    telegram_posts = {
        chat: m for (chat, _), m in telegram.messages.items() if m["reply_to"] is None
    }
    assert set(telegram_posts) == {telegram_support.GROUP_ID, str(telegram_support.BOB_TELEGRAM)}
    assert all(m["plain"].startswith(headline) for m in telegram_posts.values())
    slack_posts = {channel: m for (channel, _), m in slack.messages.items()}
    assert set(slack_posts) == {slack_support.CHANNEL, "D0BOB"}  # the DM with U0BOB
    for posted in slack_posts.values():
        assert posted["text"].startswith(headline)
        assert posted["blocks"][0]["text"]["text"].startswith(headline)

    # Bob acknowledges and resolves it; the run is finished.
    acknowledge(incident=incident, by=member, via=Channel.WEB)
    incident = resolve(incident=incident, by=member, via=Channel.WEB, resolution="Rolled back")
    run.refresh_from_db()
    assert run.status == RunStatus.FINISHED and run.finished_at == incident.resolved_at
    assert incident.timeline.filter(
        kind=Event.DRILL, message=f"Drill finished: {incident.reference} resolved"
    ).exists()
    _deliver_everything()
    replies = [m for m in telegram.messages.values() if m["reply_to"] is not None]
    resolved_reply = [r["plain"] for r in replies if "resolved by" in r["plain"]]
    assert resolved_reply and all(text.startswith("[DRILL] ") for text in resolved_reply)

    [resolution_mail] = smtp.to("payments@example.com")  # the team's list
    assert resolution_mail["Subject"].startswith(f"[DRILL] Resolved: [P1] {incident.reference}")

    # Nothing on the public status page, no subscriber told.
    assert not PublicIncident.objects.exists()
    render_page(public_page.pk)
    assert client.get("/status/api/v2/incidents.json").json()["incidents"] == public_before
    summary = client.get("/status/api/v2/summary.json").json()
    assert summary["incidents"] == [] and summary["status"]["indicator"] == "none"
    assert [c["status"] for c in summary["components"]] == ["operational"]
    assert smtp.to("customer@example.net") == []

    # Webhooks: nothing to the one that did not opt in; the drill's events to the other.
    assert [d.path for d in receiver.deliveries if d.path == "/quiet"] == []
    loud_deliveries = [d for d in receiver.deliveries if d.path == "/loud"]
    assert [d.type for d in loud_deliveries] == [
        "incident.triggered",
        "incident.acknowledged",
        "incident.resolved",
    ]
    assert all(d.verified and d.json["incident"]["drill"] is True for d in loud_deliveries)
    assert not OutboxMessage.objects.filter(
        purpose=Purpose.WEBHOOK, data__webhook=quiet.pk
    ).exists()

    # The metrics leave the drill out.
    assert _metrics(api_as(admin)) == metrics_before
