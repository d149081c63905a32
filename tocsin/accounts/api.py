"""REST endpoints for teams and the signed-in person; lookups of people named in requests."""

from ninja import Router, Schema

from tocsin.errors import NotFound, ValidationFailed
from tocsin.schemas import ERRORS, TeamRef, UserOut, UserRef
from tocsin.validation import whole_number

from .models import Membership, Team, User

router = Router(tags=["teams and people"])


def active_user(reference: UserRef) -> User | None:
    """The active user behind an e-mail address or a numeric id, or None."""
    text = str(reference).strip()
    users = User.objects.filter(is_active=True)
    if (number := whole_number(text)) is not None:
        return users.filter(pk=number).first()
    return users.filter(email__iexact=text).first()


def user_by_reference(reference: UserRef, *, field: str) -> User:
    """The active user behind an e-mail address or a numeric id named in a request body."""
    user = active_user(reference)
    text = str(reference).strip()
    if user is None:
        raise ValidationFailed(
            f"no user {text!r}: name a person by e-mail address or user id", field=field
        )
    return user


def team_by_slug(slug: str, *, field: str | None = None) -> Team:
    """The team with this slug; unknown is 422 when named in a body or query, else 404."""
    team = Team.objects.filter(slug=slug).first()
    if team is None:
        message = f"no team {slug!r}"
        if field:
            raise ValidationFailed(message, field=field)
        raise NotFound(message)
    return team


class TeamOut(TeamRef):
    description: str
    email: str


class MemberOut(Schema):
    user: UserOut
    role: str


class TeamDetailOut(TeamOut):
    members: list[MemberOut]

    @staticmethod
    def resolve_members(team: Team) -> list[Membership]:
        return list(team.memberships.select_related("user").order_by("user__display_name"))


class MyTeamOut(TeamRef):
    role: str


class MeOut(UserOut):
    time_zone: str
    role: str
    is_admin: bool
    teams: list[MyTeamOut]

    @staticmethod
    def resolve_teams(user: User) -> list[dict]:
        memberships = user.memberships.select_related("team").order_by("team__name")
        return [{"slug": m.team.slug, "name": m.team.name, "role": m.role} for m in memberships]


@router.get("/teams", response={200: list[TeamOut], **ERRORS})
def list_teams(request):
    return Team.objects.order_by("name")


@router.get("/teams/{slug}", response={200: TeamDetailOut, **ERRORS})
def get_team(request, slug: str):
    return team_by_slug(slug)


@router.get("/me", response={200: MeOut, **ERRORS})
def me(request):
    """The person these credentials belong to, their teams and their instance role."""
    return request.user
