"""`tocsin statuspage export DIR`: the whole page as static files whose links all resolve."""

import json
import re
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from tocsin.cli import main
from tocsin.statuspage import services

pytestmark = pytest.mark.django_db


@pytest.fixture
def story(inc_12_published, card_upgrade):
    return inc_12_published, card_upgrade


def _export(tmp_path, *more):
    return main(["statuspage", "export", str(tmp_path / "site"), *more])


def test_export_writes_the_page_the_json_the_feeds_and_every_permalink(
    tmp_path, story, capsys, client
):
    public, maintenance = story
    assert _export(tmp_path, "--base-url", "https://status.example.com") == 0
    site = tmp_path / "site"
    assert "files in" in capsys.readouterr().out
    for name in (
        "index.html",
        "history/index.html",
        f"incidents/{public.code}/index.html",
        f"maintenances/{maintenance.code}/index.html",
        "api/v2/summary.json",
        "api/v2/scheduled-maintenances/upcoming.json",
        "history.atom",
        "history.rss",
        "status.css",
    ):
        assert (site / name).is_file(), name
    exported = json.loads((site / "api/v2/summary.json").read_text())
    served = client.get("/status/api/v2/summary.json").json()
    assert exported["page"]["url"] == "https://status.example.com/"
    assert exported["incidents"][0]["shortlink"] == (
        f"https://status.example.com/incidents/{public.code}"
    )
    assert exported["status"] == served["status"]
    assert exported["components"] == served["components"]
    assert "Partial outage" in (site / "index.html").read_text()
    assert (
        f"https://status.example.com/incidents/{public.code}" in (site / "history.atom").read_text()
    )


def _local_links(html: str) -> set[str]:
    return {
        link
        for link in re.findall(r'href="([^"]*)"', html)
        if not link.startswith(("http:", "https:", "/", "#", "mailto:"))
    }


def test_every_relative_link_of_the_copy_resolves_to_a_file(tmp_path, story):
    assert _export(tmp_path) == 0
    site = (tmp_path / "site").resolve()
    pages = list(site.rglob("*.html"))
    assert len(pages) == 4
    for html_file in pages:
        for link in _local_links(html_file.read_text()):
            if link.endswith("subscribe"):
                continue  # subscribing needs Tocsin itself
            target = (html_file.parent / link).resolve()
            assert target.is_relative_to(site), (html_file, link)
            assert target.is_file() or (target / "index.html").is_file(), (html_file, link)


def test_the_copy_is_served_by_a_plain_web_server(tmp_path, story):
    public, _ = story
    assert _export(tmp_path) == 0
    handler = partial(SimpleHTTPRequestHandler, directory=str(tmp_path / "site"))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    try:
        page = httpx.get(base)
        assert page.status_code == 200 and "Checkout returns errors" in page.text
        css = re.search(r'href="([^"]*status\.css)"', page.text).group(1)
        assert httpx.get(base + css).headers["content-type"] == "text/css"
        one = httpx.get(f"{base}incidents/{public.code}/")
        assert one.status_code == 200 and "cannot</strong> pay." in one.text
        summary = httpx.get(base + "api/v2/summary.json")
        assert summary.json()["status"]["indicator"] == "major"
    finally:
        server.shutdown()
        server.server_close()


def test_a_second_export_replaces_what_changed(tmp_path, story, lead, page, told):
    public, _ = story
    assert _export(tmp_path) == 0
    services.resolve_public_incident(public_incident=public, by=lead, body="Fixed.")
    assert _export(tmp_path) == 0
    summary = json.loads((tmp_path / "site/api/v2/summary.json").read_text())
    assert summary["status"]["indicator"] == "none" and summary["incidents"] == []
    assert "Fixed." in (tmp_path / f"site/incidents/{public.code}/index.html").read_text()
    assert not list(Path(tmp_path / "site").rglob(".tocsin-*"))  # no temporary file left


def test_an_unknown_page_or_an_unwritable_directory_is_an_error(tmp_path, story, capsys):
    assert main(["statuspage", "export", str(tmp_path / "x"), "--page", "nope"]) == 2
    assert "no status page 'nope'" in capsys.readouterr().err
    (tmp_path / "file").write_text("not a directory")
    assert main(["statuspage", "export", str(tmp_path / "file")]) == 1
    assert "cannot write" in capsys.readouterr().err
