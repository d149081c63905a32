"""Telling subscribers: what the status page's services call inside their transactions."""


def incident_update_published(update) -> int:
    """Queue the messages for the subscribers of the update's components; how many."""
    return 0


def maintenance_announced(maintenance, *, what: str, update=None) -> int:
    """Queue the messages about a maintenance (scheduled, reminder, started, completed,
    updated) for the subscribers of its components; how many."""
    return 0
