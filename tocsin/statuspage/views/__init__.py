"""The status page's management pages, at /statuspage/: a module a job (overview, components,
public incidents, maintenance, subscribers, the proposed statuses), and the actions the
incident page posts (incident_page.py). Thin: parse a form, call one service, render or
redirect."""
