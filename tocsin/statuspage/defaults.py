"""What a new instance starts with: one public page, and the status each severity proposes."""

DEFAULT_PAGE = {
    "slug": "public",
    "name": "Status",
    "description": "",
    "public": True,
}

# An incident of this severity on a linked service proposes this component status; admins edit
# the table (ProposedStatus) afterwards. Lower severities propose nothing.
PROPOSED_STATUSES = {
    "P1": "major_outage",
    "P2": "partial_outage",
    "P3": "degraded_performance",
}
