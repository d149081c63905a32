"""Which app may depend on which (docs/architecture.md, "Where things live").

accounts ← incidents ← alerting, oncall, notify, webhooks ← statuspage ← runbooks ← hotfixes
← tickets ← drills ← postincident ← pages: an app uses
only the apps to its left, and `tocsin/pages/` (the pages that combine several domains) is the
one place that may use them all, which nothing uses in turn but the URL configuration and the
settings.

Read from the source, not from what happens to be imported at run time: every Python import
(relative ones resolved), every dotted path or template name written as a string
(`api.add_router("", "tocsin.oncall.api.router")`, `render(request, "oncall/…")`), and in the
templates every tag library loaded and every template included or extended.
"""

import ast
import re
from pathlib import Path

import pytest

TOCSIN = Path(__file__).resolve().parent.parent / "tocsin"
APPS = [
    "accounts", "incidents", "alerting", "oncall", "notify", "webhooks", "statuspage",
    "runbooks", "hotfixes", "tickets", "drills", "postincident", "pages",
]  # fmt: skip
UPPER = {"alerting", "oncall", "notify", "webhooks"}
AFTER = {"statuspage", "runbooks", "hotfixes", "tickets", "drills", "postincident", "pages"}

MAY_NOT_USE = {
    "accounts": {"incidents", *UPPER, *AFTER},
    "incidents": {*UPPER, *AFTER},
    **{app: AFTER for app in UPPER},
    # The status page tells the public about incidents, alerting's maintenance windows and
    # sends through the outbox: it builds on all of them, and nothing below it knows it.
    "statuspage": AFTER - {"statuspage"},
    # Runbooks are linked to services, alerts and rules and ticked on incidents: they build on
    # those; after the incident, post-mortems and action items name runbooks.
    "runbooks": AFTER - {"statuspage", "runbooks"},
    # A hot fix belongs to an incident; a ticket page shows its incident's hot fixes; a drill
    # sends a synthetic alert through the intake and reports the runbook steps ticked; the
    # post-mortem lists the hot fixes.
    "hotfixes": {"tickets", "drills", "postincident", "pages"},
    "tickets": {"drills", "postincident", "pages"},
    "drills": {"postincident", "pages"},
    "postincident": {"pages"},
}
# Where the project is wired together: these name every app, the pages app included.
WIRING = {TOCSIN / "settings.py", TOCSIN / "urls.py"}

DOTTED = re.compile(r"\btocsin\.(\w+)")
TEMPLATE_NAME = re.compile(r"^([\w-]+)/[\w./-]+\.(?:html|txt)$")
LOAD = re.compile(r"{%\s*load\s+(.*?)\s*%}")
INCLUDE = re.compile(r"""{%\s*(?:include|extends)\s+["']([^"']+)["']""")

# Which app each tag library and each folder of templates belongs to.
TAG_LIBRARIES = {
    library.stem: app
    for app in APPS
    for library in (TOCSIN / app / "templatetags").glob("*.py")
    if library.stem != "__init__"
}
TEMPLATE_FOLDERS = {
    folder.name: app
    for app in APPS
    for folder in (TOCSIN / app / "templates").glob("*")
    if folder.is_dir()
}


def _app(dotted: str) -> str | None:
    parts = dotted.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "tocsin" and parts[1] in APPS else None


def _imported(node: ast.AST, module: list[str], is_package: bool) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if not isinstance(node, ast.ImportFrom):
        return []
    base = node.module.split(".") if node.module else []
    if node.level:
        package = module if is_package else module[:-1]
        base = package[: len(package) - node.level + 1] + base
    target = ".".join(base)
    return [target, *(f"{target}.{alias.name}" for alias in node.names)]


def python_uses(path: Path) -> list[tuple[int, str, str]]:
    """(line, what, app) for each other app a Python module names."""
    module = ["tocsin", *path.relative_to(TOCSIN).with_suffix("").parts]
    is_package = module[-1] == "__init__"
    if is_package:
        module.pop()
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        imported = {}
        for dotted in _imported(node, module, is_package):
            if (app := _app(dotted)) and app not in imported:
                imported[app] = dotted
        found += [(node.lineno, f"imports {dotted}", app) for app, dotted in imported.items()]
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            for match in DOTTED.finditer(node.value):
                if app := _app(match.group(0)):
                    found.append((node.lineno, f"names {match.group(0)!r}", app))
            if (name := TEMPLATE_NAME.match(node.value)) and name.group(1) in TEMPLATE_FOLDERS:
                found.append(
                    (node.lineno, f"renders {node.value}", TEMPLATE_FOLDERS[name.group(1)])
                )
    return found


def template_uses(path: Path) -> list[tuple[int, str, str]]:
    """(line, what, app) for each app whose tag libraries or templates a template uses."""
    text = path.read_text()
    found = []
    for match in LOAD.finditer(text):
        words = match.group(1).split()
        libraries = words[-1:] if "from" in words else words
        line = text.count("\n", 0, match.start()) + 1
        found += [
            (line, f"loads {library}", TAG_LIBRARIES[library])
            for library in libraries
            if library in TAG_LIBRARIES
        ]
    for match in INCLUDE.finditer(text):
        name = match.group(1)
        if app := TEMPLATE_FOLDERS.get(name.split("/")[0]):
            found.append((text.count("\n", 0, match.start()) + 1, f"uses {name}", app))
    return found


def uses(app: str) -> list[tuple[str, str, str]]:
    """(where, what, app) for everything in `app` that uses another app."""
    folder = TOCSIN / app
    found = []
    for path in sorted(folder.rglob("*.py")):
        found += [
            (f"{path.relative_to(TOCSIN.parent)}:{line}", what, other)
            for line, what, other in python_uses(path)
        ]
    for path in sorted((folder / "templates").rglob("*.html")):
        found += [
            (f"{path.relative_to(TOCSIN.parent)}:{line}", what, other)
            for line, what, other in template_uses(path)
        ]
    return [(where, what, other) for where, what, other in found if other != app]


@pytest.mark.parametrize("app", sorted(MAY_NOT_USE))
def test_an_app_uses_only_the_apps_below_it(app):
    forbidden = MAY_NOT_USE[app]
    wrong = [f"{where} {what}" for where, what, other in uses(app) if other in forbidden]
    assert not wrong, f"{app} may not use {', '.join(sorted(forbidden))}:\n" + "\n".join(wrong)


def test_nothing_uses_the_pages_app_but_the_urls_and_the_settings():
    outside = [path for path in TOCSIN.glob("*.py") if path not in WIRING]
    found = [
        f"{path.name}:{line} {what}"
        for path in outside
        for line, what, app in python_uses(path)
        if app == "pages"
    ]
    found += [
        f"{path.relative_to(TOCSIN)}:{line} {what}"
        for path in (TOCSIN / "templates").rglob("*.html")
        for line, what, app in template_uses(path)
        if app == "pages"
    ]
    assert not found, "only settings.py and urls.py name tocsin.pages:\n" + "\n".join(found)


def test_the_reading_sees_what_the_pages_combine():
    """The rules above hold because nothing breaks them, not because nothing is seen."""
    seen = {(what, other) for _, what, other in uses("pages")}
    assert {other for _, other in seen} >= {"accounts", "incidents", "oncall", "notify"}
    assert ("loads oncall", "oncall") in seen
    assert ("loads notify_chats", "notify") in seen
    assert ("uses incidents/_incident_rows.html", "incidents") in seen
    assert ("imports tocsin.incidents.views", "incidents") in seen


def test_schedules_know_nothing_of_escalation():
    """On-call has two rooms: escalation asks schedules who is on call, never the reverse."""

    def imports(path: Path) -> list[tuple[int, str]]:
        module = ["tocsin", *path.relative_to(TOCSIN).with_suffix("").parts]
        is_package = module[-1] == "__init__"
        module = module[:-1] if is_package else module
        return [
            (node.lineno, dotted)
            for node in ast.walk(ast.parse(path.read_text()))
            for dotted in _imported(node, module, is_package)
        ]

    room = TOCSIN / "oncall" / "schedules"
    wrong = [
        f"{path.relative_to(TOCSIN.parent)}:{line} imports {dotted}"
        for path in sorted(room.rglob("*.py"))
        for line, dotted in imports(path)
        if dotted.startswith("tocsin.oncall.escalation")
    ]
    assert not wrong, "\n".join(wrong)
    # And the reading does see imports inside the room.
    seen = {dotted for _, dotted in imports(TOCSIN / "oncall" / "escalation" / "targets.py")}
    assert "tocsin.oncall.schedules.selectors" in seen
    seen = {dotted for _, dotted in imports(room / "services" / "__init__.py")}
    assert "tocsin.oncall.schedules.services.layers" in seen
