"""The `tocsin incident …` commands: a client of a running Tocsin's REST API."""


def add_incident_commands(sub) -> None:
    return None
