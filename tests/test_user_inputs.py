"""What users bring: a release zip as downloaded, or frames of their own, checked like the CLI."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pandas as pd
import pytest

import syriatl
from syriatl import package as packaging
from syriatl.cli import main
from syriatl.release import build_release


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> Path:
    return build_release(tmp_path_factory.mktemp("release")).path


def test_a_release_zip_validates_as_the_folder_does(bundle, capsys):
    report = syriatl.validate(bundle)
    assert report.valid, report.to_text()
    assert report.path == str(bundle)
    assert report.rows == syriatl.validate().rows
    assert main(["validate", str(bundle)]) == 0
    assert str(bundle) in capsys.readouterr().out


def test_a_release_zip_loads_as_the_folder_does(bundle):
    shipped = syriatl.load_package()
    zipped = syriatl.load_package(path=bundle)
    assert list(zipped) == list(shipped)
    for name in shipped:
        pd.testing.assert_frame_equal(zipped[name], shipped[name])
    assert syriatl.list_tables(bundle) == list(shipped)
    pd.testing.assert_frame_equal(syriatl.load("events", path=bundle), shipped["events"])


def test_a_release_zip_summarises_and_answers(bundle, capsys):
    assert syriatl.summarize(path=bundle) == syriatl.summarize()
    assert main(["summary", str(bundle)]) == 0
    assert "places in the control scope" in capsys.readouterr().out
    assert syriatl.control("hama", "2024-12-05", path=bundle) == syriatl.control(
        "hama", "2024-12-05"
    )


def _rezip(bundle: Path, out: Path, extra: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(bundle) as source, zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            target.writestr(item, source.read(item))
        for name, data in extra.items():
            target.writestr(name, data)
    return out


@pytest.mark.parametrize("name", ["../evil.txt", "/etc/evil.txt", "C:/evil.txt", "a/../../evil"])
def test_a_zip_that_would_write_outside_is_refused_whole(bundle, tmp_path, name):
    bad = _rezip(bundle, tmp_path / "bad.zip", {name: b"x"})
    report = syriatl.validate(bad)
    assert not report.valid
    assert "unsafe path" in report.problems[0].message
    with pytest.raises(packaging.PackageError, match="unsafe path"):
        syriatl.load_package(path=bad)
    assert not (tmp_path.parent / "evil.txt").exists()


def test_a_zip_bomb_is_refused(bundle, tmp_path, monkeypatch):
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("pkg/datapackage.json", "{}")
        archive.writestr("pkg/data/zeros.csv", b"0" * (8 << 20))
    report = syriatl.validate(bomb)
    assert not report.valid and "zip bomb" in report.problems[0].message
    monkeypatch.setattr(packaging, "ZIP_MAX_BYTES", 1000)
    report = syriatl.validate(bundle)
    assert "more than the 1,000 allowed" in report.problems[0].message


def test_a_file_that_is_not_a_zip_or_a_package_is_named(tmp_path, capsys):
    fake = tmp_path / "data.zip"
    fake.write_text("not a zip")
    report = syriatl.validate(fake)
    assert "not a readable zip file" in report.problems[0].message
    empty = tmp_path / "empty.zip"
    with zipfile.ZipFile(empty, "w") as archive:
        archive.writestr("README.md", "hello")
    assert "holds no datapackage.json" in syriatl.validate(empty).problems[0].message
    assert main(["summary", str(empty)]) == 2  # a usage error: nothing there to summarise
    assert "holds no datapackage.json" in capsys.readouterr().err


def test_a_url_is_refused_with_the_way_to_a_local_copy(capsys):
    url = "https://example.org/syriatl-data-0.4.0.zip"
    report = syriatl.validate(url)
    message = report.problems[0].message
    assert url in message and "local copies only" in message and "https:/example" not in message
    with pytest.raises(packaging.PackageError, match="local copies only"):
        syriatl.load("events", path=url)
    assert main(["validate", url]) == 2
    assert "local copies only" in capsys.readouterr().err


# -- frames of one's own ----------------------------------------------------------------------


def broken_events():
    """The shipped events, with a constraint, a type and a foreign key broken."""
    events = syriatl.load("events")
    events.loc[0, "title"] = "short"  # minLength 10
    events["fatalities"] = events["fatalities"].astype("object")
    events.loc[2, "fatalities"] = "many"  # not an integer
    events.loc[1, "place_id"] = "atlantis"  # no such place
    return events


def test_the_public_schema_gives_pandera_its_own_report():
    import pandera.errors

    with pytest.raises(pandera.errors.SchemaErrors) as caught:
        syriatl.schema("events").validate(broken_events(), lazy=True)
    cases = caught.value.failure_cases
    assert set(cases["column"]) >= {"title", "fatalities"}
    assert "short" in set(cases["failure_case"].astype(str))
    syriatl.schema("events").validate(syriatl.load("events"), lazy=True)  # the shipped table
    with pytest.raises(KeyError, match="no table named 'nope'"):
        syriatl.schema("nope")


def test_frames_get_the_command_lines_report():
    report = syriatl.validate_frames({"events": broken_events()})
    found = {(p.rule, p.row, p.column) for p in report.problems}
    assert ("constraint-error", 2, "title") in found
    # the cell where pandera names it (row 4), or the column where older pandera does
    assert ("type-error", 4, "fatalities") in found or ("type-error", None, "fatalities") in found
    # the bad cell is a type error; that no page states a figure for it follows from it
    assert not [
        p
        for p in report.problems
        if p.column == "fatalities" and p.rule not in ("type-error", "event-supported")
    ]
    assert ("foreign-key", 3, "place_id") in found
    assert not [p for p in report.problems if p.rule == "internal-error"]
    assert all(p.file == "data/events.csv" for p in report.problems if p.table == "events")
    assert syriatl.validate_frames({"events": syriatl.load("events")}).valid


# -- polars ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", syriatl.list_tables())
def test_polars_frames_hold_what_pandas_frames_hold(name):
    import polars as pl

    frame = syriatl.load(name, backend="polars")
    pandas = syriatl.load(name)
    assert frame.columns == list(pandas.columns)
    kinds = {"date": pl.Date, "integer": pl.Int64, "number": pl.Float64}
    for column in pandas.columns:
        dtype = frame.schema[column]
        if str(pandas[column].dtype) == "category":
            assert dtype == pl.Categorical, column
        elif pandas[column].dtype.kind == "M":
            assert dtype == kinds["date"], column
        elif str(pandas[column].dtype) == "Int64":
            assert dtype == kinds["integer"], column
    plain = pandas.astype(object).where(pandas.notna(), None)
    for column in pandas.select_dtypes("datetime").columns:
        plain[column] = [None if v is None else v.date() for v in plain[column]]
    assert frame.rows() == [tuple(row) for row in plain.itertuples(index=False)]


def test_polars_backend_imports_no_pandas():
    code = (
        "import sys, syriatl; f = syriatl.load('events', backend='polars'); "
        "assert 'pandas' not in sys.modules, 'pandas was imported'; print(f.height)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert int(done.stdout) == len(syriatl.load("events"))


def test_polars_backend_refuses_a_bad_cell_and_a_bad_backend(tmp_path):
    import polars as pl
    from conftest import copy_package, set_cell

    package = copy_package(tmp_path / "pkg")
    set_cell(package, "events", 0, "fatalities", "many")
    with pytest.raises(pl.exceptions.InvalidOperationError):
        syriatl.load("events", path=package, backend="polars")
    with pytest.raises(ValueError, match="backend must be"):
        syriatl.load("events", backend="arrow")
    with pytest.raises(KeyError, match="no table named"):
        syriatl.load("nope", backend="polars")


# -- hostile input ----------------------------------------------------------------------------


@pytest.mark.parametrize("which", ["descriptor", "schema"])
def test_json_nested_too_deeply_is_an_error_not_a_traceback(tmp_path, capsys, which):
    from conftest import copy_package

    package = copy_package(tmp_path / "pkg")
    deep = "[" * 200_000 + "]" * 200_000
    target = package / ("datapackage.json" if which == "descriptor" else "schemas/events.json")
    target.write_text('{"resources": ' + deep + "}" if which == "descriptor" else deep)
    report = syriatl.validate(package)
    assert not report.valid
    assert any("nests its JSON too deeply" in p.message for p in report.problems)
    assert main(["validate", str(package)]) == 1
    assert "Traceback" not in capsys.readouterr().err


def test_infinite_coordinates_are_findings_not_internal_errors(tmp_path):
    from conftest import copy_package, find_row, set_cell

    package = copy_package(tmp_path / "pkg")
    for place, column, value in (("hama", "longitude", "inf"), ("aleppo", "latitude", "-inf")):
        set_cell(package, "places", find_row(package, "places", place_id=place), column, value)
    report = syriatl.validate(package)
    assert not [p for p in report.problems if p.rule == "internal-error"], report.to_text()
    assert {p.column for p in report.problems if p.rule == "constraint-error"} >= {
        "latitude",
        "longitude",
    }
