"""Every table loads as a typed DataFrame whose dtypes follow its Table Schema."""

from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd
import pytest
from conftest import ROOT, set_cell

import syriatl

DESCRIPTOR = json.loads((ROOT / "datapackage.json").read_text())
TABLES = [resource["name"] for resource in DESCRIPTOR["resources"]]


@pytest.mark.parametrize("name", TABLES)
def test_table_loads_with_schema_dtypes(name):
    frame = syriatl.load(name)
    schema = json.loads((ROOT / "schemas" / f"{name}.json").read_text())
    assert list(frame.columns) == [field["name"] for field in schema["fields"]]
    raw = pd.read_csv(ROOT / "data" / f"{name}.csv", dtype=str, keep_default_na=False)
    assert len(frame) == len(raw)
    for field in schema["fields"]:
        dtype = frame[field["name"]].dtype
        if field["type"] == "date":
            assert pd.api.types.is_datetime64_any_dtype(dtype), field["name"]
        elif field["type"] == "integer":
            assert str(dtype) == "Int64", field["name"]
        elif field["type"] == "number":
            assert str(dtype) == "Float64", field["name"]
        else:
            assert isinstance(dtype, (pd.StringDtype, pd.CategoricalDtype)), (field["name"], dtype)
        # nothing is lost: every non-empty cell is non-missing after typing
        assert (raw[field["name"]] != "").sum() == frame[field["name"]].notna().sum()


def test_codes_are_categoricals_and_ids_strings():
    events = syriatl.load("events")
    assert isinstance(events["event_type"].dtype, pd.CategoricalDtype)
    assert isinstance(events["certainty"].dtype, pd.CategoricalDtype)
    assert isinstance(events["event_id"].dtype, pd.StringDtype)


def test_empty_fatalities_are_missing_not_zero():
    raw = pd.read_csv(ROOT / "data" / "events.csv", dtype=str, keep_default_na=False)
    events = syriatl.load("events")
    assert events["fatalities"].isna().sum() == (raw["fatalities"] == "").sum() > 0


def test_load_package_has_every_table():
    tables = syriatl.load_package()
    assert list(tables) == TABLES == syriatl.list_tables()


def test_unknown_table_names_the_known_ones():
    with pytest.raises(KeyError, match="events"):
        syriatl.load("battles")


def test_load_edited_copy(package):
    set_cell(package, "events", 0, "title", "An edited title for a test")
    assert syriatl.load("events", path=package)["title"].iloc[0] == "An edited title for a test"


def test_load_refuses_bad_cells(package):
    set_cell(package, "events", 0, "date", "yesterday")
    with pytest.raises(ValueError, match="syriatl validate"):
        syriatl.load("events", path=package)


def test_joined_view():
    joined = syriatl.load_joined()
    events = syriatl.load("events")
    assert len(joined) == len(events)
    assert {"place_name", "governorate", "latitude", "initiators", "n_publishers"} <= set(
        joined.columns
    )
    located = joined[events["place_id"].notna().to_numpy()]
    assert located["place_name"].notna().all()
    assert (joined["n_sources"] >= 1).all()


def test_import_is_light():
    heavy = "('pandas', 'pandera', 'frictionless')"
    code = f"import sys, syriatl; print(sorted(m for m in {heavy} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_text_that_looks_like_numbers_is_kept_as_written(package):
    """The reader lets pandas infer types for speed; a text column whose every cell looks like a
    number must still come back exactly as written, and a count written "1.0" is no integer."""
    from conftest import read_rows, write_rows

    rows = read_rows(package, "events")
    for row in rows:
        row["notes"] = "007"
    write_rows(package, "events", rows)
    events = syriatl.load("events", path=package)
    assert str(events["notes"].dtype) == "string"
    assert (events["notes"] == "007").all()

    rows[0]["fatalities"] = "1.0"
    write_rows(package, "events", rows)
    with pytest.raises(ValueError, match=r"'1\.0' in column fatalities, row 2"):
        syriatl.load("events", path=package)


def test_cells_are_read_as_their_exact_text(tmp_path):
    """A column the reader took for numbers is read again as text: "01" stays "01", strict or
    not, and a numeric header stays the header."""
    from syriatl.reading import read_csv

    path = tmp_path / "codes.csv"
    path.write_text("code,n\n01,1\n2,2\n01,3\n,4\n", encoding="utf-8")
    for cells in (read_csv(path, strict=False), read_csv(path.read_bytes())):
        raw = cells.columns(["code", "n"])
        assert raw["code"].astype(object).tolist() == ["01", "2", "01", ""]
        assert raw["n"].astype(object).tolist() == ["1", "2", "3", "4"]
        assert raw.index.tolist() == [2, 3, 4, 5]  # the header is row 1
    path.write_text("1,2.0\n01,1\n2,2.50\n", encoding="utf-8")  # every cell a number
    cells = read_csv(path.read_bytes())
    assert cells.header == ["1", "2.0"] and not cells.problems
    assert cells.columns(["1", "2.0"]).astype(object).values.tolist() == [
        ["01", "1"],
        ["2", "2.50"],
    ]


def test_empty_text_is_missing_and_nothing_else_is(package):
    """Empty cells become missing values without touching the others, in every text column."""
    events = syriatl.load("events", path=package)
    raw = pd.read_csv(package / "data" / "events.csv", dtype=str, keep_default_na=False)
    for column in ("notes", "place_id", "end_date"):
        assert events[column].isna().tolist() == (raw[column] == "").tolist(), column
    kept = raw["notes"] != ""
    assert events["notes"][kept].tolist() == raw["notes"][kept].tolist()


def test_small_table_types_and_refuses_cells_as_a_large_one_does(package):
    """A small table is read and typed as a large one is: a cell that is not plain is typed,
    or refused, by the same path."""
    set_cell(package, "date_precisions", 0, "acled_time_precision", " 7")
    assert syriatl.load("date_precisions", path=package)["acled_time_precision"].iloc[0] == 7
    row = set_cell(package, "date_precisions", 1, "acled_time_precision", "two")
    with pytest.raises(ValueError, match=rf"'two' in column acled_time_precision, row {row}"):
        syriatl.load("date_precisions", path=package)


def test_load_refuses_a_missing_column(package):
    from conftest import read_rows, write_rows

    rows = read_rows(package, "events")
    header = [name for name in rows[0] if name != "notes"]
    write_rows(package, "events", [{k: row[k] for k in header} for row in rows], header)
    with pytest.raises(ValueError, match=r"events\.csv has no column notes"):
        syriatl.load("events", path=package)


@pytest.mark.parametrize(
    "broken, small",
    [
        (("actors", "places"), 0),  # every table through the reader-typist pipeline
        (("actors", "places"), 1 << 30),  # every table loaded one by one
        (("actors", "places"), "between"),  # places through the pipeline, actors by itself
        (("events", "actors"), "between"),  # the pipeline's table comes first in the descriptor
    ],
    ids=["pipeline", "one by one", "both", "pipeline first"],
)
def test_load_package_reports_the_first_broken_table_in_the_descriptors_order(
    package, monkeypatch, broken, small
):
    """Small tables are loaded first and the large ones, largest first, in a pipeline; the
    error is still the one that loading them one by one, in the descriptor's order, would raise
    first."""
    from conftest import read_rows, write_rows

    import syriatl.loading

    dropped = {"actors": "name_ar", "places": "name_ar", "events": "notes"}
    for name in broken:
        rows = read_rows(package, name)
        header = [column for column in rows[0] if column != dropped[name]]
        write_rows(package, name, [{k: row[k] for k in header} for row in rows], header)
    size = {name: (package / "data" / f"{name}.csv").stat().st_size for name in broken}
    if small == "between":
        assert size[broken[1]] != size[broken[0]]
        small = max(size.values())  # the larger of the two goes through the pipeline
    monkeypatch.setattr(syriatl.loading, "SMALL", small)
    first = broken[0]
    with pytest.raises(ValueError, match=rf"{first}\.csv has no column {dropped[first]}"):
        syriatl.load_package(path=package)
    tables = syriatl.load_package()  # and the shipped package loads whole, in order
    assert list(tables) == [r["name"] for r in DESCRIPTOR["resources"]]


DECIMALS = ["36.2021", "", "0.1", "35.12345678901234567890123", "3.5e1", "-0", "+5", ".5"]


def test_decimals_parsed_by_the_reader_equal_their_text_typed(package):
    """The reader parses coordinates as pandas's C reader does (faster than typing their
    text); they must be the floats Python's ``float()`` makes of the text, missing where empty,
    and other text columns keep their exact cells."""
    from conftest import read_rows, write_rows

    rows = read_rows(package, "places")
    for row, cell in zip(rows, DECIMALS * (len(rows) // len(DECIMALS) + 1), strict=False):
        row["latitude"] = cell
        row["name"] = "12"  # looks like a number, is text
    write_rows(package, "places", rows)
    places = syriatl.load("places", path=package)
    expected = [float(row["latitude"]) if row["latitude"] else None for row in rows]
    assert places["latitude"].astype(object).where(places["latitude"].notna(), None).tolist() == (
        expected
    )
    assert str(places["latitude"].dtype) == "Float64"
    assert (places["name"] == "12").all() and str(places["name"].dtype) == "string"


@pytest.mark.parametrize("cell", ["nan", "True", "1,5", "north"])
def test_a_decimal_column_with_other_cells_is_typed_as_text(package, cell):
    """A cell pandas would not read as a decimal leaves the column text, and loading names it,
    as it did before the reader parsed decimals."""
    set_cell(package, "places", 3, "longitude", cell)
    with pytest.raises(ValueError, match=rf"{cell!r} in column longitude, row 5"):
        syriatl.load("places", path=package)


@pytest.mark.parametrize(
    "header",
    ['"lat\nitude",longitude\n', "\ufefflatitude,longitude\n", "latitude,longitude,latitude\n"],
)
def test_the_decimal_reader_reads_awkward_headers_as_the_text_reader(tmp_path, header):
    """A label over two lines, a byte-order mark, a repeated label: the header is the same
    whether decimals are parsed or not, and so are the cells."""
    from syriatl.reading import read_csv

    path = tmp_path / "awkward.csv"
    width = header.count(",") + 1
    path.write_text(header + "\n".join([",".join(["1.5"] * width), ",".join([""] * width)]))
    text = read_csv(path, strict=False)
    decimals = read_csv(path, strict=False, numbers=["latitude", "longitude"])
    assert decimals.header == text.header
    assert decimals.rows.index.tolist() == text.rows.index.tolist() == [2, 3]
    for at in range(width):
        parsed = pd.to_numeric(decimals.rows[at].replace("", None)).tolist()
        typed = pd.to_numeric(text.rows[at].replace("", None)).tolist()
        assert parsed == pytest.approx(typed, nan_ok=True)
