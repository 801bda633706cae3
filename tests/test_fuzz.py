"""Property tests: whatever the mutation of a valid package, the validator answers and never raises.

Mutations of bytes, of cells and of the descriptor run on a copy of the package. For every
one, ``validate`` returns a report (no exception escapes); a mutation that certainly breaks a
rule is reported by that rule at that cell; and ``fmt`` never loses a row it could read.
The number of examples is bounded so that the suite stays quick in CI.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from conftest import ROOT, copy_package, read_rows, set_cell
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import syriatl
from syriatl.formatting import format_package

TABLES = [r["name"] for r in json.loads((ROOT / "datapackage.json").read_text())["resources"]]
SETTINGS = settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=True,
)


@pytest.fixture(scope="module")
def pristine(tmp_path_factory) -> Path:
    return copy_package(tmp_path_factory.mktemp("pristine") / "pkg")


@pytest.fixture
def fresh(pristine, tmp_path) -> Path:
    """A new copy per example would be slow; restore the copy from the pristine one instead."""
    target = tmp_path / "pkg"

    def reset() -> Path:
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(pristine, target)
        return target

    return reset


def answers(root: Path) -> syriatl.Report:
    report = syriatl.validate(root)  # must not raise
    assert isinstance(report.to_json(), str) and isinstance(report.to_text(), str)
    for problem in report.problems:
        assert problem.rule and problem.message
    return report


def insert_junk(root: Path, table: str, position: float, junk: bytes) -> Path:
    """Insert ``junk`` into the table's CSV at ``position`` (0 to 1 of its length)."""
    path = root / "data" / f"{table}.csv"
    data = path.read_bytes()
    at = int(position * len(data))
    path.write_bytes(data[:at] + junk + data[at:])
    return path


@SETTINGS
@given(
    table=st.sampled_from(TABLES),
    position=st.floats(min_value=0, max_value=1),
    junk=st.binary(min_size=1, max_size=40),
)
def test_random_bytes_never_crash(fresh, table, position, junk):
    root = fresh()
    insert_junk(root, table, position, junk)
    report = answers(root)
    if b"\x00" in junk or b'"' in junk:
        assert not report.valid


@SETTINGS
@given(
    table=st.sampled_from(TABLES),
    cut=st.floats(min_value=0, max_value=1),
)
def test_truncated_files_never_crash(fresh, table, cut):
    root = fresh()
    path = root / "data" / f"{table}.csv"
    data = path.read_bytes()
    path.write_bytes(data[: int(cut * len(data))])
    answers(root)


@SETTINGS
@given(
    column=st.sampled_from(["date", "end_date", "fatalities", "event_id", "geo_precision"]),
    value=st.text(
        alphabet=st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00"),
        min_size=1,
        max_size=12,
    ),
    index=st.integers(min_value=0, max_value=50),
)
def test_bad_cells_are_reported_where_they_are(fresh, column, value, index):
    root = fresh()
    row = set_cell(root, "events", index, column, value)
    report = answers(root)
    checks = {
        "date": lambda v: len(v.strip()) != 10,
        "end_date": lambda v: len(v.strip()) not in (0, 10),
        "fatalities": lambda v: not v.strip().isdigit(),
        "event_id": lambda v: not (v.startswith("E") and v[1:].isdigit() and len(v) == 7),
        "geo_precision": lambda v: v not in ("exact", "near", "region", "none"),
    }
    if checks[column](value):  # certainly not a value of this column's type or codes
        assert any(p.table == "events" and p.row == row for p in report.problems), (
            f"{column}={value!r} at row {row} not reported:\n{report.to_text()}"
        )


def _typed_columns() -> list[tuple[str, str, str]]:
    columns = []
    for table in TABLES:
        schema = json.loads((ROOT / "schemas" / f"{table}.json").read_text())
        for field in schema["fields"]:
            if field.get("type") in ("date", "integer", "number"):
                columns.append((table, field["name"], field["type"]))
    return columns


@settings(SETTINGS, max_examples=30)
@given(
    target=st.sampled_from(_typed_columns()),
    day=st.dates(),
    integer=st.integers(),
    number=st.floats(),
    index=st.integers(min_value=0, max_value=50),
)
def test_any_well_written_value_is_validated_and_loaded_or_refused(
    fresh, target, day, integer, number, index
):
    """Any day of the calendar, any integer, any float (inf and nan too), written in the
    field's own format: validate answers, and load() refuses the cell exactly when validate
    reports it as not of its type."""
    root = fresh()
    table, column, kind = target
    rows = read_rows(root, table)
    value = {"date": day.isoformat(), "integer": str(integer), "number": repr(number)}[kind]
    row = set_cell(root, table, index % len(rows), column, value)
    report = answers(root)
    if any(p.rule == "type-error" and (p.row, p.column) == (row, column) for p in report.problems):
        expected = re.escape(f"first {value!r} in column {column}, row {row}")
        with pytest.raises(ValueError, match=expected):
            syriatl.load(table, path=root)
    else:
        assert len(syriatl.load(table, path=root)) == len(rows)


@SETTINGS
@given(
    table=st.sampled_from(TABLES),
    index=st.integers(min_value=0, max_value=5),
    prefix=st.sampled_from(["=", "+", "@", "\t", "-"]),
    tail=st.text(alphabet="abcdefghij(),1 ", min_size=3, max_size=12),
)
def test_formulas_in_any_text_cell_are_rejected(fresh, table, index, prefix, tail):
    root = fresh()
    rows = read_rows(root, table)
    if not rows:
        return
    schema = json.loads((root / "schemas" / f"{table}.json").read_text())
    text = [f["name"] for f in schema["fields"] if f.get("type", "string") == "string"]
    column = text[index % len(text)]
    row = set_cell(root, table, index % len(rows), column, prefix + tail)
    report = answers(root)
    assert any(
        p.rule == "formula-injection" and p.table == table and p.row == row and p.column == column
        for p in report.problems
    ), report.to_text()


@SETTINGS
@given(
    mutation=st.sampled_from(
        [
            "",
            "[]",
            "{}",
            '{"resources": 3}',
            '{"resources": [{"name": "events"}]}',
            '{"resources": [{"name": "e", "path": "../../etc/passwd", "schema": {"fields": []}}]}',
            '{"resources": [{"name": "e", "path": "https://example.org/x.csv"}]}',
            '{"resources": [{"name": "e", "path": "/etc/hostname", "schema": "x.json"}]}',
            '{"resources": [{"name": "e", "path": "data/events.csv", "schema": "/etc/passwd"}]}',
        ]
    )
)
def test_broken_descriptors_are_refused_cleanly(fresh, mutation):
    root = fresh()
    (root / "datapackage.json").write_text(mutation)
    report = answers(root)
    assert not report.valid


@SETTINGS
@given(
    table=st.sampled_from(TABLES),
    position=st.floats(min_value=0, max_value=1),
    junk=st.binary(min_size=1, max_size=20),
)
def test_fmt_never_loses_a_readable_row(fresh, table, position, junk):
    root = fresh()
    path = insert_junk(root, table, position, junk)
    before = path.read_bytes()
    (result,) = [r for r in format_package(root) if r.file == f"data/{table}.csv"]
    after = path.read_bytes()
    if result.status == "refused":
        assert after == before
    else:  # rewritten or unchanged: same number of non-blank records, nothing dropped
        assert after.count(b"\n") >= len([r for r in read_rows(root, table) if any(r.values())])
        assert format_package(root)  # and a second run is a no-op for this file
        (again,) = [r for r in format_package(root) if r.file == f"data/{table}.csv"]
        assert again.status == "unchanged"
