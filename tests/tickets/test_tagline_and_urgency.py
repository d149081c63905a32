"""The agent answers two questions; Tocsin shows the tagline and an urgency from the matrix
(scope × criticality), which admins may change and a lead may set apart with a reason."""

import pytest

from tocsin.errors import PermissionDenied, ValidationFailed
from tocsin.tickets.matrix import DEFAULT_MATRIX, matrix
from tocsin.tickets.models import Scope, Ticket, TicketEvent, Urgency, UrgencyCell
from tocsin.tickets.services import open_ticket, set_urgency, triage_ticket


def test_the_tagline_is_scope_criticality_and_the_one_line(ticket):
    assert ticket.tagline == "ADMINS-FBLOCK: Clicking on user details gives an error"
    assert ticket.labels == ["ADMINS", "FBLOCK"]


def test_triage_adds_the_classification_to_the_tagline(ticket, lead):
    triage_ticket(ticket=ticket, by=lead, classification="FE")
    ticket.refresh_from_db()
    assert ticket.tagline == "ADMINS-FBLOCK-FE: Clicking on user details gives an error"
    assert ticket.labels == ["ADMINS", "FBLOCK", "FE"]


def test_the_tagline_is_never_stored_so_it_follows_the_fields(ticket):
    assert "tagline" not in {field.name for field in Ticket._meta.get_fields()}
    Ticket.objects.filter(pk=ticket.pk).update(title="User details fail")
    ticket.refresh_from_db()
    assert ticket.tagline == "ADMINS-FBLOCK: User details fail"


@pytest.mark.parametrize(
    ("scope", "criticality", "urgency"),
    [
        ("ALL", "ALLBLOCK", Urgency.CRITICAL),
        ("ALL", "FBEHAV", Urgency.HIGH),
        ("ADMINS", "FBLOCK", Urgency.HIGH),
        ("ALL-USERS", "FBEHAV", Urgency.MEDIUM),
        ("S-USER", "FBEHAV", Urgency.LOW),
    ],
)
def test_the_urgency_comes_from_the_default_matrix(
    agent, details, severities, scope, criticality, urgency
):
    ticket = open_ticket(by=agent, **details(scope=scope, criticality=criticality))
    assert ticket.urgency == urgency


def test_the_matrix_has_a_cell_for_every_scope_and_criticality(db):
    cells = matrix()
    assert len(cells) == len(Scope) * 3
    assert set(DEFAULT_MATRIX) == set(Scope)


def test_an_admin_changes_a_cell_and_new_tickets_follow_it(admin, agent, details, severities):
    set_urgency(scope="ADMINS", criticality="FBLOCK", urgency=1, by=admin)
    assert open_ticket(by=agent, **details()).urgency == Urgency.CRITICAL
    assert matrix()[("ADMINS", "FBLOCK")] == 1


def test_only_admins_change_the_matrix(lead, agent):
    for person in (lead, agent):
        with pytest.raises(PermissionDenied, match="only an admin"):
            set_urgency(scope="ADMINS", criticality="FBLOCK", urgency=1, by=person)
    assert not UrgencyCell.objects.exists()


def test_a_lead_sets_another_urgency_only_with_a_reason(ticket, lead):
    with pytest.raises(ValidationFailed, match="the matrix says U2 High for ADMINS-FBLOCK"):
        triage_ticket(ticket=ticket, by=lead, classification="BE", urgency=1)
    ticket.refresh_from_db()
    assert (ticket.urgency, ticket.classification) == (Urgency.HIGH, "")
    triage_ticket(
        ticket=ticket,
        by=lead,
        classification="BE",
        urgency=1,
        urgency_reason="the biggest customer's admins, during their payroll run",
    )
    ticket.refresh_from_db()
    assert ticket.urgency == Urgency.CRITICAL
    assert ticket.urgency_reason == "the biggest customer's admins, during their payroll run"
    triaged = ticket.history.get(kind=TicketEvent.Kind.TRIAGED)
    assert triaged.message == (
        "Triaged by Alice Novak: ADMINS-FBLOCK-BE, urgency U1 Critical "
        "(the biggest customer's admins, during their payroll run)"
    )


def test_back_to_the_matrix_urgency_forgets_the_reason(ticket, lead):
    triage_ticket(ticket=ticket, by=lead, classification="BE", urgency=1, urgency_reason="why")
    triage_ticket(ticket=ticket, by=lead, classification="BE", urgency=None)
    ticket.refresh_from_db()
    assert (ticket.urgency, ticket.urgency_reason) == (Urgency.HIGH, "")


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"scope": "SOME"}, "scope", "'SOME' is not a scope"),
        ({"criticality": "BAD"}, "criticality", "'BAD' is not a criticality"),
        ({"title": "  "}, "title", "title must not be empty"),
        ({"customer_user_id": ""}, "customer_user_id", "customer user id must not be empty"),
        ({"session_replay_url": "javascript:alert(1)"}, "session_replay_url", "http(s)"),
    ],
)
def test_bad_fields_are_refused_and_nothing_is_written(agent, details, changes, field, message):
    with pytest.raises(
        ValidationFailed, match=message.replace("(", r"\(").replace(")", r"\)")
    ) as error:
        open_ticket(by=agent, **details(**changes))
    assert error.value.field == field
    assert not Ticket.objects.exists()
