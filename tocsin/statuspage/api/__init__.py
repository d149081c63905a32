"""REST endpoints of the status page under /api/v1/status/: components and groups, public
incidents and their updates, maintenances, subscribers, the pages themselves, the status each
severity proposes.

Handlers parse, look up, call one service in `statuspage.services` and serialize; who may do
what is decided there. One module a job: `components` (groups, components, order, status),
`incidents`, `maintenance`, `pages`, `proposals`, `subscribers`; `schemas` is what they answer
with, `shared` the look-ups of what a request names. Operation ids are
`tocsin_statuspage_api_<function>`.
"""

from ninja import Router

from . import components, incidents, maintenance, pages, proposals, subscribers

router = Router(tags=["status page"])
router.add_router("", components.router)
router.add_router("", incidents.router)
router.add_router("", maintenance.router)
router.add_router("", pages.router)
router.add_router("", proposals.router)
router.add_router("", subscribers.router)

__all__ = ["router"]
