from django.apps import AppConfig


class OncallConfig(AppConfig):
    name = "tocsin.oncall"
    label = "oncall"
    verbose_name = "On-call"

    def ready(self):
        from tocsin.incidents import reactions
        from tocsin.incidents.models import Event
        from tocsin.notify.delivery.signals import delivery_failed

        from . import reactions as follow

        stage = reactions.ESCALATION
        for offset, (react, kinds) in enumerate(
            [
                (follow.page_or_tell_the_team, [Event.CREATED, Event.REOPENED, Event.RETRIGGERED]),
                (follow.follow_severity, [Event.SEVERITY_CHANGED]),
                (follow.stop_for_the_owner, [Event.ACKNOWLEDGED, Event.ASSIGNED]),
                (follow.rearm_on_progress, [Event.STATUS_CHANGED]),
                (follow.stop_when_closed, [Event.RESOLVED, Event.CANCELLED]),
            ]
        ):
            reactions.register(react, order=stage + offset, kinds=kinds)
        delivery_failed.connect(
            follow.page_the_next_contact_method, dispatch_uid="oncall.next-contact-method"
        )
