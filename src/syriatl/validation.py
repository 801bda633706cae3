"""Validate a syriatl data package, the shipped one or any edited copy, and report every problem.

The work goes in layers, and each layer reports all it finds before the next one runs on what
could be read: the descriptor and its paths; each CSV's bytes, dialect and shape; each cell's
type; each column's Table Schema constraints (with pandera); and last the rules that cross rows
and tables (:mod:`syriatl.rules`). Bad data never raises: it becomes a problem in the report.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from syriatl.package import Package, PackageError, Resource, read_package, unpacked
from syriatl.reading import read_csv
from syriatl.report import Problem, Report

if TYPE_CHECKING:
    import pandas as pd


def validate(path: str | Path | None = None) -> Report:
    """Validate the shipped package (``path=None``), a package folder, a ``datapackage.json``
    or a release zip (unpacked to a temporary folder, within :func:`~syriatl.package.unpacked`'s
    bounds).

    Returns a :class:`~syriatl.report.Report` with every problem found; never raises on bad data.
    """
    shown = "shipped syriatl data package" if path is None else str(path)
    try:
        with unpacked(path) as local:
            report = _validate(local, shown)
            if path is not None and local != Path(path):
                report.path = shown  # a zip: name it, not its temporary folder
            return report
    except PackageError as exc:
        report = Report(path=shown)
        report.problems.append(Problem(table=exc.table or "", rule=exc.rule, message=str(exc)))
        return report


def _validate(path: Path | None, shown: str) -> Report:
    report = Report(path=shown)
    try:
        package, resource_problems = read_package(path)
    except PackageError as exc:
        report.problems.append(Problem(table=exc.table or "", rule=exc.rule, message=str(exc)))
        return report
    report.path = shown if path is None else str(package.root)
    for exc in resource_problems:
        report.problems.append(Problem(table=exc.table or "", rule=exc.rule, message=str(exc)))
    tables: dict[str, pd.DataFrame] = {}
    for name, (typed, problems) in zip(package.resources, _read_all(package), strict=True):
        report.problems.extend(problems)
        if typed is not None:
            tables[name] = typed
            report.rows[name] = len(typed)
    from syriatl.rules import run_checks

    for problem in run_checks(tables, package):
        resource = package.resources.get(problem.table)
        file = resource.relpath if resource else ""
        report.problems.append(_with_file(problem, file))
    report.problems.sort(key=lambda p: (p.file, p.table, p.row or 0, p.column, p.rule, p.message))
    return report


def _read_all(package: Package):
    """Each table read and typed (:func:`read_table`, :func:`check_table`), with its problems,
    in the descriptor's order; the largest files first, two at a time (pandas, numpy and
    pyarrow let go of the interpreter while they parse and compare, so two cores share the
    work)."""
    from concurrent.futures import ThreadPoolExecutor

    def one(resource: Resource):
        raw, problems = read_table(resource)
        if raw is None:
            return None, problems
        typed, more = check_table(raw, resource, package)
        return typed, problems + more

    def size(resource: Resource) -> int:
        try:
            return resource.path.stat().st_size
        except OSError:
            return 0

    import warnings

    import pandas as pd

    resources = list(package.resources.values())
    largest = sorted(resources, key=size, reverse=True)
    # the warning filters are the process's: set once here, around both threads, so that
    # neither thread's own filter (reading's) can leave them changed
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", pd.errors.DtypeWarning)
        with ThreadPoolExecutor(max_workers=min(2, os.cpu_count() or 1)) as pool:
            done = dict(zip([r.name for r in largest], pool.map(one, largest), strict=True))
    return [done[resource.name] for resource in resources]


def _with_file(problem: Problem, file: str) -> Problem:
    return Problem(problem.table, problem.row, problem.column, problem.rule, problem.message, file)


def read_table(resource: Resource) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Read one CSV as strings (:func:`syriatl.reading.read_csv`), reporting its bytes,
    dialect, header and row shape.

    The frame's index is the frictionless row number of each data row (header = row 1).
    Returns None for the frame when the file cannot be read at all.
    """
    problems: list[Problem] = []

    def problem(rule: str, message: str, row: int | None = None, column: str = "") -> None:
        problems.append(Problem(resource.name, row, column, rule, message, resource.relpath))

    try:
        data = resource.path.read_bytes()
    except FileNotFoundError:
        problem("source-error", f"the file {resource.relpath} does not exist")
        return None, problems
    except OSError as exc:
        problem("source-error", f"the file {resource.relpath} cannot be read: {exc.strerror}")
        return None, problems
    check_size_and_hash(data, resource, problem)
    cells = read_csv(data)
    del data
    for rule, message, row in cells.problems:
        problem(rule, message, row)
    header = cells.header
    if header is None:
        return None, problems

    expected = resource.field_names
    for position, label in enumerate(header, start=1):
        if label not in expected:
            problem(
                "extra-label", f"column {position} {label!r} is not a field of the schema", 1, label
            )
        elif header.count(label) > 1 and header.index(label) != position - 1:
            problem("duplicate-label", f"column {label!r} appears more than once", 1, label)
    for name in expected:
        if name not in header:
            problem("missing-label", f"the schema's field {name!r} has no column", 1, name)
    present = [name for name in expected if name in header]
    if [label for label in header if label in expected] != present:
        problem(
            "incorrect-label",
            f"columns are out of order; the schema's order is {', '.join(expected)}",
            1,
        )
    return cells.columns([label for label in header if label in expected]), problems


def check_size_and_hash(data: bytes, resource: Resource, problem) -> None:
    """A released descriptor records each file's ``bytes`` and ``hash``; the file must match."""
    import hashlib

    expected_bytes = resource.entry.get("bytes")
    if isinstance(expected_bytes, int) and expected_bytes != len(data):
        problem(
            "byte-count", f"the file has {len(data)} bytes; the descriptor says {expected_bytes}"
        )
    expected_hash = resource.entry.get("hash")
    if isinstance(expected_hash, str) and expected_hash:
        algorithm, _, digest = expected_hash.rpartition(":")
        algorithm = algorithm or "md5"
        if algorithm not in hashlib.algorithms_guaranteed:
            problem("hash-count", f"the descriptor's hash uses an unknown algorithm {algorithm!r}")
        elif hashlib.new(algorithm, data).hexdigest() != digest.lower():
            problem(
                "hash-count",
                f"the file's {algorithm} hash is not the descriptor's: it changed after release",
            )


def check_table(
    raw: pd.DataFrame, resource: Resource, package: Package
) -> tuple[pd.DataFrame, list[Problem]]:
    """Type each cell and check each column's constraints; returns the typed frame."""
    from syriatl.schemas import DAYS, parse_frame

    problems: list[Problem] = []
    typed, failures = parse_frame(raw, resource, package)
    field_of = {field["name"]: field for field in resource.fields}
    bad_cells = set()
    for index, column, value in failures:
        kind = field_of[column].get("type", "string")
        hint = f" (YYYY-MM-DD, a real calendar day from {DAYS[0]} to {DAYS[1]})"
        hint = hint if kind == "date" else ""
        problems.append(
            Problem(
                resource.name,
                int(index),
                column,
                "type-error",
                f"{value!r} is not of type {kind}{hint}",
                resource.relpath,
            )
        )
        bad_cells.add((int(index), column))
    for problem in constraint_problems(typed, resource, package):
        if (problem.row, problem.column) not in bad_cells:
            problems.append(problem)
    return typed, problems


def constraint_problems(typed: pd.DataFrame, resource: Resource, package: Package) -> list[Problem]:
    """Check the typed frame against its Table Schema's dtypes and constraints.

    Each constraint runs once, on its column (:func:`syriatl.schemas.failing_columns`); only
    the columns where one fails go to pandera, whose schema holds the very same functions, for
    the report of every failing cell. A valid table never imports pandera.
    """
    from syriatl.schemas import (
        CONSTRAINT_OF_CHECK,
        failing_columns,
        pandera_schema,
    )
    from syriatl.schemas import constraints as table_constraints

    failing = failing_columns(typed, resource, package)
    if not failing:
        return []
    import pandas as pd
    import pandera.errors

    try:
        schema = pandera_schema(resource, package, columns=failing)
    except (TypeError, ValueError) as exc:  # a constraint no column could meet, or malformed
        return [
            Problem(
                table=resource.name,
                rule="schema-error",
                message=f"the Table Schema's constraints cannot be applied: {exc}",
            )
        ]
    try:
        schema.validate(typed, lazy=True)
        return []
    except pandera.errors.SchemaErrors as exc:
        cases = exc.failure_cases
    except Exception as exc:  # pandera itself failed: report it, do not crash
        return [
            Problem(
                resource.name,
                None,
                "",
                "internal-error",
                f"constraint checks could not run: {exc}",
                resource.relpath,
            )
        ]
    field_of = {field["name"]: field for field in resource.fields}
    key = resource.primary_key
    problems: list[Problem] = []
    seen = set()
    for case in cases.itertuples(index=False):
        check = str(case.check)
        # a numpy scalar shown as the plain value, as numpy 1 and 2 alike print it: -1, not
        # np.int64(-1)
        value = (
            case.failure_case.item() if hasattr(case.failure_case, "item") else case.failure_case
        )
        name = check.split("(", 1)[0]
        column = (
            ""
            if case.column is None or case.schema_context == "DataFrameSchema"
            else str(case.column)
        )
        row = None if pd.isna(case.index) else int(case.index)
        constraint = CONSTRAINT_OF_CHECK.get(name)
        if constraint == "required":
            continue  # its rows come from the function itself, below
        if name in ("field_uniqueness", "multiple_fields_uniqueness"):
            columns = key if name == "multiple_fields_uniqueness" or column in key else [column]
            rule = "primary-key" if columns == key else "unique-error"
            column = ", ".join(columns)
            message = f"{value!r} is repeated; {column} must be unique"
        elif constraint:
            rule = "constraint-error"
            constraints = field_of.get(column, {}).get("constraints", {})
            if constraint == "required":
                message = "a value is required"
            else:
                wanted = ", ".join(
                    f"{part}={constraints[part]!r}"
                    for part in constraint.split("/")
                    if part in constraints
                )
                message = f"{value!r} breaks the constraint {wanted}"
        elif name in ("column_in_dataframe", "column_in_schema"):
            continue  # labels are reported when the file is read
        else:
            rule = "type-error" if name.startswith("dtype") else "constraint-error"
            message = f"{value!r} fails {check}"
        marker = (row, column, rule, message)
        if marker in seen:
            continue
        seen.add(marker)
        problems.append(Problem(resource.name, row, column, rule, message, resource.relpath))
    # a missing value's row is read from the required constraint's own function: pandera
    # before 0.3x loses it for a categorical column (or adds rows) when it reports nulls
    for each in table_constraints(resource):
        if each.name == "not_nullable" and each.column in failing:
            missing = ~each.function(typed[each.column]).to_numpy(dtype=bool)
            problems.extend(
                Problem(
                    resource.name,
                    int(row),
                    each.column,
                    "constraint-error",
                    "a value is required",
                    resource.relpath,
                )
                for row in typed.index[missing]
            )
    return problems


def schema(name: str, *, path: str | Path | None = None):
    """The pandera ``DataFrameSchema`` of a table, derived from its Table Schema: the one the
    validator runs. ``syriatl.schema("events").validate(frame, lazy=True)`` checks a frame of
    one's own, with pandera's own ``SchemaErrors`` report; the rules that cross rows and
    tables are in :func:`validate_frames`."""
    from syriatl.loading import _package
    from syriatl.schemas import pandera_schema

    with unpacked(path) as local:
        package = _package(local)
    if name not in package.resources:
        known = ", ".join(package.resources)
        raise KeyError(f"no table named {name!r}; the tables are: {known}")
    return pandera_schema(package.resources[name], package)


def validate_frames(frames: dict[str, pd.DataFrame], *, path: str | Path | None = None) -> Report:
    """Validate tables held as DataFrames (edited or extended in pandas) with every check the
    command line runs on CSV files: each frame's schema, then the rules that cross tables.

    Give the frames by table name, typed as :func:`syriatl.load` types them; a table left out
    is taken from the package at ``path`` (the shipped one by default), so a single edited
    table is checked against the rest. Rows are numbered as in the CSV the frame would be
    written to (the header is row 1). Never raises on bad data.
    """
    import pandas as pd

    from syriatl.loading import _package, load_package
    from syriatl.rules import run_checks

    report = Report(path="frames: " + ", ".join(frames))
    with unpacked(path) as local:
        package = _package(local)
        tables = load_package(path=local)
    for name, frame in frames.items():
        resource = package.resources.get(name)
        if resource is None:
            report.problems.append(
                Problem(table=name, rule="package-error", message=f"no table named {name!r}")
            )
            continue
        frame = frame.reset_index(drop=True)
        frame.index = pd.RangeIndex(2, len(frame) + 2)
        missing = [f for f in resource.field_names if f not in frame.columns]
        for column in missing:
            report.problems.append(
                Problem(name, 1, column, "missing-label", "the column is missing", resource.relpath)
            )
        found = constraint_problems(frame, resource, package)
        # a column of the wrong dtype is reported as such, not as the checks it then breaks
        mistyped = {p.column for p in found if p.rule == "type-error"}
        report.problems.extend(
            p
            for p in found
            if p.rule == "type-error" or p.row is not None or p.column not in mistyped
        )
        tables[name] = frame
    for name, frame in tables.items():
        report.rows[name] = len(frame)
    for problem in run_checks(tables, package):
        resource = package.resources.get(problem.table)
        report.problems.append(_with_file(problem, resource.relpath if resource else ""))
    report.problems.sort(key=lambda p: (p.file, p.table, p.row or 0, p.column, p.rule, p.message))
    return report
