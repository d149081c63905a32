"""Acknowledge links: the signed, single-use links in page e-mails (services.py) and the page
they open (views.py)."""
