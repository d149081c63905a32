"""The incident page's "Post-mortem" card: where the post-mortem stands, or the button that
starts one."""

from tocsin.accounts.permissions import may_see_postmortem, may_start_postmortem
from tocsin.incidents.models import Incident

from . import selectors


def postmortem_card(incident: Incident, user) -> dict:
    postmortem = selectors.postmortem_of(incident)
    return {
        "postmortem": postmortem,
        "may_see": postmortem is not None and may_see_postmortem(postmortem, user),
        "may_start": postmortem is None and may_start_postmortem(incident, user),
        "required": incident.severity.requires_postmortem,
        "approvals": len(selectors.approvers(postmortem)) if postmortem else 0,
    }
