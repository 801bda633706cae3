"""Static figures of the control of territory, for papers and teaching, and the one way the
project turns a chart into SVG or PNG.

``syriatl figure control`` draws the ``daily_control`` table of a package on maps of Syria
(country and governorate outlines from :mod:`syriatl.boundaries`, the neighbours pale): one
figure of small multiples, a panel per day, and one figure of the front on a few chosen days,
larger. Each is a declarative Vega-Lite spec built with Altair and rendered offline by
vl-convert, as SVG and as PNG at print resolution; every place is coloured by its holder with
:mod:`syriatl.styles`, so the figures agree with the site's map and charts.

Altair and vl-convert are the optional extra ``syriatl[figures]``; they are imported only when
a figure is drawn, so ``import syriatl`` stays light.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

# Print resolution: Vega-Lite sizes are CSS pixels (96 to the inch); a PNG is drawn at DPI.
DPI = 300
CSS_PX_PER_INCH = 96
# vl-convert draws a Vega pixel as a point (1/72 inch) at scale 1; this makes it 1/96 inch.
SCALE = 72 / CSS_PX_PER_INCH
# Text and lines: black and dark greys on white (contrast 16:1 and more, WCAG AA and AAA).
INK = "#212121"
CONFIG = {
    "background": "#ffffff",
    "font": "sans-serif",
    "title": {"color": INK, "subtitleColor": "#424242", "anchor": "start"},
    "axis": {
        "labelColor": INK,
        "titleColor": INK,
        "domainColor": "#616161",
        "tickColor": "#616161",
        "labelFontSize": 11,
        "titleFontSize": 12,
    },
    "legend": {"labelColor": INK, "titleColor": INK, "labelFontSize": 12, "titleFontSize": 12},
    "header": {"labelColor": INK, "titleColor": INK},
    "view": {"stroke": None},
}
DEFAULT_FRONT_DAYS = ("2024-11-26", "2024-11-30", "2024-12-05", "2024-12-08")
STATE_SHAPES = {
    "held": "circle",
    "shared": "diamond",
    "contested": "triangle-up",
    "unknown": "square",
}
NEIGHBOUR_FILL = "#eeeeee"
NEIGHBOUR_STROKE = "#bdbdbd"


class FigureError(ValueError):
    """A figure cannot be drawn as asked (a missing library, a folder that cannot be written);
    the message says what would work."""


def libraries():
    """Altair and vl_convert, or a FigureError that says how to install them."""
    try:
        import altair
        import vl_convert
    except ImportError as exc:
        raise FigureError(
            f"figures need Altair and vl-convert ({exc.name} is missing); install them with "
            "pip install 'syriatl[figures]'"
        ) from None
    return altair, vl_convert


def spec_of(chart) -> dict:
    """A Vega-Lite spec (dict) of an Altair chart or of a spec, with the shared config."""
    spec = chart if isinstance(chart, dict) else chart.to_dict()
    config = spec.setdefault("config", {})
    for key, value in CONFIG.items():
        if isinstance(value, dict):
            config[key] = {**value, **config.get(key, {})}
        else:
            config.setdefault(key, value)
    return spec


def to_svg(chart) -> str:
    """The chart drawn as SVG, offline."""
    _, vlc = libraries()
    return vlc.vegalite_to_svg(spec_of(chart))


def to_png(chart) -> bytes:
    """The chart drawn as PNG at :data:`DPI` (its size in inches is its CSS size / 96)."""
    _, vlc = libraries()
    return vlc.vegalite_to_png(spec_of(chart), scale=SCALE, ppi=DPI)


_ROOT = re.compile(r"<svg\b[^>]*>")
_ID = re.compile(r'\bid="([^"]+)"')
_REFERENCE = re.compile(r'(\bid="|url\(#|href="#)([^")]+)')


def labelled_svg(
    svg: str, title: str, description: str, *, prefix: str = "", inline: bool = False
) -> str:
    """``svg`` with an accessible name: ``role="img"``, ``aria-label``, ``<title>`` and
    ``<desc>``. Its IDs are renumbered (and start with ``prefix``, unique on a page); with
    ``inline``, it scales to its container and its inner ARIA (Vega's roles and labels, which
    a picture's children do not need) goes, so the page reads as one image per chart."""
    from html import escape

    root = _ROOT.search(svg)
    if root is None:
        raise ValueError("not an SVG document")
    head, body = svg[: root.end()], svg[root.end() :]
    # Vega numbers clip paths with a counter that runs on through a process: renumber the
    # IDs in order, so that the same figure gives the same bytes, and prefix them
    names = {name: f"{prefix or 'svg'}-{n}" for n, name in enumerate(_ID.findall(body), 1)}
    body = _REFERENCE.sub(lambda m: m[1] + names.get(m[2], m[2]), body)
    if inline:
        body = re.sub(r'\s(?:role|aria-roledescription|aria-label)="[^"]*"', "", body)
        width = re.search(r'\bwidth="([0-9.]+)"', head)
        style = f"max-width:{width[1]}px;width:100%;height:auto" if width else "max-width:100%"
        head = head.replace("<svg ", f'<svg style="{style}" ', 1)
    label = escape(title, quote=True)
    head = head.replace(
        "<svg ", f'<svg role="img" aria-label="{label}" focusable="false" ', 1
    ).replace(' class="marks"', "")
    text = f"<title>{escape(title)}</title><desc>{escape(description)}</desc>"
    return head + text + body


# -- the control of territory on maps ----------------------------------------------------------


@dataclass(frozen=True)
class ControlData:
    """What the control figures draw, read from one package."""

    version: str
    days: list[dt.date]  # the days of the daily control table
    points: pd.DataFrame  # one row per located place in scope per day
    sides: dict[str, tuple[str, str, str]]  # side -> (legend label, colour, short label)
    capitals: list[dict]  # governorate capitals in scope, for orientation: name, lon, lat


def control_data(path: str | Path | None = None) -> ControlData:
    """The located places in the control scope, with their holder on each day, from the
    ``daily_control`` table of the package at ``path`` (the shipped package by default).

    A place's colour is its holder's side; a place whose state is ``unknown`` gets the
    unknown style, as :func:`syriatl.summary.places_held` counts it."""
    import pandas as pd

    from syriatl.loading import load_package
    from syriatl.package import read_package, unpacked
    from syriatl.styles import side_styles

    with unpacked(path) as local:
        package, _ = read_package(local)
        tables = load_package(path=local)
    daily = tables["daily_control"]
    places = tables["places"].set_index("place_id")
    actors = tables["actors"].set_index("actor_id")["name"]
    located = places["latitude"].notna() & places["longitude"].notna()
    rows = daily[daily["place_id"].isin(places.index[located])]
    state = rows["state"].astype("string")
    side = rows["holder_id"].astype("string").where(state != "unknown", "unknown").fillna("unknown")
    styles = side_styles(side.unique())
    names = {s: ("Not known" if s == "unknown" else str(actors.get(s, s))) for s in styles}
    labels = {s: f"{styles[s].label} {names[s]}" for s in styles}
    points = pd.DataFrame(
        {
            "place_id": rows["place_id"].astype(str).to_numpy(),
            "name": places.loc[rows["place_id"], "name"].astype(str).to_numpy(),
            "longitude": places.loc[rows["place_id"], "longitude"].astype(float).to_numpy(),
            "latitude": places.loc[rows["place_id"], "latitude"].astype(float).to_numpy(),
            "day": rows["date"].dt.strftime("%Y-%m-%d").to_numpy(),
            "side": side.to_numpy(dtype=object),
            "state": state.fillna("unknown").to_numpy(dtype=object),
        }
    )
    points["holder"] = points["side"].map(labels)
    points["description"] = (
        points["name"]
        + " ("
        + points["place_id"]
        + "): "
        + points["holder"]
        + ", "
        + points["state"]
    )
    # the largest side first in the legend, "unknown" last
    order = points.groupby("side").size().sort_values(ascending=False, kind="stable").index
    order = [s for s in order if s != "unknown"] + [s for s in order if s == "unknown"]
    days = sorted(dt.date.fromisoformat(day) for day in points["day"].unique())
    sides = {s: (labels[s], styles[s].colour, styles[s].label) for s in order}
    # a governorate's capital is the place named as it is (aleppo for aleppo-governorate)
    syrian = places[(places["place_type"] == "governorate") & (places["country"] == "SY")]
    capitals = [
        {
            "name": str(places.loc[c, "name"]),
            "longitude": float(places.loc[c, "longitude"]),
            "latitude": float(places.loc[c, "latitude"]),
        }
        for c in sorted(g.removesuffix("-governorate") for g in syrian.index)
        if c in places.index and located[c] and c in set(points["place_id"])
    ]
    return ControlData(package.version, days, points, sides, capitals)


def _syria_extent(margin: float = 0.2) -> dict:
    """Syria's bounding box (from the governorates' TopoJSON), as a GeoJSON feature that a
    projection can be fitted to, so neighbours do not widen the map."""
    from syriatl import boundaries

    topology = boundaries.topology(boundaries.GOVERNORATES)
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    xs, ys = [], []
    for arc in topology["arcs"]:
        x = y = 0
        for dx, dy, *_ in arc:
            x, y = x + dx, y + dy
            xs.append(x * sx + tx)
            ys.append(y * sy + ty)
    corners = [[min(xs) - margin, min(ys) - margin], [max(xs) + margin, max(ys) + margin]]
    return {
        "type": "Feature",
        "properties": {},
        "geometry": {"type": "MultiPoint", "coordinates": corners},
    }


def _panel(alt, data: ControlData, day: dt.date, size: float, point: float, names: bool = False):
    """One map: the neighbours, Syria and its governorates, and every located place in scope
    coloured by its holder at the end of ``day``."""
    from syriatl import boundaries

    countries = alt.Data(
        values=boundaries.topology(boundaries.COUNTRIES),
        format=alt.DataFormat(type="topojson", feature="countries"),
    )
    governorates = alt.Data(
        values=boundaries.topology(boundaries.GOVERNORATES),
        format=alt.DataFormat(type="topojson", feature="syr"),
    )
    projection = alt.Projection(type="mercator", fit=_syria_extent())
    base = alt.Chart(width=size, height=size)
    neighbours = (
        base.mark_geoshape(fill=NEIGHBOUR_FILL, stroke=NEIGHBOUR_STROKE, strokeWidth=0.5, clip=True)
        .transform_filter("datum.properties.name != 'Syria'")
        .properties(data=countries)
    )
    provinces = base.mark_geoshape(
        fill="#ffffff", stroke="#9e9e9e", strokeWidth=0.4, clip=True
    ).properties(data=governorates)
    country = (
        base.mark_geoshape(fill=None, stroke="#424242", strokeWidth=0.8, clip=True)
        .transform_filter("datum.properties.name == 'Syria'")
        .properties(data=countries)
    )
    held = data.points[data.points["day"] == day.isoformat()]
    sides = list(data.sides)
    places = (
        alt.Chart(
            alt.Data(
                values=_plain(held[["longitude", "latitude", "holder", "state", "description"]])
            )
        )
        .mark_point(filled=True, size=point, stroke="#212121", strokeWidth=0.4, opacity=1)
        .encode(
            longitude="longitude:Q",
            latitude="latitude:Q",
            color=alt.Color(
                "holder:N",
                title="Held by",
                scale=alt.Scale(
                    domain=[data.sides[s][0] for s in sides],
                    range=[data.sides[s][1] for s in sides],
                ),
                legend=alt.Legend(
                    orient="bottom", columns=3, labelLimit=0, symbolStrokeColor="#212121"
                ),
            ),
            shape=alt.Shape(
                "state:N",
                title="State",
                scale=alt.Scale(domain=list(STATE_SHAPES), range=list(STATE_SHAPES.values())),
                legend=alt.Legend(orient="bottom"),
            ),
            description="description:N",
        )
    )
    layers = [neighbours, provinces, country]
    if names:  # the governorate capitals, in dark text on a white halo, under the markers
        text = alt.Chart(alt.Data(values=data.capitals)).encode(
            longitude="longitude:Q", latitude="latitude:Q", text="name:N"
        )
        style = {"align": "left", "dx": 6, "dy": -5, "fontSize": 10}
        layers += [
            text.mark_text(**style, stroke="#ffffff", strokeWidth=3, color="#ffffff"),
            text.mark_text(**style, color=INK),
        ]
    layers.append(places)
    return alt.layer(*layers, projection=projection).properties(
        title=alt.TitleParams(f"{day.day} {day:%b %Y}", fontSize=11, anchor="middle")
    )


def _plain(frame) -> list[dict]:
    """Rows as plain Python values (Altair's own DataFrame handling varies with pandas)."""
    return [
        {key: value.item() if hasattr(value, "item") else value for key, value in row.items()}
        for row in frame.to_dict("records")
    ]


def _title(data: ControlData, text: str) -> dict:
    return {
        "text": text,
        "subtitle": [
            f"Source: syriatl version {data.version}, table daily_control. Each marker is a "
            "place in the control scope, coloured by the side",
            "that held it at the end of the day; its shape says whether it was held, shared, "
            "contested or unknown. Boundaries: Natural Earth.",
        ],
        "fontSize": 14,
    }


def small_multiples(data: ControlData, columns: int = 5):
    """A panel per day of the daily control table (26 November to 8 December 2024)."""
    alt, _ = libraries()
    panels = [_panel(alt, data, day, 150, 14) for day in data.days]
    first, last = data.days[0], data.days[-1]
    return alt.concat(*panels, columns=columns, spacing=8).properties(
        title=_title(
            data,
            f"Who held each place, at the end of each day, {first.day} {first:%b} - "
            f"{last.day} {last:%b %Y}",
        )
    )


def front(data: ControlData, days: list[dt.date], columns: int = 2):
    """The front on a few days, each map larger."""
    alt, _ = libraries()
    panels = [_panel(alt, data, day, 330, 40, names=True) for day in days]
    named = ", ".join(f"{day.day} {day:%b}" for day in days)
    return alt.concat(*panels, columns=columns, spacing=12).properties(
        title=_title(data, f"The front on {named} {days[-1]:%Y}")
    )


def default_front_days(days: list[dt.date]) -> list[dt.date]:
    """:data:`DEFAULT_FRONT_DAYS` (the eve, the fall of Aleppo, of Hama, of Damascus), or for
    a package whose coverage lacks them, its first and last days and two between."""
    wanted = [dt.date.fromisoformat(day) for day in DEFAULT_FRONT_DAYS]
    if all(day in days for day in wanted):
        return wanted
    return sorted({days[round(n * (len(days) - 1) / 3)] for n in range(4)})


@dataclass(frozen=True)
class Figure:
    name: str
    title: str
    description: str
    chart: object


def control_figures(path: str | Path | None = None, days: list[str] | None = None) -> list[Figure]:
    """The two control figures of the package at ``path``; ``days`` (YYYY-MM-DD) are the front
    figure's days (default :data:`DEFAULT_FRONT_DAYS`). A malformed day or one outside the
    table raises :class:`syriatl.history.ControlQueryError`."""
    from syriatl.history import parse_day

    data = control_data(path)
    if days:
        chosen = sorted({parse_day(day.strip(), data.days) for day in days})
    else:
        chosen = default_front_days(data.days)
    first, last = data.days[0], data.days[-1]
    return [
        Figure(
            "control-by-day",
            f"Who held each place in Syria at the end of each day, {first:%d %b} to "
            f"{last:%d %b %Y}",
            f"{len(data.days)} maps of Syria, one per day, with each of the "
            f"{data.points['place_id'].nunique()} located places of the control scope coloured "
            f"by the side that held it (syriatl {data.version}, daily_control).",
            small_multiples(data),
        ),
        Figure(
            "control-front",
            "The front on " + ", ".join(f"{d:%d %b %Y}" for d in chosen),
            f"{len(chosen)} maps of Syria with each located place of the control scope coloured "
            f"by the side that held it at the end of the day (syriatl {data.version}, "
            "daily_control).",
            front(data, chosen),
        ),
    ]


def write_control_figures(
    out: str | Path, path: str | Path | None = None, days: list[str] | None = None
) -> list[Path]:
    """Write each control figure into ``out`` as SVG and as PNG (at :data:`DPI`)."""
    figures = control_figures(path, days)
    out = Path(out)
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / ".syriatl-write-test"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise FigureError(f"cannot write into {out}: {exc.strerror or exc}") from None
    written = []
    for figure in figures:
        svg = labelled_svg(to_svg(figure.chart), figure.title, figure.description)
        (out / f"{figure.name}.svg").write_text(svg, encoding="utf-8")
        (out / f"{figure.name}.png").write_bytes(to_png(figure.chart))
        written += [out / f"{figure.name}.svg", out / f"{figure.name}.png"]
    return written


def png_size(data: bytes) -> tuple[int, int, float | None]:
    """A PNG's width and height in pixels and its resolution in pixels per inch (if stated)."""
    import struct

    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    width, height = struct.unpack(">II", data[16:24])
    ppi = None
    at = 8
    while at < len(data):
        (length,) = struct.unpack(">I", data[at : at + 4])
        kind = data[at + 4 : at + 8]
        if kind == b"pHYs":
            x, _, unit = struct.unpack(">IIB", data[at + 8 : at + 17])
            ppi = x * 0.0254 if unit == 1 else None
            break
        if kind == b"IDAT":
            break
        at += 12 + length
    return width, height, ppi


__all__ = [
    "DPI",
    "FigureError",
    "control_figures",
    "labelled_svg",
    "png_size",
    "to_png",
    "to_svg",
    "write_control_figures",
]
