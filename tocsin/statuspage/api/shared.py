"""Look-ups of what a status page request names: a page by slug, things by their code."""

from tocsin.errors import NotFound, ValidationFailed

from ..models import Component, ComponentGroup, Maintenance, Page, PublicIncident


def page_named(slug: str | None, *, field: str = "page") -> Page:
    """The page a request names by slug; none named: the default page."""
    if not slug:
        page = Page.objects.filter(is_default=True).first()
        if page is None:
            raise NotFound("there is no default status page")
        return page
    page = Page.objects.filter(slug=slug).first()
    if page is None:
        raise ValidationFailed(f"no status page {slug!r}", field=field)
    return page


def _by_code(model, code: str, what: str):
    found = model.objects.filter(code=code).first()
    if found is None:
        raise NotFound(f"no {what} {code!r}")
    return found


def group_by_code(code: str) -> ComponentGroup:
    return _by_code(ComponentGroup, code, "component group")


def component_by_code(code: str) -> Component:
    return _by_code(Component, code, "component")


def public_incident_by_code(code: str) -> PublicIncident:
    return _by_code(PublicIncident, code, "public incident")


def maintenance_by_code(code: str) -> Maintenance:
    return _by_code(Maintenance, code, "maintenance")


def group_in(page: Page, code: str | None, *, field: str = "group") -> ComponentGroup | None:
    if code is None:
        return None
    group = ComponentGroup.objects.filter(page=page, code=code).first()
    if group is None:
        raise ValidationFailed(f"{page.name} has no component group {code!r}", field=field)
    return group


def components_in(page: Page, codes: list[str], *, field: str = "components") -> list[Component]:
    found = {c.code: c for c in Component.objects.filter(page=page, code__in=codes)}
    for code in codes:
        if code not in found:
            raise ValidationFailed(f"{page.name} has no component {code!r}", field=field)
    return [found[code] for code in dict.fromkeys(codes)]


def component_statuses(page: Page, statuses: dict[str, str] | None) -> dict[Component, str]:
    """{code: status} as the services take it: {Component: status}."""
    statuses = statuses or {}
    components = components_in(page, list(statuses), field="component_statuses")
    return {component: statuses[component.code] for component in components}
