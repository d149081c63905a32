"""A published post-mortem is written as Markdown (front matter first) into
TOCSIN_POSTMORTEM_DIR; in a git working tree it is committed on its own branch instead, and
the checked-out branch, its index and its files are left as they were."""

import subprocess

import pytest

from tocsin.incidents.models import Event
from tocsin.postincident.postmortems import document
from tocsin.postincident.postmortems.models import Postmortem
from tocsin.postincident.postmortems.services import publish, review, update_postmortem


@pytest.fixture
def approved(in_review, bob, alice, carol):
    update_postmortem(
        postmortem=in_review,
        by=bob,
        sections={"Lessons": "Probe the **gateway**, not only the shop."},
    )
    review(postmortem=in_review, by=alice, verdict="approve")
    review(postmortem=in_review, by=carol, verdict="approve")
    return Postmortem.objects.get(pk=in_review.pk)


def _front_matter(text: str) -> dict[str, str]:
    head = text.split("---\n")[1]
    return dict(line.split(": ", 1) for line in head.splitlines() if ": " in line)


def test_the_markdown_has_front_matter_and_every_section(approved):
    text = document.markdown(approved)
    assert text.startswith("---\n")
    fields = _front_matter(text)
    assert fields["incident"] == f'"INC-{approved.incident.pk}"'
    assert fields["title"] == '"Checkout returns 502"'
    assert fields["severity"] == '"P1"'
    assert fields["status"] == '"approved"'
    assert fields["reported_at"] == "2026-12-04T10:00:00Z"
    assert fields["resolved_at"] == "2026-12-04T11:00:00Z"
    assert fields["due_on"] == "2026-12-11"
    assert '  - "Bob Okafor <bob@example.com>"' in text.split("reviewers:")[0]
    assert '  - "Alice Novak <alice@example.com>"\n  - "Carol Jensen <carol@example.com>"' in text
    assert f"# Post-mortem: INC-{approved.incident.pk} Checkout returns 502" in text
    assert "## Lessons\n\nProbe the **gateway**, not only the shop.\n" in text
    assert "## Where we got lucky\n\n_Nothing written._\n" in text


def test_a_title_with_quotes_and_newlines_stays_one_yaml_string(approved):
    approved.incident.title = 'Gateway "502"\nagain'
    assert 'title: "Gateway \\"502\\"\\nagain"' in document.front_matter(approved)


def test_publishing_writes_the_file_into_the_folder(approved, bob, tmp_path, settings):
    settings.POSTMORTEM_DIR = str(tmp_path / "postmortems")
    published = publish(postmortem=approved, by=bob)
    number = approved.incident.pk
    path = tmp_path / "postmortems" / f"inc-{number}-checkout-returns-502.md"
    assert path.read_text() == document.markdown(published)
    assert 'status: "published"' in path.read_text()
    assert published.exported_path == str(path)
    assert published.exported_branch == "" and published.exported_commit == ""
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temporary file left
    assert approved.incident.timeline.filter(
        kind=Event.POSTMORTEM, message=f"Post-mortem written to {path}"
    ).exists()


def test_a_folder_that_cannot_be_written_says_so_on_the_timeline(approved, bob, tmp_path, settings):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the folder should be")
    settings.POSTMORTEM_DIR = str(blocker)
    published = publish(postmortem=approved, by=bob)
    assert published.is_published  # the publication stands
    assert published.exported_path == ""
    event = approved.incident.timeline.get(data__action="export_failed")
    assert event.message.startswith(
        f"Post-mortem could not be exported to {blocker}: could not write"
    )
    assert blocker.read_text() == "a file where the folder should be"


def git(repo, *args) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), *args], check=True, capture_output=True, text=True
    ).stdout.strip()


@pytest.fixture
def repository(tmp_path):
    """A team's post-mortem repository, on `main`, with a README and a file being edited."""
    repo = tmp_path / "learning"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    git(repo, "config", "user.name", "Team")
    git(repo, "config", "user.email", "team@example.com")
    (repo / "README.md").write_text("# Our post-mortems\n")
    git(repo, "add", "README.md")
    git(repo, "commit", "-q", "-m", "Start")
    (repo / "README.md").write_text("# Our post-mortems\n\nWork in progress.\n")
    return repo


@pytest.mark.processes
def test_in_a_git_repository_it_is_committed_on_a_branch_of_its_own(
    approved, bob, repository, settings
):
    settings.POSTMORTEM_DIR = str(repository)
    head = git(repository, "rev-parse", "HEAD")
    published = publish(postmortem=approved, by=bob)
    number = approved.incident.pk
    branch = f"postmortem/inc-{number}-checkout-returns-502"
    name = f"inc-{number}-checkout-returns-502.md"
    assert published.exported_branch == branch
    assert published.exported_path == name
    assert git(repository, "rev-parse", f"refs/heads/{branch}") == published.exported_commit
    assert git(repository, "show", f"{branch}:{name}") + "\n" == document.markdown(published)
    assert git(repository, "show", f"{branch}:README.md") == "# Our post-mortems"
    assert git(repository, "rev-parse", f"{branch}^") == head
    assert git(repository, "log", "-1", "--format=%an <%ae>|%s", branch) == (
        f"Bob Okafor <bob@example.com>|Post-mortem of INC-{number}: Checkout returns 502"
    )
    # The team's checkout is as it was: same branch, same commit, its edit and no new file.
    assert git(repository, "symbolic-ref", "--short", "HEAD") == "main"
    assert git(repository, "rev-parse", "HEAD") == head
    assert git(repository, "status", "--porcelain") == "M README.md"
    assert not (repository / name).exists()
    assert approved.incident.timeline.filter(
        message=f"Post-mortem committed as {name} on branch {branch} "
        f"({published.exported_commit[:12]})"
    ).exists()


@pytest.mark.processes
def test_a_folder_inside_the_repository_puts_the_file_there(approved, bob, repository, settings):
    settings.POSTMORTEM_DIR = str(repository / "docs" / "postmortems")
    published = publish(postmortem=approved, by=bob)
    name = f"docs/postmortems/inc-{approved.incident.pk}-checkout-returns-502.md"
    assert published.exported_path == name
    assert 'status: "published"' in git(repository, "show", f"{published.exported_branch}:{name}")


@pytest.mark.processes
def test_exporting_again_adds_a_commit_on_the_same_branch(approved, bob, repository, settings):
    from tocsin.postincident.postmortems.services import export

    settings.POSTMORTEM_DIR = str(repository)
    first = publish(postmortem=approved, by=bob)
    again = export(postmortem=first, by=bob)
    assert again.exported_commit == first.exported_commit  # same content: no new commit
    Postmortem.objects.filter(pk=first.pk).update(due_on="2026-12-18")
    changed = export(postmortem=Postmortem.objects.get(pk=first.pk), by=bob)
    assert git(repository, "rev-parse", f"{changed.exported_commit}^") == first.exported_commit
    assert "due_on: 2026-12-18" in git(
        repository, "show", f"{changed.exported_branch}:{changed.exported_path}"
    )


@pytest.mark.processes
def test_a_git_failure_is_recorded_on_the_timeline(approved, bob, tmp_path, settings):
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / ".git").write_text("gitdir: /nowhere/at/all\n")
    settings.POSTMORTEM_DIR = str(broken)
    published = publish(postmortem=approved, by=bob)
    assert published.is_published
    assert published.exported_commit == ""
    event = approved.incident.timeline.get(data__action="export_failed")
    assert event.message.startswith(f"Post-mortem could not be exported to {broken}: git ")
    assert "failed" in event.message
    assert [p.name for p in broken.iterdir()] == [".git"]


def test_the_front_matter_is_yaml(approved):
    import yaml

    approved.incident.title = 'Gateway "502": again #1'
    head = document.markdown(approved).split("---\n")[1]
    fields = yaml.safe_load(head)
    assert fields["incident"] == f"INC-{approved.incident.pk}"
    assert fields["title"] == 'Gateway "502": again #1'
    assert fields["authors"] == ["Bob Okafor <bob@example.com>"]
    assert fields["reviewers"] == [
        "Alice Novak <alice@example.com>",
        "Carol Jensen <carol@example.com>",
    ]
    assert fields["approved_by"] == fields["reviewers"]
    assert fields["published_at"] is None
    assert str(fields["due_on"]) == "2026-12-11"
