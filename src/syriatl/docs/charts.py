"""The Charts page: counts per day drawn from the tables."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from datetime import date

from syriatl.docs.text import (
    PALETTE,
    Data,
    _records,
    attr,
    code,
    indent,
    md,
    plural,
    short_date,
    table,
)

# -- SVG: map and charts --------------------------------------------------------------------


def _svg_open(width: float, height: float, label: str, css_class: str) -> str:
    return (
        f'<svg class="{css_class}" xmlns="http://www.w3.org/2000/svg" role="img" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" width="100%" '
        f'style="max-width:{width:.0f}px;height:auto" aria-label="{attr(label)}" '
        'font-family="sans-serif" font-size="12">'
        f"<title>{attr(label)}</title>"
    )


def _nice_step(top: int) -> int:
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 500, 1000):
        if top / step <= 6:
            return step
    return 10 ** len(str(top))


def stacked_bars_svg(
    days: list[date],
    counts: dict[date, Counter],
    keys: list[str],
    labels: dict[str, str],
    colours: dict[str, str],
    title: str,
    css_class: str,
) -> str:
    """A stacked bar chart of counts per day and key, with its legend, as SVG."""
    totals = {day: sum(counts.get(day, Counter()).values()) for day in days}
    top = max([*totals.values(), 1])
    step = _nice_step(top)
    top = math.ceil(top / step) * step
    left, right, upper, plot_h = 40, 10, 14, 240
    band = 56
    plot_w = band * len(days)
    shown = [k for k in keys if any(counts.get(d, Counter()).get(k) for d in days)]
    longest = max((len(labels.get(k, k)) for k in shown), default=0)
    columns = 3 if longest <= 26 else 2 if longest <= 42 else 1
    legend_h = 20 * math.ceil(len(shown) / columns)
    width = left + plot_w + right
    height = upper + plot_h + 34 + legend_h + 10
    y0 = upper + plot_h
    parts = [_svg_open(width, height, title, css_class)]
    for tick in range(0, top + 1, step):
        y = y0 - plot_h * tick / top
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" stroke="#e0e0e0"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" fill="#616161">{tick}</text>'
        )
    for n, day in enumerate(days):
        x = left + n * band + 8
        y = y0
        for key in shown:
            value = counts.get(day, Counter()).get(key, 0)
            if not value:
                continue
            h = plot_h * value / top
            y -= h
            parts.append(
                f'<rect class="bar" data-day="{day.isoformat()}" data-key="{attr(key)}" '
                f'data-count="{value}" x="{x}" y="{y:.1f}" width="{band - 16}" height="{h:.1f}" '
                f'fill="{colours.get(key, "#9e9e9e")}"><title>{short_date(day)}: '
                f"{attr(labels.get(key, key))}, {value}</title></rect>"
            )
        if totals[day]:
            parts.append(
                f'<text x="{x + (band - 16) / 2}" y="{y - 4:.1f}" text-anchor="middle" '
                f'fill="#212121" data-total="{totals[day]}">{totals[day]}</text>'
            )
        parts.append(
            f'<text x="{x + (band - 16) / 2}" y="{y0 + 16}" text-anchor="middle" '
            f'fill="#424242">{short_date(day)}</text>'
        )
    parts.append(f'<line x1="{left}" y1="{y0}" x2="{left + plot_w}" y2="{y0}" stroke="#616161"/>')
    col_w = plot_w / columns
    for n, key in enumerate(shown):
        x = left + (n % columns) * col_w
        y = y0 + 34 + 20 * (n // columns)
        parts.append(
            f'<rect x="{x:.1f}" y="{y}" width="12" height="12" '
            f'fill="{colours.get(key, "#9e9e9e")}"/><text x="{x + 18:.1f}" y="{y + 10}" '
            f'fill="#212121">{attr(labels.get(key, key))}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def control_changes(data: Data) -> tuple[dict[date, Counter], dict[str, str]]:
    """Changes of control per day, by the side that gained the place (:mod:`syriatl.history`).

    A side is the top of an actor's parent chain (its coalition or government); a change whose
    initiators belong to two sides counts under both, joined by " + ".
    """
    from syriatl.history import changes

    actors = data.by_key("actors", "actor_id")
    counts: dict[date, Counter] = defaultdict(Counter)
    labels: dict[str, str] = {}
    for change in _records(changes(data.frames)):
        key = change["gained_by"] or "not named"
        names = [actors.get(side, {}).get("name", side) for side in key.split(" + ")]
        labels[key] = " + ".join(names) if change["gained_by"] else "Not named"
        counts[change["date"]][key] += 1
    return counts, labels


def render_charts(data: Data) -> str:
    from syriatl.history import CHANGE_TYPE

    days = data.days()
    types = data.codes("event_types")
    per_type: dict[date, Counter] = defaultdict(Counter)
    for event in data.rows["events"]:
        per_type[event["date"]][event["event_type"]] += 1
    type_labels = {c: row["label"] for c, row in types.items()}
    totals = Counter(e["event_type"] for e in data.rows["events"])
    by_size = sorted(types, key=lambda t: -totals.get(t, 0))  # stable: ties keep code order
    chart1 = stacked_bars_svg(
        days,
        per_type,
        by_size,
        type_labels,
        {t: PALETTE[n % len(PALETTE)] for n, t in enumerate(by_size)},
        "Events per day, by event type",
        "syriatl-chart chart-types",
    )
    control, control_labels = control_changes(data)
    keys = sorted(control_labels, key=lambda k: -sum(c.get(k, 0) for c in control.values()))
    colours = {k: PALETTE[n % len(PALETTE)] for n, k in enumerate(keys)}
    chart2 = stacked_bars_svg(
        days,
        control,
        keys,
        control_labels,
        colours,
        "Territory captured per day, by coalition",
        "syriatl-chart chart-control",
    )
    type_rows = [
        [short_date(day), str(sum(per_type[day].values()))]
        + [
            str(per_type[day].get(t, 0) or "")
            for t in types
            if any(per_type[d].get(t) for d in days)
        ]
        for day in days
    ]
    type_header = ["Day", "All"] + [code(t) for t in types if any(per_type[d].get(t) for d in days)]
    captured = sum(sum(c.values()) for c in control.values())
    out = [
        "# Charts",
        "",
        "Drawn from the events table at build time, as plain SVG. An event known only within a "
        "span of days is counted on its first possible day.",
        "",
        "## Events per day, by type {#events-per-day}",
        "",
        f'<div class="syriatl-figure">{chart1}</div>',
        "",
        '??? info "The numbers"',
        "",
        indent(table(type_header, type_rows)),
        "",
        "## Control changes, day by day {#control-changes}",
        "",
        f"The {plural(captured, 'change')} of control: events of type `{CHANGE_TYPE}` "
        "at a place, per day, by the side that gained the place (the top of its initiators' "
        "chain of command, as `syriatl.control_history()` reads it). A change is one place "
        "changing hands as sources report it, not a measure of area.",
        "",
        f'<div class="syriatl-figure">{chart2}</div>',
        "",
        '??? info "The numbers"',
        "",
        indent(
            table(
                ["Day"] + [md(control_labels[k]) for k in keys],
                [
                    [short_date(day)] + [str(control.get(day, Counter()).get(k, 0)) for k in keys]
                    for day in days
                ],
            )
        ),
        "",
    ]
    out += held_per_day(data)
    return "\n".join(out)


def held_per_day(data: Data) -> list[str]:
    """The Charts page's section on the daily control table: places held per side per day."""
    if "daily_control" not in data.rows or not data.rows["daily_control"]:
        return []
    from syriatl.summary import places_held

    actors = data.by_key("actors", "actor_id")
    held = {
        date.fromisoformat(day): Counter(counts)
        for day, counts in places_held(data.frames["daily_control"]).items()
    }
    days = sorted(held)
    labels = {k: actors.get(k, {}).get("name", k) for c in held.values() for k in c}
    labels["unknown"] = "Unknown (holder left, or no page says)"
    keys = sorted(labels, key=lambda k: -held[days[0]].get(k, 0) - held[days[-1]].get(k, 0))
    colours = {k: PALETTE[n % len(PALETTE)] for n, k in enumerate(keys)}
    colours["unknown"] = "#9e9e9e"
    chart = stacked_bars_svg(
        days,
        held,
        keys,
        labels,
        colours,
        "Places in scope held per side, at the end of each day",
        "syriatl-chart chart-held",
    )
    places = len(data.rows.get("control_baseline", []))
    return [
        "## Places held, day by day {#places-held}",
        "",
        f"Each of the {plural(places, 'place')} in the control scope (towns of 15,000 people or "
        "more, governorate capitals, airports, border crossings, dams) counted under the side "
        "that held it at the end of each day, from the `daily_control` table; a shared or "
        "contested place counts for its main holder. A count of places, not of area.",
        "",
        f'<div class="syriatl-figure">{chart}</div>',
        "",
        '??? info "The numbers"',
        "",
        indent(
            table(
                ["Day"] + [md(labels[k]) for k in keys],
                [[short_date(day)] + [str(held[day].get(k, 0)) for k in keys] for day in days],
            )
        ),
        "",
    ]
