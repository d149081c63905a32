"""A post-mortem draft exists when an incident whose severity requires one is resolved:
assigned to the commander, due in five business days, prefilled from its situation report."""

from datetime import date

import pytest

from tocsin.errors import Conflict, PermissionDenied, ValidationFailed
from tocsin.incidents.models import Channel, Event
from tocsin.incidents.services import declare, reopen, resolve
from tocsin.postincident.postmortems.defaults import DEFAULT_SECTIONS
from tocsin.postincident.postmortems.models import (
    Postmortem,
    PostmortemStatus,
    PostmortemTemplate,
    RequiredApprovals,
)
from tocsin.postincident.postmortems.services import (
    business_days_after,
    start_postmortem,
    update_postmortem,
)


def test_resolving_a_p1_drafts_its_postmortem_for_the_commander(postmortem, resolved, bob):
    assert postmortem.status == PostmortemStatus.DRAFT
    assert postmortem.author == bob
    assert postmortem.due_on == date(2026, 12, 11)  # Friday + 5 business days
    assert postmortem.approvals_required == 2
    event = resolved.timeline.get(kind=Event.POSTMORTEM)
    assert event.message == (
        "Post-mortem drafted (P1 requires one), written by Bob Okafor, due Fri 11 Dec 2026"
    )
    assert event.actor is None and event.actor_name == "Tocsin"


def test_the_draft_has_the_template_sections_prefilled_from_the_situation_report(
    postmortem, resolved
):
    sections = {section.title: section.body for section in postmortem.sections.all()}
    assert list(sections) == [title for title, _ in DEFAULT_SECTIONS]
    assert "Checkout returns 502" in sections["Summary"]
    assert "- Closed at: 2026-12-04 11:00 UTC, resolved by Alice Novak" in sections["Summary"]
    assert "- Commander: Bob Okafor (from 2026-12-04 10:00 UTC)" in sections["Summary"]
    assert "Every checkout attempt answers 502 Bad Gateway." in sections["Summary"]
    assert "Who was impacted: Every customer paying by card" in sections["Impact"]
    assert "How they were impacted: They cannot pay" in sections["Impact"]
    assert sections["Mitigation and resolution"] == "Rolled back the gateway to 4.1.2."
    timeline = sections["Timeline"].splitlines()
    assert timeline[0].startswith("- 2026-12-04 10:00 UTC · Declared ·")
    assert any("Resolved by" in line and "11:00 UTC" in line for line in timeline)
    assert sections["Action items"] == ""
    assert sections["Where we got lucky"] == ""


def test_a_severity_that_does_not_require_one_gets_no_draft(friday, payments, alice, p3):
    incident = declare(title="Slow search", severity=p3, team=payments, by=alice, via=Channel.WEB)
    resolve(incident=incident, by=alice, via=Channel.WEB, resolution="Index rebuilt.")
    assert not Postmortem.objects.filter(incident=incident).exists()
    assert not incident.timeline.filter(kind=Event.POSTMORTEM).exists()


def test_resolving_again_after_a_reopen_keeps_the_one_draft(postmortem, resolved, alice):
    reopen(incident=resolved, by=alice, via=Channel.WEB, reason="502s again")
    resolve(incident=resolved, by=alice, via=Channel.WEB, resolution="Rolled back again.")
    assert Postmortem.objects.filter(incident=resolved).count() == 1
    assert resolved.timeline.filter(kind=Event.POSTMORTEM).count() == 1


def test_anyone_who_works_an_incident_may_start_one_by_hand(friday, payments, bob, p3):
    incident = declare(title="Slow search", severity=p3, team=payments, by=bob, via=Channel.WEB)
    postmortem = start_postmortem(incident=incident, by=bob)
    assert postmortem.author == bob
    assert postmortem.sections.count() == len(DEFAULT_SECTIONS)
    assert incident.timeline.get(kind=Event.POSTMORTEM).actor == bob


def test_an_outsider_may_not_start_one_and_nothing_is_made(friday, payments, bob, carol, p3):
    incident = declare(title="Slow search", severity=p3, team=payments, by=bob, via=Channel.WEB)
    with pytest.raises(PermissionDenied, match="not a member of Payments"):
        start_postmortem(incident=incident, by=carol)
    assert not Postmortem.objects.exists()
    assert not incident.timeline.filter(kind=Event.POSTMORTEM).exists()


def test_a_second_postmortem_of_one_incident_is_refused(postmortem, resolved, bob):
    with pytest.raises(Conflict, match="already has a post-mortem"):
        start_postmortem(incident=resolved, by=bob)
    assert Postmortem.objects.count() == 1


def test_due_dates_count_monday_to_friday():
    assert business_days_after(date(2026, 12, 4), 5) == date(2026, 12, 11)  # Fri → Fri
    assert business_days_after(date(2026, 12, 5), 5) == date(2026, 12, 11)  # Sat → Fri
    assert business_days_after(date(2026, 12, 7), 5) == date(2026, 12, 14)  # Mon → Mon
    assert business_days_after(date(2026, 12, 10), 1) == date(2026, 12, 11)  # Thu → Fri


def test_a_severity_override_sets_the_approvals_required(
    friday, payments, alice, bob, p1, settings
):
    RequiredApprovals.objects.create(severity=p1, approvals=3)
    incident = declare(title="Down", severity=p1, team=payments, by=alice, via=Channel.WEB)
    postmortem = start_postmortem(incident=incident, by=bob)
    assert postmortem.approvals_required == 3
    RequiredApprovals.objects.filter(severity=p1).update(approvals=1)
    postmortem.refresh_from_db()
    assert postmortem.approvals_required == 3


def test_the_setting_gives_the_default_number(friday, payments, alice, bob, p1, settings):
    settings.POSTMORTEM_APPROVALS = 4
    incident = declare(title="Down", severity=p1, team=payments, by=alice, via=Channel.WEB)
    assert start_postmortem(incident=incident, by=bob).approvals_required == 4


def test_sections_are_written_by_title_and_noted_on_the_timeline(postmortem, bob):
    update_postmortem(
        postmortem=postmortem, by=bob, sections={"Detection": "A checkout probe paged us."}
    )
    assert postmortem.sections.get(title="Detection").body == "A checkout probe paged us."
    assert postmortem.incident.timeline.filter(
        kind=Event.POSTMORTEM, message="Post-mortem edited: Detection", actor=bob
    ).exists()


def test_an_unknown_section_is_refused_and_nothing_changes(postmortem, bob):
    with pytest.raises(ValidationFailed, match="no section 'Root cause'"):
        update_postmortem(
            postmortem=postmortem,
            by=bob,
            sections={"Detection": "A probe.", "Root cause": "DNS"},
        )
    assert postmortem.sections.get(title="Detection").body == ""
    assert not postmortem.incident.timeline.filter(
        message__startswith="Post-mortem edited"
    ).exists()


def test_a_due_date_before_the_draft_is_refused(postmortem, bob):
    with pytest.raises(ValidationFailed, match="cannot be before"):
        update_postmortem(postmortem=postmortem, by=bob, due_on=date(2026, 12, 1))
    postmortem.refresh_from_db()
    assert postmortem.due_on == date(2026, 12, 11)


def test_an_admin_changes_the_template_for_postmortems_started_later(
    postmortem, admin, friday, payments, alice, bob, p3
):
    from tocsin.postincident.postmortems.services import set_template_sections

    set_template_sections(sections=[("Summary", ""), ("Root cause", "Why")], by=admin)
    incident = declare(title="Slow", severity=p3, team=payments, by=alice, via=Channel.WEB)
    later = start_postmortem(incident=incident, by=bob)
    assert list(later.sections.values_list("title", flat=True)) == ["Summary", "Root cause"]
    assert postmortem.sections.count() == len(DEFAULT_SECTIONS)


def test_only_admins_change_the_template(postmortem, alice):
    from tocsin.postincident.postmortems.services import set_template_sections

    with pytest.raises(PermissionDenied, match="only an admin"):
        set_template_sections(sections=[("Summary", "")], by=alice)
    template = PostmortemTemplate.objects.get()
    assert template.sections.count() == len(DEFAULT_SECTIONS)


def test_the_migration_seeded_the_default_template(db):
    template = PostmortemTemplate.objects.get()
    assert [(s.title, s.guidance) for s in template.sections.all()] == DEFAULT_SECTIONS


def test_the_due_days_come_from_the_setting(friday, payments, alice, bob, p3, settings):
    settings.POSTMORTEM_DUE_DAYS = 1
    incident = declare(title="Slow", severity=p3, team=payments, by=alice, via=Channel.WEB)
    assert start_postmortem(incident=incident, by=bob).due_on == date(2026, 12, 7)  # Monday


@pytest.mark.parametrize(
    "name, value, message",
    [
        ("POSTMORTEM_APPROVALS", "two", "TOCSIN_POSTMORTEM_APPROVALS must be a whole number"),
        ("POSTMORTEM_APPROVALS", "0", "TOCSIN_POSTMORTEM_APPROVALS must be at least 1, not 0"),
        ("POSTMORTEM_DUE_DAYS", "-3", "TOCSIN_POSTMORTEM_DUE_DAYS must be at least 1, not -3"),
    ],
)
def test_a_wrong_setting_is_named_at_start(settings, name, value, message):
    from django.core.exceptions import ImproperlyConfigured

    from tocsin.postincident.postmortems import conf

    setattr(settings, name, value)
    with pytest.raises(ImproperlyConfigured, match=message):
        conf.check()


def test_the_settings_are_read_from_the_environment(settings, monkeypatch, tmp_path):
    from tocsin.postincident.postmortems import conf

    del settings.POSTMORTEM_DIR
    del settings.POSTMORTEM_APPROVALS
    monkeypatch.setenv("TOCSIN_POSTMORTEM_DIR", str(tmp_path))
    monkeypatch.setenv("TOCSIN_POSTMORTEM_APPROVALS", "3")
    assert conf.folder() == tmp_path
    assert conf.default_approvals() == 3
