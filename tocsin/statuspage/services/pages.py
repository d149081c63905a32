"""Status pages themselves: added, their settings changed, made the default (admins)."""

import re
import zoneinfo

from django.db import transaction
from django.utils import timezone

from tocsin.accounts.permissions import ensure_manages_status_pages
from tocsin.errors import Conflict, ValidationFailed

from ..models import Page
from .common import clean_body, clean_name, rerender_on_commit

PAGE_FIELDS = {
    "name",
    "slug",
    "description",
    "public",
    "time_zone",
    "show_incident_numbers",
    "show_authors",
    "is_default",
}
FLAGS = ("public", "show_incident_numbers", "show_authors", "is_default")
SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
MAX_SLUG = 50


def _slug(value, *, exclude: Page | None = None) -> str:
    if not isinstance(value, str) or not SLUG.fullmatch(value) or len(value) > MAX_SLUG:
        raise ValidationFailed(
            f"the slug is lower-case letters, digits and single dashes, at most {MAX_SLUG} "
            "characters (it is the page's address: /status/pages/<slug>/)",
            field="slug",
        )
    taken = Page.objects.filter(slug=value)
    if exclude is not None:
        taken = taken.exclude(pk=exclude.pk)
    if taken.exists():
        raise Conflict(f"another status page has the slug {value!r}", field="slug")
    return value


def _time_zone(value) -> str:
    if not isinstance(value, str) or value not in zoneinfo.available_timezones():
        raise ValidationFailed(
            f"unknown time zone {value!r}; use an IANA name such as Europe/Paris or UTC",
            field="time_zone",
        )
    return value


def _flag(value, field: str) -> bool:
    if not isinstance(value, bool):
        raise ValidationFailed(f"{field} is true or false", field=field)
    return value


def _cleaned(fields: dict, *, page: Page | None = None) -> dict:
    unknown = set(fields) - PAGE_FIELDS
    if unknown:
        field = sorted(unknown)[0]
        raise ValidationFailed(f"a status page has no field {field!r}", field=field)
    cleaned = dict(fields)
    if "name" in cleaned:
        cleaned["name"] = clean_name(cleaned["name"], max_length=100, what="page")
    if "slug" in cleaned:
        cleaned["slug"] = _slug(cleaned["slug"], exclude=page)
    if "description" in cleaned:
        cleaned["description"] = clean_body(
            cleaned["description"], field="description", required=False
        )
    if "time_zone" in cleaned:
        cleaned["time_zone"] = _time_zone(cleaned["time_zone"])
    for flag in FLAGS:
        if flag in cleaned:
            cleaned[flag] = _flag(cleaned[flag], flag)
    return cleaned


def _become_default(page: Page) -> list[Page]:
    """The page that was the default until now (its address moves to /status/pages/<slug>/)."""
    former = list(Page.objects.select_for_update().filter(is_default=True).exclude(pk=page.pk))
    Page.objects.filter(pk__in=[p.pk for p in former]).update(
        is_default=False, updated_at=timezone.now()
    )
    return former


def create_page(*, by, name: str, slug: str, **fields) -> Page:
    """A new page: public at /status/pages/<slug>/ unless `public` is false (then only people
    who are signed in read it), or the default page at /status/ with `is_default`."""
    ensure_manages_status_pages(by, action="add a status page")
    cleaned = _cleaned({"name": name, "slug": slug, **fields})
    with transaction.atomic():
        page = Page(**{k: v for k, v in cleaned.items() if k != "is_default"})
        page.save()
        if cleaned.get("is_default"):
            for former in _become_default(page):
                rerender_on_commit(former)
            page.is_default = True
            page.save(update_fields=["is_default"])
        rerender_on_commit(page)
    return page


def update_page(*, page: Page, by, **fields) -> Page:
    """Change a page's settings; its public files are rendered again. `is_default` may only be
    set to true: the default page moves to another one, never to none."""
    ensure_manages_status_pages(by, action="change a status page")
    cleaned = _cleaned(fields, page=page)
    if cleaned.get("is_default") is False and page.is_default:
        raise ValidationFailed(
            "there is always a default page: make another page the default instead",
            field="is_default",
        )
    with transaction.atomic():
        if cleaned.pop("is_default", False) and not page.is_default:
            for former in _become_default(page):
                rerender_on_commit(former)
            page.is_default = True
        for name, value in cleaned.items():
            setattr(page, name, value)
        page.updated_at = timezone.now()
        page.save()
        rerender_on_commit(page)
    return page
