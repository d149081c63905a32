"""Deliveries: the messages Tocsin sends (the outbox), and the e-mail it keeps."""

from django.db.models import Q, QuerySet

from ..models import MembershipRole, Team, User
from .people import _signed_in, is_lead
from .setup import _leads_a_team, may_see_contact_methods, may_see_secrets

# ---------------------------------------------------------------------------------------------
# Deliveries: the messages Tocsin sends (the outbox), and the e-mail it keeps


def _delivery_team(message) -> Team | None:
    incident = message.incident
    return incident.team if incident is not None else None


def may_see_deliveries(user: User | None) -> bool:
    """The Deliveries page in the navigation: admins (every message) and team leads (their
    team's). Anyone else who opens it sees only the messages addressed to them."""
    return _signed_in(user) and (user.is_admin or _leads_a_team(user))


def deliveries_visible_to(user: User | None, messages: QuerySet) -> QuerySet:
    """Of `messages` (outbox rows), those `user` may see: all for admins; for anyone else,
    those about their teams' incidents where they lead, and those addressed to them."""
    if not _signed_in(user):
        return messages.none()
    if user.is_admin:
        return messages
    led = Team.objects.filter(memberships__user=user, memberships__role=MembershipRole.LEAD)
    return messages.filter(Q(incident__team__in=led) | Q(recipient=user))


class DeliveryReader:
    """What one person may read of the messages Tocsin sends, row by row, each team's answer
    asked once for the whole list."""

    def __init__(self, user: User | None):
        self.user = user
        self._answers: dict[tuple[str, int | None], bool] = {}

    def _once(self, question, team: Team | None) -> bool:
        key = (question.__name__, team.pk if team is not None else None)
        if key not in self._answers:
            self._answers[key] = question(team, self.user)
        return self._answers[key]

    def may_read(self, message) -> bool:
        """One message in full (a kept e-mail and its acknowledge link): admins, the leads of
        its incident's team, and the person it is for."""
        if not _signed_in(self.user):
            return False
        if message.recipient_id is not None and message.recipient_id == self.user.pk:
            return True
        team = _delivery_team(message)
        return self.user.is_admin or (team is not None and self._once(is_lead, team))

    def may_see_address(self, message) -> bool:
        """A person's address is for whoever may see their contact methods; a team's list,
        chat or webhook URL is a secret of what the team (or, with no incident, the instance)
        owns."""
        if message.recipient is not None:
            return may_see_contact_methods(message.recipient, self.user)
        return self._once(may_see_secrets, _delivery_team(message))
