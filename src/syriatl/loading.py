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


def _read(package: Package, name: str) -> pd.DataFrame | dict[str, list[str]]:
    """The first stage of loading a table: its cells as text, by Python's csv module for a
    file under ``TINY`` bytes (:func:`read_small`), else by pandas's C reader."""
    if name not in package.resources:
        known = ", ".join(package.resources)
        raise KeyError(f"no table named {name!r}; the tables are: {known}")
    resource = package.resources[name]
    raw = None
    if _size(resource.path) < TINY:
        raw = read_small(resource.path, resource.field_names)
    if raw is None:
        raw = read_text(resource.path, resource.field_names)
    missing = [field for field in resource.field_names if field not in raw]
    if missing:
        raise ValueError(
            f"{resource.relpath} has no column {', '.join(missing)}; "
            "run `syriatl validate` for all problems"
        )
    return raw


def _type(package: Package, name: str, raw: pd.DataFrame | dict[str, list[str]]) -> pd.DataFrame:
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


def read_text(path: Path, names: list[str]) -> pd.DataFrame:
    """Every cell of the named columns as its exact text ("" when empty).

    pandas's C reader is fastest when it infers each column's type (several times faster than
    ``dtype=str``, and than pyarrow's reader on two cores), and it keeps a column as text unless
    every cell looks like a number. A file with such a column is read again as text, so that
    "007" stays "007" and "1.0" is not taken for an integer.

    Empty cells stay "" rather than missing: the reader keeps a mostly empty column (notes,
    counts) as text, and making them missing in the reader is slower end to end.
    """
    import pandas as pd

    read = {"keep_default_na": False, "encoding": "utf-8"}
    raw = pd.read_csv(path, **read)  # usecols would make the C reader twice as slow
    if not all(isinstance(kind, pd.StringDtype) for kind in raw.dtypes):
        raw = pd.read_csv(path, dtype=str, **read)
    if list(raw.columns) != names:
        raw = raw[[name for name in names if name in raw.columns]]
    return raw


def read_small(path: Path, names: list[str]) -> dict[str, list[str]] | None:
    """The named columns of a small file, each a list of its cells' exact text, read by Python's
    csv module; None unless the file provably reads as pandas's C reader reads it, and pandas
    then reads it.

    pandas's reader costs about a millisecond a file however small the file, and a frame of
    strings is one more set of pandas objects to build. The proof, tested against pandas on
    thousands of random files: UTF-8 with no byte-order mark or NUL; every double quote opens,
    closes or doubles within a quoted field (:func:`syriatl.fastcsv.paired_quotes`); a header
    of distinct, non-empty names; every record as long as the header, and none blank (pandas
    skips blank lines, a blank header too).
    """
    import csv
    import io

    import numpy as np

    from syriatl.fastcsv import paired_quotes

    try:
        data = path.read_bytes()
    except OSError:  # pandas's reader reports it
        return None
    if data.startswith(b"\xef\xbb\xbf") or b"\x00" in data:
        return None
    if paired_quotes(np.frombuffer(data, dtype=np.uint8)) is None:
        return None
    try:
        header, *records = csv.reader(io.StringIO(data.decode("utf-8"), newline=""))
    except (ValueError, csv.Error):  # no line at all, bytes that are not UTF-8, a huge cell
        return None
    width = len(header)
    if not width or "" in header or len(set(header)) < width:
        return None
    if any(len(record) != width or not "".join(record).strip() for record in (header, *records)):
        return None
    cells = zip(*records, strict=True) if records else [()] * width
    columns = dict(zip(header, map(list, cells), strict=True))
    return {name: columns[name] for name in names if name in columns}


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
TINY = 1 << 16  # bytes: below this, Python's csv module and typing beat pandas's fixed costs


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
