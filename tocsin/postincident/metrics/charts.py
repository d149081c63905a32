"""Bar charts of the metrics as plain geometry, drawn as SVG by a template (no JavaScript):
for one group and one measure, a median bar and a p90 bar per period."""

from dataclasses import dataclass
from datetime import timedelta

from .periods import Period
from .report import Group, Row
from .wording import spoken

HEIGHT = 160  # of the plotting area, in SVG units
LEFT, TOP, BOTTOM = 64, 10, 34  # room for the axis labels
BAR, GAP = 12, 22  # a bar's width, and the room between periods
COLOURS = {"median": "#2563eb", "p90": "#d97706"}
MEASURES = {"acknowledge": "Time to acknowledge", "resolve": "Time to resolve"}


@dataclass(frozen=True)
class Bar:
    x: int
    y: int
    width: int
    height: int
    colour: str
    title: str  # what the bar says, read out by screen readers and shown on hover


@dataclass(frozen=True)
class Tick:
    y: int
    label: str


@dataclass(frozen=True)
class Label:
    x: int
    text: str


@dataclass(frozen=True)
class Chart:
    id: str  # unique on the page, for the SVG's accessible title
    title: str
    description: str
    width: int
    height: int
    plot_bottom: int
    bars: list[Bar]
    ticks: list[Tick]
    labels: list[Label]


def _value(row: Row, measure: str):
    return row.time_to_acknowledge if measure == "acknowledge" else row.time_to_resolve


def _scale_top(longest: timedelta) -> timedelta:
    """A round top for the axis, at least the longest bar."""
    steps = [timedelta(minutes=m) for m in (1, 5, 10, 15, 30, 60, 120, 240, 480, 720, 1440)]
    for step in steps:
        if longest <= step:
            return step
    days = -(-longest // timedelta(days=1))
    return timedelta(days=days)


def chart(
    group: Group, measure: str, periods: list[Period], rows: list[Row], *, drill=False, id="chart"
):
    """One chart: `measure` ("acknowledge" or "resolve") of `group` over `periods`."""
    by_period = {row.period: _value(row, measure) for row in rows if row.group == group}
    values = [v for d in by_period.values() for v in (d.median, d.p90) if v is not None]
    top = _scale_top(max(values, default=timedelta(minutes=1)) or timedelta(minutes=1))
    step = 2 * BAR + GAP
    width = LEFT + max(len(periods), 1) * step + GAP
    bars, labels = [], []
    for index, period in enumerate(periods):
        x = LEFT + GAP // 2 + index * step
        labels.append(Label(x=x + BAR, text=period.key))
        durations = by_period.get(period)
        if durations is None:
            continue
        for offset, (name, value) in enumerate(
            (("median", durations.median), ("p90", durations.p90))
        ):
            if value is None:
                continue
            # A clock set wrong can make a duration negative: draw it as nothing.
            height = max(round(HEIGHT * (value / top)), 0)
            bars.append(
                Bar(
                    x=x + offset * BAR,
                    y=TOP + HEIGHT - height,
                    width=BAR,
                    height=height,
                    colour=COLOURS[name],
                    title=f"{period.label}: {name} {spoken(value)} "
                    f"over {durations.count} incident{'s' if durations.count != 1 else ''}",
                )
            )
    ticks = [
        Tick(y=TOP + HEIGHT - round(HEIGHT * fraction), label=spoken(top * fraction))
        for fraction in (0, 0.5, 1)
    ]
    what = MEASURES[measure]
    title = f"{what}, {group.name}{' (drills)' if drill else ''}"
    return Chart(
        id=id,
        title=title,
        description=f"{what} per period: median (blue) and p90 (amber) bars, "
        f"from {periods[0].key} to {periods[-1].key}."
        if periods
        else what,
        width=width,
        height=TOP + HEIGHT + BOTTOM,
        plot_bottom=TOP + HEIGHT,
        bars=bars,
        ticks=ticks,
        labels=labels,
    )


def charts_for(groups: list[Group], periods: list[Period], rows: list[Row], *, drill=False):
    """Per group, its time-to-acknowledge and time-to-resolve charts."""
    return [
        {
            "group": group,
            "charts": [
                chart(
                    group,
                    measure,
                    periods,
                    rows,
                    drill=drill,
                    id=f"{'drill-' if drill else ''}chart-{index}-{measure}",
                )
                for measure in MEASURES
            ],
        }
        for index, group in enumerate(groups)
        if any(row.group == group for row in rows)
    ]
