"""REST endpoints of what comes after the incident: one router a sub-package, added here."""

from ninja import Router

from .metrics.api import router as metrics_router

router = Router()
router.add_router("", metrics_router)
router.add_router("", "tocsin.postincident.situation.api.router")
router.add_router("", "tocsin.postincident.postmortems.api.router")
router.add_router("", "tocsin.postincident.actions.api.router")
