"""What admins set: the template's sections (for post-mortems started from now on) and the
number of approvals a severity's post-mortems need."""

from django.db import transaction
from django.utils import timezone

from tocsin.accounts.models import User
from tocsin.accounts.permissions import ensure_may_manage_postmortem_template
from tocsin.errors import ValidationFailed
from tocsin.incidents.models import Severity

from ..models import PostmortemTemplate, RequiredApprovals, TemplateSection

MAX_SECTIONS = 30
MAX_APPROVALS = 20


def set_template_sections(*, sections: list[tuple[str, str]], by: User) -> list[TemplateSection]:
    """Replace the template's sections with (title, guidance) pairs, in this order."""
    ensure_may_manage_postmortem_template(by)
    cleaned, seen = [], set()
    for title, guidance in sections:
        title, guidance = " ".join((title or "").split()), (guidance or "").strip()
        if not title:
            raise ValidationFailed("every section needs a title", field="sections")
        if "\x00" in title + guidance:
            raise ValidationFailed("a section contains a NUL character", field="sections")
        if len(title) > 100:
            raise ValidationFailed(
                f"the title {title[:40]!r}… is longer than 100 characters", field="sections"
            )
        if len(guidance) > 2000:
            raise ValidationFailed(
                f"the guidance of {title!r} is longer than 2000 characters", field="sections"
            )
        if title.lower() in seen:
            raise ValidationFailed(f"two sections are called {title!r}", field="sections")
        seen.add(title.lower())
        cleaned.append((title, guidance))
    if not cleaned:
        raise ValidationFailed("a template needs at least one section", field="sections")
    if len(cleaned) > MAX_SECTIONS:
        raise ValidationFailed(f"a template has at most {MAX_SECTIONS} sections", field="sections")
    with transaction.atomic():
        template, _ = PostmortemTemplate.objects.select_for_update().get_or_create(name="Default")
        template.sections.all().delete()
        made = [
            TemplateSection.objects.create(
                template=template, position=position, title=title, guidance=guidance
            )
            for position, (title, guidance) in enumerate(cleaned, start=1)
        ]
        template.updated_at = timezone.now()
        template.save(update_fields=["updated_at"])
    return made


def set_required_approvals(*, severity: Severity, approvals: int | None, by: User) -> None:
    """The severity's own number of approvals; None goes back to TOCSIN_POSTMORTEM_APPROVALS.
    Post-mortems already started keep the number they started with."""
    ensure_may_manage_postmortem_template(by)
    if approvals is not None and (
        isinstance(approvals, bool)
        or not isinstance(approvals, int)
        or not 1 <= approvals <= MAX_APPROVALS
    ):
        raise ValidationFailed(
            f"approvals must be a whole number from 1 to {MAX_APPROVALS}", field="approvals"
        )
    with transaction.atomic():
        if approvals is None:
            RequiredApprovals.objects.filter(severity=severity).delete()
        else:
            RequiredApprovals.objects.update_or_create(
                severity=severity, defaults={"approvals": approvals}
            )


def save_template(
    *, sections: list[tuple[str, str]], approvals: list[tuple[Severity, int | None]], by: User
) -> None:
    """The template page: the sections and every severity's approvals, all or nothing."""
    with transaction.atomic():
        set_template_sections(sections=sections, by=by)
        for severity, number in approvals:
            set_required_approvals(severity=severity, approvals=number, by=by)
