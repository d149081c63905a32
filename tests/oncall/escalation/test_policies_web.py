"""The escalation policy pages: each team's policies, the form with its level rows, and delete.

The `policy` fixture is "Payments default": whoever is on call in 'Payments Europe/Berlin'
(Bob), then Alice, the lead, after 5 minutes. Level rows are a formset: a row with nothing
ticked is left out.
"""

import re
from datetime import timedelta

import pytest

from tests.support.oncall import policies_as_rows
from tests.support.web import form_errors, formset
from tests.support.web import page_text as words
from tocsin.accounts.models import Membership
from tocsin.incidents.services import declare
from tocsin.oncall.escalation.models import EscalationPolicy, EscalationRun, RunState
from tocsin.oncall.escalation.services import LevelSpec, TargetSpec, create_policy


def page_text(response) -> str:
    """The page's words, with no space before punctuation that follows a link or a name."""
    return re.sub(r" ([;,.])", r"\1", words(response))


def is_ticked(page: str, row: int, value: str) -> bool:
    return bool(re.search(rf'value="{value}" id="id_levels-{row}-targets_\d+" checked', page))


def policy_form(*levels, name="Payments default", repeat=0, description="", blank=2) -> dict:
    """The POST of the policy form; each level is ([checkbox values], minutes)."""
    rows = [*levels, *([([], "")] * blank)]
    return {
        "name": name,
        "repeat": repeat,
        "description": description,
        **formset(
            "levels",
            [{"targets": targets, "delay_minutes": minutes} for targets, minutes in rows],
        ),
    }


def levels_of(policy) -> list[tuple[timedelta, list[str]]]:
    return [
        (level.delay, [str(target) for target in level.targets.order_by("id")])
        for level in EscalationPolicy.objects.get(pk=policy.pk).levels.order_by("position")
    ]


@pytest.fixture
def nights(payments, lead):
    return create_policy(
        team=payments,
        name="Payments nights",
        by=lead,
        repeat=1,
        levels=[LevelSpec(timedelta(minutes=10), [TargetSpec("team")])],
    )


# --- Reading ---------------------------------------------------------------------------------


def test_the_list_shows_each_teams_policies_and_which_one_is_in_use(
    signed_in, member, policy, nights, platform
):
    page = page_text(signed_in(member).get("/oncall/policies/"))

    assert "Payments default In use" in page
    assert "Payments nights Not in use" in page
    assert "Not in use: incidents of Payments run Payments default, the oldest policy" in page
    assert "Level 1 Page whoever is on call in Payments Europe/Berlin; then wait 5 min." in page
    assert "Level 2 Page Alice Novak; then wait 5 min and end the escalation." in page
    assert "Repeats 1 time: 2 passes through the levels in all" in page
    assert (
        "Platform has no escalation policy: its paging incidents page its leads (else every "
        "member) and e-mail its list" in page
    )


def test_members_read_but_only_leads_and_admins_get_edit_controls(
    signed_in, client, member, lead, admin, viewer, policy
):
    edit_link = f'href="/oncall/policies/{policy.pk}/edit/"'
    new_link = 'href="/oncall/policies/new/payments/"'
    for person in (member, viewer):
        page = signed_in(person).get("/oncall/policies/", {"team": "payments"}).content.decode()
        assert "Payments default" in page
        assert edit_link not in page and new_link not in page
    for person in (lead, admin):
        page = signed_in(person).get("/oncall/policies/", {"team": "payments"}).content.decode()
        assert edit_link in page and new_link in page


def test_the_on_call_pages_lead_to_the_policies(signed_in, member, policy, p1):
    client = signed_in(member)
    for page in ("/schedules/", "/oncall/who-gets-paged/?team=payments&severity=P1"):
        assert 'href="/oncall/policies/' in client.get(page).content.decode()
    policies_page = client.get("/oncall/policies/").content.decode()
    assert 'href="/schedules/" aria-current="page">On-call</a>' in policies_page
    assert 'href="/oncall/policies/" aria-current="page">Escalation policies</a>' in policies_page


# --- Creating and editing --------------------------------------------------------------------


def test_a_lead_creates_a_policy_with_ordered_levels(signed_in, payments, lead, member, primary):
    client = signed_in(lead)
    form = client.get("/oncall/policies/new/payments/").content.decode()
    assert 'value="Payments default"' in form  # the first policy gets a name to start from
    assert "On call in Payments Europe/Berlin" in form and "Everyone in Payments" in form
    assert "Alice Novak (lead)" in form and "Bob Okafor" in form

    response = client.post(
        "/oncall/policies/new/payments/",
        policy_form(
            ([f"schedule:{primary.pk}"], "5"),
            ([], "7"),  # nothing ticked: left out
            ([f"user:{lead.pk}", "team"], ""),  # no delay typed: 5 minutes
            repeat=2,
            description="Business hours and nights",
        ),
    )

    assert response.status_code == 302, form_errors(response)
    policy = EscalationPolicy.objects.get(team=payments)
    assert response["Location"] == f"/oncall/policies/?team=payments#policy-{policy.pk}"
    assert (policy.name, policy.repeat, policy.description) == (
        "Payments default",
        2,
        "Business hours and nights",
    )
    assert levels_of(policy) == [
        (timedelta(minutes=5), ["on call in Payments Europe/Berlin"]),
        (timedelta(minutes=5), ["Alice Novak", "everyone in Payments"]),
    ]


def test_a_lead_edits_a_policy_and_the_form_shows_what_it_holds(
    signed_in, lead, member, policy, primary
):
    client = signed_in(lead)
    form = client.get(f"/oncall/policies/{policy.pk}/edit/").content.decode()
    assert is_ticked(form, 0, f"schedule:{primary.pk}")
    assert is_ticked(form, 1, f"user:{lead.pk}")
    assert not is_ticked(form, 0, f"user:{lead.pk}") and not is_ticked(form, 2, "team")

    response = client.post(
        f"/oncall/policies/{policy.pk}/edit/",
        policy_form(([f"user:{member.pk}"], "1.5"), (["team"], "10"), repeat=1),
    )

    assert response.status_code == 302, form_errors(response)
    policy.refresh_from_db()
    assert policy.repeat == 1
    assert levels_of(policy) == [
        (timedelta(minutes=1, seconds=30), ["Bob Okafor"]),
        (timedelta(minutes=10), ["everyone in Payments"]),
    ]


def test_add_a_level_gives_another_row_and_saves_nothing(signed_in, lead, policy):
    client = signed_in(lead)
    before = policies_as_rows()
    data = policy_form((["team"], "3"), name="Typed but not saved", blank=0)
    data["more"] = "1"

    response = client.post(f"/oncall/policies/{policy.pk}/edit/", data)

    assert response.status_code == 200
    page = response.content.decode()
    assert 'name="levels-TOTAL_FORMS" value="2"' in page
    assert 'value="Typed but not saved"' in page
    assert is_ticked(page, 0, "team")
    assert policies_as_rows() == before


def test_editing_leaves_a_running_escalation_alone(
    clock, signed_in, payments, p1, lead, other_member, policy
):
    incident = declare(title="Checkout returns 502", severity=p1, team=payments, by=lead)
    run = EscalationRun.objects.get(incident=incident)
    snapshot = run.snapshot

    response = signed_in(lead).post(
        f"/oncall/policies/{policy.pk}/edit/", policy_form(([f"user:{other_member.pk}"], "1"))
    )

    assert response.status_code == 302, form_errors(response)
    assert levels_of(policy) == [(timedelta(minutes=1), ["Erin Walsh"])]
    run.refresh_from_db()
    assert run.snapshot == snapshot
    assert [t["name"] for level in run.snapshot["levels"] for t in level["targets"]] == [
        "Payments Europe/Berlin",
        "Alice Novak",
    ]


# --- Refusals --------------------------------------------------------------------------------


def test_a_member_cannot_open_or_post_the_forms(signed_in, payments, member, policy):
    client = signed_in(member)
    before = policies_as_rows()

    for url in (
        "/oncall/policies/new/payments/",
        f"/oncall/policies/{policy.pk}/edit/",
        f"/oncall/policies/{policy.pk}/delete/",
    ):
        opened = client.get(url, follow=True)
        assert opened.redirect_chain == [("/oncall/policies/?team=payments", 302)]
        assert "Only an admin or a lead of Payments may change its escalation policies" in (
            page_text(opened)
        )
        client.post(url, policy_form((["team"], "1"), name="Mine"))

    assert policies_as_rows() == before


def test_a_duplicate_name_is_shown_on_the_name_field(signed_in, lead, policy):
    before = policies_as_rows()

    response = signed_in(lead).post(
        "/oncall/policies/new/payments/", policy_form((["team"], "5"), name="payments default")
    )

    assert response.status_code == 422
    assert form_errors(response) == ["Payments already has a policy called 'payments default'"]
    assert policies_as_rows() == before


def test_a_form_without_any_level_says_so(signed_in, lead, payments):
    response = signed_in(lead).post("/oncall/policies/new/payments/", policy_form(blank=3))

    assert response.status_code == 422
    assert "a policy needs at least one level: whom to page first" in page_text(response)
    assert not EscalationPolicy.objects.exists()


def test_a_negative_delay_is_an_error_on_its_row(signed_in, lead, policy):
    before = policies_as_rows()

    response = signed_in(lead).post(
        f"/oncall/policies/{policy.pk}/edit/", policy_form((["team"], "5"), (["team"], "-1"))
    )

    assert response.status_code == 422
    assert form_errors(response) == ["Ensure this value is greater than or equal to 0."]
    assert policies_as_rows() == before


def test_someone_who_left_the_team_is_shown_and_refused_on_their_row(
    signed_in, lead, payments, other_member, policy, primary
):
    with_erin = create_policy(
        team=payments,
        name="With Erin",
        by=lead,
        levels=[
            LevelSpec(timedelta(minutes=5), [TargetSpec("schedule", schedule=primary)]),
            LevelSpec(timedelta(minutes=5), [TargetSpec("user", user=other_member)]),
        ],
    )
    Membership.objects.filter(team=payments, user=other_member).delete()
    client = signed_in(lead)
    form = client.get(f"/oncall/policies/{with_erin.pk}/edit/").content.decode()
    assert "Erin Walsh (not a member of Payments)" in form
    before = policies_as_rows()

    response = client.post(
        f"/oncall/policies/{with_erin.pk}/edit/",
        policy_form(
            ([f"schedule:{primary.pk}"], "5"), ([f"user:{other_member.pk}"], "5"), name="With Erin"
        ),
    )

    assert response.status_code == 422
    assert form_errors(response) == [
        "level 2: Erin Walsh is not a member of Payments; only members can acknowledge its "
        "incidents"
    ]
    assert 'class="oc-level-row field-invalid"' in response.content.decode()
    assert policies_as_rows() == before


def test_a_target_of_another_team_is_not_on_offer(signed_in, lead, outsider, policy):
    before = policies_as_rows()

    response = signed_in(lead).post(
        f"/oncall/policies/{policy.pk}/edit/", policy_form(([f"user:{outsider.pk}"], "5"))
    )

    assert response.status_code == 422
    assert any("Select a valid choice" in error for error in form_errors(response))
    assert policies_as_rows() == before


# --- Deleting --------------------------------------------------------------------------------


def test_deleting_asks_first_and_says_what_runs_next(signed_in, lead, policy, nights):
    client = signed_in(lead)

    confirm = page_text(client.get(f"/oncall/policies/{policy.pk}/delete/"))

    assert "Delete Payments default?" in confirm
    assert "After deleting it they run Payments nights, the next oldest" in confirm
    assert EscalationPolicy.objects.filter(pk=policy.pk).exists()

    done = client.post(f"/oncall/policies/{policy.pk}/delete/", follow=True)

    assert not EscalationPolicy.objects.filter(pk=policy.pk).exists()
    page = page_text(done)
    assert (
        "Escalation policy Payments default deleted. Incidents of Payments now run Payments nights"
        in (page)
    )
    assert "Payments nights In use" in page


def test_deleting_the_only_policy_warns_that_nobody_will_be_paged(
    clock, signed_in, payments, p1, lead, policy
):
    incident = declare(title="Checkout returns 502", severity=p1, team=payments, by=lead)
    run = EscalationRun.objects.get(incident=incident)
    snapshot = run.snapshot
    client = signed_in(lead)

    confirm = page_text(client.get(f"/oncall/policies/{policy.pk}/delete/"))
    assert "After deleting it, paging incidents of Payments page only its leads" in confirm

    client.post(f"/oncall/policies/{policy.pk}/delete/")

    assert not EscalationPolicy.objects.exists()
    run.refresh_from_db()
    assert (run.state, run.policy, run.snapshot) == (RunState.ACTIVE, None, snapshot)
