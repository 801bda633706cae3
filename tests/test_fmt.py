"""`syriatl fmt` is canonical, idempotent and lossless; the shipped data is canonical already."""

from __future__ import annotations

import csv
import io
import random
import unicodedata

from conftest import ROOT, read_rows

import syriatl
from syriatl.cli import main
from syriatl.formatting import format_package


def messy(data: bytes, seed: int, form: str = "NFD") -> bytes:
    """The same table, scrambled: rows shuffled, columns reordered, all quoted, NFD, CRLF, BOM."""
    rows = list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))
    header, body = rows[0], rows[1:]
    rng = random.Random(seed)
    rng.shuffle(body)
    order = list(range(len(header)))
    rng.shuffle(order)
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n", quoting=csv.QUOTE_ALL)
    for row in [header, *body]:
        writer.writerow([unicodedata.normalize(form, row[i]) for i in order])
    return b"\xef\xbb\xbf" + out.getvalue().encode("utf-8")


def test_shipped_package_is_canonical():
    results = format_package(ROOT, check=True)
    assert {r.status for r in results} == {"unchanged"}, results
    assert len(results) == len(syriatl.list_tables())


def test_fmt_restores_canonical_bytes(package):
    originals = {p.name: p.read_bytes() for p in (package / "data").glob("*.csv")}
    for seed, (name, data) in enumerate(originals.items()):
        (package / "data" / name).write_bytes(messy(data, seed))
    assert not syriatl.validate(package).valid

    results = format_package(package)
    assert {r.status for r in results} == {"rewritten"}
    for name, data in originals.items():
        assert (package / "data" / name).read_bytes() == data, name
    assert syriatl.validate(package).valid


def test_fmt_is_idempotent_and_keeps_arabic(package):
    arabic = [r["name_ar"] for r in read_rows(package, "actors") if r["name_ar"]]
    path = package / "data" / "actors.csv"
    path.write_bytes(messy(path.read_bytes(), 7))
    format_package(package)
    once = path.read_bytes()
    assert {r.status for r in format_package(package)} == {"unchanged"}
    assert path.read_bytes() == once
    assert [r["name_ar"] for r in read_rows(package, "actors") if r["name_ar"]] == arabic
    assert all(name.encode("utf-8") in once for name in arabic)


def test_tables_read_equal_before_and_after(package):
    path = package / "data" / "events.csv"
    path.write_bytes(messy(path.read_bytes(), 3, form="NFC"))
    before = syriatl.load("events", path=package)
    format_package(package)
    after = syriatl.load("events", path=package)
    assert len(before) == len(after) == len(read_rows(ROOT, "events"))
    before = before[list(after.columns)].sort_values("event_id", ignore_index=True)
    assert before.equals(after)


def test_unreadable_file_is_left_alone(package, capsys):
    path = package / "data" / "places.csv"
    ragged = path.read_bytes() + b"extra,row,with,too,few,cells\n"
    path.write_bytes(ragged)
    other = package / "data" / "sources.csv"
    other.write_bytes(b"\xff\xfe" + other.read_bytes())
    shuffled = package / "data" / "actors.csv"
    shuffled.write_bytes(messy(shuffled.read_bytes(), 1))

    assert main(["fmt", str(package)]) == 1
    out = capsys.readouterr().out
    assert "left alone data/places.csv: row" in out
    assert "left alone data/sources.csv" in out and "not UTF-8" in out
    assert "rewrote data/actors.csv" in out
    assert path.read_bytes() == ragged
    assert other.read_bytes().startswith(b"\xff\xfe")


def test_check_mode_changes_nothing(package):
    path = package / "data" / "events.csv"
    scrambled = messy(path.read_bytes(), 5)
    path.write_bytes(scrambled)
    assert main(["fmt", "--check", str(package)]) == 1
    assert path.read_bytes() == scrambled
