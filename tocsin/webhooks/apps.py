from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "tocsin.webhooks"
    label = "webhooks"
    verbose_name = "Webhooks"

    def ready(self):
        from tocsin.incidents import reactions

        from .destinations import check_settings
        from .payloads import EVENT_TYPES
        from .reactions import tell_the_webhooks

        # A bad TOCSIN_WEBHOOK_ALLOWED_NETWORKS stops every process at start, not a delivery.
        check_settings()
        reactions.register(tell_the_webhooks, order=reactions.WEBHOOKS, kinds=EVENT_TYPES)
