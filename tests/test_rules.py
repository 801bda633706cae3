"""Each rule, broken in exactly one way in a copy of the package, is reported where it broke."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import assert_reported, find_row, problems, read_rows, set_cell, write_rows

import syriatl
from syriatl.rules import RULES


def event_with(root: Path, **where: str) -> tuple[int, dict]:
    rows = read_rows(root, "events")
    for index, row in enumerate(rows):
        if all(row[k] == v for k, v in where.items()):
            return index, row
    raise LookupError(where)


def sources_of(root: Path, event_id: str) -> list[str]:
    return [r["source_id"] for r in read_rows(root, "event_sources") if r["event_id"] == event_id]


def test_shipped_package_is_valid():
    report = syriatl.validate()
    assert report.valid, report.to_text()
    assert report.rows["events"] > 0


def test_copy_is_valid(package):
    assert syriatl.validate(package).valid
    assert syriatl.validate(package / "datapackage.json").valid


# -- types and Table Schema constraints ----------------------------------------------------


def test_impossible_date_is_a_type_error(package):
    row = set_cell(package, "events", 0, "date", "2024-02-30")
    match = assert_reported(package, "type-error", "events", row, "date")
    assert "2024-02-30" in match.message


def test_non_iso_date_is_a_type_error(package):
    row = set_cell(package, "events", 1, "date", "28/11/2024")
    assert_reported(package, "type-error", "events", row, "date")


def test_text_in_integer_column(package):
    row = set_cell(package, "events", 0, "fatalities", "about ten")
    assert_reported(package, "type-error", "events", row, "fatalities")


def test_integer_beyond_64_bits_is_a_type_error(package):
    """An Int64 column cannot hold it: reported, never wrapped round to a negative number."""
    row = set_cell(package, "events", 0, "fatalities", "99999999999999999999")
    match = assert_reported(package, "type-error", "events", row, "fatalities")
    assert "99999999999999999999" in match.message
    with pytest.raises(ValueError, match=r"'99999999999999999999' in column fatalities"):
        syriatl.load("events", path=package)


@pytest.mark.parametrize("day", ["1000-01-01", "3000-01-01"])
def test_day_beyond_nanoseconds_is_a_type_error(package, day):
    """A real day that datetime64[ns] cannot hold is reported and refused, never a crash."""
    row = set_cell(package, "events", 0, "date", day)
    match = assert_reported(package, "type-error", "events", row, "date")
    assert day in match.message and "2262-04-11" in match.message
    with pytest.raises(ValueError, match=rf"'{day}' in column date"):
        syriatl.load("events", path=package)


def test_pattern_constraint(package):
    rows = read_rows(package, "actor_aliases")
    row = set_cell(package, "actor_aliases", 0, "language", "English")
    assert rows
    match = assert_reported(package, "constraint-error", "actor_aliases", row, "language")
    assert "pattern" in match.message


def test_required_constraint(package):
    row = set_cell(package, "events", 2, "title", "")
    match = assert_reported(package, "constraint-error", "events", row, "title")
    assert "required" in match.message


def test_minimum_constraint(package):
    row = set_cell(package, "events", 0, "fatalities", "-3")
    match = assert_reported(package, "constraint-error", "events", row, "fatalities")
    assert "minimum" in match.message


def test_coordinate_out_of_range(package):
    index = find_row(package, "places", place_id="aleppo")
    row = set_cell(package, "places", index, "latitude", "136.2")
    assert_reported(package, "constraint-error", "places", row, "latitude")


def test_duplicate_primary_key(package):
    rows = read_rows(package, "events")
    row = set_cell(package, "events", 1, "event_id", rows[0]["event_id"])
    assert_reported(package, "primary-key", "events", row, "event_id")


def test_duplicate_compound_primary_key(package):
    rows = read_rows(package, "event_actors")
    rows.insert(1, dict(rows[0]))
    write_rows(package, "event_actors", rows)
    found = problems(package, "primary-key")
    assert any(p.table == "event_actors" and p.row in (2, 3) for p in found)


# -- references ------------------------------------------------------------------------------


def test_dangling_place(package):
    row = set_cell(package, "events", 0, "place_id", "atlantis")
    match = assert_reported(package, "foreign-key", "events", row, "place_id")
    assert "atlantis" in match.message and "places" in match.message


def test_dangling_code(package):
    row = set_cell(package, "events", 0, "event_type", "picnic")
    assert_reported(package, "foreign-key", "events", row, "event_type")


def test_dangling_self_reference(package):
    row = set_cell(package, "actors", 0, "parent_id", "nobody-at-all")
    assert_reported(package, "foreign-key", "actors", row, "parent_id")


def test_parent_cycle(package):
    places = read_rows(package, "places")
    child = next(p for p in places if p["parent_id"] == "syria")["place_id"]
    row = set_cell(
        package, "places", find_row(package, "places", place_id="syria"), "parent_id", child
    )
    found = problems(package, "cycle")
    assert any(p.table == "places" and p.column == "parent_id" for p in found)
    assert any("syria" in p.message and child in p.message for p in found)
    assert row > 1


# -- dates ---------------------------------------------------------------------------------


def test_end_date_before_date(package):
    index, _ = event_with(package, date_precision="day")
    rows = read_rows(package, "events")
    rows[index].update(date_precision="span", end_date="2024-11-26")
    write_rows(package, "events", rows)
    assert_reported(package, "date-order", "events", index + 2, "end_date")


def test_day_precision_has_no_end_date(package):
    index, event = event_with(package, date_precision="day")
    row = set_cell(package, "events", index, "end_date", event["date"])
    assert_reported(package, "date-precision", "events", row, "end_date")


def test_event_outside_temporal_coverage(package):
    index, _ = event_with(package, date_precision="day")
    row = set_cell(package, "events", index, "date", "2024-11-20")
    match = assert_reported(package, "temporal-coverage", "events", row, "date")
    assert "2024-11-27" in match.message


def test_coverage_comes_from_the_descriptor(package):
    descriptor = json.loads((package / "datapackage.json").read_text())
    descriptor["temporalCoverage"]["end"] = "2024-12-01"
    (package / "datapackage.json").write_text(json.dumps(descriptor))
    late = [i for i, r in enumerate(read_rows(package, "events")) if r["date"] > "2024-12-01"]
    found = problems(package, "temporal-coverage")
    assert {p.row for p in found} >= {i + 2 for i in late}


def test_source_published_before_event(package):
    links = read_rows(package, "event_sources")
    link = links[0]
    sources = read_rows(package, "sources")
    index = next(i for i, s in enumerate(sources) if s["source_id"] == link["source_id"])
    set_cell(package, "sources", index, "published", "2024-11-01")
    match = assert_reported(package, "source-date", "event_sources", 2, "source_id")
    assert "2024-11-01" in match.message


def test_news_source_needs_date(package):
    sources = read_rows(package, "sources")
    index = next(i for i, s in enumerate(sources) if s["source_type"] in ("news", "wire"))
    row = set_cell(package, "sources", index, "published", "")
    assert_reported(package, "source-dated", "sources", row, "published")


# -- events, actors, sources ---------------------------------------------------------------


def test_event_without_actor(package):
    event_id = read_rows(package, "events")[0]["event_id"]
    rows = [r for r in read_rows(package, "event_actors") if r["event_id"] != event_id]
    write_rows(package, "event_actors", rows)
    assert_reported(package, "event-has-actor", "events", 2, "event_id")


def test_event_without_source(package):
    event_id = read_rows(package, "events")[0]["event_id"]
    rows = [r for r in read_rows(package, "event_sources") if r["event_id"] != event_id]
    write_rows(package, "event_sources", rows)
    assert_reported(package, "event-has-source", "events", 2, "event_id")


def test_claim_needs_claimant(package):
    claimants = {
        r["event_id"] for r in read_rows(package, "event_actors") if r["role"] == "claimant"
    }
    events = read_rows(package, "events")
    index = next(i for i, e in enumerate(events) if e["event_id"] not in claimants)
    row = set_cell(package, "events", index, "certainty", "claimed")
    assert_reported(package, "claimant-named", "events", row, "certainty")


def test_confirmed_needs_two_publishers(package):
    events = read_rows(package, "events")
    publisher = {s["source_id"]: s["publisher"] for s in read_rows(package, "sources")}
    index = next(
        i
        for i, e in enumerate(events)
        if len({publisher[s] for s in sources_of(package, e["event_id"])}) == 1
    )
    row = set_cell(package, "events", index, "certainty", "confirmed")
    assert_reported(package, "confirmed-publishers", "events", row, "certainty")


def test_disputed_needs_notes(package):
    rows = read_rows(package, "events")
    rows[0].update(certainty="disputed", notes="")
    write_rows(package, "events", rows)
    assert_reported(package, "disputed-noted", "events", 2, "notes")


def test_place_required_unless_none(package):
    index, _ = event_with(package, geo_precision="exact")
    row = set_cell(package, "events", index, "place_id", "")
    assert_reported(package, "place-required", "events", row, "place_id")


# -- places and codes ----------------------------------------------------------------------


def test_unknown_governorate_code(package):
    index = find_row(package, "places", place_id="aleppo")
    row = set_cell(package, "places", index, "governorate", "SY-XX")
    match = assert_reported(package, "iso-code", "places", row, "governorate")
    assert "ISO 3166-2:SY" in match.message


def test_unknown_country_code(package):
    row = set_cell(package, "actors", 0, "country", "XX")
    assert_reported(package, "iso-code", "actors", row, "country")


def test_governorate_differs_from_parent(package):
    index = find_row(package, "places", place_id="aleppo")
    row = set_cell(package, "places", index, "governorate", "SY-DI")
    assert_reported(package, "place-hierarchy", "places", row, "governorate")


def test_half_a_coordinate(package):
    index = find_row(package, "places", place_id="aleppo")
    row = set_cell(package, "places", index, "longitude", "")
    assert_reported(package, "coordinates", "places", row, "longitude")


def test_syrian_place_outside_syria(package):
    index = find_row(package, "places", place_id="aleppo")
    row = set_cell(package, "places", index, "latitude", "30.2")
    assert_reported(package, "inside-syria", "places", row, "latitude")


def test_place_far_from_geonames(package):
    index = find_row(package, "places", place_id="aleppo")
    rows = read_rows(package, "places")
    shifted = f"{float(rows[index]['longitude']) + 0.2:.5f}"  # about 18 km east
    row = set_cell(package, "places", index, "longitude", shifted)
    match = assert_reported(package, "geonames", "places", row, "latitude")
    assert "km" in match.message


def test_rows_out_of_order(package):
    rows = read_rows(package, "events")
    rows[0], rows[1] = rows[1], rows[0]
    write_rows(package, "events", rows)
    assert_reported(package, "canonical-order", "events", 3, "event_id")


@pytest.mark.parametrize("prefix", ["=", "+", "-", "@", "\t", "\r"])
def test_formula_is_rejected(package, prefix):
    row = set_cell(package, "events", 3, "notes", prefix + 'HYPERLINK("http://x")')
    found = assert_reported(package, "formula-injection", "events", row, "notes")
    assert "formula" in found.message


def test_formula_in_any_text_table(package):
    row = set_cell(package, "actors", 0, "description", "@SUM(A1:A9) and more words")
    assert_reported(package, "formula-injection", "actors", row, "description")


def test_negative_numbers_are_not_formulas(package):
    index, _ = event_with(package, event_type="territory-captured")
    set_cell(package, "events", index, "fatalities", "-1")
    report = syriatl.validate(package)
    assert not [p for p in report.problems if p.rule == "formula-injection"]
    assert any(p.rule == "constraint-error" and p.column == "fatalities" for p in report.problems)


def test_retired_id_still_present(package):
    event_id = read_rows(package, "events")[0]["event_id"]
    row = {"table": "events", "id": event_id, "retired_in": "0.2.0", "reason": "wrong"}
    write_rows(package, "retired_ids", [row])
    found = assert_reported(package, "retired-id", "retired_ids", 2, "id")
    assert "never reused" in found.message


def test_retired_id_replaced_by_nothing(package):
    row = {
        "table": "events",
        "id": "E999999",
        "retired_in": "0.2.0",
        "reason": "merged",
        "replaced_by": "E999998",
    }
    write_rows(package, "retired_ids", [row])
    assert_reported(package, "retired-id", "retired_ids", 2, "replaced_by")


def duplicate_event(root: Path, index: int) -> tuple[str, str]:
    """Copy event ``index`` (with its actors and sources) under a new ID; returns both IDs."""
    events = read_rows(root, "events")
    original = events[index]
    copy = dict(original, event_id="E999999", title="The same event, entered twice by mistake")
    write_rows(root, "events", [*events, copy])
    for table in ("event_actors", "event_sources"):
        rows = read_rows(root, table)
        extra = [dict(r, event_id="E999999") for r in rows if r["event_id"] == original["event_id"]]
        write_rows(root, table, rows + extra)
    return original["event_id"], "E999999"


def test_likely_duplicate(package):
    original, copy = duplicate_event(package, 10)
    found = assert_reported(
        package, "likely-duplicate", "events", len(read_rows(package, "events")) + 1, "event_id"
    )
    assert original in found.message and copy in found.message


def test_distinct_events_pass_the_duplicate_check(package):
    original, copy = duplicate_event(package, 10)
    marked = read_rows(package, "distinct_events")
    write_rows(
        package,
        "distinct_events",
        [*marked, {"event_id": original, "other_event_id": copy, "reason": "two strikes"}],
    )
    assert not [p for p in syriatl.validate(package).problems if p.rule == "likely-duplicate"]


def test_unused_actor_and_place(package):
    actors = read_rows(package, "actors")
    lone = dict(actors[0], actor_id="nobody-at-all", name="Nobody at all", parent_id="")
    write_rows(package, "actors", [*actors, lone])
    places = read_rows(package, "places")
    spare = dict(places[-1], place_id="zz-nowhere", name="Nowhere", parent_id="syria", country="SY")
    spare.update(governorate="", latitude="", longitude="", coord_precision="none")
    spare.update(coord_source_id="", geonames_id="")
    write_rows(package, "places", [*places, spare])
    assert_reported(package, "unused", "actors", len(actors) + 2, "actor_id")
    assert_reported(package, "unused", "places", len(places) + 2, "place_id")


def test_every_rule_is_tested():
    source = "".join(path.read_text() for path in Path(__file__).parent.glob("test_*.py"))
    untested = [each.name for each in RULES if f'"{each.name}"' not in source]
    assert not untested, f"rules without a corruption test: {untested}"


@pytest.mark.parametrize("rule", [each.name for each in RULES])
def test_rules_have_statements(rule):
    each = next(r for r in RULES if r.name == rule)
    assert each.statement.endswith(".") and len(each.statement) > 20


def test_the_codebook_lists_every_rule_in_its_own_words():
    from syriatl.docs.codebook import render_rules
    from syriatl.docs.text import md

    text = render_rules()
    for each in RULES:
        assert f"`{each.name}`" in text and md(each.statement) in text
    assert len({each.name for each in RULES}) == len(RULES)
