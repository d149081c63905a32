"""The `tocsin status …` commands: the status page through a running Tocsin's REST API.

Like `tocsin incident …` (tocsin/client.py), this talks HTTP only: TOCSIN_URL says where,
TOCSIN_TOKEN who you are. Components are named by name (any case) or code.
"""

import argparse
import re

from tocsin import client
from tocsin import client_output as output
from tocsin.client import ClientError

COMPONENT_STATUSES = [
    "operational",
    "degraded_performance",
    "partial_outage",
    "major_outage",
    "under_maintenance",
]
INCIDENT_STATUSES = ["investigating", "identified", "monitoring", "resolved"]


def _label(status: str) -> str:
    return status.replace("_", " ").capitalize()


def _page(args) -> dict:
    return {"page": args.page} if args.page else {}


def _components(args, api) -> list[dict]:
    return api.call("GET", "/status/components", params=_page(args))


def _component(args, api, named: str) -> dict:
    components = _components(args, api)
    for component in components:
        if named in (component["code"], component["name"]) or (
            component["name"].casefold() == named.casefold()
        ):
            return component
    known = ", ".join(c["name"] for c in components) or "none yet"
    raise ClientError(f"no component {named!r} on the status page (components: {known})")


def _component_statuses(args, api) -> dict[str, str]:
    """--component Checkout=partial_outage … → {code: status}."""
    wanted = {}
    for item in args.component or []:
        name, sep, status = item.rpartition("=")
        if not sep or not name:
            raise ClientError(
                f"--component {item!r}: write NAME=STATUS, e.g. Checkout=partial_outage",
                exit_code=2,
            )
        if status not in COMPONENT_STATUSES:
            raise ClientError(
                f"--component {item!r}: the status is one of {', '.join(COMPONENT_STATUSES)}",
                exit_code=2,
            )
        wanted[_component(args, api, name)["code"]] = status
    return wanted


def _public_incident(args, api, named: str) -> dict:
    """A public incident by its code, or the one an incident (INC-12) was published as."""
    if re.fullmatch(r"(?i)(inc-?)?\d+", named):
        reference = "INC-" + re.sub(r"(?i)^inc-?", "", named)
        found = api.call("GET", "/status/incidents", params={**_page(args), "incident": reference})
        if not found:
            raise ClientError(f"{reference} is not published on the status page")
        return found[0]
    return api.call("GET", f"/status/incidents/{named}")


def _said(public: dict) -> str:
    components = ", ".join(
        f"{c['name']} {_label(c['status']).lower()}" for c in public.get("components", [])
    )
    return components or "no components"


def cmd_list(args, api) -> None:
    components = _components(args, api)
    incidents = api.call("GET", "/status/incidents", params={**_page(args), "status": "unresolved"})
    if args.json:
        return output.print_json({"components": components, "incidents": incidents})
    if not components:
        print("No components yet.")
    else:
        rows = [
            [c["code"], (c.get("group") or {}).get("name", ""), c["name"], _label(c["status"])]
            for c in components
        ]
        print(output.table(["CODE", "GROUP", "COMPONENT", "STATUS"], rows))
    if incidents:
        print("\nUnresolved public incidents:")
        for public in incidents:
            draft = " (draft)" if public["draft"] else ""
            internal = f" {public['incident']}" if public.get("incident") else ""
            print(
                f"  {public['code']}{internal}  {_label(public['status'])}{draft}  "
                f"{public['name']} – {_said(public)}"
            )


def cmd_publish(args, api) -> None:
    body = {
        **_page(args),
        "name": args.name,
        "status": args.status,
        "body": args.body,
        "component_statuses": _component_statuses(args, api),
        "draft": args.draft,
        "notify": not args.no_notify,
    }
    if args.incident != "-":
        body["incident"] = args.incident
    public = api.call("POST", "/status/incidents", body=body)
    if args.json:
        return output.print_json(public)
    what = "Drafted" if public["draft"] else "Published"
    print(f"{what} {public['code']}: {public['name']} ({_said(public)})")
    print(public["url"])


def cmd_update(args, api) -> None:
    public = _public_incident(args, api, args.public_incident)
    body = {
        "status": args.status,
        "body": args.body,
        "component_statuses": _component_statuses(args, api),
        "notify": not args.no_notify,
    }
    update = api.call("POST", f"/status/incidents/{public['code']}/updates", body=body)
    if args.json:
        return output.print_json(update)
    print(f"Posted {_label(update['status'])} to {public['code']}: {public['name']}")


def cmd_resolve(args, api) -> None:
    public = _public_incident(args, api, args.public_incident)
    body = {
        "body": args.body,
        "restore_components": not args.keep_components,
        "notify": not args.no_notify,
    }
    resolved = api.call("POST", f"/status/incidents/{public['code']}/resolve", body=body)
    if args.json:
        return output.print_json(resolved)
    print(f"Resolved {resolved['code']}: {resolved['name']} ({_said(resolved)})")


def cmd_component(args, api) -> None:
    component = _component(args, api, args.component)
    changed = api.call(
        "POST", f"/status/components/{component['code']}/status", body={"status": args.status}
    )
    if args.json:
        return output.print_json(changed)
    print(f"{changed['name']} is now {_label(changed['status']).lower()}.")


def add_status_commands(sub) -> None:
    """Add `tocsin status …` to the `tocsin` command's subparsers."""
    common = argparse.ArgumentParser(add_help=False)
    group = common.add_argument_group("connection and output")
    group.add_argument(
        "--url",
        help=f"address of the Tocsin server (default: TOCSIN_URL, else {client.DEFAULT_URL})",
    )
    group.add_argument("--token", help="API token (default: TOCSIN_TOKEN)")
    group.add_argument("--json", action="store_true", help="print the API's JSON as it is")
    group.add_argument("--page", help="a status page's slug (default: the default page)")

    p = sub.add_parser(
        "status",
        help="publish, update and resolve public incidents, set component statuses",
        description=(
            "Work with the status page of a running Tocsin through its REST API. "
            "TOCSIN_URL says where the server is, TOCSIN_TOKEN who you are."
        ),
    )
    actions = p.add_subparsers(dest="status_command", required=True, metavar="ACTION")

    def action(name: str, help: str, handler):
        parser = actions.add_parser(
            name, help=help, description=help[0].upper() + help[1:] + ".", parents=[common]
        )
        parser.set_defaults(func=client._run(handler))
        return parser

    def components_option(parser, what: str):
        parser.add_argument(
            "--component",
            action="append",
            metavar="NAME=STATUS",
            help=f"{what}, e.g. Checkout=partial_outage (repeat for several); statuses: "
            + ", ".join(COMPONENT_STATUSES[:-1]),
        )

    def notify_option(parser):
        parser.add_argument(
            "--no-notify", action="store_true", help="do not tell subscribers about this update"
        )

    action("list", "list the components and the unresolved public incidents", cmd_list)

    a = action(
        "publish", "publish an incident (or a standalone notice) on the status page", cmd_publish
    )
    a.add_argument("incident", help="INC-12, or - for a public incident of no incident")
    a.add_argument("--name", required=True, help="the public title, e.g. 'Checkout errors'")
    a.add_argument("--body", required=True, help="the first update (Markdown)")
    a.add_argument(
        "--status", default="investigating", choices=INCIDENT_STATUSES, help="default investigating"
    )
    components_option(a, "an affected component and its status")
    a.add_argument("--draft", action="store_true", help="save it unpublished: nobody sees it yet")
    notify_option(a)

    a = action("update", "post an update to a public incident", cmd_update)
    a.add_argument("public_incident", help="its code, or the incident it tells about (INC-12)")
    a.add_argument("--status", required=True, choices=INCIDENT_STATUSES)
    a.add_argument("--body", required=True, help="the update (Markdown)")
    components_option(a, "a component status to change")
    notify_option(a)

    a = action("resolve", "resolve a public incident and set its components back", cmd_resolve)
    a.add_argument("public_incident", help="its code, or the incident it tells about (INC-12)")
    a.add_argument("--body", required=True, help="the last update (Markdown)")
    a.add_argument(
        "--keep-components",
        action="store_true",
        help="leave the components' statuses as they are",
    )
    notify_option(a)

    a = action("component", "set a component's status by hand", cmd_component)
    a.add_argument("component", help="its name or code, e.g. Checkout")
    a.add_argument("status", choices=COMPONENT_STATUSES)
