"""The `tocsin incident …` commands: a client of a running Tocsin's REST API.

This module talks HTTP only (no Django), so it works from any machine that can reach the server:
TOCSIN_URL says where (default http://127.0.0.1:8000), TOCSIN_TOKEN who you are.
"""

import argparse
import logging
import os
import re
import sys
from importlib.metadata import PackageNotFoundError, version

import httpx

from tocsin import client_output as output

DEFAULT_URL = "http://127.0.0.1:8000"
TIMEOUT_SECONDS = 15.0
STATUS_CHOICES = [
    "open",
    "closed",
    "all",
    "triggered",
    "acknowledged",
    "working",
    "identified",
    "monitoring",
    "resolved",
    "cancelled",
]


class ClientError(Exception):
    """Something the user must hear about: printed as `error: …`, then exit with `exit_code`."""

    def __init__(self, message: str, *, exit_code: int = 1):
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code


def _user_agent() -> str:
    try:
        return f"tocsin-cli/{version('tocsin')}"
    except PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        return "tocsin-cli"


class Api:
    """A thin wrapper over httpx that turns every failure into a ClientError."""

    def __init__(
        self,
        url: str,
        token: str,
        *,
        timeout: float = TIMEOUT_SECONDS,
        transport: httpx.BaseTransport | None = None,
    ):
        self.url = url.rstrip("/").removesuffix("/api/v1")
        # httpx logs every request at INFO: noise for a command whose output is the answer.
        logging.getLogger("httpx").setLevel(logging.WARNING)
        self.http = httpx.Client(
            transport=transport,
            base_url=f"{self.url}/api/v1",
            headers={
                "Authorization": f"Bearer {token}",
                "Accept": "application/json",
                "User-Agent": _user_agent(),
                # The timeline says the action came from the command line, not "API".
                "X-Tocsin-Channel": "cli",
            },
            timeout=timeout,
        )

    def call(self, method: str, path: str, *, params: dict | None = None, body=None):
        params = {k: v for k, v in (params or {}).items() if v not in (None, "")}
        try:
            response = self.http.request(method, path, params=params, json=body)
        except httpx.ConnectError:
            raise ClientError(
                f"cannot connect to Tocsin at {self.url}: is it running? "
                "(set TOCSIN_URL or --url to point elsewhere)"
            ) from None
        except httpx.TimeoutException:
            raise ClientError(
                f"Tocsin at {self.url} did not answer within {self.http.timeout.read:g} seconds"
            ) from None
        except httpx.HTTPError as error:
            raise ClientError(f"request to {self.url} failed: {error}") from None
        if response.is_error:
            raise ClientError(_error_message(response))
        if response.status_code == 204 or not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            raise ClientError(
                f"{self.url} answered {method} {path} with something that is not JSON; "
                "is TOCSIN_URL the address of a Tocsin server?"
            ) from None


def _error_message(response: httpx.Response) -> str:
    """The server's own words for a 4xx/5xx, whatever shape they come in."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict) and error.get("message"):
            return str(error["message"])
        detail = body.get("detail")
        if isinstance(detail, str):
            return detail
        if isinstance(detail, list) and detail:
            parts = []
            for item in detail:
                if isinstance(item, dict):
                    where = ".".join(str(p) for p in item.get("loc", []) if p != "body")
                    parts.append(f"{where}: {item.get('msg')}" if where else str(item.get("msg")))
            if parts:
                return "; ".join(parts)
    if response.status_code == 401:
        return "the server refused the token (HTTP 401): check TOCSIN_TOKEN"
    if response.status_code == 404:
        return f"not found (HTTP 404): {response.request.method} {response.request.url}"
    return f"the server answered HTTP {response.status_code} {response.reason_phrase}"


def _reference(value: str) -> str:
    """INC-42, inc-42 or 42 → INC-42; anything else is a usage error."""
    text = value.strip().upper()
    match = re.fullmatch(r"(?:INC-?)?(\d+)", text)
    if not match:
        raise argparse.ArgumentTypeError(f"{value!r} is not an incident reference like INC-42")
    return f"INC-{match.group(1)}"


def _api(args) -> Api:
    url = args.url or os.environ.get("TOCSIN_URL") or DEFAULT_URL
    token = args.token or os.environ.get("TOCSIN_TOKEN")
    if not token:
        raise ClientError(
            "no API token: set TOCSIN_TOKEN or pass --token "
            "(an admin creates one with `tocsin token create you@example.com`)",
            exit_code=2,
        )
    return Api(url, token)


def cmd_declare(args, api: Api) -> None:
    body = {"title": args.title, "severity": args.severity.upper(), "team": args.team}
    if args.description:
        body["description"] = args.description
    if args.service:
        body["services"] = args.service
    if args.drill:
        body["drill"] = True
    incident = api.call("POST", "/incidents", body=body)
    if args.json:
        return output.print_json(incident)
    print(
        f"Declared {incident['reference']}: {incident['title']} "
        f"({output.severity(incident)}, {output.team(incident)})"
    )
    if incident.get("url"):
        print(incident["url"])


def cmd_list(args, api: Api) -> None:
    status = {"all": None, "working": "acknowledged"}.get(args.status, args.status)
    params = {
        "status": status,
        "severity": args.severity.upper() if args.severity else None,
        "team": args.team,
        "service": args.service,
        "q": args.search,
        "limit": args.limit,
        "offset": args.offset or None,
    }
    page = api.call("GET", "/incidents", params=params)
    if args.json:
        return output.print_json(page)
    items = page.get("items", [])
    if not items:
        what = "" if args.status == "all" else f"{args.status} "
        print(f"No {what}incidents.")
        return
    rows = [
        [
            i.get("reference"),
            (i.get("severity") or {}).get("key", ""),
            output.status(i),
            output.team(i),
            output.name(i.get("acknowledged_by")) if i.get("acknowledged_by") else "",
            output.when(i.get("reported_at"), seconds=False),
            i.get("title", ""),
        ]
        for i in items
    ]
    print(output.table(["REF", "SEV", "STATUS", "TEAM", "OWNER", "REPORTED", "TITLE"], rows))
    count = page.get("count", len(items))
    if count > len(items) + (args.offset or 0):
        shown = f"{(args.offset or 0) + 1}–{(args.offset or 0) + len(items)}"
        print(f"\nShowing {shown} of {count}; use --limit and --offset to see more.")


def cmd_show(args, api: Api) -> None:
    incident = api.call("GET", f"/incidents/{args.reference}")
    events = [] if args.no_timeline else api.call("GET", f"/incidents/{args.reference}/timeline")
    if args.json:
        return output.print_json(incident if args.no_timeline else {**incident, "timeline": events})
    print(output.incident_block(incident))
    if events:
        print("\nTimeline:")
        print("\n".join(output.timeline_lines(events)))


def cmd_ack(args, api: Api) -> None:
    incident = api.call("POST", f"/incidents/{args.reference}/acknowledge")
    if args.json:
        return output.print_json(incident)
    print(
        f"{incident['reference']} acknowledged by {output.name(incident.get('acknowledged_by'))}; "
        f"status {output.status(incident)}."
    )


def cmd_resolve(args, api: Api) -> None:
    body = {"resolution": args.resolution}
    if args.resolved_by:
        body["resolved_by"] = args.resolved_by
    incident = api.call("POST", f"/incidents/{args.reference}/resolve", body=body)
    if args.json:
        return output.print_json(incident)
    print(f"{incident['reference']} resolved by {output.name(incident.get('resolved_by'))}.")


def cmd_note(args, api: Api) -> None:
    event = api.call("POST", f"/incidents/{args.reference}/notes", body={"text": args.text})
    if args.json:
        return output.print_json(event)
    print(f"Note added to {args.reference}.")


def _run(handler):
    def run(args) -> int:
        try:
            handler(args, _api(args))
        except ClientError as error:
            print(f"error: {error.message}", file=sys.stderr)
            return error.exit_code
        return 0

    return run


def add_incident_commands(sub) -> None:
    """Add `tocsin incident …` to the `tocsin` command's subparsers."""
    common = argparse.ArgumentParser(add_help=False)
    group = common.add_argument_group("connection and output")
    group.add_argument(
        "--url", help=f"address of the Tocsin server (default: TOCSIN_URL, else {DEFAULT_URL})"
    )
    group.add_argument("--token", help="API token (default: TOCSIN_TOKEN)")
    group.add_argument("--json", action="store_true", help="print the API's JSON as it is")

    p = sub.add_parser(
        "incident",
        help="declare, list, show, acknowledge, resolve incidents on a running Tocsin",
        description=(
            "Work with incidents on a running Tocsin through its REST API. "
            "TOCSIN_URL says where the server is, TOCSIN_TOKEN who you are."
        ),
    )
    actions = p.add_subparsers(dest="incident_command", required=True, metavar="ACTION")

    def action(name: str, help: str, handler, **kwargs):
        parser = actions.add_parser(
            name,
            help=help,
            description=help[0].upper() + help[1:] + ".",
            parents=[common],
            **kwargs,
        )
        parser.set_defaults(func=_run(handler))
        return parser

    a = action("declare", "declare a new incident", cmd_declare)
    a.add_argument("title", help='what is wrong, e.g. "Checkout returns 502"')
    a.add_argument("--severity", required=True, help="severity key, e.g. P1")
    a.add_argument("--team", required=True, help="slug of the team that owns it, e.g. payments")
    a.add_argument(
        "--service",
        action="append",
        metavar="SLUG",
        help="an affected service (repeat for several)",
    )
    a.add_argument("--description", help="what is known so far")
    a.add_argument("--drill", action="store_true", help="a practice incident, left out of metrics")

    a = action("list", "list incidents, open ones first", cmd_list)
    a.add_argument(
        "--status",
        default="open",
        choices=STATUS_CHOICES,
        metavar="STATUS",
        help="open (default), closed, all, or one status: triggered, working (or acknowledged), "
        "identified, monitoring, resolved, cancelled",
    )
    a.add_argument("--severity", help="only this severity, e.g. P1")
    a.add_argument("--team", help="only this team's incidents (slug)")
    a.add_argument("--service", help="only incidents affecting this service (slug)")
    a.add_argument("--search", help="words in the reference, title, description or resolution")
    a.add_argument("--limit", type=int, default=50, help="at most this many (default 50)")
    a.add_argument("--offset", type=int, default=0, help="skip this many first")

    a = action("show", "show one incident and its timeline", cmd_show)
    a.add_argument("reference", type=_reference, help="INC-42 or 42")
    a.add_argument("--no-timeline", action="store_true", help="leave the timeline out")

    a = action("ack", "acknowledge an incident: you own it now", cmd_ack, aliases=["acknowledge"])
    a.add_argument("reference", type=_reference, help="INC-42 or 42")

    a = action("resolve", "resolve an incident", cmd_resolve)
    a.add_argument("reference", type=_reference, help="INC-42 or 42")
    a.add_argument("--resolution", required=True, help="what fixed it")
    a.add_argument(
        "--resolved-by",
        metavar="EMAIL",
        help="who resolved it, if not its owner (a member of the incident's team)",
    )

    a = action("note", "add a note to an incident's timeline", cmd_note)
    a.add_argument("reference", type=_reference, help="INC-42 or 42")
    a.add_argument("text", help="the note")
