"""E-mail subscribers, through the public form and a real SMTP server: double opt-in, the same
answer for every address, signed links that expire or die, one-click unsubscribe, rate limits."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse

from tests.support.mailbox import html_of, text_of
from tests.support.outbox import deliver
from tests.support.web import page_text
from tocsin.notify.outbox.models import OutboxMessage, OutboxState, Purpose
from tocsin.statuspage.models import SubscribeAttempt, Subscriber
from tocsin.statuspage.subscribers import limits, links, services

from . import subscribers_fixtures as shared
from .subscribers_fixtures import ask, link_in, publish, subscribed, tell

pytestmark = pytest.mark.django_db

# The shared fixtures, used by name.
_base_url = shared._base_url
status_page = shared.status_page
components = shared.components

ANSWER_TEXT = "If this address can be subscribed, an e-mail is on its way to it"


def post_form(client, email, codes=(), **extra):
    return client.post("/status/subscribe", {"email": email, "components": list(codes)}, **extra)


def test_a_visitor_confirms_before_anything_is_sent_then_hears_about_checkout(
    smtp, client, status_page, components
):
    checkout = components["Checkout"]
    form = client.get("/status/subscribe")
    assert form.status_code == 200
    assert 'name="csrfmiddlewaretoken"' in form.content.decode()
    assert all(name in page_text(form) for name in ("Checkout", "Card processing", "API", "Web"))

    answer = post_form(client, "dana@example.com", [checkout.code])

    assert answer.status_code == 202
    assert ANSWER_TEXT in page_text(answer)
    subscriber = Subscriber.objects.get(email="dana@example.com")
    assert subscriber.confirmed_at is None
    assert list(subscriber.components.all()) == [checkout]
    # Published before the address is confirmed: nothing for it.
    assert tell(publish(status_page, "Checkout returns errors", components=[checkout])) == 0
    deliver()
    [confirmation] = smtp.to("dana@example.com")
    assert confirmation["Subject"] == "[Status] Confirm your subscription"
    assert "Nothing is sent until you confirm" in text_of(confirmation)
    assert "List-Unsubscribe" not in confirmation

    confirm_path = link_in(confirmation, "confirm")
    opened = client.get(confirm_path)  # a mail scanner opening the link confirms nothing
    assert opened.status_code == 200 and "Confirm" in page_text(opened)
    assert Subscriber.objects.get(pk=subscriber.pk).confirmed_at is None
    done = client.post(confirm_path)
    assert done.status_code == 200
    assert "You are subscribed" in page_text(done)
    assert Subscriber.objects.get(pk=subscriber.pk).confirmed_at is not None

    update = publish(
        status_page, "Checkout returns 502", components=[checkout], body="We **found** it."
    )
    assert tell(update) == 1
    deliver()
    mail = smtp.to("dana@example.com")[-1]
    assert mail["Subject"] == "[Status] Checkout returns 502: Investigating"
    assert "We **found** it." in text_of(mail)
    assert "<strong>found</strong>" in html_of(mail)
    assert f"/status/incidents/{update.incident.code}" in text_of(mail)
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    one_click = str(mail["List-Unsubscribe"]).strip()  # a long header is folded
    assert one_click.startswith("<https://tocsin.example.org/status/unsubscribe/")
    assert link_in(mail, "unsubscribe") in one_click
    assert link_in(mail, "subscriptions")


def test_the_form_answers_the_same_for_new_waiting_and_subscribed_addresses(
    smtp, client, status_page, components
):
    checkout, api = components["Checkout"], components["API"]
    subscribed(status_page, "old@example.com", [checkout])
    subscribed(status_page, "waiting@example.com", [checkout], confirmed=False)

    answers = [
        post_form(client, address, [api.code])
        for address in ("new@example.com", "waiting@example.com", "old@example.com")
    ]

    assert {a.status_code for a in answers} == {202}
    assert len({a.content for a in answers}) == 1  # byte for byte the same page
    # The subscribed address keeps its choice and is sent its manage link, not a confirmation.
    old = Subscriber.objects.get(email="old@example.com")
    assert list(old.components.all()) == [checkout]
    waiting = Subscriber.objects.get(email="waiting@example.com")
    assert list(waiting.components.all()) == [api]  # an unconfirmed choice is the latest one
    deliver()
    [to_old] = smtp.to("old@example.com")
    assert to_old["Subject"] == "[Status] Your subscription"
    assert "already gets its updates" in text_of(to_old)
    assert link_in(to_old, "subscriptions")
    assert "/confirm/" not in text_of(to_old)
    for address in ("new@example.com", "waiting@example.com"):
        [mail] = smtp.to(address)
        assert link_in(mail, "confirm")


def test_the_json_answer_is_the_same_too(status_page, client):
    subscribed(status_page, "old@example.com")
    answers = [
        client.post("/status/subscribe", {"email": address}, headers={"Accept": "application/json"})
        for address in ("new@example.com", "old@example.com")
    ]
    assert [a.status_code for a in answers] == [202, 202]
    assert answers[0].json() == answers[1].json() == {"message": services.ANSWER}


def test_a_bad_address_or_component_is_a_form_error_and_stores_nothing(client, status_page):
    bad = post_form(client, "not an address")
    assert bad.status_code == 422
    assert "is not an e-mail address" in page_text(bad)
    unknown = post_form(client, "dana@example.com", ["nosuchthing1"])
    assert unknown.status_code == 422
    assert "no such component on Status: nosuchthing1" in page_text(unknown)
    assert not Subscriber.objects.exists()
    assert not OutboxMessage.objects.exists()


def test_a_confirmation_link_expires_after_48_hours(client, status_page, traveller):
    ask(status_page, "dana@example.com")
    token = links.token_for(Subscriber.objects.get(), links.CONFIRM)
    traveller.shift(timedelta(hours=49))

    refused = client.post(f"/status/confirm/{token}")

    assert refused.status_code == 410
    assert "This link has expired" in page_text(refused)
    assert "it worked for 48 hours; subscribe again" in page_text(refused)
    assert Subscriber.objects.get().confirmed_at is None


def test_tampered_used_and_replaced_links_are_refused_with_a_reason(client, status_page):
    ask(status_page, "dana@example.com")
    subscriber = Subscriber.objects.get()
    token = links.token_for(subscriber, links.CONFIRM)

    tampered = client.get(f"/status/confirm/{token[:-2]}xx")
    assert tampered.status_code == 400
    assert "This link is not valid" in page_text(tampered)
    # A manage link does not confirm: each purpose signs with its own salt.
    manage = links.token_for(subscriber, links.MANAGE)
    assert client.post(f"/status/confirm/{manage}").status_code == 400

    assert client.post(f"/status/confirm/{token}").status_code == 200
    used = client.post(f"/status/confirm/{token}")
    assert used.status_code == 409
    assert "already used: the subscription is confirmed" in page_text(used)

    unsubscribe = links.token_for(subscriber, links.UNSUBSCRIBE)
    Subscriber.objects.filter(pk=subscriber.pk).update(link_version=2)
    replaced = client.post(f"/status/unsubscribe/{unsubscribe}")
    assert replaced.status_code == 400
    assert "replaced by a newer one" in page_text(replaced)
    assert Subscriber.objects.filter(pk=subscriber.pk).exists()


def test_the_unsubscribe_link_asks_then_deletes_everything_of_the_subscriber(
    client, status_page, components
):
    dana = subscribed(status_page, "dana@example.com", [components["Checkout"]])
    erin = subscribed(status_page, "erin@example.com")
    tell(publish(status_page, "Checkout returns 502", components=[components["Checkout"]]))
    path = f"/status/unsubscribe/{links.token_for(dana, links.UNSUBSCRIBE)}"

    asked = client.get(path)
    assert asked.status_code == 200
    assert "Stop sending Status's updates to dana@example.com" in page_text(asked)
    assert Subscriber.objects.filter(pk=dana.pk).exists()

    done = client.post(path)

    assert done.status_code == 200
    assert "You are unsubscribed" in page_text(done)
    assert not Subscriber.objects.filter(pk=dana.pk).exists()
    assert not OutboxMessage.objects.filter(address="dana@example.com").exists()
    assert Subscriber.objects.filter(pk=erin.pk).exists()
    assert OutboxMessage.objects.filter(address="erin@example.com").count() == 1
    again = client.get(path)
    assert again.status_code == 404
    assert "no longer exists" in page_text(again)


def test_a_mail_clients_one_click_post_unsubscribes_without_a_csrf_token(
    smtp, status_page, components
):
    dana = subscribed(status_page, "dana@example.com")
    erin = subscribed(status_page, "erin@example.com")
    tell(publish(status_page, "Checkout returns 502", components=[components["Checkout"]]))
    deliver()
    [mail] = smtp.to("dana@example.com")
    url = str(mail["List-Unsubscribe"]).strip().strip("<>")
    mail_client = Client(enforce_csrf_checks=True)  # no cookie, no token: as a mail client posts

    answer = mail_client.post(
        url.removeprefix("https://tocsin.example.org"),
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )

    assert answer.status_code == 200
    assert not Subscriber.objects.filter(pk=dana.pk).exists()
    assert Subscriber.objects.filter(pk=erin.pk).exists()


def test_choosing_components_on_the_manage_page_needs_the_forms_csrf_token(status_page, components):
    checkout, api = components["Checkout"], components["API"]
    dana = subscribed(status_page, "dana@example.com", [checkout])
    path = f"/status/subscriptions/{links.token_for(dana, links.MANAGE)}"
    browser = Client(enforce_csrf_checks=True)

    shown = browser.get(path)
    assert shown.status_code == 200
    assert "dana@example.com" in page_text(shown)
    assert f'value="{checkout.code}" checked' in shown.content.decode()
    forged = browser.post(path, {"components": [api.code]})
    assert forged.status_code == 403
    assert list(dana.components.all()) == [checkout]

    token = shown.cookies["csrftoken"].value
    saved = browser.post(path, {"components": [api.code], "csrfmiddlewaretoken": token})

    assert saved.status_code == 200
    assert "Saved." in page_text(saved)
    assert list(dana.components.all()) == [api]
    # Nothing chosen: every component.
    browser.post(path, {"csrfmiddlewaretoken": token})
    assert not dana.components.exists()


def test_a_link_of_one_page_does_not_open_under_another_pages_address(client, status_page):
    from tocsin.statuspage.models import Page

    Page.objects.create(slug="internal", name="Internal", public=False)
    dana = subscribed(status_page, "dana@example.com")
    token = links.token_for(dana, links.UNSUBSCRIBE)
    assert client.post(f"/status/pages/internal/unsubscribe/{token}").status_code == 404
    assert Subscriber.objects.filter(pk=dana.pk).exists()


def test_another_pages_links_and_form_live_under_its_address(smtp, client, status_page):
    from tocsin.statuspage.models import Page

    partners = Page.objects.create(slug="partners", name="Partners")
    answer = client.post("/status/pages/partners/subscribe", {"email": "dana@example.com"})
    assert answer.status_code == 202
    subscriber = Subscriber.objects.get(email="dana@example.com")
    assert subscriber.page == partners
    deliver()
    [mail] = smtp.to("dana@example.com")
    assert link_in(mail, "confirm").startswith("/status/pages/partners/confirm/")
    assert client.post(link_in(mail, "confirm")).status_code == 200


def test_a_page_that_needs_sign_in_sends_visitors_to_sign_in(client, status_page):
    from tocsin.statuspage.models import Page

    Page.objects.create(slug="internal", name="Internal", public=False)
    answer = client.get("/status/pages/internal/subscribe")
    assert answer.status_code == 302
    assert answer["Location"].startswith(reverse("login") + "?next=")
    assert not Subscriber.objects.exists()


def test_one_address_is_asked_at_most_three_times_an_hour(client, status_page, traveller):
    for _ in range(limits.PER_ADDRESS.requests):
        assert post_form(client, "dana@example.com").status_code == 202

    refused = post_form(client, "dana@example.com")

    assert refused.status_code == 429
    assert int(refused["Retry-After"]) == 3600
    text = page_text(refused)
    assert "Too many requests" in text
    assert "try again in 60 minutes" in text
    assert "dana@example.com" not in text  # the refusal names no address
    assert OutboxMessage.objects.filter(address="dana@example.com").count() == 3
    # Another address from the same client is still welcome; the window moves on.
    assert post_form(client, "erin@example.com").status_code == 202
    traveller.shift(timedelta(hours=1, seconds=1))
    assert post_form(client, "dana@example.com").status_code == 202


def test_one_client_is_heard_at_most_twenty_times_an_hour_and_told_so_in_json(client, status_page):
    for n in range(limits.PER_CLIENT.requests):
        assert post_form(client, f"visitor{n}@example.com").status_code == 202

    refused = post_form(client, "one-more@example.com", headers={"Accept": "application/json"})

    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "rate_limited"
    assert "too many subscription requests" in refused.json()["error"]["message"]
    assert not Subscriber.objects.filter(email="one-more@example.com").exists()
    # Another client is not held back by this one.
    other = post_form(client, "one-more@example.com", REMOTE_ADDR="198.51.100.7")
    assert other.status_code == 202


def test_an_ipv6_client_is_counted_by_its_64_and_a_mapped_ipv4_as_itself():
    assert limits.client_key("2001:db8:1:2::1") == limits.client_key("2001:db8:1:2:ffff::9")
    assert limits.client_key("2001:db8:1:2::1") != limits.client_key("2001:db8:1:3::1")
    assert limits.client_key("::ffff:192.0.2.10") == limits.client_key("192.0.2.10")


def test_the_rate_limits_store_no_address(status_page):
    ask(status_page, "dana@example.com", ip="192.0.2.10")
    keys = list(SubscribeAttempt.objects.values_list("key", flat=True))
    assert len(keys) == 2
    assert not any("dana" in key or "192.0.2" in key for key in keys)


def test_subscription_emails_and_updates_go_in_the_team_lane(status_page, components):
    from tocsin.notify.delivery.lanes import Lane, lane_of

    ask(status_page, "dana@example.com")
    subscribed(status_page, "erin@example.com")
    tell(publish(status_page, "Checkout returns 502", components=[components["Checkout"]]))
    messages = list(OutboxMessage.objects.order_by("id"))
    assert [m.purpose for m in messages] == [Purpose.STATUS_SUBSCRIPTION, Purpose.STATUS_UPDATE]
    assert {lane_of(purpose=m.purpose, channel=m.channel) for m in messages} == {Lane.TEAM}
    assert all(m.incident_id is None and m.state == OutboxState.PENDING for m in messages)


def test_a_messages_own_headers_are_added_but_never_replace_tocsins(smtp):
    from django.db import transaction

    from tocsin.notify.channels.email import message_id
    from tocsin.notify.outbox.services import enqueue

    with transaction.atomic():
        message = enqueue(
            idempotency_key="headers-test",
            channel="email",
            address="dana@example.com",
            subject="Hello",
            body_text="Hello",
            purpose="status_update",
            data={"headers": {"List-Unsubscribe": "<https://x.example/u>", "Message-ID": "<a@b>"}},
        )
    deliver()
    [mail] = smtp.to("dana@example.com")
    assert str(mail["List-Unsubscribe"]).strip() == "<https://x.example/u>"
    assert mail["Message-ID"] == message_id(message.idempotency_key)


def test_manage_and_unsubscribe_links_still_work_a_year_later(client, status_page, traveller):
    dana = subscribed(status_page, "dana@example.com")
    manage = links.token_for(dana, links.MANAGE)
    unsubscribe = links.token_for(dana, links.UNSUBSCRIBE)
    traveller.shift(timedelta(days=365))

    assert client.get(f"/status/subscriptions/{manage}").status_code == 200
    assert client.post(f"/status/unsubscribe/{unsubscribe}").status_code == 200
    assert not Subscriber.objects.filter(pk=dana.pk).exists()


def test_addresses_never_confirmed_are_forgotten_once_their_last_link_expired(
    status_page, traveller
):
    ask(status_page, "late@example.com")
    ask(status_page, "again@example.com")
    dana = subscribed(status_page, "dana@example.com")
    traveller.shift(timedelta(hours=47))
    ask(status_page, "again@example.com")  # asked again: a new link, 48 hours from now
    traveller.shift(timedelta(hours=2))

    assert services.forget_unconfirmed() == 1

    assert set(Subscriber.objects.values_list("email", flat=True)) == {
        "again@example.com",
        dana.email,
    }


@pytest.mark.parametrize(
    "path",
    [
        "/status/confirm/x",
        "/status/confirm/%00",
        "/status/subscriptions/" + "a" * 5000,
        "/status/unsubscribe/a:b:c",
        "/status/pages/nosuchpage/subscribe",
    ],
)
def test_odd_links_are_a_clear_4xx_never_an_error(client, status_page, path):
    for answer in (client.get(path), client.post(path)):
        assert 400 <= answer.status_code < 500
    assert not Subscriber.objects.exists()


def test_odd_form_input_is_a_form_error(client, status_page):
    for email in ("dana\x00@example.com", "a" * 300 + "@example.com", "<script>@x"):
        answer = post_form(client, email)
        assert answer.status_code == 422
        assert "<script>@x" not in answer.content.decode()
    assert not Subscriber.objects.exists()
