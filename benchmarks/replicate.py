"""Scale the real package a second, independent way: copy the whole of it N times.

    python benchmarks/replicate.py --copies 200 --out /tmp/syriatl-x200

The benchmark's own generator (generate.py) resamples events into a grown package. This one
makes no choice at all: every table that holds things (events, places, actors and every table
that refers to them) is copied N times, and in each copy every key and every foreign key gets
the copy's own ID: an event ``E000123`` becomes ``E`` + (123 + k x stride) in copy k, a place or
actor ``aleppo`` becomes ``aleppo-r<k>``. Code tables, sources (whose ID pattern, ``S`` + five
digits, leaves no room for copies: every copy cites the same pages) and retired IDs are kept
once. The copy is valid exactly when the real package is, so no result depends on one
generator's assumptions. ``syriatl fmt`` puts every table back in primary-key order.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MAX_EVENTS = 999_999  # the pattern E + six digits
SHARED = {"sources", "retired_ids"}  # kept once: see the module's docstring
# columns that hold a space-separated list of keys, not one: each key gets the copy's mark
LISTS = {("event_sources", "actors"): "actors"}


def read_json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def stride(source: Path, paths: dict[str, str]) -> int:
    """One more than the highest event number used or retired: copy k starts above k x this."""
    numbers = []
    for name in ("events", "retired_ids"):
        with open(source / paths[name], encoding="utf-8", newline="") as f:
            for row in csv.DictReader(f):
                ident = row.get("event_id") or row.get("id") or ""
                if re.fullmatch(r"E\d{6}", ident):
                    numbers.append(int(ident[1:]))
    return max(numbers) + 1


def max_copies(source: Path = ROOT) -> int:
    descriptor = read_json(source / "datapackage.json")
    paths = {r["name"]: r["path"] for r in descriptor["resources"]}
    return MAX_EVENTS // stride(source, paths) - 1


def replicate(copies: int, out: Path, source: Path = ROOT) -> dict[str, int]:
    descriptor = read_json(source / "datapackage.json")
    resources = {r["name"]: r for r in descriptor["resources"]}
    paths = {name: r["path"] for name, r in resources.items()}
    step = stride(source, paths)
    if copies < 1 or copies > max_copies(source):
        raise SystemExit(f"--copies must be 1 to {max_copies(source)} (event IDs run out)")
    out.mkdir(parents=True, exist_ok=True)
    (out / "datapackage.json").write_text(json.dumps(descriptor, indent=2), encoding="utf-8")
    (out / "schemas").mkdir(exist_ok=True)
    rows_out = {}
    schemas = {name: read_json(source / r["schema"]) for name, r in resources.items()}

    def names(table: str, field: str) -> str | None:
        """What a column names in the end: events, places or actors (through a chain of
        foreign keys, e.g. daily_control.place_id -> control_baseline -> places), or None."""
        for _ in range(len(schemas)):
            schema = schemas[table]
            if table in ("events", "places", "actors") and field in schema["primaryKey"]:
                return table
            target = None
            for key in schema.get("foreignKeys", []):
                fields = key["fields"] if isinstance(key["fields"], list) else [key["fields"]]
                if field in fields:
                    ref = key["reference"]
                    refs = ref["fields"] if isinstance(ref["fields"], list) else [ref["fields"]]
                    target = (ref.get("resource") or table, refs[fields.index(field)])
            if target is None:
                return None
            table, field = target
        return None

    for name, resource in resources.items():
        schema = schemas[name]
        (out / resource["schema"]).write_text(json.dumps(schema, indent=2), encoding="utf-8")
        fields = [f["name"] for f in schema["fields"]]
        mapped = {f: names(name, f) for f in fields}
        mapped = {f: kind for f, kind in mapped.items() if kind}
        lists = {f: kind for (table, f), kind in LISTS.items() if table == name and f in fields}
        # other unique columns (an actor's name) get the copy's mark too
        unique = [
            f["name"]
            for f in schema["fields"]
            if (f.get("constraints") or {}).get("unique") and f["name"] not in mapped
        ]
        with open(source / resource["path"], encoding="utf-8", newline="") as f:
            reader = csv.DictReader(f)
            header, rows = reader.fieldnames, list(reader)
        is_code_table = schema.get("primaryKey") == ["code"]
        copied = list(rows)
        if not (is_code_table or name in SHARED or not mapped):
            for k in range(1, copies):
                for row in rows:
                    copy = dict(row)
                    for field, target in mapped.items():
                        value = copy.get(field) or ""
                        if not value:
                            continue
                        if target == "events":
                            copy[field] = f"E{int(value[1:]) + k * step:06d}"
                        else:
                            copy[field] = f"{value}-r{k}"
                    for field in lists:
                        if copy.get(field):
                            copy[field] = " ".join(f"{key}-r{k}" for key in copy[field].split())
                    for field in unique:
                        if copy.get(field):
                            copy[field] = f"{copy[field]} (r{k})"
                    copied.append(copy)
        (out / resource["path"]).parent.mkdir(parents=True, exist_ok=True)
        with open(out / resource["path"], "w", encoding="utf-8", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=header, lineterminator="\n")
            writer.writeheader()
            writer.writerows(copied)
        rows_out[name] = len(copied)
    # every table back in primary-key order, as the canonical-order rule wants
    subprocess.run(
        [sys.executable, "-c", "from syriatl.cli import main; main()", "fmt", str(out)],
        check=True,
        capture_output=True,
    )
    return rows_out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--copies", type=int, required=True, help="copies of the package in all")
    parser.add_argument("--out", type=Path, required=True, help="folder for the copy")
    parser.add_argument("--source", type=Path, default=ROOT, help="the real package's folder")
    args = parser.parse_args(argv)
    rows = replicate(args.copies, args.out, args.source)
    print(json.dumps(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
