"""`tocsin integration …` and `tocsin maintenance …`: clients of a running Tocsin's REST API.

HTTP only, like `tocsin incident …` (whose connection, errors and output helpers these reuse):
TOCSIN_URL says where the server is, TOCSIN_TOKEN who you are.
"""

import argparse
import sys
from datetime import datetime

from tocsin import client
from tocsin import client_output as output
from tocsin.validation import whole_number

from .durations import parse_duration

KINDS = ["alertmanager", "grafana", "datadog", "checkly", "pagerduty", "generic", "heartbeat"]
STATES = ["current", "upcoming", "past", "all"]


# ----------------------------------------------------------------------------- parsing


def _instant(value: str) -> str:
    """ISO 8601 date and time; without an offset it is this machine's local time. "now" works."""
    text = value.strip()
    if text.lower() == "now":
        return datetime.now().astimezone().isoformat(timespec="seconds")
    try:
        instant = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{value!r} is not a date and time such as 2026-11-24T22:00+01:00"
        ) from None
    if instant.tzinfo is None:
        instant = instant.astimezone()  # the machine's own time zone, as people read clocks
    return instant.isoformat(timespec="seconds")


def _seconds(value: str) -> int:
    try:
        return int(parse_duration(value, default_unit="s").total_seconds())
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _integration_id(value: str) -> int:
    number = whole_number(value.strip().lstrip("#"))
    if number is None:
        raise argparse.ArgumentTypeError(f"{value!r} is not an integration id such as 3")
    return number


def _window_id(value: str) -> int:
    number = whole_number(value.strip().lstrip("#"))
    if number is None:
        raise argparse.ArgumentTypeError(f"{value!r} is not a maintenance window id such as 7")
    return number


# ----------------------------------------------------------------------------- output


def _ref(value: dict | None, *keys: str) -> str:
    if not value:
        return "-"
    return next((str(value[k]) for k in keys if value.get(k)), "-")


def _integration_block(integration: dict) -> str:
    rows = [
        ("Kind", integration.get("kind_label") or integration.get("kind")),
        ("Team", _ref(integration.get("team"), "name", "slug")),
        ("Service", _ref(integration.get("service"), "name", "slug")),
        ("Severity", _ref(integration.get("severity"), "key")),
        ("Enabled", "yes" if integration.get("enabled") else "no (answers 404)"),
        ("Auto-resolve", "yes" if integration.get("auto_resolve") else "no"),
        ("Reopen window", output.duration(integration.get("reopen_window_seconds"))),
        ("Rate limit", f"{integration.get('rate_limit_per_minute')} events/minute"),
        ("Signed", "yes" if integration.get("signed") else "no"),
    ]
    if integration.get("kind") == "heartbeat":
        rows.append(
            (
                "Heartbeat",
                f"every {output.duration(integration.get('heartbeat_interval_seconds'))}, "
                f"grace {output.duration(integration.get('heartbeat_grace_seconds'))}",
            )
        )
        rows.append(("Last ping", output.when(integration.get("last_ping_at"))))
        rows.append(("Deadline", output.when(integration.get("heartbeat_deadline"))))
    rows += _where_to_send(integration)
    rows.append(("Page", integration.get("page_url") or "-"))
    width = max(len(label) for label, _ in rows) + 2
    lines = [f"#{integration.get('id')}  {integration.get('name')}"]
    lines += [f"{label + ':':<{width}}{value}" for label, value in rows]
    return "\n".join(lines)


def _where_to_send(integration: dict) -> list[tuple[str, str]]:
    hidden = "(hidden: only admins and the team's leads see it)"
    if integration.get("kind") == "pagerduty":
        return [
            ("Events API URL", integration.get("events_api_url") or "-"),
            ("Integration key", integration.get("integration_key") or hidden),
            ("URL", integration.get("url") or hidden),
        ]
    return [("URL", integration.get("url") or hidden)]


def _window_line(window: dict) -> list[str]:
    return [
        str(window.get("id")),
        window.get("state", ""),
        _ref(window.get("service"), "slug"),
        output.when(window.get("starts_at"), seconds=False),
        output.when(window.get("ends_at"), seconds=False),
        window.get("reason", ""),
    ]


# ----------------------------------------------------------------------------- integrations


def cmd_integration_list(args, api) -> None:
    integrations = api.call("GET", "/integrations", params={"team": args.team, "kind": args.kind})
    if args.json:
        return output.print_json(integrations)
    if not integrations:
        print("No integrations.")
        return
    rows = [
        [
            str(i.get("id")),
            i.get("kind", ""),
            _ref(i.get("team"), "slug"),
            _ref(i.get("service"), "slug"),
            "enabled" if i.get("enabled") else "disabled",
            i.get("name", ""),
        ]
        for i in integrations
    ]
    print(output.table(["ID", "KIND", "TEAM", "SERVICE", "STATE", "NAME"], rows))


def cmd_integration_create(args, api) -> None:
    body = {"kind": args.kind, "name": args.name, "team": args.team}
    for key in ("service", "severity", "signing_secret", "signature_header"):
        if getattr(args, key):
            body[key] = getattr(args, key)
    if args.heartbeat_interval is not None:
        body["heartbeat_interval_seconds"] = args.heartbeat_interval
    if args.heartbeat_grace is not None:
        body["heartbeat_grace_seconds"] = args.heartbeat_grace
    integration = api.call("POST", "/integrations", body=body)
    if args.json:
        return output.print_json(integration)
    print(
        f"Created integration #{integration['id']} {integration['name']} "
        f"({integration.get('kind_label')}) for {_ref(integration.get('team'), 'name')}."
    )
    for label, value in _where_to_send(integration):
        print(f"{label}: {value}")
    print(f"Configuration snippet for {integration.get('kind_label')}: {integration['page_url']}")


def cmd_integration_show(args, api) -> None:
    integration = api.call("GET", f"/integrations/{args.id}")
    if args.json:
        return output.print_json(integration)
    print(_integration_block(integration))


def cmd_integration_rotate(args, api) -> None:
    if not args.yes:
        if not sys.stdin.isatty():
            raise client.ClientError(
                "rotating stops the current URL at once; add --yes to confirm", exit_code=2
            )
        answer = input(f"Rotate the token of integration #{args.id}? Its URL stops working [y/N] ")
        if answer.strip().lower() not in ("y", "yes"):
            print("Nothing changed.")
            return
    integration = api.call("POST", f"/integrations/{args.id}/rotate-token")
    if args.json:
        return output.print_json(integration)
    print(f"New token for #{integration['id']} {integration['name']}; the old URL no longer works.")
    for label, value in _where_to_send(integration):
        print(f"{label}: {value}")


# ----------------------------------------------------------------------------- maintenance


def cmd_maintenance_list(args, api) -> None:
    state = None if args.state == "all" else args.state
    windows = api.call("GET", "/maintenance", params={"state": state, "service": args.service})
    if args.json:
        return output.print_json(windows)
    if not windows:
        print("No maintenance windows." if state is None else f"No {state} maintenance windows.")
        return
    rows = [_window_line(w) for w in windows]
    print(output.table(["ID", "STATE", "SERVICE", "STARTS", "ENDS", "REASON"], rows))


def cmd_maintenance_create(args, api) -> None:
    body = {
        "service": args.service,
        "starts_at": args.start,
        "ends_at": args.end,
        "reason": args.reason,
    }
    window = api.call("POST", "/maintenance", body=body)
    if args.json:
        return output.print_json(window)
    print(
        f"Maintenance #{window['id']} for {_ref(window.get('service'), 'name')}: "
        f"{output.when(window.get('starts_at'), seconds=False)} to "
        f"{output.when(window.get('ends_at'), seconds=False)} ({window.get('reason')})."
    )
    print("New alerts about this service are suppressed during the window.")


def cmd_maintenance_end(args, api) -> None:
    window = api.call("POST", f"/maintenance/{args.id}/end")
    if args.json:
        return output.print_json(window)
    service = _ref(window.get("service"), "name")
    if window.get("state") == "cancelled":
        print(f"Upcoming maintenance #{window['id']} of {service} cancelled.")
    else:
        print(f"Maintenance #{window['id']} of {service} ended; its alerts page again.")


# ----------------------------------------------------------------------------- wiring


def _common() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    group = common.add_argument_group("connection and output")
    group.add_argument(
        "--url",
        help=f"address of the Tocsin server (default: TOCSIN_URL, else {client.DEFAULT_URL})",
    )
    group.add_argument("--token", help="API token (default: TOCSIN_TOKEN)")
    group.add_argument("--json", action="store_true", help="print the API's JSON as it is")
    return common


def _actions(sub, name: str, help: str, description: str, common):
    parser = sub.add_parser(name, help=help, description=description)
    actions = parser.add_subparsers(dest=f"{name}_command", required=True, metavar="ACTION")

    def action(action_name: str, action_help: str, handler, **kwargs):
        p = actions.add_parser(
            action_name,
            help=action_help,
            description=action_help[0].upper() + action_help[1:] + ".",
            parents=[common],
            **kwargs,
        )
        p.set_defaults(func=client._run(handler))
        return p

    return action


def add_commands(sub) -> None:
    """Add `tocsin integration …` and `tocsin maintenance …` to the `tocsin` command."""
    common = _common()

    action = _actions(
        sub,
        "integration",
        "list, create, show integrations (alert sources) and rotate their tokens",
        "Manage alert intake on a running Tocsin through its REST API. "
        "TOCSIN_URL says where the server is, TOCSIN_TOKEN who you are.",
        common,
    )
    a = action("list", "list integrations", cmd_integration_list)
    a.add_argument("--team", help="only this team's integrations (slug)")
    a.add_argument("--kind", choices=KINDS, metavar="KIND", help="only this kind")

    a = action("create", "create an integration and print its URL", cmd_integration_create)
    a.add_argument("--kind", required=True, choices=KINDS, metavar="KIND", help=", ".join(KINDS))
    a.add_argument("--name", required=True, help='e.g. "Prometheus production"')
    a.add_argument("--team", required=True, help="slug of the team that owns its alerts")
    a.add_argument("--service", help="slug of the default service")
    a.add_argument("--severity", help="default severity key, e.g. P2")
    a.add_argument("--signing-secret", help="require requests signed with this secret")
    a.add_argument("--signature-header", help="header carrying the signature (Grafana)")
    a.add_argument(
        "--heartbeat-interval",
        type=_seconds,
        metavar="DURATION",
        help="heartbeats: how often the job pings, e.g. 5m",
    )
    a.add_argument(
        "--heartbeat-grace",
        type=_seconds,
        metavar="DURATION",
        help="heartbeats: how late a ping may be, e.g. 1m",
    )

    a = action("show", "show an integration, with its URL if you may see it", cmd_integration_show)
    a.add_argument("id", type=_integration_id, help="the integration's id")

    a = action("rotate", "give an integration a new secret URL", cmd_integration_rotate)
    a.add_argument("id", type=_integration_id, help="the integration's id")
    a.add_argument("--yes", action="store_true", help="do not ask: the old URL stops at once")

    action = _actions(
        sub,
        "maintenance",
        "list, schedule and end maintenance windows (alerts suppressed)",
        "During a maintenance window, new alerts about its service are stored but open no "
        "incident and page nobody.",
        common,
    )
    a = action("list", "list maintenance windows", cmd_maintenance_list)
    a.add_argument("--state", default="all", choices=STATES, help="current, upcoming, past or all")
    a.add_argument("--service", help="only this service (slug)")

    a = action("create", "schedule a maintenance window", cmd_maintenance_create)
    a.add_argument("--service", required=True, help="slug of the service, e.g. checkout")
    a.add_argument(
        "--start",
        required=True,
        type=_instant,
        help='e.g. 2026-11-24T22:00+01:00, or "now" (no offset: this machine\'s time zone)',
    )
    a.add_argument("--end", required=True, type=_instant, help="e.g. 2026-11-25T02:00+01:00")
    a.add_argument("--reason", required=True, help='e.g. "PostgreSQL 16 upgrade"')

    a = action("end", "end a running window now, or cancel an upcoming one", cmd_maintenance_end)
    a.add_argument("id", type=_window_id, help="the window's id")
