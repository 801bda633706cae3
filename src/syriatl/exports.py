"""The data in other formats: typed Parquet for analysts, GeoJSON for map and GIS users.

Both are written from the typed tables that :func:`syriatl.load_package` returns, so they
carry the same dtypes and values as the CSVs.
"""

from __future__ import annotations

import json
import math
from pathlib import Path


def write_parquet(out: Path, path: str | Path | None = None) -> list[Path]:
    """One typed Parquet file per table in ``out``; returns the files written.

    A date column is written as Parquet's DATE (not a timestamp), so DuckDB, R and Arrow read
    it as a date; integers stay nullable; codes are dictionary-encoded.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    from syriatl.loading import load_package

    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, frame in load_package(path=path).items():
        table = pa.Table.from_pandas(frame, preserve_index=False)
        fields = [
            pa.field(f.name, pa.date32()) if pa.types.is_timestamp(f.type) else f
            for f in table.schema
        ]
        table = table.cast(pa.schema(fields, metadata=table.schema.metadata))
        target = out / f"{name}.parquet"
        pq.write_table(table, target, compression="zstd")
        written.append(target)
    return written


def plain(value):
    """A plain Python value for one typed cell (for JSON and SQLite): None for missing, ISO
    dates, Python numbers."""
    import pandas as pd

    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    if value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d")
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return value


def _feature(properties: dict, latitude, longitude) -> dict:
    located = plain(latitude) is not None and plain(longitude) is not None
    geometry = (
        {"type": "Point", "coordinates": [float(longitude), float(latitude)]} if located else None
    )
    return {"type": "Feature", "geometry": geometry, "properties": properties}


def geojson(path: str | Path | None = None) -> dict[str, dict]:
    """FeatureCollections (RFC 7946): ``places``, ``events`` at their place's point, and
    ``daily_control``: one feature per place in the control scope per day, with its holder,
    so a GIS user filters on ``date`` to draw the map of a day.

    A place without coordinates, and its events, have a null geometry rather than a guess.
    """
    from syriatl.loading import load_package

    tables = load_package(path=path)
    places = tables["places"]
    located = places.set_index("place_id")[["latitude", "longitude", "name", "coord_precision"]]
    collections = {}
    features = []
    for row in places.to_dict("records"):
        properties = {k: plain(v) for k, v in row.items() if k not in ("latitude", "longitude")}
        features.append(_feature(properties, row["latitude"], row["longitude"]))
    collections["places"] = {"type": "FeatureCollection", "features": features}
    features = []
    for row in tables["events"].to_dict("records"):
        properties = {k: plain(v) for k, v in row.items()}
        place_id = properties["place_id"]
        place = located.loc[place_id] if place_id is not None else None
        properties["place_name"] = None if place is None else place["name"]
        properties["coord_precision"] = "none" if place is None else place["coord_precision"]
        if place is None:
            features.append(_feature(properties, None, None))
        else:
            features.append(_feature(properties, place["latitude"], place["longitude"]))
    collections["events"] = {"type": "FeatureCollection", "features": features}
    if "daily_control" in tables:
        features = []
        for row in tables["daily_control"].to_dict("records"):
            properties = {k: plain(v) for k, v in row.items()}
            place = located.loc[properties["place_id"]]
            properties["place_name"] = place["name"]
            properties["coord_precision"] = place["coord_precision"]
            features.append(_feature(properties, place["latitude"], place["longitude"]))
        collections["daily_control"] = {"type": "FeatureCollection", "features": features}
    return collections


def write_geojson(out: Path, path: str | Path | None = None) -> list[Path]:
    """``events.geojson``, ``places.geojson`` and ``daily_control.geojson`` in ``out``;
    returns the files written."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, collection in geojson(path).items():
        target = out / f"{name}.geojson"
        text = json.dumps(collection, ensure_ascii=False, indent=1, sort_keys=True)
        target.write_text(text + "\n", encoding="utf-8")
        written.append(target)
    return written
