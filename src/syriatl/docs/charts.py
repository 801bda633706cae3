"""The Charts page: counts per day drawn from the tables.

Each chart is a declarative Vega-Lite spec built with Altair and drawn to SVG offline at build
time by vl-convert (:mod:`syriatl.figures`), inlined with an accessible name and followed by
the numbers it draws. Altair and pandas are imported inside the functions, so importing
``syriatl.docs`` stays light.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date

from syriatl.docs.text import (
    PALETTE,
    Data,
    code,
    event_link,
    indent,
    md,
    place_region,
    plural,
    short_date,
    table,
)

WIDTH = 680  # CSS pixels: the plot area of a chart of days
OTHER_TYPES = 9  # event types drawn one by one; the rest are drawn together
# Fronts: the governorates of Syria grouped by where the offensive fought (a place's
# governorate is the first governorate on its parent_id chain).
FRONTS = {
    "North: Aleppo and Idlib": ("aleppo-governorate", "idlib-governorate"),
    "Centre: Hama and Homs": ("hama-governorate", "homs-governorate"),
    "Coast: Latakia and Tartus": ("latakia-governorate", "tartus-governorate"),
    "South: Daraa, Suwayda and Quneitra": (
        "daraa-governorate",
        "suwayda-governorate",
        "quneitra-governorate",
    ),
    "Damascus and Rif Dimashq": ("damascus-governorate", "rif-dimashq-governorate"),
    "East: Raqqa, Deir ez-Zor and Hasakah": (
        "raqqa-governorate",
        "deir-ez-zor-governorate",
        "hasakah-governorate",
    ),
}
SYRIA_WIDE = "Syria, no single governorate"
OUTSIDE = "Outside Syria"
NO_PLACE = "No place given"
_FRONT_OF = {governorate: front for front, members in FRONTS.items() for governorate in members}
FRONT_COLOURS = [*PALETTE[:6], "#9c755f", "#bab0ac", "#79706e"]


# -- drawing ----------------------------------------------------------------------------------


def chart_svg(chart, name: str, title: str, description: str) -> str:
    """An Altair chart as inline SVG, with its accessible name and unique IDs."""
    from syriatl.figures import labelled_svg, to_svg

    svg = labelled_svg(to_svg(chart), title, description, prefix=f"chart-{name}", inline=True)
    return svg.replace("<svg ", f'<svg class="syriatl-chart chart-{name}" ', 1)


def stacked_bars(
    days: list[date],
    counts: dict[date, Counter],
    keys: list[str],
    labels: dict[str, str],
    colours: dict[str, str],
    y_title: str,
):
    """Stacked bars of counts per day and key (stacked and listed in the order of ``keys``),
    with each day's total above its bar."""
    import altair as alt

    from syriatl.figures import INK

    rank = {key: n for n, key in enumerate(keys)}
    rows = [
        {"day": short_date(day), "series": labels[key], "count": n, "rank": rank[key]}
        for day in days
        for key, n in counts.get(day, Counter()).items()
        if n and key in rank
    ]
    totals = [
        {"day": short_date(day), "total": sum(counts.get(day, Counter()).values())} for day in days
    ]
    shown = [key for key in keys if any(counts.get(day, Counter()).get(key) for day in days)]
    x = alt.X(
        "day:O", sort=[short_date(day) for day in days], title=None, axis=alt.Axis(labelAngle=0)
    )
    bars = (
        alt.Chart(alt.Data(values=rows))
        .mark_bar()
        .encode(
            x=x,
            y=alt.Y("sum(count):Q", title=y_title, stack="zero"),
            color=alt.Color(
                "series:N",
                title=None,
                scale=alt.Scale(
                    domain=[labels[k] for k in shown], range=[colours[k] for k in shown]
                ),
                legend=alt.Legend(orient="bottom", columns=2, labelLimit=0),
            ),
            order=alt.Order("rank:Q", sort="ascending"),
        )
    )
    above = (
        alt.Chart(alt.Data(values=[t for t in totals if t["total"]]))
        .mark_text(baseline="bottom", dy=-3, color=INK, fontSize=11)
        .encode(x=x, y="total:Q", text="total:Q")
    )
    return alt.layer(bars, above).properties(width=WIDTH, height=240)


def _figure(svg: str) -> str:
    return f'<div class="syriatl-figure">{svg}</div>'


def _numbers(header: list[str], rows: list[list[str]]) -> list[str]:
    return ['??? info "The numbers"', "", indent(table(header, rows)), ""]


# -- what the charts count ----------------------------------------------------------------------


def events_per_type(data: Data) -> tuple[dict[date, Counter], list[str]]:
    """Events per day and type (an event known only within a span, on its first day), and
    the types that occur, the most frequent first (ties in code order)."""
    per_day: dict[date, Counter] = defaultdict(Counter)
    for event in data.rows["events"]:
        per_day[event["date"]][event["event_type"]] += 1
    totals = Counter(e["event_type"] for e in data.rows["events"])
    kinds = [t for t in sorted(data.codes("event_types"), key=lambda t: -totals[t]) if totals[t]]
    return per_day, kinds


def front_of(place_id: str | None, places: dict[str, dict]) -> str:
    """The front of a place: the group in :data:`FRONTS` of the governorate it lies in
    (:func:`~syriatl.docs.text.place_region`, as the timeline's filter finds it)."""
    region, _ = place_region(place_id, places)
    if region == "none":
        return NO_PLACE
    if region == "abroad":
        return OUTSIDE
    return _FRONT_OF.get(region, SYRIA_WIDE)


def events_per_front(data: Data) -> tuple[dict[date, Counter], list[str]]:
    places = data.by_key("places", "place_id")
    per_day: dict[date, Counter] = defaultdict(Counter)
    for event in data.rows["events"]:
        per_day[event["date"]][front_of(event["place_id"], places)] += 1
    return per_day, [*FRONTS, SYRIA_WIDE, OUTSIDE, NO_PLACE]


def control_changes(data: Data) -> tuple[dict[date, Counter], dict[date, int]]:
    """Changes of control per day by the side that gained the place (:mod:`syriatl.history`),
    and the number of changes per day. A change two sides made together counts for each; a
    withdrawal that no one is named to have filled counts under ``unknown``."""
    from syriatl.docs.text import _records
    from syriatl.history import changes

    counts: dict[date, Counter] = defaultdict(Counter)
    per_day: Counter = Counter()
    for change in _records(changes(data.frames)):
        per_day[change["date"]] += 1
        for side in (change["gained_by"] or "unknown").split(" + "):
            counts[change["date"]][side] += 1
    return counts, dict(per_day)


def places_held_per_day(data: Data) -> dict[date, Counter]:
    """Places in scope held per side at the end of each day, as `summary.places_held` counts."""
    from syriatl.summary import places_held

    return {
        date.fromisoformat(day): Counter(counts)
        for day, counts in places_held(data.frames["daily_control"]).items()
    }


def reported_fatalities(data: Data) -> list[dict]:
    """Events with a fatality figure, as reported (one whole number per event), by date."""
    return sorted(
        (e for e in data.rows["events"] if e.get("fatalities") is not None),
        key=lambda e: (e["date"], e["event_id"]),
    )


def publishers_per_event(data: Data) -> Counter:
    """How many events have each number of independent publishers (a source counts for its
    original publisher when it republished one), as
    :func:`syriatl.rules.sources.publisher_counts` counts them."""
    from syriatl.rules.sources import publisher_counts

    return Counter(int(n) for n in publisher_counts(data.frames))


def side_legend(data: Data, sides) -> tuple[dict[str, str], dict[str, str]]:
    """Each side's legend label (its short label and name) and colour, from syriatl.styles."""
    from syriatl.styles import side_styles

    actors = data.by_key("actors", "actor_id")
    styles = side_styles(sides)
    labels = {
        s: f"{styles[s].label} {actors.get(s, {}).get('name', s)}" if s != "unknown" else ""
        for s in styles
    }
    return labels, {s: style.colour for s, style in styles.items()}


# -- the page -----------------------------------------------------------------------------------


def render_charts(data: Data) -> str:
    out = [
        "# Charts",
        "",
        "Drawn from the tables at build time: declarative Vega-Lite charts (built with Altair, "
        "drawn to SVG by vl-convert, offline). Under each chart, the numbers it draws. An event "
        "known only within a span of days is counted on its first possible day.",
        "",
    ]
    days = data.days()
    out += _types_section(data, days)
    out += _fronts_section(data, days)
    if data.rows.get("daily_control"):
        out += _held_section(data)
    out += _changes_section(data, days)
    out += _fatalities_section(data, days)
    out += _sources_section(data)
    return "\n".join(out)


def _types_section(data: Data, days: list[date]) -> list[str]:
    per_day, kinds = events_per_type(data)
    labels = {t: row["label"] for t, row in data.codes("event_types").items()}
    drawn = kinds[:OTHER_TYPES]
    rest = kinds[OTHER_TYPES:]
    grouped = {day: Counter() for day in days}
    for day, counts in per_day.items():
        for kind, n in counts.items():
            grouped.setdefault(day, Counter())[kind if kind in drawn else "other"] += n
    labels["other"] = f"Other types ({len(rest)})"
    keys = drawn + (["other"] if rest else [])
    colours = {k: PALETTE[n] for n, k in enumerate(drawn)} | {"other": "#79706e"}
    chart = stacked_bars(days, grouped, keys, labels, colours, "Events")
    total = sum(sum(c.values()) for c in per_day.values())
    svg = chart_svg(
        chart,
        "types",
        "Events per day, by event type",
        f"Stacked bars, one per day from {short_date(days[0])} to {short_date(days[-1])}: the "
        f"{total} events, by type; the {len(rest)} rarest types drawn together. "
        "The numbers are in the table below.",
    )
    return [
        "## Events per day, by type {#events-per-day}",
        "",
        f"Counts the {plural(total, 'event')} of the events table per day, by their event "
        f"type; the {OTHER_TYPES} most frequent types are drawn one by one and the other "
        f"{len(rest)} together (the table has each).",
        "",
        _figure(svg),
        "",
        *_numbers(
            ["Day", "All", *(code(t) for t in kinds)],
            [
                [short_date(day), str(sum(per_day.get(day, Counter()).values()))]
                + [str(per_day.get(day, Counter()).get(t, 0)) for t in kinds]
                for day in days
            ],
        ),
    ]


def _fronts_section(data: Data, days: list[date]) -> list[str]:
    per_day, fronts = events_per_front(data)
    shown = [f for f in fronts if any(c.get(f) for c in per_day.values())]
    colours = dict(zip(fronts, FRONT_COLOURS, strict=True))
    chart = stacked_bars(days, per_day, shown, {f: f for f in shown}, colours, "Events")
    svg = chart_svg(
        chart,
        "fronts",
        "Events per day, by front",
        f"Stacked bars, one per day from {short_date(days[0])} to {short_date(days[-1])}: the "
        "events by the front of their place. The numbers are in the table below.",
    )
    return [
        "## Events per day, by front {#events-per-front}",
        "",
        "Counts the events per day by the front of their place: the governorate the place "
        "lies in (the first governorate on its `parent_id` chain in the places table), grouped "
        "by where the offensive fought, as the legend names them. A place in Syria under no one "
        f"governorate (Syria itself, a region across several) is *{SYRIA_WIDE}*; a place "
        f"abroad (a capital where a statement was made) is *{OUTSIDE}*.",
        "",
        _figure(svg),
        "",
        *_numbers(
            ["Day", "All", *(md(f) for f in shown)],
            [
                [short_date(day), str(sum(per_day.get(day, Counter()).values()))]
                + [str(per_day.get(day, Counter()).get(f, 0)) for f in shown]
                for day in days
            ],
        ),
    ]


def _held_section(data: Data) -> list[str]:
    held = places_held_per_day(data)
    days = sorted(held)
    sides = sorted({side for counts in held.values() for side in counts})
    labels, colours = side_legend(data, sides)
    if "unknown" in labels:
        labels["unknown"] = "? Not known (holder left, or no page says)"
    keys = sorted(
        sides, key=lambda k: (k == "unknown", -held[days[0]].get(k, 0) - held[days[-1]].get(k, 0))
    )
    chart = stacked_bars(days, held, keys, labels, colours, "Places")
    places = len(data.rows.get("control_baseline", []))
    svg = chart_svg(
        chart,
        "held",
        "Places in scope held per side, at the end of each day",
        f"Stacked bars, one per day from {short_date(days[0])} to {short_date(days[-1])}: "
        f"the {places} places of the control scope by the side that held them. "
        "The numbers are in the table below.",
    )
    return [
        "## Places held, day by day {#places-held}",
        "",
        f"Counts each of the {plural(places, 'place')} in the control scope (towns of 15,000 "
        "people or more, governorate capitals, airports, border crossings, dams) under the side "
        "that held it at the end of each day, from the `daily_control` table; a shared or "
        "contested place counts for its main holder. A count of places, not of area. Each "
        "side has one colour and short label, the same on the map and in `syriatl figure`.",
        "",
        _figure(svg),
        "",
        *_numbers(
            ["Day", *(md(labels[k]) for k in keys)],
            [[short_date(day)] + [str(held[day].get(k, 0)) for k in keys] for day in days],
        ),
    ]


def _changes_section(data: Data, days: list[date]) -> list[str]:
    from syriatl.history import CHANGE_TYPE, LEAVE_TYPE

    counts, per_day = control_changes(data)
    sides = sorted({side for c in counts.values() for side in c})
    labels, colours = side_legend(data, sides)
    if "unknown" in labels:
        labels["unknown"] = "? No one named (the holder withdrew)"
    totals = Counter()
    for c in counts.values():
        totals.update(c)
    keys = sorted(sides, key=lambda k: (k == "unknown", -totals[k], k))
    chart = stacked_bars(days, counts, keys, labels, colours, "Changes of control")
    changes = sum(per_day.values())
    joint = sum(totals.values()) - changes
    svg = chart_svg(
        chart,
        "control",
        "Changes of control per day, by the side that gained the place",
        f"Stacked bars, one per day from {short_date(days[0])} to {short_date(days[-1])}: the "
        f"{changes} changes of control by the side that gained the place. "
        "The numbers are in the table below.",
    )
    return [
        "## Changes of control, day by day {#control-changes}",
        "",
        f"Counts the {plural(changes, 'change')} of control per day (events of type "
        f"`{CHANGE_TYPE}` at a place, and the `{LEAVE_TYPE}` events that `control_changes` "
        "lists) by the side that gained the place: the top of its initiators' chain of "
        "command, as `syriatl.control_history()` reads it. "
        + (
            f"{plural(joint, 'change')} made by two sides together counts for each, so the "
            "bars can add up to more than the changes. "
            if joint
            else ""
        )
        + "A change is one place changing hands as sources report it, not a measure of area.",
        "",
        _figure(svg),
        "",
        *_numbers(
            ["Day", "Changes", *(md(labels[k]) for k in keys)],
            [
                [short_date(day), str(per_day.get(day, 0))]
                + [str(counts.get(day, Counter()).get(k, 0)) for k in keys]
                for day in days
            ],
        ),
    ]


def _fatalities_section(data: Data, days: list[date]) -> list[str]:
    import altair as alt

    from syriatl.figures import INK

    reported = reported_fatalities(data)
    events = len(data.rows["events"])
    head = [
        "## Fatalities, where reported {#fatalities}",
        "",
        f"The `fatalities` column holds the deaths a source reported for that event alone, as "
        f"reported; an empty cell means not reported, not zero. {plural(len(reported), 'event')} "
        f"of {events} give a figure. "
        + (
            "The column is typed integer, so each figure is a single number: no event gives a "
            "range. "
            if _field_type(data, "events", "fatalities") == "integer"
            else ""
        )
        + "Each dot is one event's figure: figures of different events can overlap and are "
        "not a death toll.",
        "",
    ]
    if not reported:
        return head
    types = data.codes("event_types")
    frame = [
        {
            "day": short_date(e["date"]),
            "deaths": int(e["fatalities"]),
            "type": types.get(e["event_type"], {}).get("label", e["event_type"]),
        }
        for e in reported
    ]
    x = alt.X(
        "day:O",
        sort=[short_date(day) for day in days],
        title=None,
        scale=alt.Scale(domain=[short_date(day) for day in days]),
        axis=alt.Axis(labelAngle=0),
    )
    kinds = sorted({row["type"] for row in frame})
    dots = (
        alt.Chart(alt.Data(values=frame))
        .mark_point(filled=True, size=70, opacity=0.85, stroke=INK, strokeWidth=0.5)
        .encode(
            x=x,
            y=alt.Y("deaths:Q", title="Deaths reported for the event"),
            color=alt.Color(
                "type:N",
                title=None,
                scale=alt.Scale(domain=kinds, range=PALETTE[: len(kinds)]),
                legend=alt.Legend(orient="bottom", columns=3, labelLimit=0),
            ),
            shape=alt.Shape("type:N", title=None, scale=alt.Scale(domain=kinds)),
        )
    )
    values = (
        alt.Chart(alt.Data(values=frame))
        .mark_text(align="left", dx=7, color=INK, fontSize=11)
        .encode(x=x, y="deaths:Q", text="deaths:Q")
    )
    svg = chart_svg(
        alt.layer(dots, values).properties(width=WIDTH, height=240),
        "fatalities",
        "Fatalities reported per event, by day",
        f"Dots, one per event that reports deaths ({len(reported)} events), at its day and its "
        "reported figure. The figures are in the table below.",
    )
    by_day: dict[date, list[dict]] = defaultdict(list)
    for event in reported:
        by_day[event["date"]].append(event)
    rows = [
        [
            short_date(day),
            str(len(by_day[day])),
            ", ".join(f"{e['fatalities']} ({event_link(e['event_id'])})" for e in by_day[day]),
        ]
        for day in days
        if by_day.get(day)
    ]
    return [
        *head,
        _figure(svg),
        "",
        *_numbers(["Day", "Events with a figure", "Figures as reported (event)"], rows),
    ]


def _field_type(data: Data, table: str, name: str) -> str | None:
    fields = data.package.resources[table].fields
    return next((f.get("type") for f in fields if f.get("name") == name), None)


def _sources_section(data: Data) -> list[str]:
    import altair as alt

    from syriatl.figures import INK

    counts = publishers_per_event(data)
    top = max(counts, default=0)
    values = list(range(min(counts, default=0), top + 1))
    frame = [{"publishers": str(n), "events": counts.get(n, 0)} for n in values]
    x = alt.X(
        "publishers:O",
        sort=[str(n) for n in values],
        title="Independent publishers of the event",
        axis=alt.Axis(labelAngle=0),
    )
    bars = (
        alt.Chart(alt.Data(values=frame))
        .mark_bar(color=PALETTE[0])
        .encode(x=x, y=alt.Y("events:Q", title="Events"))
    )
    above = (
        alt.Chart(alt.Data(values=[r for r in frame if r["events"]]))
        .mark_text(baseline="bottom", dy=-3, color=INK, fontSize=11)
        .encode(x=x, y="events:Q", text="events:Q")
    )
    total = sum(counts.values())
    two = sum(n for k, n in counts.items() if k >= 2)
    svg = chart_svg(
        alt.layer(bars, above).properties(width=WIDTH, height=240),
        "sources",
        "Events by the number of independent publishers that report them",
        f"Bars, one per number of independent publishers from {values[0]} to {top}: how many "
        "of the events have that many. The numbers are in the table below.",
    )
    return [
        "## Sources per event {#sources-per-event}",
        "",
        "Counts the events by how many independent publishers report them: a source's "
        "publisher is its `original_publisher` when it republished another's report (two sites "
        "carrying one agency story are one), else its `publisher`; a page counts only when its "
        "`supports` says it states the outcome (a page not read again, or one that gives only "
        "the day or the place, counts for none), and an encyclopedia or gazetteer page counts "
        "for none either, as it retells other outlets. "
        f"{two} of the {plural(total, 'event')} have two or more.",
        "",
        _figure(svg),
        "",
        *_numbers(
            ["Independent publishers", "Events"],
            [[str(n), str(counts.get(n, 0))] for n in values],
        ),
    ]
