"""On a corpus of corrupted copies, every error frictionless reports, syriatl reports too.

Each corruption breaks one thing a contributor or a stranger might hand the validator. An error
of the reference implementation is matched by a syriatl problem with the same rule, table and
row (or the same rule and table, where the reference gives no row). Where a file cannot be read
as its schema says (bad bytes, a broken header, a ragged or blank row), syriatl reports that
cause once instead of its echoes: an error of the reference in that table, or in a table whose
foreign keys point into it, is then matched by the cause. Beyond parity, every corruption gives
a non-valid report, and no exception escapes.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import read_rows, set_cell, write_rows

import syriatl
from syriatl.cli import main
from syriatl.package import read_package


def edit_bytes(root: Path, table: str, change) -> None:
    path = root / "data" / f"{table}.csv"
    path.write_bytes(change(path.read_bytes()))


def drop_column(root: Path, table: str, column: str) -> None:
    rows = read_rows(root, table)
    header = [c for c in rows[0] if c != column]
    write_rows(root, table, [{k: v for k, v in r.items() if k != column} for r in rows], header)


def rename_column(root: Path, table: str, old: str, new: str) -> None:
    edit_bytes(root, table, lambda b: b.replace(old.encode(), new.encode(), 1))


def reorder_columns(root: Path, table: str) -> None:
    rows = read_rows(root, table)
    header = list(rows[0])
    header[0], header[1] = header[1], header[0]
    write_rows(root, table, rows, header)


def duplicate_first_row(root: Path, table: str) -> None:
    rows = read_rows(root, table)
    write_rows(root, table, [rows[0], *rows])


CORRUPTIONS = {
    "extra cell": lambda r: edit_bytes(r, "places", lambda b: b.replace(b"\n", b",surplus\n", 2)),
    "missing cell": lambda r: edit_bytes(r, "place_types", lambda b: b.replace(b",", b"", 1)),
    "unbalanced quote": lambda r: edit_bytes(
        r, "place_types", lambda b: b.replace(b"\n", b'\n"', 2)
    ),
    "NUL byte": lambda r: edit_bytes(r, "actors", lambda b: b[:300] + b"\x00" + b[300:]),
    "not UTF-8": lambda r: edit_bytes(r, "actors", lambda b: b[:400] + b"\xff\xfe" + b[400:]),
    "byte-order mark": lambda r: edit_bytes(r, "sources", lambda b: b"\xef\xbb\xbf" + b),
    "CRLF": lambda r: edit_bytes(r, "roles", lambda b: b.replace(b"\n", b"\r\n")),
    "empty file": lambda r: edit_bytes(r, "certainties", lambda b: b""),
    "header only": lambda r: edit_bytes(r, "roles", lambda b: b.split(b"\n", 1)[0] + b"\n"),
    "missing column": lambda r: drop_column(r, "events", "certainty"),
    "extra column": lambda r: edit_bytes(r, "roles", lambda b: b.replace(b"\n", b",extra\n", 1)),
    "renamed column": lambda r: rename_column(r, "actors", "name_ar", "arabic"),
    "reordered columns": lambda r: reorder_columns(r, "actor_aliases"),
    "huge field": lambda r: set_cell(r, "events", 0, "notes", "x" * 2_000_000),
    "wrong type": lambda r: set_cell(r, "events", 2, "fatalities", "many"),
    "impossible date": lambda r: set_cell(r, "events", 1, "date", "2024-02-30"),
    "latitude out of range": lambda r: set_cell(r, "places", 4, "latitude", "95.5"),
    "dangling reference": lambda r: set_cell(r, "event_actors", 3, "actor_id", "nobody"),
    "duplicate ID": lambda r: duplicate_first_row(r, "sources"),
    "blank row": lambda r: edit_bytes(r, "place_types", lambda b: b.replace(b"\n", b"\n,,\n", 2)),
    "missing file": lambda r: (r / "data" / "roles.csv").unlink(),
    "broken descriptor": lambda r: (r / "datapackage.json").write_text("{not json"),
    "no resources": lambda r: (r / "datapackage.json").write_text('{"name": "x"}'),
}


def reference_errors(root: Path) -> list[tuple[str, str, int | None]]:
    """(type, resource, row) of every error ``frictionless validate`` reports."""
    from frictionless import Package, system

    try:
        with system.use_context(trusted=False):
            report = Package(str(root / "datapackage.json")).validate()
    except Exception as exc:  # the reference cannot even open the descriptor
        return [("package-error", str(exc), None)]
    errors = [(e.type, "", None) for e in report.errors]
    for task in report.tasks:
        for error in task.errors:
            errors.append((error.type, task.name, getattr(error, "row_number", None)))
    return errors


# frictionless names a few problems differently
SAME_AS = {"scheme-error": "source-error", "format-error": "source-error"}
# problems with a file's bytes or shape, which make later errors in it (or through it) echoes
CAUSES = {
    "source-error",
    "encoding-error",
    "dialect-error",
    "blank-row",
    "missing-label",
    "extra-label",
    "incorrect-label",
    "duplicate-label",
    "missing-cell",
    "extra-cell",
}


def referenced(root: Path, table: str) -> set[str]:
    """The table and every table its foreign keys point into."""
    package, _ = read_package(root)
    resource = package.resources.get(table)
    keys = resource.foreign_keys if resource else []
    return {table} | {key["reference"].get("resource") or table for key in keys}


@pytest.mark.parametrize("name", list(CORRUPTIONS))
def test_syriatl_reports_what_frictionless_reports(package, name, capsys):
    CORRUPTIONS[name](package)
    ours = syriatl.validate(package)
    assert not ours.valid and ours.problems, f"{name}: syriatl found nothing"
    found = {(p.rule, p.table, p.row) for p in ours.problems}
    found_anywhere = {(p.rule, p.table) for p in ours.problems}
    missed = []
    for kind, table, row in reference_errors(package):
        kind = SAME_AS.get(kind, kind)
        if kind == "package-error":
            package_rules = ("package-error", "path-error", "no-package")
            if not any(p.rule in package_rules for p in ours.problems):
                missed.append((kind, table, row))
            continue
        if (kind, table, row) in found or (row is None and (kind, table) in found_anywhere):
            continue
        if not any(
            p.rule in CAUSES and p.table in referenced(package, table) for p in ours.problems
        ):
            missed.append((kind, table, row))
    assert not missed, f"{name}: frictionless reports {missed}; syriatl:\n{ours.to_text()}"

    # the command line gives the same verdict, in plain words and as JSON, without a traceback
    assert main(["validate", str(package)]) == 1
    assert main(["validate", "--format", "json", str(package)]) == 1
    captured = capsys.readouterr()
    assert "Traceback" not in captured.out + captured.err
