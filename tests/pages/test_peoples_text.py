"""Titles cannot reorder what people read, and links in descriptions and notes are clickable,
on every surface that shows them; webhook payloads keep the title exactly as it was written."""

from django.urls import reverse

from tests.support.web import body
from tocsin.incidents import services
from tocsin.incidents.models import Channel
from tocsin.notify.chat_cards.card import card
from tocsin.notify.emails.content import page_email, resolution_email
from tocsin.webhooks.payloads import incident_data

# U+202E (right-to-left override) makes "invoice\u202egpj.exe" read as "invoiceexe.jpg".
SPOOFED = "Refund for invoice\u202egpj.exe \u2066fails\u2069"
SHOWN = "Refund for invoicegpj.exe fails"
REL = 'rel="noopener noreferrer nofollow"'


def _spoofed(payments, lead, p1, **extra):
    return services.declare(
        title=SPOOFED, severity=p1, team=payments, by=lead, via=Channel.WEB, **extra
    )


def test_bidi_controls_in_a_title_are_neutralised_on_every_page(signed_in, lead, payments, p1):
    incident = _spoofed(payments, lead, p1)
    client = signed_in(lead)
    for url in [
        reverse("incident-list"),
        reverse("incident-detail", args=[incident.pk]),
        reverse("team-detail", args=[payments.slug]),
    ]:
        html = body(client.get(url))
        assert "\u202e" not in html and "\u2066" not in html, url
        assert f"<bdi>{SHOWN}</bdi>" in html, url


def test_bidi_controls_are_neutralised_in_e_mails_and_chat_cards(lead, member, payments, p1):
    incident = _spoofed(payments, lead, p1)
    subject, text, html = page_email(incident, member, reason="on call")
    assert subject.endswith(SHOWN)
    assert SHOWN in text and f"<bdi>{SHOWN}</bdi>" in html
    services.resolve(incident=incident, by=lead, via=Channel.WEB, resolution="Fixed")
    subject, text, html = resolution_email(incident.refresh())
    assert subject == f"Resolved: [P1] {incident.reference} {SHOWN}"
    for message in (text, html):
        assert "\u202e" not in message
    assert card(incident).headline == f"[P1] {incident.reference} {SHOWN}"


def test_webhook_payloads_carry_the_title_as_written(lead, payments, p1):
    incident = _spoofed(payments, lead, p1)
    assert incident_data(incident)["title"] == SPOOFED


def test_links_in_descriptions_and_notes_are_clickable(signed_in, lead, payments, p1):
    incident = _spoofed(
        payments, lead, p1, description="Dashboard: https://grafana.example.com/d/1?a=1&b=2."
    )
    services.add_note(
        incident=incident,
        by=lead,
        via=Channel.WEB,
        text="Runbook at http://wiki.example/runbook, not javascript:alert(1)",
    )
    html = body(signed_in(lead).get(reverse("incident-detail", args=[incident.pk])))
    assert (
        f'<a href="https://grafana.example.com/d/1?a=1&amp;b=2" {REL}>'
        "https://grafana.example.com/d/1?a=1&amp;b=2</a>."
    ) in html
    assert f'<a href="http://wiki.example/runbook" {REL}>http://wiki.example/runbook</a>,' in html
    assert 'href="javascript' not in html
    assert "not javascript:alert(1)" in html
