"""Non-finite numbers (NaN, inf, -Infinity), in a CSV cell or in the descriptor, are findings
or package errors, never a rule that breaks: no rule may report an internal error."""

from __future__ import annotations

import json

import pytest
from conftest import read_rows, set_cell

import syriatl

NON_FINITE = ["NaN", "nan", "inf", "-inf", "Infinity", "-Infinity", "1e999"]


def numeric_fields(root) -> list[tuple[str, str]]:
    """Every (table, column) whose Table Schema type is number or integer."""
    found = []
    for path in sorted((root / "schemas").glob("*.json")):
        schema = json.loads(path.read_text(encoding="utf-8"))
        found += [
            (path.stem, f["name"]) for f in schema["fields"] if f["type"] in ("number", "integer")
        ]
    return found


def internal_errors(report) -> list[str]:
    return [p.message for p in report.problems if p.rule == "internal-error"]


def test_every_numeric_column_is_tried(package):
    assert {"latitude", "longitude", "fatalities", "geonames_id"} <= {
        column for _, column in numeric_fields(package)
    }


@pytest.mark.parametrize("value", NON_FINITE)
def test_non_finite_cells_in_every_numeric_column(package, value):
    """Each numeric column of each table gets the value in its first row (and, for events, a
    row that the control history reads): every rule runs on it, and the cell is reported."""
    fields = numeric_fields(package)
    for table, column in fields:
        set_cell(package, table, 0, column, value)
    events = read_rows(package, "events")
    change = next(i for i, e in enumerate(events) if e["event_type"] == "territory-captured")
    set_cell(package, "events", change, "fatalities", value)
    report = syriatl.validate(package)
    assert internal_errors(report) == []
    reported = {(p.table, p.column) for p in report.problems}
    for table, column in fields:
        assert (table, column) in reported, f"{value} in {table}.{column} was not reported"


@pytest.mark.parametrize("token", ["NaN", "Infinity", "-Infinity"])
@pytest.mark.parametrize(
    "where",
    [
        ("resource bytes", lambda d, x: d["resources"][0].__setitem__("bytes", x)),
        ("version", lambda d, x: d.__setitem__("version", x)),
        ("temporal end", lambda d, x: d.setdefault("temporalCoverage", {}).__setitem__("end", x)),
        ("resource path", lambda d, x: d["resources"][1].__setitem__("path", x)),
        ("resource schema", lambda d, x: d["resources"][2].__setitem__("schema", x)),
    ],
    ids=lambda w: w[0] if isinstance(w, tuple) else w,
)
def test_non_finite_numbers_in_the_descriptor(package, token, where):
    descriptor = json.loads((package / "datapackage.json").read_text(encoding="utf-8"))
    marker = "__NONFINITE__"
    where[1](descriptor, marker)
    text = json.dumps(descriptor).replace(f'"{marker}"', token)
    (package / "datapackage.json").write_text(text, encoding="utf-8")
    report = syriatl.validate(package)
    assert not report.valid
    assert internal_errors(report) == []


@pytest.mark.parametrize("token", ["NaN", "Infinity", "-Infinity"])
def test_non_finite_numbers_in_a_table_schema(package, token):
    path = package / "schemas" / "places.json"
    schema = json.loads(path.read_text(encoding="utf-8"))
    latitude = next(f for f in schema["fields"] if f["name"] == "latitude")
    latitude.setdefault("constraints", {})["minimum"] = "__NONFINITE__"
    path.write_text(json.dumps(schema).replace('"__NONFINITE__"', token), encoding="utf-8")
    report = syriatl.validate(package)
    assert not report.valid
    assert internal_errors(report) == []


@pytest.mark.parametrize(
    "constraints",
    [{"minimum": 100, "maximum": 90}, {"minimum": "north"}, {"minimum": [1]}],
    ids=["empty-interval", "text", "list"],
)
def test_a_constraint_no_column_can_meet_is_reported_not_raised(package, constraints):
    path = package / "schemas" / "places.json"
    schema = json.loads(path.read_text(encoding="utf-8"))
    latitude = next(f for f in schema["fields"] if f["name"] == "latitude")
    latitude["constraints"] = constraints
    path.write_text(json.dumps(schema), encoding="utf-8")
    report = syriatl.validate(package)
    assert not report.valid
    assert internal_errors(report) == []
    assert any(p.table == "places" for p in report.problems), report.to_text()
