"""The documentation served at /docs/: the pages the UI links to, rendered without raw HTML, and
nothing outside docs/."""

import re
from pathlib import Path

import pytest
from django.test import Client

from tests.support.web import page_text
from tocsin.alerting.models import Integration, Kind

DOCS = Path(__file__).resolve().parent.parent / "docs"


def test_docs_opens_on_the_index(client):
    response = client.get("/docs/")
    assert response.status_code == 302 and response["Location"] == "/docs/index.md"
    assert client.get("/docs/index.md").status_code == 200


def test_a_page_is_rendered_with_its_title_and_relative_links(client):
    response = client.get("/docs/integrations/generic.md")

    assert response.status_code == 200
    html = response.content.decode()
    assert "<title>" in html and "<h1>" in html
    # Relative links keep their form: they resolve under /docs/ as they do in the repository.
    assert re.search(r'href="(\.\./)?[\w/-]+\.md(#[\w-]+)?"', html)


def test_raw_html_in_a_page_is_shown_as_text(client, settings, tmp_path):
    (tmp_path / "evil.md").write_text(
        "# Evil\n\n<script>alert(1)</script>\n\n[x](javascript:alert(1))\n"
    )
    settings.DOCS_DIR = tmp_path

    html = client.get("/docs/evil.md").content.decode()

    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert 'href="javascript:' not in html


@pytest.mark.parametrize(
    "path",
    [
        "/docs/../pyproject.toml",
        "/docs/%2e%2e/pyproject.toml",
        "/docs/..%2fREADME.md",
        "/docs/index",
        "/docs/nope.md",
        "/docs/%00.md",
    ],
)
def test_nothing_outside_the_documentation_is_served(client, path):
    response = Client().get(path)
    assert response.status_code == 404


def test_every_link_between_pages_leads_to_a_page(client):
    for page in DOCS.rglob("*.md"):
        for target in re.findall(r"\]\(([^)#\s]+\.md)(?:#[^)]*)?\)", page.read_text()):
            if "://" in target:
                continue
            assert (page.parent / target).resolve().is_file(), f"{page.name} links to {target}"


def test_the_integration_page_links_to_its_guide_on_this_instance(
    signed_in, lead, payments, severities
):
    integration = Integration.objects.create(kind=Kind.ALERTMANAGER, name="Prom", team=payments)
    client = signed_in(lead)

    html = client.get(f"/integrations/{integration.pk}/").content.decode()

    [href] = re.findall(r'href="(/docs/[^"]+)"', html)
    assert href == "/docs/integrations/alertmanager.md"
    assert "Alertmanager" in page_text(client.get(href))
