"""Who may do what: every "may this person …?" question of Tocsin, answered once.

`may_*` answers True or False, for pages, the API and templates deciding what to show;
`ensure_*` raises PermissionDenied with a message naming what was refused, for services.
A service enforces the same answer a page used to offer the action, so nobody is offered a
button that will refuse them.

A refusal names the rule first ("only an admin or a lead of Payments may …"); someone who
passes it but only reads (a viewer, an account that was switched off) is told that instead.

Objects from other apps (incidents, overrides, integrations) are read through their attributes,
never imported: accounts sits below every other app.

One package, one module per room of the product (people and teams, set-up and secrets,
deliveries, incidents, on-call, the status page, after the incident), all imported from here:
callers ask `tocsin.accounts.permissions`, never a module inside it. A module may build on the
answers of the ones before it (people first), never on an app's models.
"""

from .deliveries import (  # noqa: F401
    DeliveryReader,
    deliveries_visible_to,
    may_see_deliveries,
)
from .drills import (  # noqa: F401
    ensure_manages_drills,
    ensure_may_see_drills,
    may_manage_drills,
    may_see_drills,
)
from .hotfixes import (  # noqa: F401
    ensure_may_change_hot_fix,
    ensure_may_record_hot_fix,
    may_change_hot_fix,
    may_record_hot_fix,
    may_see_hot_fixes,
)
from .incidents import (  # noqa: F401
    ensure_manages_incident,
    ensure_may_acknowledge,
    ensure_team_member,
    ensure_works_incident,
    may_acknowledge,
    may_declare,
    may_hold_incident_role,
    may_manage_incident,
    may_remove_incident_role,
    may_work_incident,
)
from .oncall import (  # noqa: F401
    ensure_may_put_on_call,
    ensure_may_remove_override,
    may_remove_override,
    override_candidates,
)
from .people import (  # noqa: F401
    ensure_admin,
    ensure_can_write,
    ensure_manages_team,
    ensure_works_for_team,
    is_agent,
    is_lead,
    is_member,
    is_read_only,
    may_administer,
    may_manage_team,
    may_work_for_team,
    teams_managed_by,
)
from .postincident import (  # noqa: F401
    ensure_may_add_action_item,
    ensure_may_change_action_item_status,
    ensure_may_comment_on_postmortem,
    ensure_may_edit_action_item,
    ensure_may_edit_postmortem,
    ensure_may_edit_runbook,
    ensure_may_manage_postmortem_template,
    ensure_may_publish_postmortem,
    ensure_may_regenerate_situation_report,
    ensure_may_review_postmortem,
    ensure_may_see_metrics,
    ensure_may_see_postmortem,
    ensure_may_start_postmortem,
    may_add_action_item,
    may_add_runbooks,
    may_change_action_item_status,
    may_comment_on_postmortem,
    may_edit_action_item,
    may_edit_postmortem,
    may_edit_runbook,
    may_manage_postmortem_template,
    may_publish_postmortem,
    may_regenerate_situation_report,
    may_review_postmortem,
    may_see_action_items,
    may_see_metrics,
    may_see_postmortem,
    may_see_runbooks,
    may_start_postmortem,
)
from .setup import (  # noqa: F401
    ensure_manages_routing_rules,
    ensure_manages_webhooks,
    ensure_may_change_notification_settings,
    ensure_may_route,
    ensure_may_route_to_service,
    ensure_may_write_routing_rules,
    may_change_notification_settings,
    may_manage_routing_rules,
    may_manage_webhooks,
    may_route_to_service,
    may_see_contact_methods,
    may_see_schedule_calendar,
    may_see_secrets,
    may_write_routing_rules,
)
from .statuspage import (  # noqa: F401
    ensure_manages_status_pages,
    ensure_may_edit_component,
    ensure_may_post_public_update,
    ensure_may_publish_for_incident,
    ensure_may_publish_standalone,
    may_add_components,
    may_edit_component,
    may_manage_status_pages,
    may_post_public_update,
    may_publish_for_incident,
    may_publish_standalone,
    may_see_status_drafts,
)
from .tickets import (  # noqa: F401
    AGENT_PATHS,
    agent_may_open,
    ensure_may_manage_ticket_settings,
    ensure_may_open_ticket,
    ensure_may_see_ticket,
    ensure_may_triage_ticket,
    ensure_may_work_on_ticket,
    may_manage_ticket_settings,
    may_open_ticket,
    may_see_ticket,
    may_see_tickets,
    may_triage_ticket,
    may_work_on_ticket,
    tickets_visible_to,
)
