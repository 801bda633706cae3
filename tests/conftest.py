"""Shared fixtures: a writable copy of the shipped package, and small editing helpers."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

import syriatl

ROOT = Path(__file__).resolve().parents[1]
# The documentation site built once, served, and opened in Chromium: see site_fixtures.py.
pytest_plugins = ["site_fixtures"]


def copy_package(destination: Path) -> Path:
    """Copy datapackage.json, data/ and schemas/ into ``destination``."""
    destination.mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "datapackage.json", destination / "datapackage.json")
    shutil.copytree(ROOT / "data", destination / "data")
    shutil.copytree(ROOT / "schemas", destination / "schemas")
    return destination


@pytest.fixture
def package(tmp_path: Path) -> Path:
    """A fresh, valid, writable copy of the package."""
    return copy_package(tmp_path / "pkg")


def read_rows(root: Path, table: str) -> list[dict[str, str]]:
    with open(root / "data" / f"{table}.csv", encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def write_rows(root: Path, table: str, rows: list[dict[str, str]], header: list[str] | None = None):
    path = root / "data" / f"{table}.csv"
    if header is None:
        with open(path, encoding="utf-8", newline="") as f:
            header = next(csv.reader(f))
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def set_cell(root: Path, table: str, index: int, column: str, value: str) -> int:
    """Set one cell of data row ``index`` (0-based); returns its frictionless row number."""
    rows = read_rows(root, table)
    rows[index][column] = value
    write_rows(root, table, rows)
    return index + 2


def find_row(root: Path, table: str, **where: str) -> int:
    """The 0-based index of the first row whose columns equal ``where``."""
    for index, row in enumerate(read_rows(root, table)):
        if all(row[key] == value for key, value in where.items()):
            return index
    raise LookupError(f"no row of {table} with {where}")


def problems(root: Path, rule: str):
    """The problems of ``rule`` that validating ``root`` reports (at least one, or fail)."""
    report = syriatl.validate(root)
    assert not report.valid
    found = [p for p in report.problems if p.rule == rule]
    assert found, f"no {rule} problem in:\n{report.to_text()}"
    return found


def assert_reported(root: Path, rule: str, table: str, row: int | None, column: str):
    """The problem of ``rule`` reported at exactly this table, row and column, in its file."""
    found = problems(root, rule)
    places = [(p.table, p.row, p.column) for p in found]
    assert (table, row, column) in places, (
        f"{rule} reported at {places}, not {(table, row, column)}"
    )
    match = next(p for p in found if (p.table, p.row, p.column) == (table, row, column))
    assert match.message and match.file.endswith(f"{table}.csv")
    return match
