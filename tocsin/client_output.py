"""How `tocsin incident …` shows the API's answers to people: tables, blocks, times."""

import json
import shutil
import sys
from datetime import datetime


def when(value: str | None, *, seconds: bool = True) -> str:
    """An ISO 8601 instant from the API, shown in this machine's time zone."""
    if not value:
        return "-"
    try:
        instant = datetime.fromisoformat(value)
    except ValueError:
        return value
    shape = "%Y-%m-%d %H:%M:%S %Z" if seconds else "%Y-%m-%d %H:%M %Z"
    return instant.astimezone().strftime(shape).strip()


def duration(seconds) -> str:
    if seconds is None:
        return ""
    seconds = int(round(float(seconds)))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{n}{unit}" for n, unit in ((days, "d"), (hours, "h"), (minutes, "m")) if n]
    if secs or not parts:
        parts.append(f"{secs}s")
    return " ".join(parts[:2])


def name(user: dict | None) -> str:
    if not user:
        return "-"
    return user.get("display_name") or user.get("email") or "?"


def severity(incident: dict) -> str:
    value = incident.get("severity") or {}
    if isinstance(value, dict):
        return " ".join(p for p in (value.get("key"), value.get("name")) if p)
    return str(value)


def status(incident: dict) -> str:
    return incident.get("status_label") or str(incident.get("status", "")).capitalize()


def team(incident: dict) -> str:
    value = incident.get("team") or {}
    if not isinstance(value, dict):
        return str(value)
    return value.get("name") or value.get("slug") or "-"


def print_json(data) -> None:
    print(json.dumps(data, indent=2, ensure_ascii=False))


def table(headers: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(str(r[i])) for r in [headers, *rows]) for i in range(len(headers))]
    last = len(headers) - 1
    if sys.stdout.isatty():
        # Keep one line per incident on a terminal: the last column (the title) gives way.
        room = shutil.get_terminal_size().columns - sum(widths[:last]) - 2 * last
        widths[last] = max(10, min(widths[last], room))
    lines = []
    for row in [headers, *rows]:
        cells = [str(c) for c in row]
        if len(cells[last]) > widths[last]:
            cells[last] = cells[last][: widths[last] - 1] + "…"
        lines.append("  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip())
    return "\n".join(lines)


def incident_block(incident: dict) -> str:
    rows = [
        ("Severity", severity(incident)),
        ("Status", status(incident) + (" (drill)" if incident.get("drill") else "")),
        ("Team", team(incident)),
    ]
    services = ", ".join(s.get("name") or s.get("slug") for s in incident.get("services") or [])
    if services:
        rows.append(("Services", services))
    rows.append(("Commander", name(incident.get("commander"))))
    rows.append(
        (
            "Reported",
            f"{when(incident.get('reported_at'))} by {name(incident.get('reported_by'))}",
        )
    )
    if incident.get("acknowledged_at"):
        after = duration(incident.get("time_to_acknowledge_seconds"))
        rows.append(
            (
                "Acknowledged",
                f"{when(incident['acknowledged_at'])} by {name(incident.get('acknowledged_by'))}"
                + (f" (after {after})" if after else ""),
            )
        )
    if incident.get("resolved_at"):
        after = duration(incident.get("time_to_resolve_seconds"))
        rows.append(
            (
                "Resolved",
                f"{when(incident['resolved_at'])} by {name(incident.get('resolved_by'))}"
                + (f" (after {after})" if after else ""),
            )
        )
    if incident.get("resolution"):
        rows.append(("Resolution", incident["resolution"]))
    if incident.get("cancelled_at"):
        reason = incident.get("cancel_reason")
        rows.append(
            ("Cancelled", when(incident["cancelled_at"]) + (f": {reason}" if reason else ""))
        )
    impact = " — ".join(p for p in (incident.get("impact_who"), incident.get("impact_how")) if p)
    if impact:
        rows.append(("Impact", impact))
    if incident.get("url"):
        rows.append(("URL", incident["url"]))
    width = max(len(label) for label, _ in rows) + 2
    lines = [f"{incident.get('reference')}  {incident.get('title')}"]
    lines += [f"{label + ':':<{width}}{value}" for label, value in rows]
    if incident.get("description"):
        lines += ["", "Description:"]
        lines += [f"  {line}" for line in incident["description"].splitlines()]
    return "\n".join(lines)


def timeline_lines(events: list[dict]) -> list[str]:
    lines = []
    for event in events:
        who = event.get("actor_name") or "Tocsin"
        via = f" via {event['via']}" if event.get("via") else ""
        message = str(event.get("message", "")).replace("\n", "\n    ")
        if event.get("kind") == "note":
            message = f"Note: {message}"
        lines.append(f"  {when(event.get('at'))}  {who}{via}: {message}")
    return lines
