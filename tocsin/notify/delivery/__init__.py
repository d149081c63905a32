"""Delivery: the loop that claims due outbox messages and sends each through its channel
(loop.py), and what it announces when one is sent or fails for good (signals.py).

Its own sub-package, above both the outbox and the channels: the channels read outbox rows, and
the loop drives the channels, so neither of those two depends on the other's package.
"""
