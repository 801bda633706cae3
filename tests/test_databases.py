"""The data in the tools analysts already use, each tested with the real tool running: SQLite
browsed through a Datasette server on this machine, and the Parquet export queried by DuckDB."""

from __future__ import annotations

import json
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

import syriatl
from syriatl.cli import main


@pytest.fixture(scope="module")
def database(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("sqlite")
    assert main(["export", "--format", "sqlite", "--out", str(out)]) == 0
    return out


def test_every_table_keeps_its_rows_keys_and_types(database):
    db = sqlite3.connect(database / "syriatl.db")
    for name in syriatl.list_tables():
        count = db.execute(f'select count(*) from "{name}"').fetchone()[0]
        assert count == len(syriatl.load(name)), name
    columns = {row[1]: row for row in db.execute('pragma table_info("events")')}
    assert columns["event_id"][5] == 1  # the primary key
    assert columns["fatalities"][2] == "INTEGER" and columns["date"][2] == "TEXT"
    keys = {(row[3], row[2]) for row in db.execute('pragma foreign_key_list("events")')}
    assert ("place_id", "places") in keys and ("event_type", "event_types") in keys
    indexed = {row[1] for row in db.execute('pragma index_list("event_actors")')}
    assert any("actor_id" in name for name in indexed)
    assert db.execute("pragma foreign_key_check").fetchall() == []
    # the joined view and full-text search
    hama = db.execute(
        "select place, governorate from events_joined where place_id = 'hama' limit 1"
    ).fetchone()
    assert hama == ("Hama", "SY-HM")
    found = db.execute(
        "select count(*) from events_fts where events_fts match 'Aleppo'"
    ).fetchone()[0]
    assert found > 10


def test_metadata_documents_every_column(database):
    metadata = json.loads((database / "metadata.json").read_text())
    assert metadata["license"] and metadata["source"].startswith("syriatl ")
    tables = metadata["databases"]["syriatl"]["tables"]
    assert set(tables) == set(syriatl.list_tables())
    assert tables["events"]["columns"]["certainty"]
    assert tables["daily_control"]["description"]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _get(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.loads(response.read())


def test_datasette_serves_the_database(database):
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "datasette", "serve", str(database / "syriatl.db")]
    command += ["-m", str(database / "metadata.json"), "--host", "127.0.0.1", "--port", str(port)]
    server = subprocess.Popen(
        command,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        for _ in range(150):  # up to 15 s to start
            try:
                _get(f"{base}/-/versions.json")
                break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail(f"datasette did not start: {server.stderr.read().decode()[-500:]}")
        # a foreign-key lookup: an event with its place expanded to the place's label
        event = _get(f"{base}/syriatl/events.json?event_id=E000094&_labels=on&_shape=array")
        assert event[0]["place_id"] == {"value": "hama", "label": "Hama"}
        # a full-text query
        hits = _get(f"{base}/syriatl/events.json?_search=Aleppo&_shape=array&_size=5")
        assert hits and all("aleppo" in (h["title"] + h["description"]).lower() for h in hits)
        # the metadata is served
        meta = _get(f"{base}/-/metadata.json")
        assert meta["databases"]["syriatl"]["tables"]["events"]["description"]
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_duckdb_reads_the_parquet_export_with_its_types(tmp_path):
    import duckdb

    assert main(["export", "--format", "parquet", "--out", str(tmp_path)]) == 0
    con = duckdb.connect()
    events = str(tmp_path / "events.parquet")
    types = dict(
        con.execute(f"select column_name, column_type from (describe '{events}')").fetchall()
    )
    assert types["date"] == "DATE" and types["end_date"] == "DATE"
    assert types["fatalities"] in ("BIGINT", "INTEGER")
    assert types["event_type"] in ("VARCHAR",) or types["event_type"].startswith("ENUM")
    # events joined to their place and to who held it that day
    rows = con.execute(
        f"""
        select e.event_id, p.name, d.holder_id
        from '{events}' e
        join '{tmp_path / "places.parquet"}' p using (place_id)
        join '{tmp_path / "daily_control.parquet"}' d on d.place_id = e.place_id
             and d.date = e.date
        where e.event_id = 'E000094'
        """
    ).fetchall()
    assert rows == [("E000094", "Hama", "military-operations-command")]
    missing = con.execute(f"select count(*) from '{events}' where fatalities is null").fetchone()
    assert missing[0] == syriatl.load("events")["fatalities"].isna().sum()
