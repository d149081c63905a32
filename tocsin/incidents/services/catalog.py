"""The services catalog: the parts of the product that incidents affect, each owned by a team."""

from django.db import IntegrityError, transaction
from django.utils.text import slugify

from tocsin.accounts.models import Team, User
from tocsin.accounts.permissions import ensure_manages_team
from tocsin.errors import Conflict, ValidationFailed

from ..models import Service
from .timeline import clean_text


def create_service(
    *, name: str, team: Team, by: User, slug: str = "", description: str = ""
) -> Service:
    ensure_manages_team(team, by, action="add services")
    name = clean_text(name, field="name", required=True, max_length=100)
    slug = slugify(slug or name)
    if not slug:
        raise ValidationFailed("name must contain a letter or a digit", field="name")
    description = clean_text(description, field="description", required=False)
    try:
        with transaction.atomic():
            return Service.objects.create(name=name, slug=slug, team=team, description=description)
    except IntegrityError:
        raise Conflict(f"a service named {name!r} already exists", field="name") from None
