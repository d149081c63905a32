"""Alerting pages: integrations, alerts and why they went where, routing rules, maintenance.

Thin like the incident pages: parse a form, call one service in `alerting.services`, render or
redirect. A DomainError becomes a form error or an error message; the service changed nothing.
One module a page and its forms: `integrations`, `alerts`, `rules` (with the severity
mapping), `maintenance`.
"""
