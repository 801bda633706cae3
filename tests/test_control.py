"""Who held what, when: control histories derived from the events."""

from __future__ import annotations

import pandas as pd
from conftest import read_rows, write_rows

import syriatl
from syriatl.cli import main
from syriatl.history import breaks, changes, sides
from syriatl.loading import load_package


def test_history_has_one_row_per_change_of_control():
    events = syriatl.load("events")
    history = syriatl.control_history()
    captured = events[(events["event_type"] == "territory-captured") & events["place_id"].notna()]
    assert sorted(history["event_id"]) == sorted(captured["event_id"])
    assert history["gained_by"].str.len().gt(0).all(), "every change names who took the place"


def test_shipped_histories_are_coherent():
    assert breaks(changes(load_package())).empty


def test_sides_follow_parents():
    side = sides(syriatl.load("actors"))
    assert side["hayat-tahrir-al-sham"] == side["military-operations-command"]
    assert side["syrian-arab-army"] == side["syria-government"]


def test_control_before_during_and_after():
    history = syriatl.control_history()
    for place, mine in history.groupby("place_id"):
        first, last = mine.iloc[0], mine.iloc[-1]
        before = (first["date"] - pd.Timedelta(days=1)).strftime("%Y-%m-%d")
        assert syriatl.control(place, before, history=history) == (first["lost_by"] or None)
        day = last["date"].strftime("%Y-%m-%d")
        assert syriatl.control(place, day, history=history) == last["gained_by"]
    assert syriatl.control("no-such-place", "2024-12-01") is None


def test_control_follows_a_new_event(package):
    """A recapture added to a copy changes who holds the place from that day on."""
    history = syriatl.control_history()
    place, mine = next(iter(history.groupby("place_id")))
    last = mine.iloc[-1]
    events = read_rows(package, "events")
    template = next(e for e in events if e["event_id"] == last["event_id"])
    retaken = dict(template, event_id="E999999", date="2024-12-08", end_date="")
    retaken.update(date_precision="day", title="The place changes hands again")
    write_rows(package, "events", [*events, retaken])
    winner = "sdf" if last["gained_by"] != "sdf" else "syrian-arab-army"
    loser = last["gained_actors"].split(" + ")[0]
    links = read_rows(package, "event_actors")
    write_rows(
        package,
        "event_actors",
        [
            *links,
            {"event_id": "E999999", "actor_id": winner, "role": "initiator"},
            {"event_id": "E999999", "actor_id": loser, "role": "target"},
        ],
    )
    assert syriatl.control(place, "2024-12-07", path=package) == last["gained_by"]
    expected = sides(syriatl.load("actors"))[winner]
    assert syriatl.control(place, "2024-12-08", path=package) == expected


def test_cli_tells_a_places_story(capsys):
    history = syriatl.control_history()
    place = history["place_id"].value_counts().index[0]
    assert main(["control", place]) == 0
    out = capsys.readouterr().out
    for event_id in history.loc[history["place_id"] == place, "event_id"]:
        assert event_id in out
    assert main(["control", "no-such-place"]) == 1
