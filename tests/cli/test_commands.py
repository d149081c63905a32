"""The `tocsin` command line: every command parses and explains itself; the admin commands work."""

import io

import pytest

from tocsin.accounts.models import InstanceRole, User
from tocsin.accounts.services import user_for_token
from tocsin.cli import build_parser, main

COMMANDS = [
    ["serve"],
    ["worker"],
    ["migrate"],
    ["createuser"],
    ["demo"],
    ["token"],
    ["token", "create"],
    ["incident"],
    ["incident", "declare"],
    ["incident", "list"],
    ["incident", "show"],
    ["incident", "ack"],
    ["incident", "resolve"],
    ["incident", "note"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_command_has_help(command, capsys):
    with pytest.raises(SystemExit) as exit:
        main([*command, "--help"])
    assert exit.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: tocsin {' '.join(command)}")
    assert "--help" in out


def test_top_level_help_lists_the_commands(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    for name in ("serve", "worker", "migrate", "demo", "createuser", "token", "incident"):
        assert name in out


def test_a_command_is_required(capsys):
    with pytest.raises(SystemExit) as exit:
        main([])
    assert exit.value.code == 2
    assert "required" in capsys.readouterr().err


def test_serve_defaults_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("TOCSIN_HOST", "0.0.0.0")
    monkeypatch.setenv("TOCSIN_PORT", "9000")
    monkeypatch.setenv("TOCSIN_WEB_WORKERS", "5")
    args = build_parser().parse_args(["serve"])
    assert (args.host, args.port, args.workers, args.no_worker) == ("0.0.0.0", 9000, 5, False)


def test_serve_flags_override_the_environment(monkeypatch):
    monkeypatch.setenv("TOCSIN_PORT", "9000")
    args = build_parser().parse_args(
        ["serve", "--host", "::", "--port", "8080", "--workers", "2", "--no-worker"]
    )
    assert (args.host, args.port, args.workers, args.no_worker) == ("::", 8080, 2, True)


def test_worker_takes_a_poll_interval():
    assert build_parser().parse_args(["worker", "--interval", "0.5"]).interval == 0.5


def test_declare_needs_a_severity_and_a_team(capsys):
    with pytest.raises(SystemExit) as exit:
        main(["incident", "declare", "Checkout returns 502", "--team", "payments"])
    assert exit.value.code == 2
    assert "--severity" in capsys.readouterr().err


def test_declare_collects_repeated_services():
    args = build_parser().parse_args(
        [
            "incident",
            "declare",
            "Checkout returns 502",
            "--severity",
            "P1",
            "--team",
            "payments",
            "--service",
            "checkout",
            "--service",
            "card-processing",
            "--description",
            "All payments fail",
        ]
    )
    assert args.title == "Checkout returns 502"
    assert args.service == ["checkout", "card-processing"]
    assert args.description == "All payments fail"


def test_list_shows_open_incidents_unless_told_otherwise():
    args = build_parser().parse_args(["incident", "list"])
    assert (args.status, args.limit, args.severity, args.team, args.search) == (
        "open",
        50,
        None,
        None,
        None,
    )
    args = build_parser().parse_args(
        ["incident", "list", "--status", "all", "--severity", "P1", "--search", "502"]
    )
    assert (args.status, args.severity, args.search) == ("all", "P1", "502")


def test_list_refuses_an_unknown_status(capsys):
    with pytest.raises(SystemExit) as exit:
        main(["incident", "list", "--status", "sleeping"])
    assert exit.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


@pytest.mark.parametrize("given", ["INC-42", "inc-42", "42", " 42 "])
def test_references_are_normalised(given):
    assert build_parser().parse_args(["incident", "show", given]).reference == "INC-42"


def test_a_reference_that_is_not_one_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exit:
        main(["incident", "ack", "checkout"])
    assert exit.value.code == 2
    assert "not an incident reference like INC-42" in capsys.readouterr().err


def test_resolve_needs_a_resolution(capsys):
    with pytest.raises(SystemExit) as exit:
        main(["incident", "resolve", "INC-1"])
    assert exit.value.code == 2
    assert "--resolution" in capsys.readouterr().err


def test_ack_is_also_spelled_acknowledge():
    args = build_parser().parse_args(["incident", "acknowledge", "7", "--json"])
    assert args.reference == "INC-7"
    assert args.json


# --------------------------------------------------------------------------- createuser


def test_createuser_creates_a_user_who_can_sign_in(db, capsys):
    code = main(
        [
            "createuser",
            "Erin@Example.com",
            "--name",
            "Erin Walsh",
            "--role",
            "admin",
            "--time-zone",
            "Europe/Dublin",
            "--password",
            "a-long-passphrase",
        ]
    )
    assert code == 0
    assert capsys.readouterr().out == "Created erin@example.com (admin).\n"
    user = User.objects.get(email="erin@example.com")
    assert (user.display_name, user.role, user.time_zone) == (
        "Erin Walsh",
        InstanceRole.ADMIN,
        "Europe/Dublin",
    )
    assert user.check_password("a-long-passphrase")
    assert user.is_admin


def test_createuser_reads_the_password_from_the_environment(db, monkeypatch):
    monkeypatch.setenv("TOCSIN_PASSWORD", "from-the-environment")
    assert main(["createuser", "erin@example.com"]) == 0
    user = User.objects.get(email="erin@example.com")
    assert user.check_password("from-the-environment")
    assert (user.role, user.display_name) == (InstanceRole.RESPONDER, "erin")


def test_createuser_without_a_password_and_no_terminal_exits_2(db, monkeypatch, capsys):
    monkeypatch.delenv("TOCSIN_PASSWORD", raising=False)
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    assert main(["createuser", "erin@example.com"]) == 2
    assert "--password or TOCSIN_PASSWORD" in capsys.readouterr().err
    assert not User.objects.filter(email="erin@example.com").exists()


def test_createuser_refuses_a_second_user_with_the_same_email(member, capsys):
    assert main(["createuser", "BOB@example.com", "--password", "whatever-it-is"]) == 1
    assert capsys.readouterr().err == "error: a user with e-mail bob@example.com already exists\n"
    assert User.objects.filter(email__iexact="bob@example.com").count() == 1


def test_createuser_refuses_a_bad_email(db, capsys):
    assert main(["createuser", "not-an-address", "--password", "whatever-it-is"]) == 1
    assert "is not a valid e-mail address" in capsys.readouterr().err
    assert not User.objects.exists()


def test_createuser_refuses_an_unknown_time_zone(db, capsys):
    code = main(["createuser", "erin@example.com", "--password", "x" * 12, "--time-zone", "Mars"])
    assert code == 1
    assert "error: 'Mars' is not a known time zone" in capsys.readouterr().err
    assert not User.objects.exists()


def test_createuser_refuses_an_unknown_role(db, capsys):
    with pytest.raises(SystemExit) as exit:
        main(["createuser", "erin@example.com", "--role", "overlord"])
    assert exit.value.code == 2
    assert not User.objects.exists()


# --------------------------------------------------------------------------- token create


def test_token_create_prints_a_working_token_once(member, capsys):
    assert main(["token", "create", "Bob@Example.com", "--name", "laptop"]) == 0
    out, err = capsys.readouterr()
    secret = out.strip()
    assert secret.startswith("tocsin_")
    assert "shown only once" in err
    assert user_for_token(secret) == member
    token = member.api_tokens.get()
    assert token.name == "laptop"
    assert secret not in (token.token_hash, token.prefix)


def test_token_create_for_an_unknown_user_fails(db, capsys):
    assert main(["token", "create", "nobody@example.com"]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err == "error: no user with e-mail nobody@example.com\n"


# --------------------------------------------------------------------------- demo


def test_demo_loads_once_however_often_it_runs(db, capsys):
    assert main(["demo"]) == 0
    first = capsys.readouterr().out
    assert first.startswith("Demo data loaded.")
    assert "admin@example.com" in first
    assert "'tocsin-demo'" in first
    people = set(User.objects.values_list("email", flat=True))
    incidents = list(User.objects.get(email="carol@example.com").reported_incidents.all())

    assert main(["demo"]) == 0
    second = capsys.readouterr().out
    assert second.startswith("Demo data already present; nothing changed.")
    assert "admin@example.com" in second  # the credentials are shown again
    assert User.objects.count() == len(people) == 7
    assert set(User.objects.values_list("email", flat=True)) == people
    assert list(User.objects.get(email="carol@example.com").reported_incidents.all()) == incidents
