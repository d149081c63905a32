"""A failed page names the person and the channel on the timeline, never their address: the
timeline is shown to viewers; the address stays on the outbox row (the delivery log)."""

from django.urls import reverse

from tests.support.outbox import WORKER
from tocsin.incidents.models import Event
from tocsin.notify.delivery.loop import deliver_due
from tocsin.notify.models import OutboxState


def test_a_refused_page_names_the_person_and_channel_but_not_the_address(
    smtp, incident, member, viewer, page, api_as, signed_in
):
    smtp.refuse["bob@example.com"] = "550 5.1.1 no such user"
    message = page(incident, member)

    deliver_due(worker_id=WORKER)

    failed = incident.timeline.get(kind=Event.PAGE_FAILED)
    assert failed.message == (
        "Page to Bob Okafor via e-mail failed: "
        "the mail server refused the recipient: 550 5.1.1 no such user"
    )
    assert "bob@example.com" not in str(failed.data)
    # The delivery log keeps where it went.
    message.refresh_from_db()
    assert (message.state, message.address) == (OutboxState.FAILED, "bob@example.com")

    timeline = api_as(viewer).get(f"/incidents/{incident.reference}/timeline")
    assert timeline.status_code == 200, timeline.content
    assert "Page to Bob Okafor via e-mail failed" in timeline.content.decode()
    assert "bob@example.com" not in timeline.content.decode()

    incident_page = signed_in(viewer).get(reverse("incident-detail", args=[incident.pk]))
    assert incident_page.status_code == 200
    html = incident_page.content.decode()
    assert "Page to Bob Okafor via e-mail failed" in html
    assert "bob@example.com" not in html
