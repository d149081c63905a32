"""REST endpoints to configure alert intake and to see what became of every alert.

Integrations, alerts with the decisions taken about them, change events, routing rules,
maintenance windows, the severity mapping. Handlers parse, look up, call one service and
serialize; permissions and validation live in `services/`. (Alerts themselves arrive at the
intake URLs, `intake.py`.)

One module a job, mounted here in the order the API document lists them. Operation ids stay
`tocsin_alerting_api_<function>` (see TocsinAPI.get_openapi_operation_id).
"""

from ninja import Router

from . import alerts, changes, integrations, maintenance, rules

router = Router(tags=["alerting"])
router.add_router("", integrations.router)
router.add_router("", alerts.router)
router.add_router("", changes.router)
router.add_router("", rules.router)
router.add_router("", maintenance.router)
