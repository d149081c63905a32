"""A database that cannot be reached is a 503 that says so, never a 500 with a traceback.

The server is real (`tocsin serve`), pointed at a PostgreSQL address where nothing listens.
"""

import httpx
import pytest

from tests.support.live import TOCSIN, Process, free_port, wait_for

pytestmark = pytest.mark.processes


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("tocsin-no-database")
    port = free_port()
    env = {
        "PATH": "/usr/bin:/bin",
        "TOCSIN_DATA_DIR": str(data_dir),
        "TOCSIN_SECRET_KEY": "unreachable-" + "x" * 50,
        "TOCSIN_DATABASE_URL": f"postgres://postgres@127.0.0.1:{free_port()}/tocsin",
        "TOCSIN_BASE_URL": f"http://127.0.0.1:{port}",
    }
    argv = [TOCSIN, "serve", "--port", str(port), "--workers", "1", "--no-worker"]
    process = Process(argv, env=env, cwd=data_dir, log=data_dir / "serve.log")
    url = f"http://127.0.0.1:{port}"

    def answers() -> bool:
        process.assert_running()
        try:
            httpx.get(f"{url}/login/", timeout=2)
        except httpx.TransportError:
            return False
        return True

    wait_for(answers, timeout=30, interval=0.1, what="the server to answer")
    yield url, process
    process.stop()


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/api/v1/integrations/abc123/generic", b'{"title": "Disk full"}'),
        ("GET", "/api/v1/incidents", None),
    ],
)
def test_the_api_and_the_intake_answer_a_json_503_with_retry_after(server, method, path, body):
    url, process = server
    headers = {"Authorization": "Bearer tocsin_not_checked", "Content-Type": "application/json"}
    response = httpx.request(method, url + path, content=body, headers=headers, timeout=10)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert response.json() == {
        "error": {
            "code": "database_unavailable",
            "message": "Tocsin cannot reach its database; nothing was stored, try again shortly",
            "field": None,
        }
    }
    assert "Traceback" not in process.output()


def test_pagerduty_clients_get_pagerdutys_shape(server):
    url, _ = server
    response = httpx.post(f"{url}/v2/enqueue", json={"routing_key": "abc"}, timeout=10)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert response.json()["status"] == "unavailable"


def test_a_page_says_the_database_is_unreachable(server):
    url, process = server
    # A session cookie makes the page look the session up.
    response = httpx.get(f"{url}/incidents/", cookies={"sessionid": "a" * 32}, timeout=10)
    assert response.status_code == 503
    assert "cannot reach its database" in response.text
    assert "Tocsin cannot reach its database" in process.output()
    assert "Traceback" not in process.output()
