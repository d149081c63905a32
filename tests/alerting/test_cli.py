"""`tocsin integration …` and `tocsin maintenance …` against the real API, served in-process."""

import json
from datetime import UTC, datetime

import pytest
import time_machine
from django.conf import settings

from tests.support.cli import run_cli
from tocsin.alerting.models import Integration, MaintenanceWindow
from tocsin.cli import main

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def test_integration_create_prints_the_url_and_where_the_snippet_is(
    api_in_process, lead, payments, checkout, token_for, capsys
):
    code, out, err = run_cli(
        capsys,
        "integration",
        "create",
        "--kind",
        "alertmanager",
        "--name",
        "prod",
        "--team",
        "payments",
        "--service",
        "checkout",
        "--token",
        token_for(lead),
    )
    assert (code, err) == (0, "")
    integration = Integration.objects.get()
    assert integration.service == checkout
    url = f"{settings.BASE_URL}/api/v1/integrations/{integration.token}/alertmanager"
    assert out.splitlines() == [
        f"Created integration #{integration.pk} prod (Prometheus Alertmanager) for Payments.",
        f"URL: {url}",
        "Configuration snippet for Prometheus Alertmanager: "
        f"{settings.BASE_URL}/integrations/{integration.pk}/",
    ]


def test_a_heartbeat_is_created_with_durations_as_people_write_them(
    api_in_process, lead, payments, token_for, capsys
):
    code, _, err = run_cli(
        capsys,
        "integration",
        "create",
        "--kind",
        "heartbeat",
        "--name",
        "Nightly backup",
        "--team",
        "payments",
        "--heartbeat-interval",
        "1h",
        "--heartbeat-grace",
        "10m",
        "--token",
        token_for(lead),
    )
    assert (code, err) == (0, "")
    heartbeat = Integration.objects.get()
    assert heartbeat.heartbeat_interval.total_seconds() == 3600
    assert heartbeat.heartbeat_grace.total_seconds() == 600


def test_a_member_is_told_why_they_cannot_create_an_integration(
    api_in_process, member, payments, token_for, capsys
):
    code, out, err = run_cli(
        capsys,
        "integration",
        "create",
        "--kind",
        "generic",
        "--name",
        "Mine",
        "--team",
        "payments",
        "--token",
        token_for(member),
    )
    assert (code, out) == (1, "")
    assert err == "error: only an admin or a lead of Payments may change its alerting\n"
    assert not Integration.objects.exists()


def test_integration_list_is_a_table(api_in_process, member, prometheus, token_for, capsys):
    code, out, _ = run_cli(capsys, "integration", "list", "--token", token_for(member))
    assert code == 0
    header, row = out.splitlines()
    assert header.split() == ["ID", "KIND", "TEAM", "SERVICE", "STATE", "NAME"]
    assert row.split() == [
        str(prometheus.pk),
        "alertmanager",
        "payments",
        "checkout",
        "enabled",
        "Prometheus",
    ]


def test_integration_show_hides_the_url_from_people_who_may_not_manage_it(
    api_in_process, member, lead, prometheus, token_for, capsys
):
    _, out, _ = run_cli(
        capsys, "integration", "show", str(prometheus.pk), "--token", token_for(member)
    )
    assert "URL:           (hidden: only admins and the team's leads see it)" in out
    assert prometheus.token not in out
    _, out, _ = run_cli(
        capsys, "integration", "show", str(prometheus.pk), "--token", token_for(lead)
    )
    assert f"URL:           {settings.BASE_URL}/api/v1/integrations/{prometheus.token}/" in out
    assert out.startswith(f"#{prometheus.pk}  Prometheus\nKind:          Prometheus Alertmanager\n")


def test_integration_show_json_is_the_api_answer(
    api_in_process, lead, prometheus, token_for, capsys
):
    code, out, _ = run_cli(
        capsys, "integration", "show", str(prometheus.pk), "--json", "--token", token_for(lead)
    )
    assert code == 0
    assert json.loads(out)["url"].endswith(f"/{prometheus.token}/alertmanager")


def test_rotate_needs_yes_when_nobody_can_be_asked(
    api_in_process, lead, prometheus, token_for, capsys, monkeypatch
):
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    token = prometheus.token
    code, out, err = run_cli(
        capsys, "integration", "rotate", str(prometheus.pk), "--token", token_for(lead)
    )
    assert (code, out) == (2, "")
    assert err == "error: rotating stops the current URL at once; add --yes to confirm\n"
    prometheus.refresh_from_db()
    assert prometheus.token == token


def test_rotate_prints_the_new_url(api_in_process, lead, prometheus, token_for, capsys):
    old = prometheus.token
    code, out, err = run_cli(
        capsys, "integration", "rotate", str(prometheus.pk), "--yes", "--token", token_for(lead)
    )
    prometheus.refresh_from_db()
    assert (code, err) == (0, "")
    assert prometheus.token != old
    assert out.splitlines() == [
        f"New token for #{prometheus.pk} Prometheus; the old URL no longer works.",
        f"URL: {settings.BASE_URL}/api/v1/integrations/{prometheus.token}/alertmanager",
    ]


def test_an_unknown_integration_is_an_error(api_in_process, member, token_for, capsys):
    code, _, err = run_cli(capsys, "integration", "show", "999", "--token", token_for(member))
    assert (code, err) == (1, "error: no integration 999\n")


def test_maintenance_create_list_and_end(api_in_process, member, checkout, token_for, capsys):
    token = token_for(member)
    with time_machine.travel(NOW, tick=False):
        code, out, err = run_cli(
            capsys,
            "maintenance",
            "create",
            "--service",
            "checkout",
            "--start",
            "2026-11-24T22:00+01:00",
            "--end",
            "2026-11-25T02:00+01:00",
            "--reason",
            "PostgreSQL 16 upgrade",
            "--token",
            token,
        )
        assert (code, err) == (0, "")
        window = MaintenanceWindow.objects.get()
        assert window.starts_at == datetime(2026, 11, 24, 21, 0, tzinfo=UTC)
        assert window.ends_at == datetime(2026, 11, 25, 1, 0, tzinfo=UTC)
        assert out.startswith(f"Maintenance #{window.pk} for Checkout: ")
        assert "(PostgreSQL 16 upgrade)." in out

        code, out, _ = run_cli(
            capsys, "maintenance", "list", "--state", "upcoming", "--token", token
        )
        header, row = out.splitlines()
        assert header.split() == ["ID", "STATE", "SERVICE", "STARTS", "ENDS", "REASON"]
        assert row.split()[:3] == [str(window.pk), "upcoming", "checkout"]
        assert row.endswith("PostgreSQL 16 upgrade")

        code, out, _ = run_cli(capsys, "maintenance", "end", str(window.pk), "--token", token)
        assert out == f"Upcoming maintenance #{window.pk} of Checkout cancelled.\n"
        assert not MaintenanceWindow.objects.exists()

        code, out, _ = run_cli(capsys, "maintenance", "list", "--token", token)
        assert out == "No maintenance windows.\n"


def test_ending_a_running_window(api_in_process, member, checkout, token_for, capsys):
    window = MaintenanceWindow.objects.create(
        service=checkout,
        starts_at=datetime(2026, 11, 23, 11, 0, tzinfo=UTC),
        ends_at=datetime(2026, 11, 23, 14, 0, tzinfo=UTC),
        reason="Upgrade",
    )
    with time_machine.travel(NOW, tick=False):
        code, out, _ = run_cli(
            capsys, "maintenance", "end", str(window.pk), "--token", token_for(member)
        )
    assert (code, out) == (
        0,
        f"Maintenance #{window.pk} of Checkout ended; its alerts page again.\n",
    )
    window.refresh_from_db()
    assert window.ends_at == NOW


def test_maintenance_times_must_be_readable(api_in_process, member, checkout, token_for, capsys):
    with pytest.raises(SystemExit) as exit:
        main(
            [
                "maintenance",
                "create",
                "--service",
                "checkout",
                "--start",
                "tomorrow evening",
                "--end",
                "2026-11-25T02:00+01:00",
                "--reason",
                "x",
                "--token",
                token_for(member),
            ]
        )
    assert exit.value.code == 2
    assert "'tomorrow evening' is not a date and time such as 2026-11-24T22:00+01:00" in (
        capsys.readouterr().err
    )
    assert not MaintenanceWindow.objects.exists()


def test_the_server_says_when_a_window_is_backwards(
    api_in_process, member, checkout, token_for, capsys
):
    with time_machine.travel(NOW, tick=False):
        code, _, err = run_cli(
            capsys,
            "maintenance",
            "create",
            "--service",
            "checkout",
            "--start",
            "2026-11-24T22:00+01:00",
            "--end",
            "2026-11-24T21:00+01:00",
            "--reason",
            "Upgrade",
            "--token",
            token_for(member),
        )
    assert (code, err) == (1, "error: the window must end after it starts\n")
    assert not MaintenanceWindow.objects.exists()
