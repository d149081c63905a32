from django.apps import AppConfig


class PagesConfig(AppConfig):
    name = "tocsin.pages"
    label = "pages"
    verbose_name = "Pages"
