"""The periodic jobs of what comes after the incident, one list a sub-package, gathered here
for the worker (tocsin/periodic.py)."""

from .postmortems.tasks import PERIODIC as POSTMORTEMS

PERIODIC = [*POSTMORTEMS]
