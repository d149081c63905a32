"""Tocsin's settings with one more URL, /bench/floor: the floor a benchmark compares against.

`bench/statuspage.py` serves Tocsin with these settings, so the floor runs through the same
server, processes and middleware as the pages it measures."""

from tocsin.settings import *  # noqa: F403

ROOT_URLCONF = "floor_urls"
