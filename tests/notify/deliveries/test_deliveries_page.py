"""The Deliveries page: every message for admins, a team's for its leads, their own for anyone
else; addresses masked for who may not see them; a kept e-mail read on its own page, where its
acknowledge link works."""

import re
from urllib.parse import urlsplit

import pytest

from tests.support.outbox import deliver, queued_email
from tests.support.web import body, page_text
from tocsin.incidents.models import Channel, Status
from tocsin.incidents.services import declare
from tocsin.notify.models import OutboxMessage, OutboxState


@pytest.fixture
def kept(no_mail_server, incident, outsider, p1, platform, member, lead, page):
    """Pages kept here: Bob's and Alice's for the Payments P1, Carol's for a Platform one."""
    other = declare(title="Database is down", severity=p1, team=platform, by=outsider)
    messages = {
        "bob": page(incident, member),
        "alice": page(incident, lead),
        "carol": page(other, outsider),
    }
    deliver()
    for message in messages.values():
        message.refresh_from_db()
        assert message.state == OutboxState.KEPT
    return messages


def in_order(response) -> list[int]:
    return [int(pk) for pk in re.findall(r'<tr id="delivery-(\d+)"', body(response))]


def rows(response) -> set[int]:
    return set(in_order(response))


def test_an_admin_sees_every_message_with_its_address(signed_in, admin, kept):
    response = signed_in(admin).get("/deliveries/")

    assert response.status_code == 200
    assert rows(response) == {message.pk for message in kept.values()}
    text = page_text(response)
    assert "bob@example.com" in text and "carol@example.com" in text
    assert 'href="/deliveries/"' in body(response)  # in the navigation


def test_a_lead_sees_their_teams_messages_with_other_peoples_addresses_masked(
    signed_in, lead, kept
):
    response = signed_in(lead).get("/deliveries/")

    assert rows(response) == {kept["bob"].pk, kept["alice"].pk}
    text = page_text(response)
    assert "bob@example.com" not in text
    assert "b…@example.com" in text
    assert "alice@example.com" in text  # her own
    assert "carol" not in text.lower()
    assert 'href="/deliveries/"' in body(response)


def test_a_member_sees_only_what_was_sent_to_them_and_no_link_in_the_navigation(
    signed_in, member, kept
):
    response = signed_in(member).get("/deliveries/")

    assert rows(response) == {kept["bob"].pk}
    assert "Alice Novak" not in page_text(response).split("Deliveries", 1)[1]
    assert 'href="/deliveries/"' not in body(response)


def test_a_viewer_sees_no_messages(signed_in, viewer, kept):
    response = signed_in(viewer).get("/deliveries/")

    assert response.status_code == 200
    assert rows(response) == set()
    assert "No messages yet" in page_text(response)


def test_signing_in_is_needed(client, kept):
    response = client.get("/deliveries/")

    assert response.status_code == 302
    detail = client.get(f"/deliveries/{kept['bob'].pk}/")
    assert detail.status_code == 302 and "/ack/" not in body(detail)


def test_a_retried_message_shows_its_last_error_and_next_try(signed_in, admin, smtp, db):
    smtp.refuse["busy@example.com"] = "451 4.7.1 Greylisted, try again later"
    message = queued_email("grey", "busy@example.com")
    deliver()

    text = page_text(signed_in(admin).get("/deliveries/"))

    assert "Retrying" in text
    assert "Last error: the mail server refused the recipient: 451 4.7.1 Greylisted" in text
    assert "Next try:" in text
    message.refresh_from_db()
    assert message.state == OutboxState.PENDING


def test_a_message_taken_but_not_confirmed_is_sent_with_its_note(signed_in, admin, db):
    message = queued_email("unsure", "payments@example.com")
    OutboxMessage.objects.filter(pk=message.pk).update(
        state=OutboxState.SENT,
        sent_at=message.created_at,
        last_error="not confirmed: the mail server took the message but did not confirm it",
    )

    text = page_text(signed_in(admin).get("/deliveries/"))

    assert "Sent not confirmed: the mail server took the message" in text


def test_newest_first_and_paginated(signed_in, admin, db):
    for number in range(55):
        queued_email(f"list-{number}", "payments@example.com")
    newest = OutboxMessage.objects.order_by("-id").first()

    first = signed_in(admin).get("/deliveries/")
    second = signed_in(admin).get("/deliveries/?page=2")

    assert len(rows(first)) == 50 and len(rows(second)) == 5
    assert in_order(first)[0] == newest.pk
    assert in_order(first) == sorted(in_order(first), reverse=True)
    assert "Page 1 of 2" in page_text(first)


def test_a_page_of_messages_costs_the_same_queries_however_many_rows(
    signed_in, lead, incident, payments, django_assert_max_num_queries
):
    from django.db import transaction

    from tocsin.notify.outbox.services import enqueue

    with transaction.atomic():
        for number in range(30):
            enqueue(
                idempotency_key=f"list-{number}",
                channel="email",
                address="payments@example.com",
                subject="s",
                body_text="b",
                incident=incident,
                purpose="team_notification",
            )
    reader = signed_in(lead)
    reader.get("/deliveries/")  # sessions and the like, once

    with django_assert_max_num_queries(12):
        response = reader.get("/deliveries/")

    assert len(rows(response)) == 30


def test_times_are_shown_in_the_readers_time_zone(signed_in, lead, kept):
    lead.time_zone = "Europe/Berlin"
    lead.save()

    text = page_text(signed_in(lead).get("/deliveries/"))

    assert "times in Europe/Berlin" in text
    assert re.search(r"\d{1,2} \w{3}, \d\d:\d\d CES?T", text)


# --- one kept e-mail -------------------------------------------------------------------------


def test_alice_reads_her_kept_page_as_she_would_have_received_it(signed_in, lead, kept, incident):
    message = kept["alice"]

    response = signed_in(lead).get(f"/deliveries/{message.pk}/")

    assert response.status_code == 200
    text = page_text(response)
    assert f"[P1] {incident.reference} Checkout returns 502" in text
    assert "alice@example.com" in text
    assert "kept here instead of being sent" in text
    # The acknowledge link is a real link; the HTML part is sandboxed, and escaped.
    assert re.search(r'<a href="https://tocsin\.example\.org/ack/[^"]+/"', body(response))
    assert '<iframe class="delivery-html"' in body(response)
    assert 'sandbox="allow-top-navigation-by-user-activation"' in body(response)
    assert "allow-scripts" not in body(response)
    # Escaped into the attribute, with links that open in the page itself.
    assert 'srcdoc="&lt;!doctype html&gt;' in body(response)
    assert "&lt;head&gt;&lt;base target=&quot;_top&quot;&gt;" in body(response)
    assert 'srcdoc="&lt;' in body(response)


def test_the_kept_pages_acknowledge_link_acknowledges_the_incident(signed_in, lead, kept, incident):
    reader = signed_in(lead)
    page = body(reader.get(f"/deliveries/{kept['alice'].pk}/"))
    link = re.search(r'<a href="(https://tocsin\.example\.org/ack/[^"]+/)"', page).group(1)
    path = urlsplit(link).path

    confirm = reader.get(path)
    done = reader.post(path)

    assert confirm.status_code == 200 and done.status_code == 200
    incident.refresh_from_db()
    assert incident.status == Status.ACKNOWLEDGED
    assert incident.acknowledged_by == lead


def test_a_lead_reads_a_members_kept_page_with_the_address_masked(signed_in, lead, kept):
    response = signed_in(lead).get(f"/deliveries/{kept['bob'].pk}/")

    assert response.status_code == 200
    assert "b…@example.com" in page_text(response)
    assert "bob@example.com" not in page_text(response)


@pytest.mark.parametrize("whose", ["alice", "carol"])
def test_a_member_may_not_read_someone_elses_message(signed_in, member, kept, whose):
    response = signed_in(member).get(f"/deliveries/{kept[whose].pk}/")

    assert response.status_code == 404
    assert "No message" in page_text(response)
    assert "/ack/" not in body(response)


def test_a_lead_may_not_read_another_teams_message(signed_in, lead, kept):
    response = signed_in(lead).get(f"/deliveries/{kept['carol'].pk}/")

    assert response.status_code == 404


def test_an_unknown_message_is_a_404(signed_in, admin, db):
    assert signed_in(admin).get("/deliveries/999999/").status_code == 404


def test_the_kept_page_escapes_what_people_typed(
    signed_in, admin, no_mail_server, lead, payments, p1, page
):
    incident = declare(
        title="<script>alert(1)</script> down", severity=p1, team=payments, by=lead, via=Channel.WEB
    )
    message = page(incident, lead)
    deliver()

    response = signed_in(admin).get(f"/deliveries/{message.pk}/")

    assert "<script>alert(1)</script>" not in body(response)
