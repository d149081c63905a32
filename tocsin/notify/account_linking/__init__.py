"""Linking a person's chat account to them: one-time codes from the profile (services.py, and
the profile's "Link Telegram" in views.py), sent to the bot (inbound/telegram.py)."""
