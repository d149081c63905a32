"""Every write to post-mortems: one transaction each, with its timeline event on the incident.

Split by job: `drafting` (start, prefill, edit), `reviewing` (ask, comment, approve, request
changes), `publishing` (publish and export), `template` (the sections and approvals admins set),
`reminders` (overdue drafts, pending reviews). Callers import from here.
"""

from .drafting import business_days_after, start_postmortem, update_postmortem
from .publishing import export, publish
from .reminders import send_reminders
from .reviewing import comment, request_review, review
from .template import save_template, set_required_approvals, set_template_sections

__all__ = [
    "business_days_after",
    "comment",
    "export",
    "publish",
    "request_review",
    "review",
    "save_template",
    "send_reminders",
    "set_required_approvals",
    "set_template_sections",
    "start_postmortem",
    "update_postmortem",
]
