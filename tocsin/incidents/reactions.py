"""What happens after a timeline event is recorded: one ordered list, read top to bottom.

Every change to an incident records one timeline event (`services.record`); the reactions to
that event's kind then run, in the order of the stages below, inside the transaction that
recorded it, so what they write (escalation timers, outbox messages) commits or rolls back with
the change. Each app registers its reactions in its `AppConfig.ready()` with one of these
stages; nothing depends on the order of INSTALLED_APPS. `tocsin reactions` prints the table.

A reaction may record an event of its own (the escalation engine says "Escalation stopped:
acknowledged by Alice"). That event's reactions run after every reaction to the event being
handled, never in the middle of them: a webhook hears "acknowledged" before it hears anything
the acknowledgement caused.
"""

import threading
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured

from .models import Event, Incident, TimelineEvent

# The stages, in the order they run. Two reactions never share a number: an app with two
# reactions in one stage gives the second `stage + 1`.
ALERTS = 100  # alerting: alerts follow their incident (resolved with it)
ESCALATION = 200  # oncall: escalation starts, stops, re-arms its timers
CHAT_AND_EMAIL = 300  # notify: chat cards posted and edited, the team's e-mail
WEBHOOKS = 400  # webhooks: one delivery per subscribed receiver
STATUS_PAGE = 500  # statuspage: components that opted in tell the public by themselves
TICKETS = 550  # tickets: a resolution closes the incident's tickets as fixed, tells the agents
TICKETS_REOPENED = 551  # tickets: a reopened incident's tickets are escalated again
TICKETS_CANCELLED = 552  # tickets: a cancelled incident's tickets go back to triage
POSTINCIDENT = 600  # postincident: the situation report written at resolution, and sent
POSTMORTEMS = 610  # postincident: a post-mortem drafted at resolution when the severity asks
DRILLS = 620  # drills: a drill's run ends with its incident (resolved: finished; or cancelled)

React = Callable[[Incident, TimelineEvent], None]


@dataclass(frozen=True)
class Reaction:
    order: int
    run: React
    kinds: frozenset[str]

    @property
    def name(self) -> str:
        return f"{self.run.__module__}.{self.run.__qualname__}"

    @property
    def summary(self) -> str:
        """The first line of the reaction's docstring: what it does, in a few words."""
        return (self.run.__doc__ or self.run.__name__).strip().splitlines()[0]


_registry: list[Reaction] = []
_state = threading.local()


def register(run: React, *, order: int, kinds: Iterable[str]) -> None:
    """Add a reaction to the list; registering the same function again is a no-op."""
    kinds = frozenset(kinds)
    unknown = kinds - set(Event.values)
    if unknown:
        raise ImproperlyConfigured(f"{run.__qualname__} reacts to unknown kinds {sorted(unknown)}")
    for existing in _registry:
        if existing.run is run:
            return
        if existing.order == order:
            raise ImproperlyConfigured(
                f"{run.__qualname__} and {existing.name} both want order {order}"
            )
    _registry.append(Reaction(order=order, run=run, kinds=kinds))
    _registry.sort(key=lambda reaction: reaction.order)


def reactions_to(kind: str) -> list[Reaction]:
    return [reaction for reaction in _registry if kind in reaction.kinds]


def table() -> list[tuple[str, list[Reaction]]]:
    """Every event kind with its reactions in order, for docs and `tocsin reactions`."""
    return [(kind, reactions_to(kind)) for kind in Event.values]


def react(incident: Incident, event: TimelineEvent) -> None:
    """Run the reactions to `event`; events recorded by them wait until these are done."""
    pending: deque | None = getattr(_state, "pending", None)
    if pending is not None:
        pending.append((incident, event))
        return
    _state.pending = pending = deque([(incident, event)])
    try:
        while pending:
            incident, event = pending.popleft()
            for reaction in reactions_to(event.kind):
                reaction.run(incident, event)
    finally:
        _state.pending = None


def as_markdown() -> str:
    """The table in docs/architecture.md: every event kind, its reactions in order."""
    rows = ["| event kind | order | reaction | where |", "|---|---|---|---|"]
    for kind, reactions in table():
        if not reactions:
            rows.append(f"| `{kind}` | | nothing | |")
        for reaction in reactions:
            where = f"`{reaction.run.__module__.replace('.', '/')}.py` `{reaction.run.__name__}`"
            rows.append(f"| `{kind}` | {reaction.order} | {reaction.summary} | {where} |")
    return "\n".join(rows) + "\n"
