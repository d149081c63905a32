"""What more than one test module needs, written once. Fixtures stay in the conftest.py files
(the shared ones in tests/conftest.py); these are the plain helpers they and the tests use.

- `api`: ApiClient for /api/v1, the one error shape, "nothing changed" checks.
- `browser`: launching Chromium through Playwright, tabs, signing in through the login page.
- `cli`: running the `tocsin` command in the test process.
- `clock`: UTC and wall-clock instants, the escalation tests' Monday morning.
- `fakes`: Telegram, Slack and a webhook receiver as HTTP servers on 127.0.0.1.
- `live`: a real Tocsin in subprocesses (`tocsin serve`, `tocsin worker`), and waiting for it.
- `mailbox`: a real SMTP server (aiosmtpd) and reading the e-mails it received.
- `oncall`: reading schedules, policies and pages back.
- `outbox`: one delivery round as a worker, a plain e-mail queued.
- `people`: the specification's people, their password and e-mail contact methods.
- `samples`: the real wire-format payloads in tests/samples/.
- `slack`: signed button presses as Slack posts them, Tocsin's Slack messages read back.
- `sources`: what an alert source's parser refuses.
- `telegram`: updates as Telegram posts them to the webhook, Tocsin's Telegram cards read back.
- `web`: a page's text and form errors as a person reads them, formsets as a browser posts them.
"""
