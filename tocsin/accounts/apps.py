from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "tocsin.accounts"
    label = "accounts"
    verbose_name = "Accounts"
