"""The Map page: Syria day by day, who held each place in the control scope, and on what evidence.

The page is an interactive Leaflet map (vendored in ``docs/assets/vendor/``, no tile layer, no
request to another host) drawn by ``docs/assets/map/map.js`` from one JSON document that this
module writes into the page: the places in the control scope, the ``daily_control`` table as it
is (nothing about control is recomputed here), the events and sources behind each change, the
side styles of :mod:`syriatl.styles` and the vendored boundaries of :mod:`syriatl.boundaries`.
A static table below the map says the same for print and for readers without scripts.
"""

from __future__ import annotations

import json
import re
from datetime import date

from syriatl.docs.text import Data, attr, long_date, md, place_link, plural, short_date, table
from syriatl.history import DAILY_COLUMNS

# Where the generated page (generated/map/) finds the site's assets.
ASSETS = "../../assets"
# The columns of each day in ``control``, in order: the daily_control fields after place and day.
CONTROL_COLUMNS = DAILY_COLUMNS[2:]
# Stand-in sizes for places without a GeoNames population, so that labels still have an order.
TYPE_RANK = {"city": 50_000, "town": 5_000}
_ARABIC = re.compile(r"[\u0600-\u06ff]")


def _plain(value: object) -> object:
    """A cell as JSON: dates as ISO text, missing as null."""
    if isinstance(value, date):
        return value.isoformat()
    return value


def map_data(data: Data) -> dict:
    """Everything the map draws, as one JSON-ready document (see the module docstring)."""
    from syriatl import boundaries
    from syriatl.rules.places import populations
    from syriatl.styles import side_styles
    from syriatl.summary import places_held

    places = data.by_key("places", "place_id")
    frame = data.frames["places"]
    # labels are ranked by GeoNames' population, or by a stand-in for the place's type
    people = dict(zip(frame["place_id"].astype(str), populations(frame), strict=True))
    actors = data.by_key("actors", "actor_id")
    events = data.by_key("events", "event_id")
    sources = data.by_key("sources", "source_id")
    changes = data.by_key("control_changes", "event_id")
    aliases = data.aliases("place_aliases", "place_id")
    sources_of = data.sources_of()
    rows = sorted(data.rows["daily_control"], key=lambda r: (r["place_id"], r["date"]))
    days = sorted({r["date"] for r in rows})
    index = {day: n for n, day in enumerate(days)}

    control: dict[str, list] = {}
    for row in rows:
        line = control.setdefault(row["place_id"], [None] * len(days))
        line[index[row["date"]]] = [_plain(row[column]) for column in CONTROL_COLUMNS]

    scope = []
    for pid in sorted(control, key=lambda p: places[p]["name"].casefold()):
        place = places[pid]
        arabic = [place["name_ar"]] if place.get("name_ar") else []
        latin = []
        for alias in aliases.get(pid, []):
            if alias.get("language") != "ar" or alias["alias"] in arabic + latin:
                continue
            (arabic if _ARABIC.search(alias["alias"]) else latin).append(alias["alias"])
        located = place.get("latitude") is not None and place.get("longitude") is not None
        scope.append(
            {
                "id": pid,
                "name": place["name"],
                "ar": arabic,
                "ar_latin": latin,
                "type": place["place_type"],
                "governorate": place.get("governorate"),
                "lat": place["latitude"] if located else None,
                "lon": place["longitude"] if located else None,
                "population": people.get(pid) or TYPE_RANK.get(place["place_type"], 1_000),
            }
        )

    cited_events = sorted({r["event_id"] for r in rows if r.get("event_id")})
    cited_sources = {r["source_id"] for r in rows if r.get("source_id")}
    event_docs = {}
    for eid in cited_events:
        event = events[eid]
        linked = [s["source_id"] for s in sources_of.get(eid, [])]
        cited_sources.update(linked)
        change = changes.get(eid, {})
        event_docs[eid] = {
            "date": _plain(event["date"]),
            "title": event["title"],
            "place": event.get("place_id"),
            "type": event["event_type"],
            "certainty": event.get("certainty"),
            "mode": change.get("mode"),
            "sources": linked,
        }
    source_docs = {
        sid: {
            "title": sources[sid].get("title"),
            "publisher": sources[sid].get("publisher"),
            "published": _plain(sources[sid].get("published")),
            "url": sources[sid].get("url"),
        }
        for sid in sorted(cited_sources)
    }

    sides = {r["holder_id"] for r in rows if r.get("holder_id")}
    sides |= {r["other_holder_id"] for r in rows if r.get("other_holder_id")}
    styles = side_styles(sides | {"unknown"})
    side_docs = {
        side: {
            "name": actors[side]["name"] if side in actors else "Unknown",
            "colour": style.colour,
            "label": style.label,
            "text": style.text,
        }
        for side, style in styles.items()
    }
    governorates = {
        p["governorate"].replace("-", "."): p["name"]
        for p in places.values()
        if p["place_type"] == "governorate" and p.get("governorate")
    }
    return {
        "days": [day.isoformat() for day in days],
        "columns": CONTROL_COLUMNS,
        "places": scope,
        "control": control,
        "held": places_held(data.frames["daily_control"]),
        "events": event_docs,
        "sources": source_docs,
        "sides": side_docs,
        "governorates": governorates,
        "other_places": {pid: p["name"] for pid, p in sorted(places.items()) if pid not in control},
        "boundaries": {
            "countries": boundaries.topology(boundaries.COUNTRIES),
            "governorates": boundaries.topology(boundaries.GOVERNORATES),
        },
    }


def json_script(document: dict, element_id: str) -> str:
    """``document`` in a ``<script type="application/json">``, safe inside HTML and Markdown."""
    text = json.dumps(document, ensure_ascii=False, separators=(",", ":"))
    for char, escape in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
        text = text.replace(char, escape)
    return f'<script type="application/json" id="{attr(element_id)}">{text}</script>'


def _holder(row: dict | None, actors: dict[str, dict], styles: dict) -> str:
    """Who held the place on one day, in words and the side's short label (for the static table)."""
    if row is None:
        return "not in the table"
    if row["state"] == "unknown":
        return "unknown"
    names = [
        f"{md(actors.get(side, {}).get('name', side))} ({styles[side].label})"
        for side in (row["holder_id"], row.get("other_holder_id"))
        if side
    ]
    if row["state"] == "held":
        return names[0]
    return f"{row['state']}: " + " and ".join(names)


def _app_html(document: dict) -> str:
    """The interactive part: controls, map, panel, legend; hidden until the script shows it."""
    days = document["days"]
    first = date.fromisoformat(days[0])
    return "\n".join(
        [
            '<div class="syriatl-map" id="syriatl-map" hidden>',
            f'<link rel="stylesheet" href="{ASSETS}/vendor/leaflet/leaflet.css">',
            f'<link rel="stylesheet" href="{ASSETS}/map/map.css">',
            '<div class="syriatl-map__controls">',
            '<label for="syriatl-map-day">Day</label>',
            f'<input type="range" id="syriatl-map-day" min="0" max="{len(days) - 1}" step="1" '
            f'value="0" aria-valuetext="{attr(long_date(first))}">',
            '<output id="syriatl-map-date" for="syriatl-map-day">'
            f"{attr(long_date(first))}</output>",
            '<button type="button" id="syriatl-map-play" class="md-button">Play</button>',
            '<button type="button" id="syriatl-map-skip" class="syriatl-map__skip">'
            "Skip the places on the map</button>",
            "</div>",
            '<div class="syriatl-map__body">',
            '<div id="syriatl-map-canvas" class="syriatl-map__canvas" role="region" '
            'aria-label="Map of Syria: each place in the control scope, coloured by its holder on '
            'the chosen day; press Tab to reach the places"></div>',
            '<section id="syriatl-map-panel" class="syriatl-map__panel" aria-label="Place">',
            "<p>Choose a place on the map (click it, or Tab to it and press Enter or Space) to "
            "see who held it each day and the events and sources behind every change; Escape "
            "closes it.</p>",
            "<p>Each place is drawn with the colour and the short label of its holder (see the "
            "sides under the map). Two colours: shared by two sides. A dashed ring: contested. "
            "Grey “?”: holder unknown. A thick black ring: it changed hands that day.</p>",
            "</section>",
            "</div>",
            '<div id="syriatl-map-changed" class="syriatl-map__changed"></div>',
            '<div id="syriatl-map-legend" class="syriatl-map__legend"></div>',
            "</div>",
            json_script(document, "syriatl-map-data"),
            f'<script src="{ASSETS}/vendor/leaflet/leaflet.js"></script>',
            f'<script src="{ASSETS}/vendor/topojson-client/topojson-client.min.js"></script>',
            f'<script src="{ASSETS}/map/map.js"></script>',
        ]
    )


def render_map(data: Data) -> str:
    from syriatl.styles import side_styles

    document = map_data(data)
    places = data.by_key("places", "place_id")
    actors = data.by_key("actors", "actor_id")
    styles = side_styles(document["sides"])
    days = document["days"]
    first, last = date.fromisoformat(days[0]), date.fromisoformat(days[-1])
    by_day = {(r["place_id"], r["date"].isoformat()): r for r in data.rows["daily_control"]}
    scope = document["places"]
    located = [p for p in scope if p["lat"] is not None]
    unlocated = [p for p in scope if p["lat"] is None]

    def holder_table(rows: list[dict]) -> str:
        return table(
            ["Place", f"Holder on {short_date(first)}", f"Holder on {short_date(last)}"],
            [
                [
                    place_link(places, p["id"]),
                    _holder(by_day.get((p["id"], days[0])), actors, styles),
                    _holder(by_day.get((p["id"], days[-1])), actors, styles),
                ]
                for p in rows
            ],
        )

    out = [
        "---",
        "hide:",
        "  - toc",
        "---",
        "",
        "# Map",
        "",
        f"Who held each of the {plural(len(scope), 'place')} of the control scope, day by day "
        f"from {long_date(first)} to {long_date(last)}, as the `daily_control` table says. Move "
        "the slider (or press Play) to change the day; each place shows the colour and short "
        "label of its holder, a place that changed hands that day has a thick black ring, and "
        "choosing a place opens its history with the events and sources behind every change. "
        "A link such as `#day=2024-12-01&place=aleppo` opens a day and a place. Drawn in your "
        "browser from data in this page and boundaries from Natural Earth (a small-scale "
        "reference, not a statement on any border): no tiles, nothing fetched from another site.",
        "",
        _app_html(document),
        "",
        "## Holders at the start and the end",
        "",
        f"The {plural(len(located), 'place')} of the map, with their holder on the first and "
        "the last day (shared and contested places name both sides, main holder first).",
        "",
        holder_table(located),
        "",
    ]
    if unlocated:
        out += [
            "## Places without coordinates",
            "",
            f"{plural(len(unlocated), 'place')} of the control scope "
            f"{'has' if len(unlocated) == 1 else 'have'} no sourced coordinates and "
            f"{'is' if len(unlocated) == 1 else 'are'} not drawn; "
            "the map's panel still shows their history when a link names them.",
            "",
            holder_table(unlocated),
            "",
        ]
    return "\n".join(out)
