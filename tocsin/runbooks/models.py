"""Runbooks and their versions."""
