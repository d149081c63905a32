"""Alerting's background work, run by every worker."""

from tocsin.periodic import PeriodicJob

from .heartbeats import check_heartbeats

PERIODIC = [PeriodicJob("missed heartbeats", check_heartbeats, every=5)]
