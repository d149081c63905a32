"""`tocsin worker` on its own says at start-up that e-mail is kept here and how to send it; with
a mail server set up it says nothing of the kind."""

import pytest

from tests.support.live import LiveTocsin

pytestmark = pytest.mark.processes

NOTE = "E-mail is kept here, not sent: no mail server is set up (TOCSIN_SMTP_HOST is empty)"


@pytest.mark.parametrize("host", ["", "127.0.0.1"])
def test_a_worker_says_at_start_up_whether_email_is_kept(tmp_path, host):
    tocsin = LiveTocsin(tmp_path, name="start-up")
    try:
        if host:
            tocsin.env["TOCSIN_SMTP_HOST"] = host
        worker = tocsin.worker("worker")
        worker.wait_until_started()
        worker.stop()
        output = worker.output()
    finally:
        tocsin.close()

    if host:
        assert NOTE not in output
    else:
        assert NOTE in output
        assert "set TOCSIN_SMTP_HOST" in output
