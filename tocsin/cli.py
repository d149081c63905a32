"""The `tocsin` command: run the server and worker, administer, and talk to a running Tocsin."""

import argparse
import getpass
import os
import sys

from tocsin import client, client_status
from tocsin.alerting import commands as alerting_commands


def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tocsin.settings")
    import django
    from django.core.exceptions import ImproperlyConfigured

    try:
        django.setup()
    except ImproperlyConfigured as error:
        # A setting Tocsin refuses (a placeholder secret key, say): say which, not a traceback.
        print(f"error: {error}", file=sys.stderr)
        sys.exit(2)


def cmd_migrate(args) -> int:
    _django()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=args.verbosity)
    return 0


def cmd_demo(args) -> int:
    _django()
    from django.conf import settings

    from tocsin.demo import DEMO_PASSWORD, demo_accounts, load_demo

    created = load_demo()
    print("Demo data loaded." if created else "Demo data already present; nothing changed.")
    print(f"Sign in at {settings.BASE_URL}/ as one of (password {DEMO_PASSWORD!r}):")
    for line in demo_accounts():
        print(f"  {line}")
    return 0


def cmd_createuser(args) -> int:
    _django()
    from tocsin.accounts.services import create_user
    from tocsin.errors import DomainError

    password = args.password or os.environ.get("TOCSIN_PASSWORD")
    if password is None:
        if not sys.stdin.isatty():
            print(
                "error: give --password or TOCSIN_PASSWORD when not at a terminal", file=sys.stderr
            )
            return 2
        password = getpass.getpass("Password: ")
    try:
        user = create_user(
            email=args.email,
            display_name=args.name or "",
            password=password,
            role=args.role,
            time_zone=args.time_zone,
        )
    except DomainError as error:
        print(f"error: {error.message}", file=sys.stderr)
        return 1
    print(f"Created {user.email} ({user.role}).")
    return 0


def cmd_token_create(args) -> int:
    _django()
    from tocsin.accounts.models import User
    from tocsin.accounts.services import create_api_token
    from tocsin.errors import DomainError

    user = User.objects.filter(email__iexact=args.email).first()
    if user is None:
        print(f"error: no user with e-mail {args.email}", file=sys.stderr)
        return 1
    try:
        _, secret = create_api_token(user=user, name=args.name)
    except DomainError as error:
        print(f"error: {error.message}", file=sys.stderr)
        return 1
    print(secret)
    print("Store it now: it is shown only once.", file=sys.stderr)
    return 0


def cmd_unlock(args) -> int:
    _django()
    from tocsin.security.signin import account_name, client_ip, unlock

    if args.address:
        who = client_ip(args.address)
        if who is None:
            print(f"error: {args.address} is not an IP address", file=sys.stderr)
            return 2
        forgotten = unlock(address=who)
    else:
        who = account_name(None, {"username": args.email})
        if who is None:
            print("error: give the account's e-mail address", file=sys.stderr)
            return 2
        forgotten = unlock(username=who)
    if not forgotten:
        print(f"No failed sign-ins recorded for {who}; nothing to do.")
    else:
        plural = "" if forgotten == 1 else "s"
        print(f"Unlocked {who}: {forgotten} failed sign-in{plural} forgotten.")
    return 0


def cmd_worker(args) -> int:
    _django()
    from tocsin.worker import run_worker

    run_worker(interval=args.interval)
    return 0


def cmd_serve(args) -> int:
    _django()
    from tocsin.server import serve

    return serve(
        host=args.host, port=args.port, workers=args.workers, with_worker=not args.no_worker
    )


def cmd_telegram(args) -> int:
    _django()
    from tocsin.notify.inbound import telegram

    try:
        if args.telegram_command == "poll":
            print("Fetching Telegram updates (Ctrl+C to stop)…", file=sys.stderr)
            telegram.poll(timeout=args.timeout)
        elif args.telegram_command == "set-webhook":
            url = telegram.set_webhook(args.url)
            print(f"Telegram now sends updates to {url}")
        else:
            telegram.delete_webhook()
            print("Telegram webhook removed: use `tocsin telegram poll` to fetch updates.")
    except telegram.SetupError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    return 0


def cmd_reactions(args) -> int:
    _django()
    from tocsin.incidents.reactions import as_markdown

    print(as_markdown(), end="")
    return 0


def cmd_statuspage_export(args) -> int:
    _django()
    from tocsin.statuspage.models import Page
    from tocsin.statuspage.snapshot.export import export

    pages = (
        Page.objects.filter(slug=args.page) if args.page else Page.objects.filter(is_default=True)
    )
    page = pages.first()
    if page is None:
        print(f"error: no status page {args.page or '(default)'!r}", file=sys.stderr)
        return 2
    try:
        written = export(page, args.directory, base_url=args.base_url)
    except OSError as error:
        print(f"error: cannot write {args.directory}: {error.strerror}", file=sys.stderr)
        return 1
    print(f"Exported {page.name!r}: {len(written)} files in {args.directory}")
    return 0


def cmd_manage(args) -> int:
    _django()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["tocsin manage", *args.rest])
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tocsin", description="Tocsin: self-hosted incident management."
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("serve", help="serve the web UI and API, with a background worker")
    p.add_argument("--host", default=os.environ.get("TOCSIN_HOST", "127.0.0.1"))
    p.add_argument("--port", type=int, default=int(os.environ.get("TOCSIN_PORT", "8000")))
    p.add_argument(
        "--workers",
        type=int,
        default=int(os.environ.get("TOCSIN_WEB_WORKERS", "3")),
        help="web processes (default 3, or TOCSIN_WEB_WORKERS)",
    )
    p.add_argument(
        "--no-worker",
        action="store_true",
        help="do not run the background worker in this command (run `tocsin worker` instead)",
    )
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("worker", help="run a background worker (several may run at once)")
    p.add_argument("--interval", type=float, default=0.2, help="seconds between polls")
    p.set_defaults(func=cmd_worker)

    p = sub.add_parser("migrate", help="create or upgrade the database tables")
    p.add_argument("-v", "--verbosity", type=int, default=1)
    p.set_defaults(func=cmd_migrate)

    p = sub.add_parser("demo", help="load the demo team and incidents (idempotent)")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("createuser", help="create a user who signs in with e-mail and password")
    p.add_argument("email")
    p.add_argument("--name", help="display name")
    p.add_argument("--role", default="responder", choices=["admin", "responder", "viewer", "agent"])
    p.add_argument("--time-zone", default="UTC")
    p.add_argument("--password", help="password (else TOCSIN_PASSWORD, else asked)")
    p.set_defaults(func=cmd_createuser)

    p = sub.add_parser(
        "unlock", help="let an account, or a client address, sign in again after a lockout"
    )
    target = p.add_mutually_exclusive_group(required=True)
    target.add_argument("email", nargs="?", help="the account's e-mail address")
    target.add_argument("--address", help="a client IP address instead of an account")
    p.set_defaults(func=cmd_unlock)

    p = sub.add_parser("token", help="API tokens")
    token_sub = p.add_subparsers(dest="token_command", required=True, metavar="ACTION")
    t = token_sub.add_parser("create", help="create an API token for a user and print it once")
    t.add_argument("email")
    t.add_argument("--name", default="command line")
    t.set_defaults(func=cmd_token_create)

    p = sub.add_parser("telegram", help="Telegram bot: fetch updates, or set up its webhook")
    telegram_sub = p.add_subparsers(dest="telegram_command", required=True, metavar="ACTION")
    t = telegram_sub.add_parser("poll", help="fetch button presses and commands (no webhook)")
    t.add_argument("--timeout", type=int, default=25, help="seconds one long poll may wait")
    t.set_defaults(func=cmd_telegram)
    t = telegram_sub.add_parser("set-webhook", help="have Telegram post updates to this Tocsin")
    t.add_argument("url", nargs="?", help="default: TOCSIN_BASE_URL + /hooks/telegram/")
    t.set_defaults(func=cmd_telegram)
    t = telegram_sub.add_parser("delete-webhook", help="stop the webhook (to poll instead)")
    t.set_defaults(func=cmd_telegram)

    p = sub.add_parser("reactions", help="print what reacts to each timeline event, in order")
    p.set_defaults(func=cmd_reactions)

    p = sub.add_parser("statuspage", help="the status page: export it as static files")
    status_sub = p.add_subparsers(dest="statuspage_command", required=True, metavar="ACTION")
    t = status_sub.add_parser(
        "export", help="write the whole page (HTML, JSON, feeds, stylesheet) into a directory"
    )
    t.add_argument("directory", help="where to write (created if missing)")
    t.add_argument("--page", help="the page's slug (default: the default page)")
    t.add_argument(
        "--base-url",
        default="/",
        help="the address the copy is served at, for the JSON and the feeds (default /)",
    )
    t.set_defaults(func=cmd_statuspage_export)

    p = sub.add_parser("manage", help="run a Django management command", add_help=False)
    p.add_argument("rest", nargs=argparse.REMAINDER)
    p.set_defaults(func=cmd_manage)

    client.add_incident_commands(sub)
    client_status.add_status_commands(sub)
    alerting_commands.add_commands(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args) or 0
    except BrokenPipeError:
        # `tocsin incident show … | head`: the reader has all it wanted.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
