"""Delivery: the loop that sends due outbox messages through their channels (loop.py), the
claims it takes on them (claims.py), what each attempt ended with (outcomes.py), which lane a
message is sent in (lanes.py), and what it announces when one is sent or fails for good
(signals.py).

Its own sub-package, above both the outbox and the channels: the channels read outbox rows, and
the loop drives the channels, so neither of those two depends on the other's package.
"""
