"""Demo team and data for a first look; loading twice changes nothing."""

from datetime import datetime, time, timedelta

import time_machine
from django.db import transaction
from django.utils import timezone

from tocsin.accounts import services as accounts
from tocsin.accounts.models import InstanceRole, MembershipRole, User
from tocsin.accounts.services import create_user
from tocsin.incidents import services as incidents
from tocsin.incidents.models import Channel, Severity
from tocsin.oncall.escalation import services as policies
from tocsin.oncall.schedules import services as oncall

DEMO_PASSWORD = "tocsin-demo"

PEOPLE = [
    # email, display name, instance role, time zone, {team slug: membership role}
    ("admin@example.com", "Ada Admin", InstanceRole.ADMIN, "UTC", {}),
    (
        "alice@example.com",
        "Alice Novak",
        InstanceRole.RESPONDER,
        "Europe/Berlin",
        {"payments": MembershipRole.LEAD},
    ),
    (
        "bob@example.com",
        "Bob Okafor",
        InstanceRole.RESPONDER,
        "Europe/Berlin",
        {"payments": MembershipRole.MEMBER},
    ),
    (
        "carol@example.com",
        "Carol Jensen",
        InstanceRole.RESPONDER,
        "America/New_York",
        {"platform": MembershipRole.LEAD},
    ),
    (
        "dave@example.com",
        "Dave Ito",
        InstanceRole.RESPONDER,
        "Asia/Tokyo",
        {"platform": MembershipRole.MEMBER},
    ),
    ("viewer@example.com", "Vera Viewer", InstanceRole.VIEWER, "UTC", {}),
    ("sam@example.com", "Sam Support", InstanceRole.AGENT, "Europe/Lisbon", {}),
]

TEAMS = [
    ("payments", "Payments", "Checkout, card processing and payouts.", "payments@example.com"),
    ("platform", "Platform", "Databases, Kubernetes and the edge.", "platform@example.com"),
]

SERVICES = [
    ("checkout", "Checkout", "payments", "The checkout flow and its API."),
    ("card-processing", "Card processing", "payments", "Authorisations and captures."),
    ("payouts", "Payouts", "payments", "Merchant payouts."),
    ("postgres-primary", "PostgreSQL primary", "platform", "The main database cluster."),
    ("edge", "Edge proxy", "platform", "TLS termination and routing."),
]


def load_demo() -> bool:
    """Create the demo people, teams, services and a few incidents; False if already there.

    Everything goes through the same services a person would use; the incidents are worked at
    times in the past (the clock is moved for the demo), so their timelines read like real ones.
    """
    if User.objects.filter(email="admin@example.com").exists():
        return False
    with transaction.atomic():
        people = {}
        for email, name, role, tz, _memberships in PEOPLE:
            people[email.split("@")[0]] = create_user(
                email=email, display_name=name, password=DEMO_PASSWORD, role=role, time_zone=tz
            )
        admin = people["admin"]
        teams = {
            slug: accounts.create_team(
                slug=slug, name=name, description=desc, email=email, by=admin
            )
            for slug, name, desc, email in TEAMS
        }
        for email, _name, _role, _tz, memberships in PEOPLE:
            for slug, membership_role in memberships.items():
                accounts.add_member(
                    team=teams[slug],
                    user=people[email.split("@")[0]],
                    role=membership_role,
                    by=admin,
                )
        services = {
            slug: incidents.create_service(
                slug=slug, name=name, team=teams[team], description=d, by=admin
            )
            for slug, name, team, d in SERVICES
        }
        _demo_on_call(people, teams)
        working = _demo_incidents(people, teams, services)
        _demo_status_page(people, services, working)
        _demo_after_the_incident(people, teams, services)
        _demo_tickets(people, teams)
    return True


def _demo_tickets(people, teams) -> None:
    """Sam's tickets: one new for Payments to triage, one Alice triaged and closed."""
    from tocsin.tickets import services as tickets

    tickets.open_ticket(
        by=people["sam"],
        team=teams["payments"],
        title="Clicking on user details gives an error",
        customer_user_id="cust-4711",
        what_they_did="Opened Admin → Users and clicked a user's name",
        what_happened="An error page: 'Something went wrong'",
        expected="The user's details",
        browser="Firefox 133 on macOS",
        scope="ADMINS",
        criticality="FBLOCK",
    )
    cookies = tickets.open_ticket(
        by=people["sam"],
        team=teams["payments"],
        title="Checkout asks to sign in again after paying",
        customer_user_id="cust-0815",
        what_they_did="Paid for an order",
        what_happened="The confirmation page asked them to sign in again",
        browser="Safari 18 on iOS",
        scope="S-USER",
        criticality="FBEHAV",
    )
    tickets.triage_ticket(ticket=cookies, by=people["alice"], classification="FE")
    tickets.close_ticket(
        ticket=cookies,
        by=people["alice"],
        reason="not_a_bug",
        note="Their browser blocks our session cookie in private mode; ask them to pay in a "
        "normal window.",
    )


# The status page: group, components in it, and the services each shows.
STATUS_COMPONENTS = [
    ("Payments", "Checkout", ["checkout"], "Paying for an order."),
    ("Payments", "Card processing", ["card-processing"], "Card authorisations and captures."),
    ("Platform", "API", ["edge", "postgres-primary"], "The public REST API."),
    ("Platform", "Web", ["edge"], "The website and dashboard."),
]


def _demo_status_page(people, services, working) -> None:
    """Components in two groups on the default page; the card incident published by its
    commander; a maintenance next Sunday night."""
    from tocsin.statuspage import services as statuspage
    from tocsin.statuspage.models import Page

    admin, alice = people["admin"], people["alice"]
    page = Page.objects.get(is_default=True)
    groups, components = {}, {}
    for group_name, name, slugs, description in STATUS_COMPONENTS:
        if group_name not in groups:
            groups[group_name] = statuspage.create_group(page=page, name=group_name, by=admin)
        components[name] = statuspage.create_component(
            page=page,
            name=name,
            group=groups[group_name],
            description=description,
            services=[services[slug] for slug in slugs],
            by=admin,
        )
    statuspage.publish(
        page=page,
        by=alice,
        incident=working,
        name="Card payments failing for some customers",
        status="identified",
        body="Some card payments time out; retrying usually works. We are working with our "
        "card processor on a fix.",
        component_statuses={components["Card processing"]: "partial_outage"},
    )
    today = timezone.now()
    sunday = (today + timedelta(days=(6 - today.weekday()) % 7 or 7)).replace(
        hour=2, minute=0, second=0, microsecond=0
    )
    if sunday - today < timedelta(days=1):
        sunday += timedelta(days=7)
    statuspage.schedule(
        page=page,
        by=admin,
        name="Card processor upgrade",
        scheduled_for=sunday,
        scheduled_until=sunday + timedelta(hours=1),
        components=[components["Card processing"]],
        body="We upgrade the card processor's connection. Card payments may be declined for a "
        "few minutes; please retry.",
        remind_before=timedelta(hours=1),
    )


def _demo_on_call(people, teams) -> None:
    """Each team: a weekly primary rotation and a secondary one a week out of step, and a policy
    "on call now, then the secondary after 5 minutes", so level 2 is always someone else."""
    rotations = [
        # team, lead who sets it up, time zone, the people in primary order
        ("payments", "alice", "Europe/Berlin", ["alice", "bob"]),
        ("platform", "carol", "America/New_York", ["dave", "carol"]),
    ]
    today = timezone.localdate()
    # Four weeks back (an even number of weeks: the same person is on call now as in the
    # rotation's first week), so that the incidents of the last weeks found someone on call.
    monday = today - timedelta(days=today.weekday(), weeks=4)
    for slug, lead_key, time_zone, order in rotations:
        team, lead = teams[slug], people[lead_key]
        rota = [people[key] for key in order]
        schedules = []
        for name, participants in (("primary", rota), ("secondary", rota[1:] + rota[:1])):
            schedule = oncall.create_schedule(
                team=team, name=f"{team.name} {name}", time_zone=time_zone, by=lead
            )
            oncall.add_layer(
                schedule=schedule,
                by=lead,
                name="Weekly",
                participants=participants,
                rotation_unit="weeks",
                rotation_length=1,
                handoff_time=time(9, 0),
                start_date=monday,
            )
            schedules.append(schedule)
        policies.create_policy(
            team=team,
            name=f"{team.name} default",
            by=lead,
            repeat=2,
            levels=[
                policies.LevelSpec(
                    timedelta(minutes=5), [policies.TargetSpec("schedule", schedule=schedule)]
                )
                for schedule in schedules
            ],
        )


def demo_accounts() -> list[str]:
    """One line per demo account, for `tocsin demo` to print: e-mail and who they are."""
    lines = []
    for email, name, role, _tz, memberships in PEOPLE:
        if role == InstanceRole.ADMIN:
            who = "an admin"
        elif role == InstanceRole.VIEWER:
            who = "may read but not change anything"
        elif role == InstanceRole.AGENT:
            who = "a support agent: opens and follows support tickets"
        else:
            who = ", ".join(
                f"{'lead' if r == MembershipRole.LEAD else 'member'} of {slug.capitalize()}"
                for slug, r in memberships.items()
            )
        lines.append(f"{email:<20} {name}, {who}")
    return lines


def _demo_incidents(people, teams, services) -> None:
    p = {s.key: s for s in Severity.objects.all()}
    alice, bob, carol, dave = (people[k] for k in ("alice", "bob", "carol", "dave"))

    now = timezone.now()
    with _Clock(now - timedelta(hours=26)) as at:
        resolved = incidents.declare(
            title="Replica lag above 5 minutes on postgres-replica-2",
            severity=p["P3"],
            team=teams["platform"],
            by=carol,
            via=Channel.WEB,
            services=[services["postgres-primary"]],
            description="Reads from the reporting replica are stale.",
        )
        at(minutes=4)
        incidents.acknowledge(incident=resolved, by=dave, via=Channel.WEB)
        at(minutes=19)
        incidents.set_status(incident=resolved, status="identified", by=dave, via=Channel.WEB)
        at(minutes=21)
        incidents.add_note(
            incident=resolved,
            by=dave,
            via=Channel.WEB,
            text="A long-running analytics query holds back WAL replay.",
        )
        at(minutes=47)
        incidents.resolve(
            incident=resolved,
            by=dave,
            via=Channel.WEB,
            resolution="Cancelled the query and set max_standby_streaming_delay to 30s.",
        )

    with _Clock(now - timedelta(minutes=40)) as at:
        working = incidents.declare(
            title="Card authorisations timing out for some issuers",
            severity=p["P2"],
            team=teams["payments"],
            by=alice,
            via=Channel.WEB,
            services=[services["card-processing"]],
            impact_who="Customers paying with cards from two European issuers",
            impact_how="About 8% of authorisations time out; customers can retry",
        )
        at(minutes=2)
        incidents.acknowledge(incident=working, by=bob, via=Channel.WEB)
        at(minutes=11)
        incidents.add_note(
            incident=working,
            by=bob,
            via=Channel.WEB,
            text="Timeouts only on the acquirer's Frankfurt endpoint; opened a ticket with them.",
        )

    incidents.declare(
        title="TLS certificate for status.example.com expires in 5 days",
        severity=p["P4"],
        team=teams["platform"],
        by=carol,
        via=Channel.WEB,
        services=[services["edge"]],
    )
    return working


ALERT_NAME = "CheckoutErrorRate"

CHECKOUT_RUNBOOK = """\
When checkout answers errors, follow these steps in order.

1. Open the **Checkout** dashboard and confirm the error rate
2. Roll back the latest checkout deploy
3. Check the card processor's status page
4. Tell support what customers see
5. Confirm the error rate is back under 1% for 15 minutes

Escalate to the Platform team if the rollback does not help.
"""


def _checkout_alert(status: str, starts_at: datetime, ends_at: datetime | None = None) -> dict:
    """The alert as Alertmanager sends it: one alert of a notification."""
    return {
        "status": status,
        "fingerprint": "demo-checkout-error-rate",
        "labels": {
            "alertname": ALERT_NAME,
            "severity": "critical",
            "service": "checkout",
            "job": "checkout-api",
        },
        "annotations": {
            "summary": "Checkout error rate above 5%",
            "description": "More than 5% of checkout requests answered 5xx for 5 minutes.",
        },
        "generatorURL": "https://prometheus.example.com/graph?g0.expr=checkout_errors",
        "startsAt": starts_at.isoformat(),
        "endsAt": ends_at.isoformat() if ends_at else "0001-01-01T00:00:00Z",
    }


def _demo_after_the_incident(people, teams, services) -> None:
    """Last week's P1 on Checkout, from the alert CheckoutErrorRate: its runbook ticked as it
    was worked, its situation report sent to Payments' stakeholders, its post-mortem in review
    with Carol, two action items (one overdue)."""
    from tocsin.alerting.ingest import ingest
    from tocsin.alerting.models import Kind
    from tocsin.alerting.services import integrations
    from tocsin.alerting.sources import alertmanager
    from tocsin.incidents.models import Role
    from tocsin.postincident.actions.services import create_action_item
    from tocsin.postincident.postmortems.models import Postmortem
    from tocsin.postincident.postmortems.services import request_review, update_postmortem
    from tocsin.postincident.situation.services import add_team_stakeholder
    from tocsin.runbooks.services import create_runbook, tick_step

    admin, alice, bob, carol = (people[k] for k in ("admin", "alice", "bob", "carol"))
    payments, checkout = teams["payments"], services["checkout"]
    now = timezone.now()

    with _Clock(now - timedelta(days=30)):
        prometheus = integrations.create_integration(
            kind=Kind.ALERTMANAGER, name="Prometheus", team=payments, service=checkout, by=alice
        )
        runbook = create_runbook(
            name="Checkout error rate",
            body=CHECKOUT_RUNBOOK,
            services=[checkout],
            alert_names=[ALERT_NAME],
            by=alice,
        )
        add_team_stakeholder(team=payments, by=alice, user=carol)
        add_team_stakeholder(team=payments, by=alice, email="support-leads@example.com")

    with _Clock(now - timedelta(days=8, hours=3)) as at:
        started = timezone.now()
        [fired] = ingest(
            integration=prometheus,
            alerts=alertmanager.parse({"alerts": [_checkout_alert("firing", started)]}),
        )
        incident = fired.incident
        at(minutes=3)
        incidents.acknowledge(incident=incident, by=bob, via=Channel.WEB)
        incidents.assign_role(
            incident=incident, user=bob, role=Role.COMMANDER, by=bob, via=Channel.WEB
        )
        at(minutes=5)
        tick_step(
            incident=incident,
            runbook=runbook,
            step=1,
            note="6% of checkouts answer 502 since the last deploy",
            by=bob,
            via=Channel.WEB,
        )
        incidents.update_details(
            incident=incident,
            by=bob,
            via=Channel.WEB,
            impact_who="Every customer paying by card",
            impact_how="About 6% of checkout attempts fail with an error; retrying often works",
        )
        at(minutes=9)
        incidents.set_status(incident=incident, status="identified", by=bob, via=Channel.WEB)
        tick_step(
            incident=incident,
            runbook=runbook,
            step=2,
            note="rolled checkout back to 4.1.2",
            by=bob,
            via=Channel.WEB,
        )
        at(minutes=12)
        incidents.set_status(incident=incident, status="monitoring", by=bob, via=Channel.WEB)
        at(minutes=28)
        tick_step(incident=incident, runbook=runbook, step=5, by=bob, via=Channel.WEB)
        at(minutes=29)
        incidents.resolve(
            incident=incident,
            by=bob,
            via=Channel.WEB,
            resolution="Rolled checkout back to 4.1.2; the error rate has been under 0.5% "
            "for 15 minutes.",
        )
        at(minutes=31)
        ingest(
            integration=prometheus,
            alerts=alertmanager.parse(
                {"alerts": [_checkout_alert("resolved", started, timezone.now())]}
            ),
        )

        at(days=1)
        postmortem = Postmortem.objects.get(incident=incident)
        update_postmortem(
            postmortem=postmortem,
            by=bob,
            sections={
                "Detection": "The alert CheckoutErrorRate paged Bob 4 minutes after the deploy.",
                "Contributing factors": "Checkout 4.2.0 called the card processor with a "
                "timeout of 100 ms instead of 1 s; the deploy went to every instance at once.",
                "Lessons": "A canary stage would have caught it on 5% of the traffic.",
            },
        )
        today = timezone.now().date()
        create_action_item(
            incident=incident,
            by=bob,
            kind="prevent",
            title="Add a canary stage to checkout deploys",
            owner=bob,
            due_on=today + timedelta(days=21),
            priority="high",
            external_url="https://tracker.example.com/PAY-118",
        )
        create_action_item(
            incident=incident,
            by=bob,
            kind="detect",
            title="Alert on the card processor's timeout rate",
            owner=alice,
            due_on=today + timedelta(days=3),  # overdue by now
        )
        request_review(postmortem=postmortem, by=bob, reviewers=[carol])


class _Clock:
    """The demo's own clock: `at(minutes=4)` moves it to four minutes after its start."""

    def __init__(self, start: datetime):
        self.start = start
        self.traveller = None
        self(minutes=0)

    def __call__(self, **after) -> None:
        self.stop()
        self.traveller = time_machine.travel(self.start + timedelta(**after), tick=True)
        self.traveller.start()

    def stop(self) -> None:
        if self.traveller is not None:
            self.traveller.stop()
            self.traveller = None

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.stop()
