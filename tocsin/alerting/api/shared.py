"""What several alerting endpoints share: short references, look-ups of what a request names."""

from ninja import Schema

from tocsin.errors import NotFound, ValidationFailed
from tocsin.incidents.models import Service

from ..models import Integration


class SeverityRef(Schema):
    key: str
    name: str


class IntegrationRef(Schema):
    id: int
    name: str
    kind: str


def integration_by_id(integration_id: int, *, field: str | None = None) -> Integration:
    integration = (
        Integration.objects.select_related("team", "service", "severity")
        .filter(pk=integration_id)
        .first()
    )
    if integration is None:
        if field:
            raise ValidationFailed(f"no integration {integration_id}", field=field)
        raise NotFound(f"no integration {integration_id}")
    return integration


def service_by_slug(slug: str | None, *, field: str = "service") -> Service | None:
    if slug is None:
        return None
    service = Service.objects.select_related("team").filter(slug=slug.strip()).first()
    if service is None:
        raise ValidationFailed(f"unknown service {slug!r}", field=field)
    return service
