"""Action items: the follow-up work an incident and its post-mortem leave, each with an owner
and a due date."""
