"""With no mail server set up (the defaults), e-mail is kept here, complete, to be read on the
Deliveries page: nothing tries localhost:25, nothing is retried, the log says where it is."""

from tests.support.outbox import deliver, queued_email
from tocsin.incidents.models import Event
from tocsin.notify import channels
from tocsin.notify.models import OutboxMessage, OutboxState
from tocsin.server import _banner


def test_without_a_mail_server_a_page_email_is_kept_with_its_content(
    no_mail_server, incident, member, page
):
    message = page(incident, member)

    report = deliver()

    assert (report.kept, report.sent, report.retried, report.failed) == (1, 0, 0, 0)
    assert no_mail_server == []  # no connection was even tried
    message.refresh_from_db()
    assert message.state == OutboxState.KEPT
    assert message.sent_at is not None
    assert message.attempts == 0
    assert message.last_error == ""
    assert message.subject == f"[P1] {incident.reference} Checkout returns 502"
    assert "/ack/" in message.body_text
    assert ">Acknowledge</a>" in message.body_html


def test_a_kept_page_says_so_on_the_timeline_naming_the_person_not_the_address(
    no_mail_server, incident, member, page
):
    page(incident, member)

    deliver()

    [line] = incident.timeline.filter(data__page_kept=True)
    assert line.kind == Event.ESCALATION
    assert line.message == (
        "Page to Bob Okafor via e-mail kept here, not sent: no mail server is set up "
        "(TOCSIN_SMTP_HOST is empty); it can be read on the Deliveries page"
    )
    assert "bob@example.com" not in line.message + str(line.data)
    assert not incident.timeline.filter(kind=Event.PAGE_DELIVERED).exists()


def test_a_kept_email_is_never_tried_again(no_mail_server, db, traveller):
    from datetime import timedelta

    queued_email("list", "payments@example.com")
    assert deliver().kept == 1

    traveller.shift(timedelta(hours=1))

    assert deliver().claimed == 0
    assert OutboxMessage.objects.get().state == OutboxState.KEPT


def test_the_log_says_once_where_a_kept_email_can_be_read(no_mail_server, db, notify_log):
    message = queued_email("list", "payments@example.com")

    deliver()

    kept = [line for line in notify_log if "kept here" in line]
    assert kept == [
        f"outbox message {message.pk} kept here (no mail server is set up (TOCSIN_SMTP_HOST is "
        f"empty)): e-mail to payments@example.com, 'message list'; read it at "
        f"https://tocsin.example.org/deliveries/{message.pk}/"
    ]
    deliver()
    assert len([line for line in notify_log if "kept here" in line]) == 1


def test_with_a_mail_server_set_up_nothing_is_kept(smtp, db):
    message = queued_email("list", "payments@example.com")

    assert channels.kept_here("email") == ""
    assert channels.start_up_notes() == []
    report = deliver()

    assert (report.sent, report.kept) == (1, 0)
    message.refresh_from_db()
    assert message.state == OutboxState.SENT
    assert len(smtp.messages) == 1


def test_another_mail_backend_is_used_as_it_is(settings, db):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.EMAIL_HOST = ""

    assert channels.kept_here("email") == ""


def test_start_up_says_that_email_is_kept_and_how_to_send_it(no_mail_server):
    [note] = channels.start_up_notes()

    assert note.startswith("E-mail is kept here, not sent: no mail server is set up")
    assert "Deliveries page (/deliveries/)" in note
    assert "set TOCSIN_SMTP_HOST" in note
    assert note in _banner("127.0.0.1", 8000)


def test_the_default_settings_set_up_no_mail_server(monkeypatch):
    import importlib

    import tocsin.settings

    monkeypatch.delenv("TOCSIN_SMTP_HOST", raising=False)
    monkeypatch.delenv("TOCSIN_EMAIL_BACKEND", raising=False)
    fresh = importlib.reload(tocsin.settings)
    try:
        assert fresh.EMAIL_HOST == ""
        assert fresh.EMAIL_BACKEND == "django.core.mail.backends.smtp.EmailBackend"
    finally:
        importlib.reload(tocsin.settings)


def test_a_kept_page_is_not_a_failure_the_person_is_not_paged_elsewhere(
    no_mail_server, incident, member, page, failures
):
    page(incident, member)

    deliver()

    assert failures == []
    assert not incident.timeline.filter(kind=Event.PAGE_FAILED).exists()


def test_email_kept_before_a_mail_server_was_set_up_stays_kept(no_mail_server, settings, db):
    queued_email("list", "payments@example.com")
    deliver()

    settings.EMAIL_HOST = "127.0.0.1"  # set up afterwards
    report = deliver()

    assert report.claimed == 0
    assert no_mail_server == []
    assert OutboxMessage.objects.get().state == OutboxState.KEPT
