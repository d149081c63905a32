"""Demo team and data for a first look; loading twice changes nothing."""

from datetime import time, timedelta

from django.db import transaction
from django.utils import timezone

from tocsin.accounts.models import InstanceRole, Membership, MembershipRole, Team, User
from tocsin.accounts.services import create_user
from tocsin.incidents import services as incidents
from tocsin.incidents.models import Channel, Incident, Service, Severity, TimelineEvent
from tocsin.oncall import policies
from tocsin.oncall import services as oncall

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
    """Create the demo people, teams, services and a few incidents; False if already there."""
    if User.objects.filter(email="admin@example.com").exists():
        return False
    with transaction.atomic():
        teams = {
            slug: Team.objects.create(slug=slug, name=name, description=desc, email=email)
            for slug, name, desc, email in TEAMS
        }
        people = {}
        for email, name, role, tz, memberships in PEOPLE:
            user = create_user(
                email=email, display_name=name, password=DEMO_PASSWORD, role=role, time_zone=tz
            )
            people[email.split("@")[0]] = user
            for slug, membership_role in memberships.items():
                Membership.objects.create(team=teams[slug], user=user, role=membership_role)
        services = {
            slug: Service.objects.create(slug=slug, name=name, team=teams[team], description=d)
            for slug, name, team, d in SERVICES
        }
        _demo_on_call(people, teams)
        _demo_incidents(people, teams, services)
    return True


def _demo_on_call(people, teams) -> None:
    """Payments: a weekly rotation in Berlin and "on-call now, then the lead after 5 minutes"."""
    alice, bob = people["alice"], people["bob"]
    primary = oncall.create_schedule(
        team=teams["payments"], name="Payments primary", time_zone="Europe/Berlin", by=alice
    )
    today = timezone.localdate()
    oncall.add_layer(
        schedule=primary,
        by=alice,
        name="Weekly",
        participants=[alice, bob],
        rotation_unit="weeks",
        rotation_length=1,
        handoff_time=time(9, 0),
        start_date=today - timedelta(days=today.weekday()),
    )
    policies.create_policy(
        team=teams["payments"],
        name="Payments default",
        by=alice,
        repeat=2,
        levels=[
            policies.LevelSpec(
                timedelta(minutes=5), [policies.TargetSpec("schedule", schedule=primary)]
            ),
            policies.LevelSpec(timedelta(minutes=5), [policies.TargetSpec("user", user=alice)]),
        ],
    )


def _demo_incidents(people, teams, services) -> None:
    p = {s.key: s for s in Severity.objects.all()}
    alice, bob, carol, dave = (people[k] for k in ("alice", "bob", "carol", "dave"))

    resolved = incidents.declare(
        title="Replica lag above 5 minutes on postgres-replica-2",
        severity=p["P3"],
        team=teams["platform"],
        by=carol,
        via=Channel.WEB,
        services=[services["postgres-primary"]],
        description="Reads from the reporting replica are stale.",
    )
    incidents.acknowledge(incident=resolved, by=dave, via=Channel.WEB)
    incidents.set_status(incident=resolved, status="identified", by=dave, via=Channel.WEB)
    incidents.add_note(
        incident=resolved,
        by=dave,
        via=Channel.WEB,
        text="A long-running analytics query holds back WAL replay.",
    )
    incidents.resolve(
        incident=resolved,
        by=dave,
        via=Channel.WEB,
        resolution="Cancelled the query and set max_standby_streaming_delay to 30s.",
    )
    _age(resolved, hours=26)

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
    incidents.acknowledge(incident=working, by=bob, via=Channel.WEB)
    incidents.add_note(
        incident=working,
        by=bob,
        via=Channel.WEB,
        text="Timeouts only on the acquirer's Frankfurt endpoint; opened a ticket with them.",
    )
    _age(working, minutes=40)

    incidents.declare(
        title="TLS certificate for status.example.com expires in 5 days",
        severity=p["P4"],
        team=teams["platform"],
        by=carol,
        via=Channel.WEB,
        services=[services["edge"]],
    )


def _age(incident: Incident, **delta) -> None:
    """Shift a demo incident into the past so its times look like a real one's."""
    shift = timedelta(**delta)
    incident.refresh_from_db()
    fields = ["reported_at", "acknowledged_at", "identified_at", "monitoring_at", "resolved_at"]
    values = {f: getattr(incident, f) - shift for f in fields if getattr(incident, f)}
    Incident.objects.filter(pk=incident.pk).update(**values)
    for event in TimelineEvent.objects.filter(incident=incident):
        TimelineEvent.objects.filter(pk=event.pk).update(at=event.at - shift)
