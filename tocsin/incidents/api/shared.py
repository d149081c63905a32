"""What several incident endpoints share: the channel a request comes through, and look-ups of
what a request names (also used by the alerting and on-call endpoints for severities)."""

from tocsin.accounts.api import user_by_reference
from tocsin.accounts.models import User
from tocsin.errors import NotFound, ValidationFailed
from tocsin.schemas import UserRef

from ..models import Channel, Incident, Service, Severity
from ..selectors import incident_by_reference


def channel(request) -> str:
    """`cli` when the tocsin command line says so; every other client is `api`."""
    return Channel.CLI if request.headers.get("X-Tocsin-Channel") == "cli" else Channel.API


def incident_named(ref: str) -> Incident:
    incident = incident_by_reference(ref)
    if incident is None:
        raise NotFound(f"no incident {ref!r}")
    return incident


def severity_by_key(key: str | None, *, field: str = "severity") -> Severity | None:
    """The severity a request names by key (any case), None for none; unknown is 422."""
    if key is None:
        return None
    severity = Severity.objects.filter(key__iexact=key.strip()).first()
    if severity is None:
        keys = ", ".join(Severity.objects.order_by("rank").values_list("key", flat=True))
        raise ValidationFailed(f"unknown severity {key!r}; use one of {keys}", field=field)
    return severity


def services_by_slug(slugs: list[str], *, field: str = "services") -> list[Service]:
    found = {service.slug: service for service in Service.objects.filter(slug__in=slugs)}
    for slug in slugs:
        if slug not in found:
            raise ValidationFailed(f"unknown service {slug!r}", field=field)
    return [found[slug] for slug in dict.fromkeys(slugs)]


def user_or_none(reference: UserRef | None, *, field: str) -> User | None:
    return None if reference is None else user_by_reference(reference, field=field)


def user_by_id(user_id: int) -> User:
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        raise NotFound(f"no user with id {user_id}")
    return user
