"""The incident page's "Support tickets" card: the tickets escalated to or joined to the
incident, with their attachments, for those who may see each ticket."""

from tocsin.accounts.permissions import may_see_ticket

from .selectors import tickets_of_incident


def incident_tickets_card(incident, user) -> dict:
    return {
        "tickets": [t for t in tickets_of_incident(incident) if may_see_ticket(t, user)],
    }
