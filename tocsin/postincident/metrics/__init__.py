"""Metrics: time to acknowledge and time to resolve, as median and p90, per month or week and
per severity, team or service, drills left out (or shown apart).

`percentiles` is the arithmetic, `periods` the calendar (UTC), `report` the pure computation
from incident times to rows, `selectors` the one read of the incidents, `query` the validated
question every caller asks, `charts` the server-side SVG, `export` the CSV; `views` and `api`
are thin. Metrics need no tables of their own: everything is derived from the incidents'
milestone timestamps.
"""
