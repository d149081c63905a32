"""Runbooks (versioned Markdown steps, linked to services and alerts) and the alert catalogue."""
