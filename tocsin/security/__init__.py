"""Protections a deployment gets without asking: a private data directory and a strong secret
key (`files`), sign-in throttling (`signin`), secret URLs kept out of the logs (`logs`).

The security headers (Content-Security-Policy, HSTS) are settings, in tocsin/settings.py.
"""
