"""The periodic jobs of what comes after the incident, one list a sub-package, gathered here
for the worker (tocsin/periodic.py)."""

from .actions.tasks import PERIODIC as ACTION_ITEMS
from .postmortems.tasks import PERIODIC as POSTMORTEMS

PERIODIC = [*POSTMORTEMS, *ACTION_ITEMS]
