"""After the incident: situation reports, post-mortems and their review, action items, metrics.

One sub-package a job (`situation/`, `metrics/`, …), each with the usual inner names (models,
services, selectors, api, views, templates). Runbooks and the alert catalogue are their own app,
`tocsin.runbooks`.
"""
