"""The validator's fast paths give the same answers as the slow ones, or step aside.

The fast CSV reader reads exactly what the strict csv module reads; each constraint is one
function, which the fast path and pandera both run, so they report a broken table as before.
"""

from __future__ import annotations

import csv
import io
import random
import re

import pandas as pd
import pytest
from conftest import ROOT

from syriatl import reading
from syriatl.package import read_package
from syriatl.reading import field_size_limit
from syriatl.schemas import failing_columns, parse_frame
from syriatl.validation import constraint_problems, read_table

LIMIT = 1_000_000


def strict_read(text: str, limit: int = LIMIT):
    """What the validator's slow path reads: header and records, or None if it reports anything."""
    try:
        with field_size_limit(limit):
            records = list(csv.reader(io.StringIO(text, newline=""), strict=True))
    except csv.Error:
        return None
    if not records:
        return None
    header, rows = records[0], records[1:]
    for row in rows:
        if len(row) != len(header) or not any(cell.strip() for cell in row):
            return None
    return header, rows


def fast_read(data: bytes, limit: int = LIMIT):
    """What the one reader keeps of a file it proves well formed (pandas's cells), or None when
    it hands the file to the csv module to report."""
    previous, reading.MAX_FIELD_BYTES = reading.MAX_FIELD_BYTES, limit
    try:
        cells = reading._proven(data)
    finally:
        reading.MAX_FIELD_BYTES = previous
    if cells is None:
        return None
    rows = cells.rows.astype(object).values.tolist()
    assert cells.rows.index.tolist() == list(range(2, len(rows) + 2))
    return cells.header, rows


@pytest.mark.parametrize("path", sorted((ROOT / "data").glob("*.csv")), ids=lambda p: p.name)
def test_shipped_files_take_the_fast_path(path):
    data = path.read_bytes()
    fast = fast_read(data)
    assert fast is not None
    assert fast == strict_read(data.decode("utf-8"))


PIECES = ['"', '""', ",", "\n", " ", "a", "b c", "\u00a0", "é", '"x,y"', '"q\n"', "\t", "=1"]


def random_csv(rng: random.Random) -> str:
    if rng.random() < 0.5:  # mostly well formed, with a defect now and then
        width = rng.randint(1, 4)
        rows = []
        for _ in range(rng.randint(1, 6)):
            cells = []
            for _ in range(width + rng.choice([0, 0, 0, 0, 0, 0, -1, 1])):
                cell = "".join(rng.choice(PIECES) for _ in range(rng.randint(0, 3)))
                quoted = rng.random() < 0.4 or any(c in cell for c in ',"\n')
                cells.append('"' + cell.replace('"', '""') + '"' if quoted else cell)
            rows.append(",".join(cells))
        text = "\n".join(rows) + rng.choice(["", "\n", "\n\n"])
        if rng.random() < 0.2:
            position = rng.randint(0, len(text))
            text = text[:position] + rng.choice(PIECES) + text[position:]
        return text
    return "".join(rng.choice(PIECES) for _ in range(rng.randint(1, 30)))


def test_fast_path_agrees_with_the_csv_module():
    rng = random.Random(7)
    taken = 0
    for _ in range(3000):
        text = random_csv(rng)
        fast = fast_read(text.encode("utf-8"))
        if fast is not None:
            taken += 1
            assert fast == strict_read(text), repr(text)
    assert taken > 300  # the fuzzing reaches the fast path, not only the fallback


def test_quoted_line_ends_read_right_across_the_readers_blocks():
    """A file of several megabytes is read in blocks, in parallel; a quoted cell holding a line
    end (or a doubled quote) must never be cut where a block ends."""
    rows = [["id", "text", "n"]]
    for i in range(150_000):
        text = 'one\ntwo, "three"' if i % 7 == 0 else ("four\n" if i % 11 == 0 else "plain")
        rows.append([f"E{i:06d}", text, str(i)])
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    text = buffer.getvalue()
    assert len(text) > 3 * 2**20  # more than one of the reader's blocks
    assert fast_read(text.encode("utf-8")) == strict_read(text)


@pytest.mark.parametrize(
    "text",
    [
        'a,b\n"x"y,1\n',  # text after a closing quote: strict csv refuses it
        'a,b\nx"y,1\n',  # a quote inside an unquoted cell
        "a,b\n1\n",  # a short row
        "a,b\n1,2,3\n",  # a long row
        "a,b\n\n1,2\n",  # an empty line
        "a,b\n , \n",  # a row of spaces
        'a,b\n"open,1\n',  # an unclosed quote
        "a,b\n1,2\n1\n",  # a short last row
    ],
)
def test_defects_step_aside(text):
    assert fast_read(text.encode("utf-8")) is None


def test_field_size_limit_steps_aside():
    text = "a,b\n" + "x" * 50 + ",1\n"
    assert fast_read(text.encode("utf-8"), limit=40) is None
    assert fast_read(text.encode("utf-8"), limit=100) is not None


def typed_table(name: str):
    package, _ = read_package(ROOT)
    resource = package.resources[name]
    raw, _ = read_table(resource)
    typed, _ = parse_frame(raw, resource, package)
    return typed, resource, package


@pytest.mark.parametrize("name", ["events", "event_actors", "sources", "places", "roles"])
def test_certificate_passes_the_shipped_tables(name):
    typed, resource, package = typed_table(name)
    assert not failing_columns(typed, resource, package)


@pytest.mark.parametrize(
    ("table", "column", "value"),
    [
        ("events", "title", None),  # required
        ("events", "title", "too short"),  # minLength
        ("events", "title", "x" * 161),  # maxLength
        ("events", "event_id", "E12"),  # pattern
        ("events", "event_id", "E000002"),  # primary key repeated
        ("events", "fatalities", -1),  # minimum
        ("places", "latitude", 91.0),  # maximum
        ("sources", "url", "REPEAT"),  # unique
        ("event_actors", "role", "REPEAT"),  # compound primary key repeated
    ],
)
def test_certificate_fails_where_pandera_finds_a_problem(table, column, value):
    typed, resource, package = typed_table(table)
    if value == "REPEAT":
        typed = typed.copy()
        typed.iloc[1] = typed.iloc[0]
    else:
        typed.loc[typed.index[0], column] = value
    assert failing_columns(typed, resource, package)
    assert constraint_problems(typed, resource, package)


def test_categorical_columns_parse_as_strings_do():
    package, _ = read_package(ROOT)
    resource = package.resources["events"]
    raw, _ = read_table(resource)
    raw = raw.astype("string")
    raw.loc[raw.index[0], "date"] = "2024-02-30"
    raw.loc[raw.index[1], "certainty"] = ""
    raw.loc[raw.index[2], "fatalities"] = "ten"
    as_strings = parse_frame(raw, resource, package)
    categorical = raw.astype(
        {"date": "category", "certainty": "category", "fatalities": "category"}
    )
    as_categories = parse_frame(categorical, resource, package)
    assert as_categories[1] == as_strings[1] and len(as_strings[1]) == 2
    pd.testing.assert_frame_equal(as_categories[0], as_strings[0])


CELLS = {
    "code": ["b", "", "01", "1", "é", None, "Z", "01"],
    "day": ["2024-12-08", "", "2024-02-30", "2024-2-3", None, "2024-11-27", " 2024-12-01", "x"],
    "until": ["2024-12-08", "", None, "2024-11-27"] * 2,  # pyarrow reads all
    # real days, but datetime64[ns] holds only 1677-09-22 to 2262-04-11
    "era": [
        "1000-01-01",
        "1677-09-21",
        "1677-09-22",
        "",
        "2262-04-11",
        "2262-04-12",
        None,
        "9999-12-31",
    ],
    "count": ["007", "", "-3", "1.0", "99999999999999999999", None, "+4", " 5"],
    "big": ["9007199254740993", "-9223372036854775808", "", "x"] * 2,
    "share": ["1.5", " 2", "1e3", "nan", "", ".5", "5.", "0.30000000000000004"],
    "ratio": ["0.1", "nan", "", "1e3", "inf", None, "-2.5", "1E-2"],  # pyarrow reads all
    "whole": ["007", "", "-3", "+4", "9223372036854775807", "-9223372036854775808", None, "0"],
    "part": ["1.5", ".5", "5.", "", "0.30000000000000004", "-2", "+0.1", "1"],
    "note": ["a", "", " b ", "é", None, "a", "Z", "01"],
}
SCHEMA = {
    "fields": [
        {"name": "code", "type": "string", "constraints": {"enum": ["a", "b"]}},
        {"name": "day", "type": "date"},
        {"name": "until", "type": "date"},
        {"name": "era", "type": "date"},
        {"name": "count", "type": "integer"},
        {"name": "big", "type": "integer"},
        {"name": "share", "type": "number"},
        {"name": "ratio", "type": "number"},
        {"name": "whole", "type": "integer"},
        {"name": "part", "type": "number"},
        {"name": "note", "type": "string"},
    ]
}


def _stored(cells: list, storage: str) -> pd.Series | list:
    if storage == "python":
        return pd.Series(cells, dtype=pd.StringDtype("python"))
    import pyarrow as pa

    if storage == "chunked pyarrow":  # as pandas's reader returns long columns
        chunks = pa.chunked_array([cells[:3], cells[3:7], cells[7:]], type=pa.large_string())
        return pd.Series(pd.arrays.ArrowStringArray(chunks))
    return pd.Series(cells, dtype="category")


def _reference(cells: list, kind: str, code: bool) -> pd.Series:
    """What pandas alone (and Python's int, for integers) makes of the cells."""
    text = pd.Series(cells, dtype=object).fillna("").astype(str)
    present = text != ""
    if kind == "date":
        dates = pd.to_datetime(text.where(present), format="%Y-%m-%d", errors="coerce")
        held = dates.between(pd.Timestamp.min, pd.Timestamp.max)
        return dates.where(held).astype("datetime64[ns]")
    if kind == "integer":  # Python's int: exact, and out of range beyond 64 bits
        exact = [int(cell) if re.fullmatch(r"\s*[+-]?[0-9]+\s*", cell) else None for cell in text]
        fits = [None if n is None or not -(2**63) <= n < 2**63 else n for n in exact]
        return pd.Series(fits, dtype="Int64")
    if kind == "number":
        return pd.to_numeric(text.where(present).str.strip(), errors="coerce").astype("Float64")
    strings = text.where(present).astype("string")
    return strings.astype("category") if code else strings


@pytest.mark.parametrize("storage", ["python", "chunked pyarrow", "category"])
def test_typing_by_pyarrow_agrees_with_pandas(storage):
    """Codes dictionary-encoded, ISO dates and plain numbers cast by pyarrow: the typed
    columns equal what pandas alone makes of the same cells, and so do the cells reported as
    failing."""
    from syriatl.package import Resource
    from syriatl.schemas import code_fields

    package, _ = read_package(ROOT)
    resource = Resource("cells", ROOT / "cells.csv", "cells.csv", SCHEMA)
    raw = pd.DataFrame({name: _stored(cells, storage) for name, cells in CELLS.items()})
    typed, failures = parse_frame(raw, resource, package)
    codes = code_fields(resource, package)
    expected_failures = []
    for field in SCHEMA["fields"]:
        name = field["name"]
        expected = _reference(CELLS[name], field["type"], name in codes)
        pd.testing.assert_series_equal(typed[name], expected, check_names=False)
        failed = expected.isna() & pd.Series([bool(cell) for cell in CELLS[name]])
        expected_failures += [(row, name, CELLS[name][row]) for row in failed[failed].index]
    assert sorted(failures) == sorted(expected_failures)
    assert {name for _, name, _ in failures} == {"day", "era", "count", "big", "share", "ratio"}


@pytest.mark.parametrize("storage", ["python", "pyarrow", "category"])
def test_positions_in_every_storage(storage):
    """The first row of each key; -1 for a missing value or a key that is not there, even
    when the index itself has a missing value."""
    from syriatl.grouping import positions

    dtype = "category" if storage == "category" else pd.StringDtype(storage)
    keys = pd.Series(["b", "a", None, "z", "b"], dtype=dtype)
    index = pd.Series(
        ["a", "b", None, "b"], dtype=pd.StringDtype("python" if storage == "python" else "pyarrow")
    )
    assert positions(keys, index).tolist() == [1, 0, -1, -1, 1]
    assert positions(keys, index[:0]).tolist() == [-1] * 5  # a table of no rows


def test_tables_share_lookups_and_name_every_row_of_a_repeated_key():
    from syriatl.grouping import Tables

    tables = Tables(
        events=pd.DataFrame({"event_id": pd.Series(["E1", "E2", "E2", "E3"], dtype="string")}),
        links=pd.DataFrame(
            {
                "event_id": pd.Series(["E2", "E9", None, "E3"], dtype="string"),
                "role": ["a", "b", "a", "b"],
            }
        ),
    )
    at = tables.positions("links", "event_id", "events", "event_id")
    assert at.tolist() == [1, -1, -1, 3]
    assert tables.positions("links", "event_id", "events", "event_id") is at  # hashed once
    assert tables.named("links", "event_id", "events", "event_id").tolist() == [
        False,
        True,
        True,  # the repeated E2 is named in both of its rows
        True,
    ]
    only_a = (tables["links"]["role"] == "a").to_numpy()
    named = tables.named("links", "event_id", "events", "event_id", rows=only_a)
    assert named.tolist() == [False, True, True, False]


def test_set_helpers_match_python_sets():
    """joined_sets and set_hashes give what sorted(set(...)) per owner gives."""
    import numpy as np

    from syriatl.grouping import joined_sets, set_hashes

    rng = random.Random(5)
    owner = np.array([rng.randrange(-1, 40) for _ in range(400)])
    labels = pd.Series([rng.choice(["b", "a", "c d", "é", None]) for _ in range(400)])
    codes, uniques = pd.factorize(labels, sort=True)
    uniques = np.asarray(uniques, dtype=object)
    joined = joined_sets(owner, codes, uniques, 40, " + ")
    hashes = set_hashes(owner, codes, uniques, 40)
    expected = [
        sorted({v for o, v in zip(owner, labels, strict=True) if o == i and isinstance(v, str)})
        for i in range(40)
    ]
    assert joined.tolist() == [" + ".join(each) for each in expected]
    for i in range(40):
        for j in range(40):
            assert (hashes[i] == hashes[j]) == (expected[i] == expected[j])


@pytest.mark.parametrize("dtype", ["object", "string[python]", "string[pyarrow]", "category"])
def test_starts_with_in_every_storage(dtype):
    from syriatl.rules.keys import FORMULA_PREFIXES, starts_with

    values = pd.Series(["=1", "a", None, "-x", "\tz", "+", "b=", "@c", "é"], dtype=dtype)
    expected = [True, False, False, True, True, True, False, True, False]
    assert starts_with(values, FORMULA_PREFIXES).tolist() == expected


@pytest.mark.parametrize("kind", ["string", "large_string"])
def test_first_bytes_of_sliced_chunks(kind):
    """Chunks that start inside their buffers (slices) and hold nulls and empty strings."""
    import pyarrow as pa

    from syriatl.rules.keys import FORMULA_PREFIXES, starts_with

    kind = getattr(pa, kind)()
    chunks = [
        pa.array(["x", "=a", None, ""], type=kind).slice(1),
        pa.array(["@", "é=", "-", None], type=kind).slice(0, 3),
    ]
    values = pd.Series(pd.arrays.ArrowStringArray(pa.chunked_array(chunks, type=kind)))
    assert starts_with(values, FORMULA_PREFIXES).tolist() == [True, False, False, True, False, True]


def test_loops_are_found_by_pointer_doubling():
    import numpy as np

    from syriatl.rules.keys import _may_loop

    chain = np.arange(-1, 999)  # row i's parent is row i - 1: a thousand deep, no loop
    assert not _may_loop(chain)
    assert not _may_loop(np.zeros(0, dtype=int))
    assert _may_loop(np.array([0]))  # its own parent
    looped = chain.copy()
    looped[0] = 999  # the root now hangs below the deepest row
    assert _may_loop(looped)
    tail = np.array([-1, 2, 1, 2])  # row 3 only leads into the loop of rows 1 and 2
    assert _may_loop(tail)


# Every kind of constraint broken once, with the problems the validator reported before each
# constraint was written once (as the functions of schemas.constraints): same rows, rules and
# messages.
BROKEN = [
    ("events", "title", None, [(2, "title", "constraint-error", "a value is required")]),
    (
        "events",
        "title",
        "too short",
        [
            (
                2,
                "title",
                "constraint-error",
                "'too short' breaks the constraint minLength=10, maxLength=160",
            )
        ],
    ),
    (
        "events",
        "event_id",
        "E12",
        [(2, "event_id", "constraint-error", "'E12' breaks the constraint pattern='E[0-9]{6}'")],
    ),
    (
        "events",
        "event_id",
        "E000002",
        [
            (2, "event_id", "primary-key", "'E000002' is repeated; event_id must be unique"),
            (3, "event_id", "primary-key", "'E000002' is repeated; event_id must be unique"),
        ],
    ),
    (
        "events",
        "fatalities",
        -1,
        [(2, "fatalities", "constraint-error", "-1 breaks the constraint minimum=0")],
    ),
    (
        "places",
        "latitude",
        91.0,
        [
            (
                2,
                "latitude",
                "constraint-error",
                "91.0 breaks the constraint minimum=-90, maximum=90",
            )
        ],
    ),
    (
        "retired_ids",
        "reason",
        "nope",
        [(2, "reason", "constraint-error", "'nope' breaks the constraint enum=")],
    ),
    (
        "sources",
        "url",
        "REPEAT",
        [
            (2, "source_id", "primary-key", "'S00001' is repeated; source_id must be unique"),
            (
                2,
                "url",
                "unique-error",
                "'http://www.geonames.org/' is repeated; url must be unique",
            ),
            (3, "source_id", "primary-key", "'S00001' is repeated; source_id must be unique"),
            (
                3,
                "url",
                "unique-error",
                "'http://www.geonames.org/' is repeated; url must be unique",
            ),
        ],
    ),
]


@pytest.mark.parametrize(("table", "column", "value", "expected"), BROKEN)
def test_each_constraint_reports_as_before(table, column, value, expected):
    typed, resource, package = typed_table(table)
    typed = typed.copy()
    if value == "REPEAT":
        typed.iloc[1] = typed.iloc[0]
    else:
        if isinstance(typed[column].dtype, pd.CategoricalDtype):
            typed[column] = typed[column].cat.add_categories([value])
        typed.loc[typed.index[0], column] = value
    found = sorted(
        (p.row, p.column, p.rule, p.message) for p in constraint_problems(typed, resource, package)
    )
    if column == "reason":  # the enum's list is long: compare its start
        found = [(r, c, rule, m.split("enum=")[0] + "enum=") for r, c, rule, m in found]
    assert found == expected


@pytest.mark.parametrize("name", ["events", "event_actors", "sources", "places", "retired_ids"])
def test_pandera_runs_the_same_functions(name):
    """Each constraint is written once: the pandera schema's checks are the very functions the
    fast path runs, one for one, and a field's required and unique constraints are nowhere
    else in it (its own nullable and unique switches are left off)."""
    from syriatl.schemas import constraints, pandera_schema

    def same(one, other) -> bool:  # a function, or the same function with the same arguments
        parts = (getattr(f, "func", f) for f in (one, other))
        return next(parts) is next(parts) and getattr(one, "keywords", {}) == getattr(
            other, "keywords", {}
        )

    package, _ = read_package(ROOT)
    resource = package.resources[name]
    schema = pandera_schema(resource, package)
    ours = constraints(resource)
    theirs = [(column, check) for column, c in schema.columns.items() for check in c.checks]
    theirs += [("", check) for check in schema.checks]
    assert len(theirs) == len(ours)
    for constraint in ours:
        match = [check for column, check in theirs if column == constraint.column]
        assert any(same(check._check_fn, constraint.function) for check in match)
    assert all(c.nullable and not c.unique for c in schema.columns.values())
    assert not schema.unique
