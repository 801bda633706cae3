"""The package is valid for the reference implementation too, and its schemas drive pandera."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from conftest import ROOT, set_cell

import syriatl
from syriatl.package import read_package
from syriatl.schemas import pandera_schema


def frictionless_report(path):
    from frictionless import Package, system

    with system.use_context(trusted=False):
        return Package(str(path / "datapackage.json")).validate()


def test_frictionless_validates_shipped_package():
    report = frictionless_report(ROOT)
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])


@pytest.mark.parametrize(
    ("table", "column", "value", "error"),
    [
        ("events", "date", "2024-02-30", "type-error"),
        ("events", "place_id", "atlantis", "foreign-key"),
        ("events", "title", "", "constraint-error"),
    ],
)
def test_both_validators_agree(package, table, column, value, error):
    set_cell(package, table, 0, column, value)
    reference = frictionless_report(package)
    assert error in {row[0] for row in reference.flatten(["type"])}
    ours = syriatl.validate(package)
    assert any(p.rule == error and p.table == table and p.row == 2 for p in ours.problems)


@pytest.mark.parametrize(
    "name", [r["name"] for r in json.loads((ROOT / "datapackage.json").read_text())["resources"]]
)
def test_pandera_schema_is_derived(name):
    package, _ = read_package(ROOT)
    resource = package.resources[name]
    schema = pandera_schema(resource, package)
    assert list(schema.columns) == resource.field_names
    for field in resource.fields:
        column = schema.columns[field["name"]]
        required = (
            field.get("constraints", {}).get("required", False)
            or [field["name"]] == resource.primary_key
        )
        assert any(check.name == "not_nullable" for check in column.checks) is required
        if field["type"] == "date":
            assert "datetime64" in str(column.dtype)


def test_changing_a_schema_changes_pandera(package):
    path = package / "schemas" / "events.json"
    schema = json.loads(path.read_text())
    title = next(f for f in schema["fields"] if f["name"] == "title")
    title["constraints"]["maxLength"] = 12
    path.write_text(json.dumps(schema))
    report = syriatl.validate(package)
    assert any(p.rule == "constraint-error" and p.column == "title" for p in report.problems)


def test_typed_dates_are_datetimes():
    events = syriatl.load("events")
    assert events["date"].min() >= pd.Timestamp("2024-11-27")
