"""Paging a person: one page per contact method, queued in the outbox and written on the
timeline in the engine's words; when a method cannot be used or fails for good, the person's
next one takes over at once."""

from datetime import datetime, timedelta

from django.db import connection
from django.utils import timezone

from tocsin.accounts.models import ContactKind, ContactMethod, User
from tocsin.incidents.models import Channel, Event, Incident
from tocsin.incidents.services import record

from .models import EscalationRun, PageStep, RunState, StepState
from .targets import Candidate, first_email, rules_of

ENGINE = "Escalation"


def claim(queryset):
    """The rows of `queryset`, locked for this worker; rows another worker holds are skipped."""
    if connection.features.has_select_for_update_skip_locked:
        return queryset.select_for_update(skip_locked=True, of=("self",))
    # SQLite has no row locks: its IMMEDIATE transactions serialise the workers instead.
    return queryset


def engine_record(incident: Incident, kind: str, *, message: str, data: dict):
    """A timeline entry written by the engine itself."""
    return record(
        incident, kind, actor=None, via=Channel.SYSTEM, system=ENGINE, message=message, data=data
    )


def remark(incident: Incident, message: str, **data) -> None:
    """The engine's own words on the timeline ("level 2 reached nobody"), not a person's note."""
    engine_record(incident, Event.ESCALATION, message=message, data={"escalation": True, **data})


def _why(run: EscalationRun, level_position: int, reason: str) -> str:
    repeat = f", pass {run.repeat_index + 1}" if run.repeat_index else ""
    return f"level {level_position}{repeat}: {reason}"


def page_person(
    run: EscalationRun, incident: Incident, level: dict, candidate: Candidate, now: datetime
):
    rules = rules_of(candidate.user)
    why = _why(run, level["position"], candidate.reason)
    if not rules:
        engine_record(
            incident,
            Event.PAGE_FAILED,
            message=f"Could not page {candidate.user} ({why}): no contact method",
            data={"run": run.pk, "user": candidate.user.pk, "level": level["position"]},
        )
        return
    reached = unusable = False
    for rule in rules:
        key = (
            f"page:{incident.pk}:{run.pk}:{run.repeat_index}:{level['position']}"
            f":{candidate.user.pk}:{rule.key}"
        )
        if rule.delay > timedelta(0):
            PageStep.objects.get_or_create(
                idempotency_key=key,
                defaults={
                    "run": run,
                    "user": candidate.user,
                    "rule": rule.rule,
                    "contact_method": rule.contact_method,
                    "level_index": level["position"],
                    "repeat_index": run.repeat_index,
                    "reason": why[:255],
                    "next_at": now + rule.delay,
                },
            )
        else:
            sent = send_page(
                incident,
                candidate.user,
                rule.contact_method,
                why=why,
                key=key,
                data={"run": run.pk, "level": level["position"], "repeat": run.repeat_index},
            )
            reached = reached or sent is not None
            unusable = unusable or sent is None
    if unusable and not reached:
        # Nothing went out at once: the next way to reach this person is due now.
        fail_over(incident, candidate.user, why=why)


def send_page(
    incident: Incident, user: User, method: ContactMethod, *, why: str, key: str, data: dict
):
    """Enqueue one page and write it on the timeline (requested now; the outbox sends it).

    Returns the outbox message, or None when this contact method cannot be used here (the
    timeline says why; the caller moves on to the person's next one)."""
    # Imported here: notify builds on incidents and accounts, and oncall only calls into it.
    from tocsin.notify import channels
    from tocsin.notify.chat_cards.services import CHAT_CONTACT_KINDS, enqueue_chat_page
    from tocsin.notify.emails.services import enqueue_page_email

    kind = method.get_kind_display()
    problem = ""
    if method.kind != ContactKind.EMAIL and method.kind not in CHAT_CONTACT_KINDS:
        problem = "Tocsin cannot send to that kind of contact method yet"
    elif method.kind not in channels.available():
        problem = f"{kind} is not set up on this Tocsin"
    if problem:
        engine_record(
            incident,
            Event.PAGE_FAILED,
            message=f"Could not page {user} via {kind} ({why}): {problem}",
            data={**data, "user": user.pk, "contact_method": method.pk},
        )
        return None
    if method.kind == ContactKind.EMAIL:
        message = enqueue_page_email(incident, user, method, reason=why, idempotency_key=key)
        kind = "e-mail"
    else:
        message = enqueue_chat_page(incident, user, method, reason=why, idempotency_key=key)
    engine_record(
        incident,
        Event.PAGE_SENT,
        message=f"Paging {user} via {kind} ({why})",
        data={
            **data,
            "user": user.pk,
            "contact_method": method.pk,
            "outbox_message": message.pk,
            "reason": why,
        },
    )
    return message


def page_step(step: PageStep, now: datetime) -> None:
    run = EscalationRun.objects.select_related("incident").get(pk=step.run_id)
    step.state = StepState.CANCELLED if run.state != RunState.ACTIVE else StepState.DONE
    step.save(update_fields=["state"])
    if step.state == StepState.DONE:
        sent = send_page(
            run.incident,
            step.user,
            step.contact_method,
            why=step.reason,
            key=step.idempotency_key,
            data={"run": run.pk, "level": step.level_index, "repeat": step.repeat_index},
        )
        if sent is None:
            fail_over(run.incident, step.user, why=step.reason)


def next_contact_method(message) -> None:
    """A page failed for good: reach the same person on their next contact method at once."""
    if message.incident is None or message.recipient is None:
        return
    why = message.data.get("reason") or "the previous contact method failed"
    fail_over(message.incident, message.recipient, why=why, source=message.pk)


def fail_over(incident: Incident, user: User, *, why: str, source: int | None = None) -> None:
    """The person's next pending rule is due now; without one, their next e-mail address."""
    run = EscalationRun.objects.filter(incident=incident, state=RunState.ACTIVE).first()
    if run is None:
        return
    step = (
        claim(PageStep.objects.filter(run=run, user=user, state=StepState.PENDING))
        .order_by("next_at", "id")
        .first()
    )
    if step is not None:
        # The next rule is due now instead of later; the job pages it within a second.
        step.next_at = timezone.now()
        step.save(update_fields=["next_at"])
        return
    tried = [
        pk
        for pk in incident.outbox_messages.filter(recipient=user, purpose="page").values_list(
            "data__contact_method", flat=True
        )
        if pk
    ]
    method = first_email(user, exclude=tried)
    if method is None:
        return
    send_page(
        incident,
        user,
        method,
        why=why,
        key=f"page:{incident.pk}:{run.pk}:failover:{user.pk}:{method.pk}",
        data={"run": run.pk, "failover_from": source},
    )
