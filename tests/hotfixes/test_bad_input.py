"""Bad input is refused with a clear 4xx naming the field, or the form again with the error in
place, and writes nothing: no hot fix, no target, no timeline event."""

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from tests.support.api import assert_error
from tests.support.web import form_errors
from tocsin.errors import Conflict, ValidationFailed
from tocsin.hotfixes.models import HotFix, MergeBack
from tocsin.hotfixes.services import add_target, edit_hot_fix, record_hot_fix

from .conftest import CHANGE, counts

BAD_URLS = [
    "not a url",
    "ftp://git.example.org/pr/41",
    "javascript:alert(1)",
    "",
    "https://git.example.org/" + "x" * 477,  # 501 characters
]


@pytest.mark.parametrize("url", BAD_URLS)
def test_a_change_url_must_be_http(resolved, member, url):
    before = counts()
    with pytest.raises(ValidationFailed) as refused:
        record_hot_fix(incident=resolved, by=member, change_url=url, branch="main")
    assert refused.value.field == "change_url"
    assert counts() == before


@pytest.mark.parametrize("branch", ["", "   ", "release 2.3", "-main", "release/", "a..b"])
def test_a_branch_must_be_a_branch_name(resolved, member, branch):
    before = counts()
    with pytest.raises(ValidationFailed) as refused:
        record_hot_fix(incident=resolved, by=member, change_url=CHANGE, branch=branch)
    assert refused.value.field == "branch"
    with pytest.raises(ValidationFailed) as refused:
        record_hot_fix(
            incident=resolved, by=member, change_url=CHANGE, branch="main", targets=[branch]
        )
    assert refused.value.field == "targets"
    assert counts() == before


def test_a_target_named_twice_is_refused(resolved, member):
    before = counts()
    with pytest.raises(ValidationFailed, match="release/2.3 is named twice") as refused:
        record_hot_fix(
            incident=resolved,
            by=member,
            change_url=CHANGE,
            branch="main",
            targets=["release/2.3", "release/2.2", "release/2.3"],
        )
    assert refused.value.field == "targets"
    assert counts() == before


def test_targets_are_a_list_not_one_string(resolved, member):
    with pytest.raises(ValidationFailed, match="targets must be a list") as refused:
        record_hot_fix(
            incident=resolved, by=member, change_url=CHANGE, branch="main", targets="release/2.3"
        )
    assert refused.value.field == "targets"
    assert not HotFix.objects.exists()


def test_the_branch_it_went_to_is_no_target(resolved, member):
    with pytest.raises(ValidationFailed, match="the hot fix went to main"):
        record_hot_fix(
            incident=resolved, by=member, change_url=CHANGE, branch="main", targets=["main"]
        )
    assert not HotFix.objects.exists()


def test_adding_a_target_it_has_is_a_conflict(hot_fix, member):
    before = counts()
    with pytest.raises(Conflict, match="release/2.3 is already a merge-back target"):
        add_target(hot_fix=hot_fix, by=member, branch="release/2.3")
    assert counts() == before


def test_its_branch_cannot_become_one_of_its_targets(hot_fix, member):
    before = counts()
    with pytest.raises(ValidationFailed, match="remove that target first"):
        edit_hot_fix(hot_fix=hot_fix, by=member, branch="release/2.3")
    assert counts() == before
    hot_fix.refresh_from_db()
    assert hot_fix.branch == "main"


def test_the_database_keeps_one_target_per_branch_and_names_them(hot_fix):
    with pytest.raises(IntegrityError), transaction.atomic():
        MergeBack.objects.create(hot_fix=hot_fix, branch="release/2.3")
    with pytest.raises(IntegrityError), transaction.atomic():
        MergeBack.objects.create(hot_fix=hot_fix, branch="  ")
    with pytest.raises(IntegrityError), transaction.atomic():
        HotFix.objects.filter(pk=hot_fix.pk).update(branch="")
    with pytest.raises(IntegrityError), transaction.atomic():
        HotFix.objects.filter(pk=hot_fix.pk).update(change_url="ftp://example.org/x")


# --- The web form: the record page again, the error beside its field, status 422 ------------


@pytest.mark.parametrize(
    "data, field, error",
    [
        (
            {"change_url": "ftp://x.example.org/1", "branch": "main"},
            "change_url",
            "change_url 'ftp://x.example.org/1' is not an http:// or https:// address",
        ),
        ({"change_url": CHANGE, "branch": ""}, "branch", "This field is required."),
        (
            {"change_url": CHANGE, "branch": "main", "targets": "release/2.3, release/2.3"},
            "targets",
            "release/2.3 is named twice as a merge-back target",
        ),
    ],
)
def test_the_form_shows_what_is_wrong_and_records_nothing(
    resolved, member, signed_in, data, field, error
):
    before = counts()
    response = signed_in(member).post(reverse("hot-fix-record", args=[resolved.pk]), data)
    assert response.status_code == 422
    assert form_errors(response) == [error]
    assert f'id="hf_{field}_error"' in response.content.decode()
    assert counts() == before


# --- The API: 4xx JSON naming the field, nothing written -------------------------------------


@pytest.mark.parametrize(
    "body, status, code, field",
    [
        ({"change_url": "not a url", "branch": "main"}, 422, "validation_failed", "change_url"),
        ({"change_url": CHANGE, "branch": " "}, 422, "validation_failed", "branch"),
        (
            {"change_url": CHANGE, "branch": "main", "targets": ["release/2.3", "release/2.3"]},
            422,
            "validation_failed",
            "targets",
        ),
        ({"change_url": CHANGE}, 422, "validation_failed", "branch"),
        (
            {"change_url": CHANGE, "branch": "main", "colour": "red"},
            422,
            "validation_failed",
            "colour",
        ),
        (
            {"change_url": CHANGE, "branch": "main", "owner": "nobody@example.com"},
            422,
            "validation_failed",
            "owner",
        ),
    ],
)
def test_the_api_refuses_bad_bodies(resolved, member, api_as, body, status, code, field):
    before = counts()
    response = api_as(member).post(f"/incidents/{resolved.reference}/hotfixes", body)
    assert_error(response, status, code, field=field)
    assert counts() == before


def test_the_api_answers_409_for_a_target_it_has(hot_fix, member, api_as):
    before = counts()
    response = api_as(member).post(f"/hotfixes/{hot_fix.pk}/targets", {"branch": "release/2.2"})
    assert_error(response, 409, "conflict", field="branch", message_contains="already")
    assert counts() == before


def test_the_api_answers_404_for_unknown_ones(hot_fix, member, api_as):
    api = api_as(member)
    assert_error(api.get("/hotfixes/999999"), 404, "not_found")
    assert_error(
        api.post(f"/hotfixes/{hot_fix.pk}/merged/release/9.9"), 404, "not_found", field="branch"
    )
    assert_error(
        api.delete(f"/hotfixes/{hot_fix.pk}/targets/release/9.9"), 404, "not_found", field="branch"
    )
    assert_error(api.get("/incidents/INC-999999/hotfixes"), 404, "not_found")
