"""Status pages: list, add, change their settings (admins change; anyone signed in reads)."""

from datetime import datetime

from ninja import Field, Router, Schema, Status
from pydantic import StrictBool

from tocsin.errors import NotFound
from tocsin.schemas import ERRORS, Input, Patch

from .. import services
from ..models import Page
from .schemas import public_url

router = Router()


class PageOut(Schema):
    code: str
    slug: str = Field(
        description="Its address: /status/pages/<slug>/ (the default page: /status/)."
    )
    name: str
    description: str
    is_default: bool
    public: bool = Field(description="Readable without signing in.")
    time_zone: str = Field(description="The IANA time zone its dates are shown in.")
    show_incident_numbers: bool = Field(
        description="The internal incident number (INC-12) is shown on its public incidents."
    )
    show_authors: bool = Field(description="Who wrote each public update is shown.")
    url: str = Field(description="Where the public reads it.")
    updated_at: datetime

    @staticmethod
    def resolve_url(page) -> str:
        return public_url(page, "")


class PageIn(Input):
    name: str
    slug: str = Field(description="Lower-case letters, digits and dashes.")
    description: str = ""
    public: StrictBool = True
    time_zone: str = "UTC"
    show_incident_numbers: StrictBool = False
    show_authors: StrictBool = False
    is_default: StrictBool = Field(False, description="Make it the default page, at /status/.")


class PagePatch(Patch):
    name: str = None
    slug: str = None
    description: str = None
    public: StrictBool = None
    time_zone: str = None
    show_incident_numbers: StrictBool = None
    show_authors: StrictBool = None
    is_default: StrictBool = Field(
        None, description="true makes it the default page; the former default stays at its slug."
    )


def _page(slug: str) -> Page:
    page = Page.objects.filter(slug=slug).first()
    if page is None:
        raise NotFound(f"no status page {slug!r}")
    return page


@router.get("/status/pages", response={200: list[PageOut], **ERRORS})
def list_pages(request):
    """The default page first."""
    return list(Page.objects.all())


@router.post("/status/pages", response={201: PageOut, **ERRORS})
def create_page(request, payload: PageIn):
    """Admins."""
    fields = payload.model_dump()
    page = services.create_page(by=request.user, **fields)
    return Status(201, page)


@router.get("/status/pages/{slug}", response={200: PageOut, **ERRORS})
def get_page(request, slug: str):
    return _page(slug)


@router.patch("/status/pages/{slug}", response={200: PageOut, **ERRORS})
def update_page(request, slug: str, payload: PagePatch):
    """Admins."""
    return services.update_page(
        page=_page(slug), by=request.user, **payload.model_dump(exclude_unset=True)
    )
