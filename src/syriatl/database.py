"""The data as one SQLite database, documented for Datasette: a browser and a query page for
readers who do not write Python.

Built with sqlite-utils (the ``sqlite`` extra) from the typed tables, so every table keeps its
types, primary key and foreign keys (indexed); events get full-text search on their titles and
descriptions, and a view joins each event to its place and actors. ``metadata.json`` carries
the title, licence, source and every column's description from the Table Schemas:
``datasette syriatl.db -m metadata.json`` opens it.
"""

from __future__ import annotations

import json
from pathlib import Path

DATABASE = "syriatl.db"
METADATA = "metadata.json"
SQL_TYPES = {"integer": int, "number": float}  # dates go in as ISO text, as in the CSVs
JOINED_VIEW = """
select
  e.event_id, e.date, e.end_date, e.event_type, e.title, e.certainty, e.fatalities,
  e.place_id, p.name as place, p.governorate, p.latitude, p.longitude,
  (select group_concat(actor_id, '; ') from event_actors a
     where a.event_id = e.event_id and a.role = 'initiator') as initiators,
  (select group_concat(actor_id, '; ') from event_actors a
     where a.event_id = e.event_id and a.role = 'target') as targets,
  (select count(*) from event_sources s where s.event_id = e.event_id) as sources
from events e left join places p on p.place_id = e.place_id
"""


def write_sqlite(out: Path, path: str | Path | None = None) -> list[Path]:
    """``syriatl.db`` and Datasette's ``metadata.json`` in ``out``; returns the files written.

    Raises ImportError with the install command when sqlite-utils is missing.
    """
    try:
        import sqlite_utils
    except ImportError:
        raise ImportError(
            "the SQLite export needs sqlite-utils: pip install 'syriatl[sqlite]'"
        ) from None
    from syriatl.exports import plain
    from syriatl.loading import _package, load_package
    from syriatl.package import unpacked

    with unpacked(path) as local:
        package = _package(local)
        tables = load_package(path=local)
    out.mkdir(parents=True, exist_ok=True)
    target = out / DATABASE
    target.unlink(missing_ok=True)
    db = sqlite_utils.Database(target)
    for name, resource in package.resources.items():
        columns = {f["name"]: SQL_TYPES.get(f.get("type"), str) for f in resource.fields}
        key = resource.primary_key
        db[name].create(columns, pk=key[0] if len(key) == 1 else tuple(key))
        rows = (
            {column: plain(value) for column, value in row.items()}
            for row in tables[name].to_dict("records")
        )
        db[name].insert_all(rows, batch_size=5000)
    db.add_foreign_keys(
        [
            (name, fk["fields"][0], fk["reference"]["resource"], fk["reference"]["fields"][0])
            for name, resource in package.resources.items()
            for fk in resource.foreign_keys
            if len(fk["fields"]) == 1 and fk["reference"]["resource"] in package.resources
        ]
    )
    db.index_foreign_keys()
    db["events"].enable_fts(["title", "description"], create_triggers=False)
    db.create_view("events_joined", JOINED_VIEW)
    db.vacuum()
    db.close()
    meta = out / METADATA
    meta.write_text(
        json.dumps(metadata(package), indent=2, ensure_ascii=False, sort_keys=True) + "\n",
        encoding="utf-8",
    )
    return [target, meta]


def metadata(package) -> dict:
    """Datasette's metadata: what the data is, its licence and source, every column described."""
    descriptor = package.descriptor
    licence = (descriptor.get("licenses") or [{}])[0]
    tables = {
        name: {
            "description": resource.schema.get("description", ""),
            "columns": {f["name"]: f.get("description", "") for f in resource.fields},
        }
        for name, resource in package.resources.items()
    }
    tables["events"]["fts_table"] = "events_fts"
    return {
        "title": descriptor.get("title", "syriatl"),
        "description": descriptor.get("description", ""),
        "license": licence.get("title") or licence.get("name", ""),
        "license_url": licence.get("path", ""),
        "source": f"syriatl {package.version}",
        "source_url": descriptor.get("homepage", ""),
        "databases": {"syriatl": {"tables": tables}},
    }
