"""The tables of the sub-packages, gathered here so Django finds them."""

from .actions.models import ActionItem  # noqa: E402, F401
from .postmortems.models import (  # noqa: E402, F401
    Postmortem,
    PostmortemTemplate,
    RequiredApprovals,
    Review,
    ReviewRequest,
    Section,
    SectionComment,
    TemplateSection,
)
from .situation.models import SituationReport, Stakeholder  # noqa: E402, F401
