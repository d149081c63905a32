"""Where attachments live and how they get there: TOCSIN_ATTACHMENT_DIR (by default the data
directory's attachments/ folder), one folder a ticket, files named by their checksum and
readable by their owner only; a file written for a transaction that rolls back is removed, and
`sweep()` removes what a killed process left behind."""

import os
import stat
import time
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction

from tocsin.tickets.attachments import conf, storage
from tocsin.tickets.attachments.services import attach, check_uploads, store_attachments
from tocsin.tickets.models import Attachment, TicketEvent

from . import files


def test_the_folder_is_under_the_data_directory_unless_set(settings):
    del settings.ATTACHMENT_DIR
    assert conf.folder() == (Path(settings.DATA_DIR) / "attachments").resolve()


def test_the_folder_can_be_set_in_the_environment(settings, monkeypatch, tmp_path):
    del settings.ATTACHMENT_DIR
    monkeypatch.setenv("TOCSIN_ATTACHMENT_DIR", str(tmp_path / "elsewhere"))
    assert conf.folder() == tmp_path / "elsewhere"


def test_the_default_limits():
    assert conf.max_bytes("image") == 10 * conf.MB
    assert conf.max_bytes("har") == 50 * conf.MB
    assert conf.max_bytes("video") == 100 * conf.MB
    assert conf.max_ticket_bytes() == 250 * conf.MB
    assert conf.max_files() == 20


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("ATTACHMENT_MAX_FILES", "many", "TOCSIN_ATTACHMENT_MAX_FILES must be a whole number"),
        ("ATTACHMENT_MAX_IMAGE_MB", "0", "TOCSIN_ATTACHMENT_MAX_IMAGE_MB must be at least 1"),
        ("ATTACHMENT_MAX_HAR_MB", "65", "TOCSIN_ATTACHMENT_MAX_HAR_MB may be at most 64"),
    ],
)
def test_a_wrong_setting_stops_tocsin_at_start(monkeypatch, name, value, message):
    monkeypatch.setenv(f"TOCSIN_{name}", value)
    with pytest.raises(ImproperlyConfigured, match=message):
        conf.check()


def test_files_are_private_and_named_by_their_checksum(agent, ticket, attachment_dir):
    (attachment,) = attach(ticket=ticket, uploads=[files.upload("a.png", files.png())], by=agent)
    path = attachment_dir / attachment.stored_as
    assert attachment.stored_as == f"{ticket.pk}/{attachment.sha256}"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(attachment_dir.stat().st_mode) == 0o700


def test_a_stored_name_never_leaves_the_folder():
    with pytest.raises(ValueError, match="outside the attachment folder"):
        storage.path_of("../../etc/passwd")


@pytest.mark.django_db(transaction=True)
def test_a_file_written_for_a_transaction_that_rolls_back_is_removed(agent, ticket, stored):
    checked = check_uploads(ticket, [files.upload("a.png", files.png())])

    class Later(Exception):
        pass

    with pytest.raises(Later), transaction.atomic():
        store_attachments(ticket, checked, by=agent)
        assert len(stored()) == 1  # written before the commit
        raise Later  # something else in the caller's transaction fails
    storage.remove_rolled_back()  # what the end of the request does
    assert stored() == []
    assert not Attachment.objects.exists()
    assert not TicketEvent.objects.filter(kind=TicketEvent.Kind.ATTACHED).exists()


@pytest.mark.django_db(transaction=True)
def test_the_end_of_a_request_removes_them(agent, ticket, stored, client):
    checked = check_uploads(ticket, [files.upload("a.png", files.png())])
    with pytest.raises(RuntimeError), transaction.atomic():
        store_attachments(ticket, checked, by=agent)
        raise RuntimeError
    assert len(stored()) == 1
    client.get("/status/")  # any request's end
    assert stored() == []


@pytest.mark.django_db(transaction=True)
def test_a_committed_file_stays(agent, ticket, stored):
    (attachment,) = attach(ticket=ticket, uploads=[files.upload("a.png", files.png())], by=agent)
    storage.remove_rolled_back()
    assert stored() == [attachment.stored_as]


@pytest.mark.django_db(transaction=True)
def test_a_savepoint_rolled_back_inside_a_committed_transaction_loses_its_file(
    agent, ticket, stored
):
    first = check_uploads(ticket, [files.upload("kept.png", files.png())])
    second = check_uploads(ticket, [files.upload("dropped.png", files.png(3, 3))])
    with transaction.atomic():
        (kept,) = store_attachments(ticket, first, by=agent)
        try:
            with transaction.atomic():
                store_attachments(ticket, second, by=agent)
                raise RuntimeError
        except RuntimeError:
            pass
    storage.remove_rolled_back()
    assert stored() == [kept.stored_as]


def test_sweep_removes_files_nobody_names_once_they_are_old(agent, ticket, attachment_dir):
    (attachment,) = attach(ticket=ticket, uploads=[files.upload("a.png", files.png())], by=agent)
    orphan = attachment_dir / str(ticket.pk) / ("0" * 64)
    orphan.write_bytes(b"left by a killed process")
    partial = attachment_dir / str(ticket.pk) / ".abc.part"
    partial.write_bytes(b"half")
    young = attachment_dir / str(ticket.pk) / ("1" * 64)
    young.write_bytes(b"its transaction may still run")
    two_hours_ago = time.time() - 7200
    for path in (orphan, partial, attachment_dir / attachment.stored_as):
        os.utime(path, (two_hours_ago, two_hours_ago))

    assert storage.sweep() == 2
    assert not orphan.exists() and not partial.exists()
    assert young.exists()
    assert (attachment_dir / attachment.stored_as).exists()


def test_a_left_behind_file_attached_again_is_not_swept(agent, ticket, attachment_dir):
    import hashlib

    content = files.png()
    folder = attachment_dir / str(ticket.pk)
    folder.mkdir(parents=True)
    leftover = folder / hashlib.sha256(content).hexdigest()
    leftover.write_bytes(content)
    two_hours_ago = time.time() - 7200
    os.utime(leftover, (two_hours_ago, two_hours_ago))

    (attachment,) = attach(ticket=ticket, uploads=[files.upload("a.png", content)], by=agent)
    assert attachment.stored_as == f"{ticket.pk}/{leftover.name}"
    assert storage.sweep() == 0
    assert leftover.read_bytes() == content
