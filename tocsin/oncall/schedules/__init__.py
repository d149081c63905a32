"""Schedules: who is on call, when. Layers of rotations, overrides, restrictions, the time
zone they are written in, and the calendar feeds that publish them."""
