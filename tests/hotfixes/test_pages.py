"""Where hot fixes are shown: the incident page's card (a checkbox per merge-back target, the
form to record one), a hot fix's own page, the team page's unmerged hot fixes, and the
post-mortem's list."""

from django.urls import reverse

from tests.support.web import body, form_errors, page_text
from tocsin.hotfixes.services import edit_hot_fix, mark_merged_back
from tocsin.postincident.postmortems.models import Postmortem

from .conftest import CHANGE, counts, hot_fix_events


def test_the_incident_page_offers_a_checkbox_per_target_to_who_may_tick(hot_fix, member, signed_in):
    html = body(signed_in(member).get(reverse("incident-detail", args=[hot_fix.incident.pk])))
    assert 'id="hot-fixes"' in html
    for target in hot_fix.targets.all():
        action = reverse("hot-fix-merge-back", args=[hot_fix.pk, target.pk])
        assert f'action="{action}"' in html
    assert html.count('type="checkbox" name="done"') == 2
    assert 'action="' + reverse("hot-fix-record", args=[hot_fix.incident.pk]) + '"' in html
    assert 'name="branch" value="main"' in html


def test_a_viewer_sees_the_hot_fixes_without_any_form(hot_fix, viewer, signed_in):
    response = signed_in(viewer).get(reverse("incident-detail", args=[hot_fix.incident.pk]))
    text = page_text(response)
    assert CHANGE in text and "To merge back into release/2.3" in text
    assert 'name="done"' not in body(response)
    assert "Record a hot fix" not in text


def test_a_ticked_target_shows_who_did_it(hot_fix, member, signed_in):
    mark_merged_back(
        hot_fix=hot_fix, by=member, branch="release/2.3", link="https://git.example.org/pr/44"
    )
    html = body(signed_in(member).get(reverse("incident-detail", args=[hot_fix.incident.pk])))
    assert 'id="merge-back-' in html and " checked>" in html
    assert "Done by Bob Okafor" in page_text(
        signed_in(member).get(reverse("incident-detail", args=[hot_fix.incident.pk]))
    )
    assert 'href="https://git.example.org/pr/44"' in html


def test_clearing_a_checkbox_undoes_the_merge_back(hot_fix, member, signed_in):
    target = hot_fix.targets.get(branch="release/2.3")
    mark_merged_back(hot_fix=hot_fix, by=member, branch="release/2.3")
    response = signed_in(member).post(
        reverse("hot-fix-merge-back", args=[hot_fix.pk, target.pk]),
        {"next": "https://evil.example.com/"},
    )
    assert response.status_code == 302
    assert response["Location"] == f"/incidents/{hot_fix.incident.pk}/#hot-fixes"
    target.refresh_from_db()
    assert not target.done
    assert hot_fix_events(hot_fix.incident)[-1] == (
        "Hot fix not merged back into release/2.3 after all"
    )


def test_people_s_text_is_escaped(resolved, member, signed_in):
    from tocsin.hotfixes.services import record_hot_fix

    record_hot_fix(
        incident=resolved,
        by=member,
        change_url=CHANGE,
        branch="main",
        note="<script>alert('hi')</script>",
    )
    html = body(signed_in(member).get(reverse("incident-detail", args=[resolved.pk])))
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert" in html


def test_the_hot_fix_page_edits_it_and_its_targets(hot_fix, member, signed_in):
    client = signed_in(member)
    page = reverse("hot-fix-detail", args=[hot_fix.pk])
    assert "Unmerged" in page_text(client.get(page))

    response = client.post(
        reverse("hot-fix-add-target", args=[hot_fix.pk]), {"branch": "release/2.1"}
    )
    assert response.status_code == 302
    assert list(hot_fix.targets.values_list("branch", flat=True)) == [
        "release/2.3",
        "release/2.2",
        "release/2.1",
    ]

    before = counts()
    response = client.post(
        reverse("hot-fix-add-target", args=[hot_fix.pk]), {"branch": "release/2.1"}
    )
    assert response.status_code == 422
    assert form_errors(response) == ["release/2.1 is already a merge-back target of this hot fix"]
    assert counts() == before

    release_22 = hot_fix.targets.get(branch="release/2.2")
    client.post(reverse("hot-fix-remove-target", args=[hot_fix.pk, release_22.pk]))
    assert not hot_fix.targets.filter(branch="release/2.2").exists()

    response = client.post(
        page,
        {"change_url": "https://git.example.org/pr/42", "branch": "main", "note": "Backported."},
    )
    assert response.status_code == 302
    hot_fix.refresh_from_db()
    assert hot_fix.change_url == "https://git.example.org/pr/42"
    assert hot_fix.owner == member and hot_fix.note == "Backported."

    response = client.post(page, {"change_url": "nope", "branch": "main"})
    assert response.status_code == 422
    assert form_errors(response) == ["change_url 'nope' is not an http:// or https:// address"]


def test_the_team_page_lists_its_unmerged_hot_fixes(hot_fix, member, signed_in, payments):
    client = signed_in(member)
    team_page = reverse("team-detail", args=[payments.slug])
    text = page_text(client.get(team_page))
    assert "Unmerged hot fixes" in text
    assert CHANGE in text
    assert "to merge back into release/2.3 release/2.2" in text

    mark_merged_back(hot_fix=hot_fix, by=member, branch="release/2.3")
    text = page_text(client.get(team_page))
    assert "to merge back into release/2.2" in text and "release/2.3" not in text

    mark_merged_back(hot_fix=hot_fix, by=member, branch="release/2.2")
    text = page_text(client.get(team_page))
    assert CHANGE not in text
    assert "No hot fix waits to be merged back." in text


def test_another_team_page_does_not_list_them(hot_fix, member, signed_in, platform):
    text = page_text(signed_in(member).get(reverse("team-detail", args=[platform.slug])))
    assert CHANGE not in text and "No hot fix waits to be merged back." in text


def test_the_post_mortem_lists_the_incident_s_hot_fixes(hot_fix, member, lead, signed_in):
    postmortem = Postmortem.objects.get(incident=hot_fix.incident)
    edit_hot_fix(hot_fix=hot_fix, by=member, note="Raised the gateway timeout.")
    mark_merged_back(hot_fix=hot_fix, by=member, branch="release/2.3")
    response = signed_in(lead).get(reverse("postmortem-detail", args=[postmortem.pk]))
    assert response.status_code == 200
    text = page_text(response)
    assert "Hot fixes" in text and CHANGE in text
    assert "Raised the gateway timeout." in text
    assert "Merged back into release/2.3" in text and "To merge back into release/2.2" in text
    assert 'name="done"' not in body(response)


def test_the_post_mortem_says_when_there_is_none(resolved, lead, signed_in):
    postmortem = Postmortem.objects.get(incident=resolved)
    text = page_text(signed_in(lead).get(reverse("postmortem-detail", args=[postmortem.pk])))
    assert f"No hot fix recorded on {resolved.reference}." in text


def test_the_team_page_lists_the_oldest_first(hot_fix, resolved, member, signed_in, monday):
    from tocsin.hotfixes.services import record_hot_fix

    monday.shift(60)
    record_hot_fix(
        incident=resolved,
        by=member,
        change_url="https://git.example.org/pr/43",
        branch="main",
        targets=["release/2.3"],
    )
    text = page_text(signed_in(member).get(reverse("team-detail", args=["payments"])))
    assert text.index(CHANGE) < text.index("https://git.example.org/pr/43")
