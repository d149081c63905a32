"""The post-mortem pages, with plain forms: the incident card, the list, editing, asking for
review, reviewing, commenting, publishing, the Markdown and the template; refusals are 403,
invalid forms 422 with the error in place, and neither changes anything."""

from tests.support.web import form_errors, page_text
from tocsin.incidents.models import Channel
from tocsin.incidents.services import declare
from tocsin.postincident.postmortems.models import (
    Postmortem,
    PostmortemStatus,
    RequiredApprovals,
    Review,
    SectionComment,
    TemplateSection,
)
from tocsin.postincident.postmortems.services import review


def detail(postmortem):
    return f"/postmortems/{postmortem.pk}/"


def test_the_incident_page_shows_the_draft(postmortem, signed_in, bob):
    response = signed_in(bob).get(f"/incidents/{postmortem.incident.pk}/")
    text = page_text(response)
    assert "Post-mortem Draft by Bob Okafor · due Fri 11 Dec 2026" in text
    assert "0 of 2 approvals" in text
    assert f'href="{detail(postmortem)}"' in response.content.decode()


def test_the_incident_page_offers_to_start_one(friday, payments, signed_in, bob, carol, p3):
    incident = declare(title="Slow search", severity=p3, team=payments, by=bob, via=Channel.WEB)
    assert "Start a post-mortem" in page_text(signed_in(bob).get(f"/incidents/{incident.pk}/"))
    assert "Start a post-mortem" not in page_text(
        signed_in(carol).get(f"/incidents/{incident.pk}/")
    )
    response = signed_in(bob).post(f"/incidents/{incident.pk}/postmortem/start/")
    postmortem = Postmortem.objects.get(incident=incident)
    assert response.status_code == 302 and response["Location"] == detail(postmortem)


def test_an_outsider_starting_one_is_403(friday, payments, signed_in, bob, carol, p3):
    incident = declare(title="Slow search", severity=p3, team=payments, by=bob, via=Channel.WEB)
    response = signed_in(carol).post(f"/incidents/{incident.pk}/postmortem/start/")
    assert response.status_code == 403
    assert not Postmortem.objects.exists()


def test_the_list_shows_what_one_may_see(postmortem, signed_in, bob, viewer):
    assert "Checkout returns 502" in page_text(signed_in(bob).get("/postmortems/"))
    assert "No post-mortems." in page_text(signed_in(viewer).get("/postmortems/"))


def test_a_draft_page_is_403_for_strangers(postmortem, signed_in, viewer):
    assert signed_in(viewer).get(detail(postmortem)).status_code == 403
    assert signed_in(viewer).get(f"/postmortems/{postmortem.pk}.md").status_code == 403


def test_editing_sections(postmortem, signed_in, bob):
    client = signed_in(bob)
    page = client.get(f"/postmortems/{postmortem.pk}/edit/")
    assert page.status_code == 200
    data = {"author": bob.pk, "due_on": "2026-12-11"}
    for section in postmortem.sections.all():
        data[f"section_{section.position}"] = section.body
    data["section_10"] = "Probe the <script>alert(1)</script> **gateway**."
    response = client.post(f"/postmortems/{postmortem.pk}/edit/", data)
    assert response.status_code == 302
    assert postmortem.sections.get(position=10).body.startswith("Probe the <script>")
    html = client.get(detail(postmortem)).content.decode()
    assert "<strong>gateway</strong>" in html
    assert "<script>alert(1)</script>" not in html


def test_an_invalid_edit_is_422_and_changes_nothing(postmortem, signed_in, bob):
    data = {"author": bob.pk, "due_on": "2026-11-01", "section_10": "Lessons"}
    response = signed_in(bob).post(f"/postmortems/{postmortem.pk}/edit/", data)
    assert response.status_code == 422
    assert form_errors(response) == ["the due date cannot be before the post-mortem was started"]
    assert postmortem.sections.get(position=10).body == ""


def test_an_outsider_editing_is_403(postmortem, signed_in, carol):
    response = signed_in(carol).post(
        f"/postmortems/{postmortem.pk}/edit/", {"author": carol.pk, "due_on": "2026-12-11"}
    )
    assert response.status_code == 403
    postmortem.refresh_from_db()
    assert postmortem.author.email == "bob@example.com"


def test_asking_for_review_and_reviewing_on_the_page(postmortem, signed_in, bob, alice, carol):
    response = signed_in(bob).post(
        f"/postmortems/{postmortem.pk}/review-requests/", {"reviewers": [alice.pk, carol.pk]}
    )
    assert response.status_code == 302
    page = signed_in(alice).get(detail(postmortem))
    assert "Submit review" in page_text(page)
    response = signed_in(alice).post(
        f"/postmortems/{postmortem.pk}/comments/", {"section": "Detection", "body": "Which probe?"}
    )
    assert response.status_code == 302
    assert SectionComment.objects.get().body == "Which probe?"
    response = signed_in(alice).post(
        f"/postmortems/{postmortem.pk}/reviews/", {"verdict": "approve"}
    )
    assert response.status_code == 302
    assert "1 of 2 approvals: Alice Novak" in page_text(signed_in(bob).get(detail(postmortem)))


def test_requesting_changes_without_a_comment_is_422(in_review, signed_in, alice):
    response = signed_in(alice).post(
        f"/postmortems/{in_review.pk}/reviews/", {"verdict": "request_changes", "comment": ""}
    )
    assert response.status_code == 422
    assert "comment must not be empty" in form_errors(response)
    assert not Review.objects.exists()


def test_the_author_gets_no_review_form_and_is_refused(in_review, signed_in, bob):
    assert "Submit review" not in page_text(signed_in(bob).get(detail(in_review)))
    response = signed_in(bob).post(f"/postmortems/{in_review.pk}/reviews/", {"verdict": "approve"})
    assert response.status_code == 403
    assert not Review.objects.exists()


def test_publishing_from_the_page(in_review, signed_in, bob, alice, carol, settings, tmp_path):
    settings.POSTMORTEM_DIR = str(tmp_path)
    assert "Publish the post-mortem" not in page_text(signed_in(bob).get(detail(in_review)))
    review(postmortem=in_review, by=alice, verdict="approve")
    review(postmortem=in_review, by=carol, verdict="approve")
    assert "Publish the post-mortem" not in page_text(signed_in(alice).get(detail(in_review)))
    assert "Publish the post-mortem" in page_text(signed_in(bob).get(detail(in_review)))
    response = signed_in(bob).post(f"/postmortems/{in_review.pk}/publish/")
    assert response.status_code == 302
    in_review.refresh_from_db()
    assert in_review.status == PostmortemStatus.PUBLISHED
    assert f"Written to {in_review.exported_path}" in page_text(
        signed_in(bob).get(detail(in_review))
    )
    download = signed_in(carol).get(f"/postmortems/{in_review.pk}.md")
    assert download.status_code == 200
    assert (
        download.content.decode() == (tmp_path / in_review.exported_path.split("/")[-1]).read_text()
    )


def test_publishing_too_early_is_422_and_changes_nothing(in_review, signed_in, bob):
    response = signed_in(bob).post(f"/postmortems/{in_review.pk}/publish/")
    assert response.status_code == 422
    assert "is in review: it cannot be published" in page_text(response)
    in_review.refresh_from_db()
    assert in_review.status == PostmortemStatus.IN_REVIEW


def test_admins_edit_the_template(db, signed_in, admin, p1, severities):
    response = signed_in(admin).post(
        "/postmortems/template/",
        {"sections": "Summary | What happened\nRoot cause\n", "approvals_P1": "3"},
    )
    assert response.status_code == 302
    assert list(TemplateSection.objects.values_list("title", "guidance")) == [
        ("Summary", "What happened"),
        ("Root cause", ""),
    ]
    assert RequiredApprovals.objects.get(severity=p1).approvals == 3


def test_a_template_with_a_title_twice_is_422(db, signed_in, admin, severities):
    response = signed_in(admin).post("/postmortems/template/", {"sections": "Summary\nsummary\n"})
    assert response.status_code == 422
    assert "two sections are called 'summary'" in page_text(response)
    assert TemplateSection.objects.count() == 11


def test_the_template_is_for_admins_only(db, signed_in, lead):
    assert signed_in(lead).get("/postmortems/template/").status_code == 403
    response = signed_in(lead).post("/postmortems/template/", {"sections": "Mine"})
    assert response.status_code == 403
    assert TemplateSection.objects.count() == 11


def test_an_empty_comment_is_422_beside_its_section(in_review, signed_in, carol):
    response = signed_in(carol).post(
        f"/postmortems/{in_review.pk}/comments/", {"section": "Detection", "body": " "}
    )
    assert response.status_code == 422
    assert form_errors(response) == ["This field is required."]
    assert not SectionComment.objects.exists()


def test_a_comment_on_a_section_that_is_not_there_is_422(in_review, signed_in, carol):
    response = signed_in(carol).post(
        f"/postmortems/{in_review.pk}/comments/", {"section": "Root cause", "body": "Why?"}
    )
    assert response.status_code == 422
    assert "the post-mortem has no section 'Root cause'" in page_text(response)
    assert not SectionComment.objects.exists()
