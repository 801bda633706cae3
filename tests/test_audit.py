"""Audit samples: the documented draw, reproducible by anyone from the same release."""

from __future__ import annotations

import csv
import io
import json

import pytest
from conftest import read_rows
from test_cli import run

import syriatl
from syriatl.audit import SampleSizeError, sample_links


def test_sample_is_the_documented_pandas_draw():
    # the methodology names this one-liner; the command must give the very same pairs
    links = syriatl.load("event_sources")
    expected = links.sample(n=20, random_state=2026120525)
    drawn = sample_links(2026120525)
    assert drawn["event_id"].tolist() == expected["event_id"].tolist()
    assert drawn["source_id"].tolist() == expected["source_id"].tolist()


def test_same_seed_same_pairs_other_seed_other_pairs():
    first, again, other = sample_links(7), sample_links(7), sample_links(8)
    key = ["event_id", "source_id"]
    assert first[key].equals(again[key])
    assert not first[key].equals(other[key])
    assert not first.duplicated(key).any()


def test_each_pair_carries_what_a_reader_needs(package):
    # the sample is drawn from the copy given, and every pair is one of its links with its page
    links = {(r["event_id"], r["source_id"]): r for r in read_rows(package, "event_sources")}
    sources = {r["source_id"]: r for r in read_rows(package, "sources")}
    out = run("sample", "--seed", "3", "-n", "5", "--path", str(package))
    assert out.returncode == 0, out.stderr
    rows = list(csv.DictReader(io.StringIO(out.stdout)))
    assert len(rows) == 5
    for row in rows:
        link = links[(row["event_id"], row["source_id"])]
        assert row["supports"] == link["supports"]
        assert row["url"] == sources[row["source_id"]]["url"]
        assert row["published"] == sources[row["source_id"]]["published"]


def test_json_sample_has_days_and_nulls(package):
    # a page's date is its day as the CSV gives it, and a missing value is null, not "NaT" or ""
    sources = {r["source_id"]: r for r in read_rows(package, "sources")}
    out = run("sample", "--seed", "1", "-n", "20", "--format", "json", "--path", str(package))
    assert out.returncode == 0, out.stderr
    records = json.loads(out.stdout)
    assert len(records) == 20
    for record in records:
        published = sources[record["source_id"]]["published"]
        assert record["published"] == (published or None)  # YYYY-MM-DD, not a timestamp
        assert record["original_publisher"] is None or record["original_publisher"]
    assert any(record["published"] for record in records)


@pytest.mark.parametrize("n", ["0", "100000"])
def test_impossible_size_is_a_usage_error(n):
    out = run("sample", "--seed", "1", "-n", n)
    assert out.returncode == 2
    assert "a sample holds 1 to" in out.stderr
    assert "Traceback" not in out.stderr
    with pytest.raises(SampleSizeError):
        sample_links(1, int(n))
