"""One version everywhere, a valid citation, a reproducible bundle, exports and diffs."""

from __future__ import annotations

import json
import re
import tomllib
import zipfile
from collections import Counter
from pathlib import Path

import geojson
import jsonschema
import pandas as pd
import pytest
import yaml
from conftest import ROOT, copy_package, read_rows, set_cell, write_rows
from test_frictionless import frictionless_report

import syriatl
from syriatl.citation import cite
from syriatl.cli import main
from syriatl.diff import diff
from syriatl.exports import geojson as to_geojson
from syriatl.package import read_package
from syriatl.release import build_release, sha256, vanished_ids

VERSION = json.loads((ROOT / "datapackage.json").read_text())["version"]
CFF = yaml.safe_load((ROOT / "CITATION.cff").read_text())


def cff_schema() -> dict:
    return json.loads((ROOT / "tests" / "data" / "cff-1.2.0.schema.json").read_text())


# -- one version -----------------------------------------------------------------------------


def test_every_place_agrees_on_the_version():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert pyproject["project"]["dynamic"] == ["version"]
    assert pyproject["tool"]["hatch"]["version"]["path"] == "datapackage.json"
    assert re.fullmatch(r"\d+\.\d+\.\d+", VERSION)
    assert str(CFF["version"]) == VERSION
    assert json.loads((ROOT / ".zenodo.json").read_text())["version"] == VERSION
    assert syriatl.__version__ == VERSION


def test_changelog_has_a_dated_section_for_the_version():
    changelog = (ROOT / "CHANGELOG.md").read_text()
    released = re.findall(r"^## (\d+\.\d+\.\d+) \((\d{4}-\d\d-\d\d)\)$", changelog, re.M)
    assert released, "no released section"
    assert released[0] == (VERSION, str(CFF["date-released"]))


# -- citation --------------------------------------------------------------------------------


def test_citation_cff_is_valid_cff_1_2_0():
    jsonschema.validate(json.loads(json.dumps(CFF, default=str)), cff_schema())
    assert CFF["type"] == "dataset"


def test_cff_schema_rejects_a_broken_citation():
    broken = json.loads(json.dumps(CFF, default=str))
    del broken["authors"]
    broken["type"] = "paper"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, cff_schema())


def test_zenodo_metadata():
    zenodo = json.loads((ROOT / ".zenodo.json").read_text())
    assert zenodo["upload_type"] == "dataset"
    assert zenodo["title"] == CFF["title"]
    assert zenodo["publication_date"] == str(CFF["date-released"])


@pytest.mark.parametrize("style", ["bibtex", "apa", "cff"])
def test_cite_prints_the_installed_version(style, capsys):
    assert main(["cite", "--format", style]) == 0
    out = capsys.readouterr().out
    assert VERSION in out and CFF["title"] in out


def test_dunder_citation_is_bibtex():
    assert syriatl.__citation__ == cite("bibtex")
    assert syriatl.__citation__.startswith("@misc{syriatl_")
    assert f"version = {{{VERSION}}}" in syriatl.__citation__


def test_apa_reference():
    year = str(CFF["date-released"])[:4]
    assert cite("apa") == (
        f"syriatl contributors. ({year}). {CFF['title']} (Version {VERSION}) [Data set]. "
        f"{CFF['url']}"
    )


# -- release bundle --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    return build_release(tmp_path_factory.mktemp("release"))


def test_release_is_reproducible(bundle, tmp_path):
    again = build_release(tmp_path)
    assert again.path.name == f"syriatl-data-{VERSION}.zip"
    assert again.path.read_bytes() == bundle.path.read_bytes()
    assert again.sha256 == bundle.sha256 == sha256(bundle.path.read_bytes())
    assert again.bytes == bundle.path.stat().st_size


def test_unpacked_release_validates(bundle, tmp_path):
    with zipfile.ZipFile(bundle.path) as archive:
        names = archive.namelist()
        archive.extractall(tmp_path)
    root = tmp_path / f"syriatl-data-{VERSION}"
    assert all(name.startswith(f"syriatl-data-{VERSION}/") for name in names)
    for name in ("CITATION.cff", "LICENSE-DATA", "README.md", "SHA256SUMS", "datapackage.json"):
        assert (root / name).is_file(), name
    report = frictionless_report(root)
    assert report.valid, report.flatten(["type", "note"])
    assert syriatl.validate(root).valid

    descriptor = json.loads((root / "datapackage.json").read_text())
    for entry in descriptor["resources"]:
        data = (root / entry["path"]).read_bytes()
        assert data == (ROOT / entry["path"]).read_bytes()
        assert entry["bytes"] == len(data)
        assert entry["hash"] == f"sha256:{sha256(data)}"
    for line in (root / "SHA256SUMS").read_text().splitlines():
        digest, name = line.split("  ", 1)
        assert sha256((root / name).read_bytes()) == digest, name


def test_edited_release_is_caught(bundle, tmp_path):
    with zipfile.ZipFile(bundle.path) as archive:
        archive.extractall(tmp_path)
    root = tmp_path / f"syriatl-data-{VERSION}"
    set_cell(root, "events", 0, "title", "An edited title after the release was made")
    rules = {p.rule for p in syriatl.validate(root).problems if p.table == "events"}
    assert {"byte-count", "hash-count"} <= rules


def test_invalid_package_is_not_released(package, tmp_path, capsys):
    set_cell(package, "events", 0, "date", "2024-02-30")
    assert main(["release", "--out", str(tmp_path / "out"), str(package)]) == 1
    assert "not valid" in capsys.readouterr().err
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


# -- exports ---------------------------------------------------------------------------------


def test_parquet_round_trips(tmp_path, capsys):
    assert main(["export", "--format", "parquet", "--out", str(tmp_path)]) == 0
    for name in syriatl.list_tables():
        loaded = syriatl.load(name)
        back = pd.read_parquet(tmp_path / f"{name}.parquet")
        if loaded.empty:  # an empty column has no values to carry its dtype
            assert list(back.columns) == list(loaded.columns) and back.empty
            continue
        for column in loaded.select_dtypes("datetime"):  # Parquet DATE reads as dates
            back[column] = pd.to_datetime(back[column]).astype(loaded[column].dtype)
        for column in back.select_dtypes("category"):
            # Parquet keeps a dictionary's values as plain text: same codes, str not string
            categories = back[column].cat.categories.astype("string")
            back[column] = back[column].astype(pd.CategoricalDtype(categories))
        pd.testing.assert_frame_equal(back, loaded, check_dtype=True)


def test_geojson_is_valid_and_round_trips(tmp_path):
    assert main(["export", "--format", "geojson", "--out", str(tmp_path)]) == 0
    places = syriatl.load("places")
    events = syriatl.load("events")
    collection = geojson.loads((tmp_path / "places.geojson").read_text())
    assert collection.is_valid, collection.errors()
    assert len(collection["features"]) == len(places)
    for feature, row in zip(collection["features"], places.itertuples(), strict=True):
        assert feature["properties"]["place_id"] == row.place_id
        if pd.isna(row.latitude):
            assert feature["geometry"] is None
        else:
            assert feature["geometry"]["coordinates"] == [row.longitude, row.latitude]
    collection = geojson.loads((tmp_path / "events.geojson").read_text())
    assert collection.is_valid
    back = pd.DataFrame([f["properties"] for f in collection["features"]])
    assert back["event_id"].tolist() == events["event_id"].tolist()
    assert back["date"].tolist() == events["date"].dt.strftime("%Y-%m-%d").tolist()


def test_event_points_follow_their_place(package):
    index = next(
        i
        for i, r in enumerate(read_rows(package, "places"))
        if r["latitude"] and r["place_id"] == "aleppo"
    )
    set_cell(package, "places", index, "latitude", "36.25")
    events = to_geojson(package)["events"]["features"]
    aleppo = [f for f in events if f["properties"]["place_id"] == "aleppo"]
    assert aleppo and all(f["geometry"]["coordinates"][1] == 36.25 for f in aleppo)


# -- diff and retired IDs --------------------------------------------------------------------


def test_diff_reports_added_removed_and_changed(package, tmp_path, capsys):
    old = copy_package(tmp_path / "old")
    events = read_rows(package, "events")
    removed = events.pop(5)
    events[0]["title"] = "A corrected title for the first event"
    write_rows(package, "events", events)
    new_place = dict(read_rows(package, "places")[0], place_id="zz-new-place", name="New place")
    write_rows(package, "places", [*read_rows(package, "places"), new_place])

    result = diff(old, package)
    assert result["tables"]["events"]["removed"] == [removed["event_id"]]
    first = read_rows(old, "events")[0]
    assert result["tables"]["events"]["changed"] == {
        first["event_id"]: {"title": [first["title"], "A corrected title for the first event"]}
    }
    assert result["tables"]["places"]["added"] == ["zz-new-place"]
    assert result["unretired"] == [f"events {removed['event_id']}"]

    assert main(["diff", str(old), str(package)]) == 0
    text = capsys.readouterr().out
    assert "events: 0 added, 1 removed, 1 changed" in text
    assert f"IDs removed without a retired_ids row: events {removed['event_id']}" in text
    assert main(["diff", "--format", "json", str(old), str(package)]) == 0
    assert json.loads(capsys.readouterr().out) == result


def test_retired_ids_are_not_unretired(package, tmp_path):
    old = copy_package(tmp_path / "old")
    events = read_rows(package, "events")
    links = read_rows(package, "event_sources")
    citing = Counter(link["source_id"] for link in links)
    shared = {  # events whose every page another event cites too (so no source is left uncited)
        event_id
        for event_id in {link["event_id"] for link in links}
        if all(citing[k["source_id"]] > 1 for k in links if k["event_id"] == event_id)
    }
    # an event at Aleppo that changes no one's control (so the daily table stays as it is),
    # replaced by another event at Aleppo (so the place stays used)
    at_aleppo = [e for e in events if e["place_id"] == "aleppo"]
    gone = next(
        e for e in at_aleppo if e["event_type"] != "territory-captured" and e["event_id"] in shared
    )
    kept = next(e for e in at_aleppo if e is not gone)
    events.remove(gone)
    write_rows(package, "events", events)
    retired = [
        {
            "table": "events",
            "id": gone["event_id"],
            "retired_in": "9.9.9",
            "reason": "duplicate",
            "replaced_by": kept["event_id"],
            "note": "the same capture, reported twice",
        }
    ]
    rows = sorted(
        [*read_rows(package, "retired_ids"), *retired], key=lambda r: (r["table"], r["id"])
    )
    write_rows(package, "retired_ids", rows)
    # the link rows of the retired event go too
    for table in ("event_actors", "event_sources"):
        rows = [r for r in read_rows(package, table) if r["event_id"] != gone["event_id"]]
        write_rows(package, table, rows)
    assert syriatl.validate(package).valid, syriatl.validate(package).to_text()
    assert diff(old, package)["unretired"] == []


def test_diff_reads_release_zips(bundle, package, tmp_path):
    set_cell(package, "actors", 0, "description", "A new description, longer than before.")
    result = diff(bundle.path, package)
    assert list(result["tables"]["actors"]["changed"]) == [
        read_rows(package, "actors")[0]["actor_id"]
    ]
    assert result["old"] == result["new"] == VERSION


def test_diff_refuses_unsafe_zip(tmp_path, capsys):
    evil = tmp_path / "evil.zip"
    with zipfile.ZipFile(evil, "w") as archive:
        archive.writestr("../outside.txt", "x")
        archive.writestr("pkg/datapackage.json", "{}")
    assert main(["diff", str(evil), str(ROOT)]) == 2
    assert "unsafe path" in capsys.readouterr().err
    assert not (tmp_path.parent / "outside.txt").exists()


MANIFESTS = sorted((ROOT / "releases").glob("*.ids.csv"))


@pytest.mark.parametrize("manifest", MANIFESTS, ids=lambda p: p.name)
def test_no_id_of_a_past_release_vanished(manifest: Path):
    assert len(manifest.read_text().splitlines()) > 100
    vanished = vanished_ids(read_package(ROOT)[0], manifest)
    assert not vanished, f"IDs of {manifest.name} gone without a retired_ids row: {vanished}"


def test_a_vanished_id_is_caught(package):
    events = read_rows(package, "events")
    write_rows(package, "events", events[1:])
    vanished = vanished_ids(read_package(package)[0], MANIFESTS[0])
    assert vanished == [f"events {events[0]['event_id']}"]
    write_rows(
        package,
        "retired_ids",
        [
            *read_rows(package, "retired_ids"),
            {
                "table": "events",
                "id": events[0]["event_id"],
                "retired_in": "0.2.0",
                "reason": "wrong",
            },
        ],
    )
    assert vanished_ids(read_package(package)[0], MANIFESTS[0]) == []
