"""Every write to runbooks: one transaction each. Writing a runbook keeps a version; ticking a
step, or unticking one ticked by mistake, records the incident's timeline event
(`Event.RUNBOOK_STEP`)."""

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify

from tocsin.accounts.permissions import (
    ensure_manages_routing_rules,
    ensure_may_edit_runbook,
    ensure_works_incident,
)
from tocsin.alerting.models import RoutingRule
from tocsin.errors import Conflict, ValidationFailed
from tocsin.incidents.models import Event
from tocsin.incidents.services import record
from tocsin.incidents.services.timeline import clean_text, locked

from .models import RuleRunbook, Runbook, RunbookAlert, RunbookVersion, StepTick
from .selectors import runbook_for
from .steps import steps_of, unified_diff

MAX_BODY = 50_000
# Addresses under /runbooks/ that are pages, not runbooks.
RESERVED_SLUGS = {"new"}
CHANGEABLE = {"name", "body", "services", "alert_names", "rules"}


def _name(value, *, exclude: Runbook | None = None) -> str:
    name = clean_text(value, field="name", required=True, max_length=150)
    others = Runbook.objects.filter(name__iexact=name)
    if exclude is not None:
        others = others.exclude(pk=exclude.pk)
    if (other := others.first()) is not None:
        raise ValidationFailed(f"there is already a runbook called {other.name}", field="name")
    return name


def _body(value) -> str:
    body = clean_text(value, field="body", required=True, max_length=MAX_BODY)
    if not steps_of(body):
        raise ValidationFailed(
            "the body has no numbered steps: write each step as a numbered list item "
            "(1. Check the dashboard)",
            field="body",
        )
    return body


def _slug(name: str) -> str:
    base = slugify(name)[:90]
    if not base:
        raise ValidationFailed(
            f"{name!r} makes no address: use some letters or digits", field="name"
        )
    slug, number = (f"{base}-2", 3) if base in RESERVED_SLUGS else (base, 2)
    while Runbook.objects.filter(slug=slug).exists():
        slug, number = f"{base}-{number}", number + 1
    return slug


def _alert_names(values, *, runbook: Runbook | None) -> list[str]:
    names = []
    for value in values or []:
        name = clean_text(value, field="alert_names", required=True, max_length=200)
        if name not in names:
            names.append(name)
    taken = RunbookAlert.objects.filter(alert_name__in=names).select_related("runbook")
    if runbook is not None:
        taken = taken.exclude(runbook=runbook)
    for link in taken:
        raise ValidationFailed(
            f"the alert {link.alert_name!r} already has a runbook: {link.runbook.name}",
            field="alert_names",
        )
    return names


def _rules(rules, *, runbook: Runbook | None, by) -> list[RoutingRule]:
    rules = list(dict.fromkeys(rules or []))
    linked = set(runbook.rule_links.values_list("rule_id", flat=True)) if runbook else set()
    for rule in rules:
        if rule.pk in linked:  # kept as it was: no right to change the rule is needed
            continue
        ensure_manages_routing_rules(
            rule.team, by, action=f"link the routing rule {rule.name!r} to a runbook", field="rules"
        )
    taken = RuleRunbook.objects.filter(rule__in=rules).select_related("rule", "runbook")
    if runbook is not None:
        taken = taken.exclude(runbook=runbook)
    for link in taken:
        raise ValidationFailed(
            f"the routing rule {link.rule.name!r} already uses the runbook {link.runbook.name}",
            field="rules",
        )
    return rules


def _link_rules(runbook: Runbook, rules: list[RoutingRule], *, by) -> None:
    """The rules now use this runbook instead of an external address; rules left out no
    longer use it (unlinking one needs the right to change it, as linking does)."""
    for link in runbook.rule_links.exclude(rule__in=rules).select_related("rule"):
        ensure_manages_routing_rules(
            link.rule.team, by, action=f"unlink the routing rule {link.rule.name!r}", field="rules"
        )
        link.delete()
    linked = set(runbook.rule_links.values_list("rule_id", flat=True))
    added = [rule.pk for rule in rules if rule.pk not in linked]
    RuleRunbook.objects.bulk_create(RuleRunbook(rule_id=pk, runbook=runbook) for pk in added)
    RoutingRule.objects.filter(pk__in=added).update(runbook_url="")


def set_rule_runbook(rule: RoutingRule, slug: str) -> None:
    """Inside the routing rule's own transaction, once whoever changes the rule may (see
    tocsin.alerting.services.rules): the rule uses the runbook with this slug instead of an
    external address; an empty slug, no runbook of Tocsin's."""
    if not slug:
        RuleRunbook.objects.filter(rule=rule).delete()
        return
    runbook = Runbook.objects.filter(slug=slug).first()
    if runbook is None:
        raise ValidationFailed(f"there is no runbook {slug!r}", field="runbook")
    RuleRunbook.objects.update_or_create(rule=rule, defaults={"runbook": runbook})
    if rule.runbook_url:
        rule.runbook_url = ""
        RoutingRule.objects.filter(pk=rule.pk).update(runbook_url="")


def _keep_version(runbook: Runbook, *, by, before: RunbookVersion | None) -> RunbookVersion:
    number = before.number + 1 if before else 1
    diff = unified_diff(
        before.body if before else "",
        runbook.body,
        old_name=f"{before.name} v{before.number}" if before else "/dev/null",
        new_name=f"{runbook.name} v{number}",
    )
    return RunbookVersion.objects.create(
        runbook=runbook,
        number=number,
        name=runbook.name,
        body=runbook.body,
        diff=diff,
        author=by,
        author_name=str(by),
        at=runbook.updated_at,
    )


def create_runbook(*, name: str, body: str, by, services=(), alert_names=(), rules=()) -> Runbook:
    """A new runbook and its first version; its services say who may edit it."""
    services = list(services)
    ensure_may_edit_runbook(by, services=services)
    name, body = _name(name), _body(body)
    with transaction.atomic():
        alert_names = _alert_names(alert_names, runbook=None)
        rules = _rules(rules, runbook=None, by=by)
        now = timezone.now()
        runbook = Runbook.objects.create(
            name=name, slug=_slug(name), body=body, created_at=now, updated_at=now
        )
        runbook.services.set(services)
        RunbookAlert.objects.bulk_create(
            RunbookAlert(runbook=runbook, alert_name=alert) for alert in alert_names
        )
        _link_rules(runbook, rules, by=by)
        _keep_version(runbook, by=by, before=None)
    return runbook


def update_runbook(*, runbook: Runbook, by, **changes) -> Runbook:
    """Change a runbook; a change of its name or body keeps a new version with its diff.
    Whoever changes it must be allowed to edit it before and after."""
    unknown = set(changes) - CHANGEABLE
    if unknown:
        raise ValidationFailed(f"unknown field {sorted(unknown)[0]!r}", field=sorted(unknown)[0])
    ensure_may_edit_runbook(by, runbook)
    if "services" in changes:
        changes["services"] = list(changes["services"])
        ensure_may_edit_runbook(by, runbook, services=changes["services"])
    with transaction.atomic():
        runbook = Runbook.objects.select_for_update().get(pk=runbook.pk)
        before = runbook.versions.order_by("-number").first()
        edited = False
        if "name" in changes:
            name = _name(changes["name"], exclude=runbook)
            edited |= name != runbook.name
            runbook.name = name
        if "body" in changes:
            body = _body(changes["body"])
            edited |= body != runbook.body
            runbook.body = body
        if "alert_names" in changes:
            names = _alert_names(changes["alert_names"], runbook=runbook)
            runbook.alerts.exclude(alert_name__in=names).delete()
            kept = set(runbook.alerts.values_list("alert_name", flat=True))
            RunbookAlert.objects.bulk_create(
                RunbookAlert(runbook=runbook, alert_name=name) for name in names if name not in kept
            )
        if "rules" in changes:
            _link_rules(runbook, _rules(changes["rules"], runbook=runbook, by=by), by=by)
        if "services" in changes:
            runbook.services.set(changes["services"])
        runbook.updated_at = timezone.now()
        runbook.save()
        if edited:
            _keep_version(runbook, by=by, before=before)
    return runbook


def _open_runbook_step(incident, runbook: Runbook, step: int, *, to: str):
    """Inside the transaction: the incident locked, once it is open and `runbook` is its
    runbook and has `step`; with the runbook's steps."""
    incident = locked(incident)
    if not incident.is_open:
        raise Conflict(
            f"{incident.reference} is {incident.get_status_display().lower()}: "
            f"reopen it to {to} runbook steps",
            field="step",
        )
    found = runbook_for(incident).runbook
    if found is None or found.pk != runbook.pk:
        raise ValidationFailed(
            f"{runbook.name} is not the runbook of {incident.reference}", field="runbook"
        )
    steps = steps_of(runbook.body)
    if not 1 <= step <= len(steps):
        raise ValidationFailed(
            f"{runbook.name} has no step {step}: its steps are 1 to {len(steps)}",
            field="step",
        )
    return incident, steps


def tick_step(*, incident, runbook: Runbook, step: int, by, via: str, note: str = "") -> StepTick:
    """Mark a step of the incident's runbook done: once, on the incident's timeline."""
    ensure_works_incident(incident, by, action="tick the steps of its runbook")
    note = clean_text(note, field="note", required=False, max_length=500)
    with transaction.atomic():
        incident, steps = _open_runbook_step(incident, runbook, step, to="tick")
        done = StepTick.objects.filter(incident=incident, runbook=runbook, step=step).first()
        if done is not None:
            raise Conflict(
                f"step {step} was already ticked by {done.by_name} at {done.at:%H:%M} UTC",
                field="step",
            )
        current = steps[step - 1]
        try:
            with transaction.atomic():
                tick = StepTick.objects.create(
                    incident=incident,
                    runbook=runbook,
                    step=step,
                    text=current.text,
                    version=runbook.version,
                    by=by,
                    by_name=str(by),
                )
        except IntegrityError:
            raise Conflict(f"step {step} was just ticked by someone else", field="step") from None
        record(
            incident,
            Event.RUNBOOK_STEP,
            actor=by,
            via=via,
            message=f"Step {step} of {len(steps)} done: {note or current.title}",
            data={
                "runbook": runbook.slug,
                "step": step,
                "steps": len(steps),
                "text": current.text,
                "note": note,
            },
        )
    return tick


def untick_step(*, incident, runbook: Runbook, step: int, by, via: str) -> None:
    """Take back the tick of a step (ticked by mistake), on the incident's timeline; the step
    can be ticked again. Who may tick may untick, while the incident is open."""
    ensure_works_incident(incident, by, action="untick the steps of its runbook")
    with transaction.atomic():
        incident, steps = _open_runbook_step(incident, runbook, step, to="untick")
        tick = StepTick.objects.filter(incident=incident, runbook=runbook, step=step).first()
        if tick is None:
            raise Conflict(f"step {step} is not ticked", field="step")
        tick.delete()
        record(
            incident,
            Event.RUNBOOK_STEP,
            actor=by,
            via=via,
            message=f"Step {step} of {len(steps)} unticked: {steps[step - 1].title}",
            data={
                "runbook": runbook.slug,
                "step": step,
                "steps": len(steps),
                "text": tick.text,
                "unticked": True,
                "ticked_by": tick.by_name,
                "ticked_at": tick.at.isoformat(),
            },
        )
