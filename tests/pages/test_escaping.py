"""What people type is shown as text everywhere, never run as HTML."""

from django.urls import reverse

from tests.support.web import body
from tocsin.incidents import services
from tocsin.incidents.models import Channel

SCRIPT = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


def test_titles_notes_and_resolutions_are_escaped_on_every_page(
    signed_in, lead, member, payments, p1
):
    incident = services.declare(
        title=f"Checkout {SCRIPT}",
        severity=p1,
        team=payments,
        by=lead,
        via=Channel.WEB,
        description=SCRIPT,
        impact_who=SCRIPT,
    )
    services.add_note(incident=incident, by=member, via=Channel.WEB, text=SCRIPT)
    client = signed_in(member)

    pages = [
        client.get(reverse("incident-list")),
        client.get(reverse("incident-detail", args=[incident.pk])),
        client.get(reverse("incident-live", args=[incident.pk])),
        client.get(reverse("team-detail", args=[payments.slug])),
    ]
    services.resolve(incident=incident, by=member, via=Channel.WEB, resolution=SCRIPT)
    pages.append(client.get(reverse("incident-detail", args=[incident.pk])))

    for response in pages:
        html = body(response)
        assert SCRIPT not in html, response.request["PATH_INFO"]
        assert ESCAPED in html, response.request["PATH_INFO"]


def test_names_and_contact_addresses_are_escaped(signed_in, member, incident):
    member.display_name = '<img src=x onerror="alert(1)">'
    member.save()
    services.acknowledge(incident=incident, by=member, via=Channel.WEB)
    client = signed_in(member)
    client.post(reverse("contact-method-add"), {"kind": "sms", "address": SCRIPT, "label": SCRIPT})
    for url in [
        reverse("incident-detail", args=[incident.pk]),
        reverse("profile"),
        reverse("team-detail", args=["payments"]),
    ]:
        html = body(client.get(url))
        assert "<img src=x" not in html
        assert SCRIPT not in html


def test_an_error_message_with_a_name_in_it_is_escaped(signed_in, outsider, incident):
    outsider.display_name = SCRIPT
    outsider.save()
    response = signed_in(outsider).post(
        reverse("incident-acknowledge", args=[incident.pk]), follow=True
    )
    html = body(response)
    assert f"{ESCAPED} is not a member of Payments" in html
    assert SCRIPT not in html


def test_a_severity_colour_cannot_smuggle_css(signed_in, member, incident):
    incident.severity.color = "red;a:b"  # fits the seven characters the column holds
    incident.severity.save()
    html = body(signed_in(member).get(reverse("incident-detail", args=[incident.pk])))
    assert "red;a:b" not in html
    assert "--sev: #6b7280;" in html
