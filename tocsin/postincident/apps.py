from django.apps import AppConfig


class PostincidentConfig(AppConfig):
    name = "tocsin.postincident"
    label = "postincident"
    verbose_name = "After the incident"
