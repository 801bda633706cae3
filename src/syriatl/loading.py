"""Load the tables as typed pandas DataFrames, from the installed package or an edited copy.

Dtypes come from the Table Schemas (:mod:`syriatl.schemas`): dates are datetime64, IDs and text
are pandas strings, codes are categoricals, counts are nullable integers (empty is not zero).
Nothing is read at import time and nothing is fetched from the network.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from syriatl.package import Package, read_package, unpacked

if TYPE_CHECKING:
    from concurrent.futures import Future

    import pandas as pd


def _package(path: str | Path | None) -> Package:
    package, problems = read_package(path)
    if problems:
        raise ValueError("; ".join(str(problem) for problem in problems))
    return package


def list_tables(path: str | Path | None = None) -> list[str]:
    """The names of the package's tables, in the descriptor's order."""
    with unpacked(path) as local:
        return list(_package(local).resources)


def _load(package: Package, name: str) -> pd.DataFrame:
    return _type(package, name, _read(package, name))


def _read(package: Package, name: str) -> pd.DataFrame:
    """The first stage of loading a table: its cells as text (and its decimals parsed), read by
    the validator's reader (:func:`syriatl.reading.read_csv`), which loading trusts as pandas's
    reader would be trusted: ``syriatl validate`` proves a file well formed."""
    from syriatl.reading import read_csv

    if name not in package.resources:
        known = ", ".join(package.resources)
        raise KeyError(f"no table named {name!r}; the tables are: {known}")
    resource = package.resources[name]
    decimals = [field["name"] for field in resource.fields if field.get("type") == "number"]
    cells = read_csv(resource.path, strict=False, numbers=decimals)
    raw = cells.columns(resource.field_names).reset_index(drop=True)  # rows from 0, as pandas
    missing = [field for field in resource.field_names if field not in raw]
    if missing:
        raise ValueError(
            f"{resource.relpath} has no column {', '.join(missing)}; "
            "run `syriatl validate` for all problems"
        )
    return raw


def _type(package: Package, name: str, raw: pd.DataFrame) -> pd.DataFrame:
    """The second stage: the text typed by its Table Schema (``schemas.parse_frame``)."""
    from syriatl.schemas import parse_frame

    resource = package.resources[name]
    typed, failures = parse_frame(raw, resource, package)
    if failures:
        index, column, value = failures[0]
        raise ValueError(
            f"{resource.relpath}: {len(failures)} cells are not of their field's type, first "
            f"{value!r} in column {column}, row {index + 2}; "
            "run `syriatl validate` for all problems"
        )
    return typed  # parse_frame keeps the schema's order of the fields


def load(name: str, *, path: str | Path | None = None, backend: str = "pandas"):
    """One table as a typed DataFrame, e.g. ``load("events")``.

    ``path`` is a package folder, a ``datapackage.json`` or a release zip; by default, the
    installed package. ``backend="polars"`` gives a polars DataFrame typed from the same Table
    Schema, without importing pandas (the ``polars`` extra).
    """
    with unpacked(path) as local:
        package = _package(local)
        if backend == "polars":
            from syriatl.polars_frames import load_polars

            if name not in package.resources:
                _read(package, name)  # the same KeyError, naming the tables
            return load_polars(package, name)
        if backend != "pandas":
            raise ValueError(f"backend must be 'pandas' or 'polars', not {backend!r}")
        return _load(package, name)


def load_package(*, path: str | Path | None = None) -> dict[str, pd.DataFrame]:
    """Every table, by name, as typed DataFrames, from the installed package or from a folder,
    a ``datapackage.json`` or a release zip at ``path``.

    Small tables are loaded first, one by one. The large ones then go through a two-stage
    pipeline, largest first: one thread reads a CSV while another types the table read before
    it. Typing a large table is mostly pyarrow's work, which lets go of the interpreter, so it
    hides behind the reading. Typing a small table is mostly pandas's own Python, which would
    stall the reader (pandas's C reader takes the interpreter back at every block of a file),
    so it is not overlapped. An error is raised for the first failing table in the
    descriptor's order, as loading one by one would raise it.
    """
    with unpacked(path) as local:  # a release zip is read from a temporary folder
        return _load_all(_package(local))


def _load_all(package: Package) -> dict[str, pd.DataFrame]:
    from concurrent.futures import ThreadPoolExecutor

    sizes = {name: _size(resource.path) for name, resource in package.resources.items()}
    large = sorted((name for name in sizes if sizes[name] >= SMALL), key=lambda n: -sizes[n])
    loaded = {name: _attempt(_load, package, name) for name in sizes if name not in large}
    with ThreadPoolExecutor(1) as reader, ThreadPoolExecutor(1) as typist:
        read = {name: reader.submit(_read, package, name) for name in large}

        def type_when_read(name: str) -> pd.DataFrame:
            return _type(package, name, read[name].result())

        loaded |= {name: typist.submit(type_when_read, name) for name in large}
        return {name: loaded[name].result() for name in package.resources}


SMALL = 1 << 20  # bytes: a table this small is read and typed in milliseconds


def _attempt(function, *args) -> Future:
    """Call ``function`` now; its result, or its error, is kept to be raised in turn."""
    from concurrent.futures import Future

    done = Future()
    try:
        done.set_result(function(*args))
    except Exception as error:
        done.set_exception(error)
    return done


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:  # a missing file counts as small; its reader reports it
        return 0


def load_joined(*, path: str | Path | None = None) -> pd.DataFrame:
    """One row per event, with its place, its actors by role and its sources' publishers.

    Ready for analysis: place name, governorate, coordinates, event type label, the actors of
    each role joined by "; ", the number of sources and of different publishers.
    """
    tables = load_package(path=path)
    events = tables["events"]
    places = tables["places"][
        [
            "place_id",
            "name",
            "place_type",
            "governorate",
            "latitude",
            "longitude",
            "coord_precision",
        ]
    ].rename(columns={"name": "place_name"})
    joined = events.merge(places, on="place_id", how="left")
    labels = tables["event_types"].set_index(tables["event_types"]["code"].astype("string"))[
        "label"
    ]
    joined["event_type_label"] = joined["event_type"].astype("string").map(labels)
    links = tables["event_actors"].merge(
        tables["actors"][["actor_id", "name"]], on="actor_id", how="left"
    )
    links["role"] = links["role"].astype("string")
    for role, group in links.groupby("role"):
        names = group.groupby("event_id")["name"].agg(lambda s: "; ".join(sorted(s.dropna())))
        joined[f"{role}s"] = joined["event_id"].map(names).astype("string")
    sources = tables["event_sources"].merge(
        tables["sources"][["source_id", "publisher"]], on="source_id", how="left"
    )
    by_event = sources.groupby("event_id")
    joined["n_sources"] = joined["event_id"].map(by_event["source_id"].nunique()).astype("Int64")
    joined["n_publishers"] = (
        joined["event_id"]
        .map(by_event["publisher"].agg(lambda s: s.str.casefold().nunique()))
        .astype("Int64")
    )
    joined["publishers"] = (
        joined["event_id"]
        .map(by_event["publisher"].agg(lambda s: "; ".join(sorted(set(s.dropna())))))
        .astype("string")
    )
    return joined
