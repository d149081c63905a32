"""Who may see the metrics: anyone signed in with an active account, viewers included, drills
shown apart likewise (tocsin/accounts/permissions/ `may_see_metrics`)."""

import pytest

from tests.postincident.metrics.conftest import RANGE
from tests.support.people import person
from tocsin.accounts import permissions
from tocsin.accounts.models import InstanceRole
from tocsin.errors import PermissionDenied

pytestmark = pytest.mark.django_db


def test_everyone_signed_in_may_see_the_metrics_viewers_included(viewer, outsider, member, admin):
    for user in (viewer, outsider, member, admin):
        assert permissions.may_see_metrics(user)
    assert not permissions.may_see_metrics(None)


def test_an_account_that_was_switched_off_may_not(db):
    gone = person("gone@example.com", "Gus Gone", role=InstanceRole.RESPONDER)
    gone.is_active = False
    assert not permissions.may_see_metrics(gone)
    with pytest.raises(PermissionDenied, match="cannot sign in any more"):
        permissions.ensure_may_see_metrics(gone)


def test_a_viewer_and_someone_of_another_team_see_every_teams_drills_apart(
    fixture_incidents, signed_in, api_as, viewer, outsider
):
    for user in (viewer, outsider):
        response = signed_in(user).get("/metrics/", {"drills": "apart", "group": "team", **RANGE})
        assert response.status_code == 200
        assert "Drills, shown apart" in response.content.decode()
        rows = api_as(user).get("/metrics", drills="apart", group="team", **RANGE).json()["rows"]
        assert {row["group"]["key"] for row in rows} == {"payments", "platform"}
        assert any(row["drill"] for row in rows)
