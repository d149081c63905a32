"""REST endpoints for incidents, their timeline and the catalog (severities, services).

Handlers parse, look up, call one service in `incidents.services` and serialize; who may do
what and which transitions are legal is decided there, never here.

One module a job, mounted here in the order the API document lists them: `incidents` (list,
declare, read, change), `actions` (acknowledge to cancel, roles), `timeline` (notes and the
events), `catalog`; `schemas` is what they answer with, `shared` the look-ups of what a request
names. Operation ids stay `tocsin_incidents_api_<function>` (see
TocsinAPI.get_openapi_operation_id).
"""

from ninja import Router

from . import actions, catalog, incidents, timeline
from .shared import severity_by_key

__all__ = ["router", "severity_by_key"]

router = Router(tags=["incidents"])
router.add_router("", incidents.router)
router.add_router("", actions.router)
router.add_router("", timeline.router)
router.add_router("", catalog.router)
