"""Scale the real syriatl package to N events, keeping every rule satisfied.

    python benchmarks/generate.py --events 100000 --seed 0 --out /tmp/syriatl-100k

The output folder gets a copy of the real package (datapackage.json, schemas/ and every CSV)
with synthetic events appended. Each synthetic event resamples a real one (its type, precision,
certainty, fatalities, notes, actors and sources) and varies what a rule allows to vary:

- its date moves to a random day between the start of the temporal coverage and the real
  event's date (a span keeps its length), so no source is published before the event;
- its place is a synthetic copy of the real event's place (same parent, type and coordinates,
  its own ID and name, no GeoNames ID), each copy the place of up to ten events, so places
  grow with events and every copy is used;
- no two events share day, place, type and actors, and a copied place is captured at most
  once (the likely-duplicate and control-history rules);
- its title gets " (synthetic N)" (within the 160-character limit);
- its sources are the real event's sources or synthetic copies of them (same publisher, same
  publication date, a URL of its own: the page's, with a ``synthetic`` parameter), so confirmed
  events keep two independent publishers; a synthetic copy that no synthetic event draws is left
  out, as every source is cited.

Event IDs continue after the highest real one. The schema's pattern ``E`` + six digits allows
E999999 at most, so the largest package holds just under a million events ("1M" in the
benchmarks: 999,999 less the real IDs retired or skipped, see :func:`capacity`);
source IDs (``S`` + five digits) cap the synthetic sources at 99,999 in all. IDs listed in a
``retired_ids`` table, where the package has one, are never reused. Every table stays sorted by
its primary key. Same seed, same output, byte for byte.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import random
import shutil
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MAX_EVENTS = 999_999  # the schema's event_id pattern: E followed by six digits
MAX_SOURCES = 99_999  # the schema's source_id pattern: S followed by five digits
EVENTS_PER_SYNTHETIC_SOURCE = 10  # sources grow with events, capped by the ID space
EVENTS_PER_PLACE = 10  # places grow with events too
CAPTURE = "territory-captured"  # the event type that changes a place's control
TITLE_MAX = 160


def read_csv(path: Path) -> tuple[list[str], list[list[str]]]:
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    return rows[0], rows[1:]


def resource_paths(root: Path) -> dict[str, str]:
    descriptor = json.loads((root / "datapackage.json").read_text(encoding="utf-8"))
    return {r["name"]: r["path"] for r in descriptor["resources"]}


def copy_package(source: Path, out: Path) -> dict[str, str]:
    """Copy the descriptor, the schemas and every resource's file; returns name -> path."""
    out.mkdir(parents=True, exist_ok=True)
    shutil.copy(source / "datapackage.json", out / "datapackage.json")
    if (out / "schemas").exists():
        shutil.rmtree(out / "schemas")
    shutil.copytree(source / "schemas", out / "schemas")
    paths = resource_paths(source)
    for relpath in paths.values():
        (out / relpath).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(source / relpath, out / relpath)
    return paths


def retired(source: Path, paths: dict[str, str], table: str) -> set[str]:
    """IDs of ``table`` that a retired_ids table (if the package has one) forbids reusing."""
    if "retired_ids" not in paths:
        return set()
    header, rows = read_csv(source / paths["retired_ids"])
    if "table" not in header or "id" not in header:
        return set()
    t, i = header.index("table"), header.index("id")
    return {row[i] for row in rows if row[t] == table}


def new_ids(prefix: str, width: int, after: int, count: int, skip: set[str]) -> list[str]:
    ids, number = [], after
    while len(ids) < count:
        number += 1
        ident = f"{prefix}{number:0{width}d}"
        if ident not in skip:
            ids.append(ident)
    if ids and int(ids[-1][1:]) >= 10**width:
        raise SystemExit(f"{prefix} IDs would pass {prefix}{'9' * width}")
    return ids


def write_csv(path: Path, header: list[str], rows) -> None:
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def capacity(source: Path = ROOT) -> int:
    """The most events a package can hold: new IDs run from the highest real one to E999999
    (an ID retired or skipped below it is never reused)."""
    paths = resource_paths(source)
    header, rows = read_csv(source / paths["events"])
    numbers = [int(row[header.index("event_id")][1:]) for row in rows]
    above = {i for i in retired(source, paths, "events") if int(i[1:]) > max(numbers)}
    return len(rows) + MAX_EVENTS - max(numbers) - len(above)


def generate(events: int, seed: int, out: Path, source: Path = ROOT) -> dict[str, int]:
    """Write a package of ``events`` events in all to ``out``; returns its row counts."""
    out = Path(out)
    if events > capacity(source):
        raise SystemExit(
            f"at most {capacity(source):,} events: event IDs are E followed by six digits"
        )
    paths = copy_package(source, out)
    rng = random.Random(seed)
    descriptor = json.loads((source / "datapackage.json").read_text(encoding="utf-8"))
    coverage_start = dt.date.fromisoformat(descriptor["temporalCoverage"]["start"])

    ev_header, ev_rows = read_csv(source / paths["events"])
    ea_header, ea_rows = read_csv(source / paths["event_actors"])
    es_header, es_rows = read_csv(source / paths["event_sources"])
    so_header, so_rows = read_csv(source / paths["sources"])
    pl_header, pl_rows = read_csv(source / paths["places"])
    E = {name: i for i, name in enumerate(ev_header)}
    S = {name: i for i, name in enumerate(so_header)}
    P = {name: i for i, name in enumerate(pl_header)}
    synthetic = events - len(ev_rows)
    if synthetic < 0:
        raise SystemExit(f"the real package already has {len(ev_rows)} events")

    actors_of: dict[str, list[list[str]]] = defaultdict(list)
    for row in ea_rows:
        actors_of[row[ea_header.index("event_id")]].append(row)
    sources_of: dict[str, list[list[str]]] = defaultdict(list)
    for row in es_rows:
        sources_of[row[es_header.index("event_id")]].append(row)
    actor, role = ea_header.index("actor_id"), ea_header.index("role")
    # what the likely-duplicate and control-history rules compare
    actor_set = {e: " ".join(sorted({r[actor] for r in rows})) for e, rows in actors_of.items()}
    initiators = {
        e: " ".join(sorted(r[actor] for r in rows if r[role] == "initiator"))
        for e, rows in actors_of.items()
    }
    real_places = {row[P["place_id"]]: row for row in pl_rows}

    # synthetic sources: copies of real ones, with their own ID and URL
    real_source_ids = [row[S["source_id"]] for row in so_rows]
    last_source = max(int(i[1:]) for i in real_source_ids)
    # new IDs continue after the highest real one, so the room left is what lies above it
    n_sources = min(synthetic // EVENTS_PER_SYNTHETIC_SOURCE, MAX_SOURCES - last_source)
    source_ids = new_ids(
        "S", 5, last_source, n_sources, retired(source, paths, "sources") | set(real_source_ids)
    )
    copies_of: dict[str, list[str]] = {ident: [ident] for ident in real_source_ids}
    new_sources = []
    for ident in source_ids:
        template = rng.choice(so_rows)
        row = list(template)
        row[S["source_id"]] = ident
        # a query parameter, not a fragment: a fragment names a place on the same page
        url = template[S["url"]].split("#")[0]
        row[S["url"]] = f"{url}{'&' if '?' in url else '?'}synthetic={ident}"
        new_sources.append(row)
        copies_of[template[S["source_id"]]].append(ident)

    # synthetic places: copies of real ones, each the place of up to EVENTS_PER_PLACE events
    clones: dict[str, list[str]] = defaultdict(list)  # real place -> its copies, newest last
    placed: dict[str, int] = {}  # copy -> how many events it has
    held_by: dict[str, str] = {}  # copy -> the initiators of its captures
    new_places = []

    def new_place(real: str) -> str:
        number = len(clones[real]) + 1
        ident = f"{real}-synthetic-{number}"
        if ident in real_places:
            raise SystemExit(f"a real place is already called {ident}")
        row = list(real_places[real])
        row[P["place_id"]] = ident
        row[P["name"]] = f"{row[P['name']]} (synthetic {number})"
        if "geonames_id" in P:
            row[P["geonames_id"]] = ""  # a copy is no GeoNames place of its own
        new_places.append(row)
        clones[real].append(ident)
        placed[ident] = 0
        return ident

    def fits(place: str, key: tuple, capture: bool, gainers: str) -> bool:
        if placed[place] >= EVENTS_PER_PLACE or key in seen:
            return False
        # a copy is captured at most once: a second capture by the same side would be a
        # re-announcement (the likely-duplicate rule), by another a break in its history
        return not capture or place not in held_by

    seen = {
        (row[E["date"]], row[E["place_id"]], row[E["event_type"]], actor_set[row[E["event_id"]]])
        for row in ev_rows
    }
    last_event = max(int(row[E["event_id"]][1:]) for row in ev_rows)
    skip = retired(source, paths, "events") | {row[E["event_id"]] for row in ev_rows}
    event_ids = new_ids("E", 6, last_event, synthetic, skip)
    new_events, new_actors, new_links = [], [], []
    for ident in event_ids:
        while True:  # until the event differs from all others in day, place, type or actors
            template = rng.choice(ev_rows)
            template_id = template[E["event_id"]]
            first = dt.date.fromisoformat(template[E["date"]])
            date = coverage_start + dt.timedelta(days=rng.randint(0, (first - coverage_start).days))
            kind, real = template[E["event_type"]], template[E["place_id"]]
            capture, gainers = kind == CAPTURE, initiators[template_id]
            place = ""
            if real:
                place = clones[real][-1] if clones[real] else new_place(real)
                key = (date.isoformat(), place, kind, actor_set[template_id])
                if not fits(place, key, capture, gainers):
                    place = new_place(real)
            key = (date.isoformat(), place, kind, actor_set[template_id])
            if key not in seen:
                break
        seen.add(key)
        if place:
            placed[place] += 1
            if capture:
                held_by.setdefault(place, gainers)
        row = list(template)
        row[E["event_id"]] = ident
        row[E["date"]] = date.isoformat()
        if template[E["end_date"]]:
            span = dt.date.fromisoformat(template[E["end_date"]]) - first
            row[E["end_date"]] = (date + span).isoformat()
        row[E["place_id"]] = place
        suffix = f" (synthetic {int(ident[1:])})"
        row[E["title"]] = template[E["title"]][: TITLE_MAX - len(suffix)].rstrip() + suffix
        new_events.append(row)
        for link in actors_of[template_id]:
            new_actors.append([ident, *link[1:]])
        links = sorted(
            (
                [ident, rng.choice(copies_of[link[1]]), *link[2:]]
                for link in sources_of[template_id]
            ),
            key=lambda link: link[1],
        )
        new_links.extend(links)

    # a synthetic source that no synthetic event drew is left out: every source is cited
    drawn = {link[1] for link in new_links}
    new_sources = [row for row in new_sources if row[S["source_id"]] in drawn]

    write_csv(out / paths["events"], ev_header, [*ev_rows, *new_events])
    write_csv(out / paths["event_actors"], ea_header, [*ea_rows, *new_actors])
    write_csv(out / paths["event_sources"], es_header, [*es_rows, *new_links])
    write_csv(out / paths["sources"], so_header, [*so_rows, *new_sources])
    places = sorted([*pl_rows, *new_places], key=lambda row: row[P["place_id"]])
    write_csv(out / paths["places"], pl_header, places)
    return {
        "events": len(ev_rows) + len(new_events),
        "real_events": len(ev_rows),
        "event_actors": len(ea_rows) + len(new_actors),
        "event_sources": len(es_rows) + len(new_links),
        "sources": len(so_rows) + len(new_sources),
        "places": len(pl_rows) + len(new_places),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, required=True, help="events in all (real included)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, required=True, help="folder for the package copy")
    parser.add_argument("--source", type=Path, default=ROOT, help="the real package's folder")
    args = parser.parse_args(argv)
    counts = generate(args.events, args.seed, args.out, args.source)
    print(f"wrote {args.out}: " + ", ".join(f"{k} {v:,}" for k, v in counts.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
