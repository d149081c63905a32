from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "tocsin.webhooks"
    label = "webhooks"
    verbose_name = "Webhooks"

    def ready(self):
        from tocsin.incidents import reactions

        from .payloads import EVENT_TYPES
        from .reactions import tell_the_webhooks

        reactions.register(tell_the_webhooks, order=reactions.WEBHOOKS, kinds=EVENT_TYPES)
