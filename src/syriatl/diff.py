"""What changed between two versions of the package: rows added, removed and changed per table.

Either side may be a package folder, a ``datapackage.json`` or a release zip. Rows are matched
by primary key and compared as the text in the CSVs, so a diff shows exactly what an editor
changed. IDs that left without a line in ``retired_ids`` are listed apart: that should never
happen.
"""

from __future__ import annotations

import contextlib
import csv
import json
from collections.abc import Iterator
from pathlib import Path

from syriatl.package import Package, read_package, unpacked


@contextlib.contextmanager
def opened(path: str | Path) -> Iterator[Package]:
    """The package at a folder, a descriptor or inside a release zip (unpacked to a temp dir)."""
    with unpacked(path) as local:
        package, _ = read_package(local)
        yield package


def read_rows(package: Package, name: str) -> tuple[list[str], dict[str, dict[str, str]]]:
    """A table's columns and its rows keyed by primary key (the key's values joined by ' | ')."""
    resource = package.resources[name]
    with resource.path.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        rows = list(reader)
        columns = list(reader.fieldnames or [])
    key = resource.primary_key or columns
    return columns, {" | ".join(row.get(k) or "" for k in key): row for row in rows}


def retired(package: Package) -> set[tuple[str, str]]:
    """Every (table, id) that the package's retired_ids table lists."""
    if "retired_ids" not in package.resources:
        return set()
    _, rows = read_rows(package, "retired_ids")
    return {(row["table"], row["id"]) for row in rows.values()}


def diff(old: str | Path, new: str | Path) -> dict:
    """The differences between two package versions, as plain data (JSON-ready)."""
    with opened(old) as before, opened(new) as after:
        result = {"old": before.version, "new": after.version, "tables": {}}
        gone = retired(after)
        unretired = []
        for name in sorted(set(before.resources) | set(after.resources)):
            if name not in after.resources:
                result["tables"][name] = {"status": "removed"}
                continue
            if name not in before.resources:
                _, rows = read_rows(after, name)
                result["tables"][name] = {"status": "added", "added": sorted(rows)}
                continue
            old_columns, old_rows = read_rows(before, name)
            new_columns, new_rows = read_rows(after, name)
            changed = {}
            for key in sorted(old_rows.keys() & new_rows.keys()):
                fields = {
                    column: [old_rows[key].get(column), new_rows[key].get(column)]
                    for column in dict.fromkeys(old_columns + new_columns)
                    if old_rows[key].get(column) != new_rows[key].get(column)
                }
                if fields:
                    changed[key] = fields
            removed = sorted(old_rows.keys() - new_rows.keys())
            entry = {
                "added": sorted(new_rows.keys() - old_rows.keys()),
                "removed": removed,
                "changed": changed,
                "columns_added": [c for c in new_columns if c not in old_columns],
                "columns_removed": [c for c in old_columns if c not in new_columns],
            }
            result["tables"][name] = entry
            if len(after.resources[name].primary_key) == 1:
                unretired += [f"{name} {key}" for key in removed if (name, key) not in gone]
        result["unretired"] = unretired
        return result


def diff_text(result: dict) -> str:
    """A short, readable report: a line per table that changed, then each change."""
    lines = [f"syriatl {result['old']} -> {result['new']}"]
    for name, entry in result["tables"].items():
        if entry.get("status"):
            lines.append(f"{name}: table {entry['status']}")
            continue
        counts = (len(entry["added"]), len(entry["removed"]), len(entry["changed"]))
        if not any(counts) and not entry["columns_added"] and not entry["columns_removed"]:
            continue
        lines.append(f"{name}: {counts[0]} added, {counts[1]} removed, {counts[2]} changed")
        lines += [f"  + column {c}" for c in entry["columns_added"]]
        lines += [f"  - column {c}" for c in entry["columns_removed"]]
        lines += [f"  + {key}" for key in entry["added"]]
        lines += [f"  - {key}" for key in entry["removed"]]
        for key, fields in entry["changed"].items():
            for column, (was, now) in fields.items():
                lines.append(f"  ~ {key} {column}: {was!r} -> {now!r}")
    if len(lines) == 1:
        lines.append("no differences")
    if result["unretired"]:
        lines.append("IDs removed without a retired_ids row: " + ", ".join(result["unretired"]))
    return "\n".join(lines)


def diff_json(result: dict) -> str:
    return json.dumps(result, indent=2, ensure_ascii=False)
