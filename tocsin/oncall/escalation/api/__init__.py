"""REST endpoints for escalation: policies and who gets paged (policies.py), and each
person's notification rules (notification_rules.py)."""

from ninja import Router

from . import notification_rules, policies

router = Router()
router.add_router("", policies.router)
router.add_router("", notification_rules.router)
