"""The Map page draws the daily_control table as shipped, and a reader can use it.

- the JSON document in the page holds every row of ``daily_control``, cell for cell, and the
  events and sources behind every change;
- in headless Chromium: the day slider (by keyboard) recolours a place whose holder changed, a
  click or Enter on a place opens its history with the event's link, a ``#day=...&place=...``
  link opens that day and place, the page fits a 375 px screen, nothing is fetched from another
  host and no error is logged. Screenshots of three days go to ``build/screenshots/map-*.png``.

Expectations are read from the tables, never written here.
"""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest
from conftest import ROOT
from site_fixtures import SCREENSHOTS

import syriatl
from syriatl.docs import render_pages
from syriatl.styles import side_styles

MAP = "generated/map/"
DATA_SCRIPT = re.compile(
    r'<script type="application/json" id="syriatl-map-data">(.*?)</script>', re.S
)


def page_data(text: str) -> dict:
    found = DATA_SCRIPT.search(text)
    assert found, "the map page has no data script"
    return json.loads(found.group(1))


@pytest.fixture(scope="module")
def document() -> dict:
    return page_data(render_pages(ROOT, ROOT)["map.md"])


@pytest.fixture(scope="module")
def control() -> pd.DataFrame:
    return syriatl.load("daily_control", path=ROOT)


@pytest.fixture(scope="module")
def places() -> pd.DataFrame:
    return syriatl.load("places", path=ROOT)


def cell(value):
    """A table cell as the page's JSON writes it."""
    if value is None or value is pd.NA or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    return str(value)


def day_of(value) -> str:
    return pd.Timestamp(value).date().isoformat()


# -- the data in the page ---------------------------------------------------------------------


def test_map_data_equals_daily_control(document, control):
    days = sorted({day_of(d) for d in control["date"]})
    assert document["days"] == days
    assert set(document["control"]) == set(control["place_id"])
    assert {p["id"] for p in document["places"]} == set(control["place_id"])
    columns = document["columns"]
    assert set(columns) == set(control.columns) - {"place_id", "date"}
    seen = 0
    for row in control.itertuples(index=False):
        line = document["control"][row.place_id][days.index(day_of(row.date))]
        assert line is not None, (row.place_id, row.date)
        assert line == [cell(getattr(row, column)) for column in columns], (row.place_id, row.date)
        seen += 1
    cells = sum(1 for line in document["control"].values() for day in line if day is not None)
    assert seen == cells == len(control)


def test_map_data_has_the_evidence_of_every_change(document, control):
    events = syriatl.load("events", path=ROOT).set_index("event_id")
    links = syriatl.load("event_sources", path=ROOT)
    sources = syriatl.load("sources", path=ROOT).set_index("source_id")
    for event_id in control["event_id"].dropna().unique():
        shown = document["events"][event_id]
        assert shown["title"] == events.loc[event_id, "title"]
        assert shown["date"] == day_of(events.loc[event_id, "date"])
        linked = links.loc[links["event_id"] == event_id, "source_id"]
        assert sorted(shown["sources"]) == sorted(linked)
        for source_id in shown["sources"]:
            assert document["sources"][source_id]["url"] == sources.loc[source_id, "url"]
    for source_id in control["source_id"].dropna().unique():
        assert document["sources"][source_id]["publisher"] == sources.loc[source_id, "publisher"]


def test_map_data_places_and_sides(document, control, places):
    where = places.set_index("place_id")
    for place in document["places"]:
        row = where.loc[place["id"]]
        assert place["name"] == row["name"]
        if pd.notna(row["name_ar"]):
            assert row["name_ar"] in place["ar"]
        if pd.notna(row["latitude"]):
            assert (place["lat"], place["lon"]) == (row["latitude"], row["longitude"])
        else:
            assert place["lat"] is None
    sides = set(control["holder_id"].dropna()) | set(control["other_holder_id"].dropna())
    styles = side_styles(sides | {"unknown"})
    assert {k: (v["colour"], v["label"]) for k, v in document["sides"].items()} == {
        k: (v.colour, v.label) for k, v in styles.items()
    }


def test_static_table_names_every_place_in_scope(control):
    text = render_pages(ROOT, ROOT)["map.md"]
    for place_id in control["place_id"].unique():
        assert f"(places.md#{place_id})" in text


# -- in Chromium ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def changed_towns(control, places) -> list[dict]:
    """Located towns (then cities) whose holder on the first day differs from the last day's."""
    first, last = control["date"].min(), control["date"].max()
    start = control[control["date"] == first].set_index("place_id")
    end = control[control["date"] == last].set_index("place_id")
    located = places.dropna(subset=["latitude", "longitude"]).set_index("place_id")
    styles = side_styles(set(control["holder_id"].dropna()) | {"unknown"})
    out = []
    for place_id in sorted(set(start.index) & set(end.index) & set(located.index)):
        a, b = start.loc[place_id], end.loc[place_id]
        if "unknown" in (a["state"], b["state"]) or a["holder_id"] == b["holder_id"]:
            continue
        if styles[a["holder_id"]].colour == styles[b["holder_id"]].colour:
            continue
        rows = control[control["place_id"] == place_id]
        changes = rows[rows["since"] == rows["date"]]
        out.append(
            {
                "id": place_id,
                "name": located.loc[place_id, "name"],
                "type": located.loc[place_id, "place_type"],
                "first": styles[a["holder_id"]].colour,
                "last": styles[b["holder_id"]].colour,
                "events": [e for e in changes["event_id"].dropna()],
                "change_days": [day_of(d) for d in changes["date"]],
            }
        )
    out.sort(key=lambda t: (t["type"] != "town", t["type"] != "city", t["id"]))
    assert out, "no located place changed holder between the first and the last day"
    return out


def open_map(watched, server, hash_: str = ""):
    page = watched.page
    response = page.goto(server + MAP + hash_, wait_until="load")
    assert response is not None and response.ok
    page.wait_for_selector(".syriatl-map__marker .syriatl-map__pill")
    return page


def on_top(page, place_id: str) -> bool:
    """Whether the place's marker is the one a pointer at its centre would reach."""
    return page.evaluate(
        """id => {
            const pill = document.querySelector(`.syriatl-map__marker[data-place="${id}"]`)
                .firstChild;
            const box = pill.getBoundingClientRect();
            const hit = document.elementFromPoint(box.x + box.width / 2, box.y + box.height / 2);
            const marker = hit && hit.closest('.syriatl-map__marker');
            return !!marker && marker.dataset.place === id;
        }""",
        place_id,
    )


def marker(page, place_id: str):
    return page.locator(f'.syriatl-map__marker[data-place="{place_id}"]')


def clickable_town(page, towns: list[dict]) -> dict:
    """The first changed town whose marker is not covered by another (zooming in if needed)."""
    for _ in range(4):
        for town in towns:
            marker(page, town["id"]).scroll_into_view_if_needed()
            if on_top(page, town["id"]):
                return town
        page.locator(".leaflet-control-zoom-in").click()
        page.wait_for_timeout(400)
    pytest.fail("every changed town is covered by another marker")


def assert_clean(watched):
    assert watched.errors == []
    assert watched.foreign == [], "the map fetched from another host"


def test_markers_one_per_located_place_in_scope(server, watched, document):
    page = open_map(watched, server)
    located = {p["id"] for p in document["places"] if p["lat"] is not None}
    shown = page.locator(".syriatl-map__marker").evaluate_all(
        "els => els.map(e => e.dataset.place)"
    )
    assert sorted(shown) == sorted(located)
    names = page.locator(".syriatl-map__marker").evaluate_all(
        "els => els.map(e => [e.getAttribute('role'), e.tabIndex, e.getAttribute('aria-label')])"
    )
    assert all(role == "button" and tab == 0 and label for role, tab, label in names)
    assert_clean(watched)


def test_slider_end_key_recolours_a_changed_town(server, watched, changed_towns, control):
    page = open_map(watched, server)
    town = changed_towns[0]
    assert marker(page, town["id"]).get_attribute("data-colour") == town["first"]
    slider = page.locator("#syriatl-map-day")
    slider.focus()
    page.keyboard.press("End")
    last = day_of(control["date"].max())
    assert slider.input_value() == str(control["date"].nunique() - 1)
    assert marker(page, town["id"]).get_attribute("data-colour") == town["last"]
    assert town["first"] != town["last"]
    assert f"day={last}" in page.evaluate("location.hash")
    page.keyboard.press("Home")
    assert marker(page, town["id"]).get_attribute("data-colour") == town["first"]
    assert_clean(watched)


def check_panel(page, town: dict):
    panel = page.locator("#syriatl-map-panel")
    assert panel.locator("h2").inner_text() == town["name"]
    for event_id in town["events"]:
        link = panel.locator(f'a[href="../timeline/#{event_id}"]')
        assert link.count() >= 1, event_id
    assert panel.locator("table.syriatl-map__history tbody tr").count() >= 1
    assert f"place={town['id']}" in page.evaluate("location.hash")


def test_click_opens_the_history(server, watched, changed_towns):
    page = open_map(watched, server)
    town = clickable_town(page, changed_towns)
    marker(page, town["id"]).locator(".syriatl-map__pill").click()
    check_panel(page, town)
    assert_clean(watched)


def test_enter_opens_the_history(server, watched, changed_towns):
    page = open_map(watched, server)
    town = changed_towns[0]
    marker(page, town["id"]).focus()
    page.keyboard.press("Enter")
    check_panel(page, town)
    # focus moves to the panel's heading, and Close brings it back to the place
    assert page.evaluate("document.activeElement.id") == "syriatl-map-panel-heading"
    page.locator(".syriatl-map__close").click()
    assert page.evaluate("document.activeElement.dataset.place") == town["id"]
    assert "place=" not in page.evaluate("location.hash")
    # Space opens it too, and Escape in the panel closes it
    page.keyboard.press("Space")
    check_panel(page, town)
    page.keyboard.press("Escape")
    assert page.evaluate("document.activeElement.dataset.place") == town["id"]
    assert page.locator("#syriatl-map-panel h2").count() == 0
    assert_clean(watched)


def test_hash_opens_day_and_place(server, watched, changed_towns, control):
    town = changed_towns[0]
    days = sorted({day_of(d) for d in control["date"]})
    day = town["change_days"][0] if town["change_days"] else days[len(days) // 2]
    page = open_map(watched, server, f"#day={day}&place={town['id']}")
    assert page.locator("#syriatl-map-day").input_value() == str(days.index(day))
    check_panel(page, town)
    today = page.locator("#syriatl-map-panel tr[aria-current='date'] td").first.inner_text()
    assert today.split()[0] == str(int(day[-2:]))
    if town["change_days"]:  # the change of that day is listed under the map, with its link
        changed = page.locator("#syriatl-map-changed")
        assert changed.locator(f'a[href="#day={day}&place={town["id"]}"]').count() == 1
        assert "syriatl-map__marker--changed" in marker(page, town["id"]).get_attribute("class")
    # a later hashchange (a link from the timeline on the same page) is followed too
    page.evaluate(f"location.hash = '#day={days[-1]}'")
    page.wait_for_function(
        "n => document.getElementById('syriatl-map-day').value === n", arg=str(len(days) - 1)
    )
    assert_clean(watched)


def test_narrow_screen(server, browser):
    context = browser.new_context(viewport={"width": 375, "height": 740})
    try:
        page = context.new_page()
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(server + MAP, wait_until="load")
        page.wait_for_selector(".syriatl-map__marker .syriatl-map__pill")
        box = page.locator("#syriatl-map-canvas").bounding_box()
        assert box is not None and box["width"] >= 300 and box["height"] >= 300
        assert page.locator(".syriatl-map__marker").first.is_visible()
        assert page.locator(".syriatl-map__marker").first.bounding_box()["width"] >= 16
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.locator("#syriatl-map-canvas").screenshot(path=str(SCREENSHOTS / "map-375px.png"))
        assert errors == []
    finally:
        context.close()


def test_screenshots_of_three_days(server, watched, control):
    """Three days for a person to look at: labels must not overlap, colours must read well."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    days = sorted({day_of(d) for d in control["date"]})
    wanted = [days[0], "2024-12-01" if "2024-12-01" in days else days[len(days) // 2], days[-1]]
    page = open_map(watched, server)
    for day in wanted:
        page.evaluate(f"location.hash = '#day={day}'")
        page.wait_for_function(
            "n => document.getElementById('syriatl-map-day').value === n",
            arg=str(days.index(day)),
        )
        boxes = page.evaluate(
            """() => [...document.querySelectorAll('.syriatl-map__label')]
                .filter(l => l.style.visibility === 'visible')
                .map(l => l.firstChild.getBoundingClientRect().toJSON())"""
        )
        assert boxes, "no label is shown"
        for n, a in enumerate(boxes):
            for b in boxes[n + 1 :]:
                overlap = (
                    a["left"] < b["right"]
                    and b["left"] < a["right"]
                    and a["top"] < b["bottom"]
                    and b["top"] < a["bottom"]
                )
                assert not overlap, (a, b)
        top = page.locator(".syriatl-map__controls").bounding_box()
        body = page.locator(".syriatl-map__body").bounding_box()
        box = {**top, "height": body["y"] + body["height"] - top["y"]}
        scroll = page.evaluate("[window.scrollX, window.scrollY]")
        page.screenshot(
            path=str(SCREENSHOTS / f"map-{day}.png"),
            full_page=True,  # the page from its top, so the sticky header covers nothing
            clip={**box, "x": box["x"] + scroll[0], "y": box["y"] + scroll[1]},
        )
    assert_clean(watched)


def test_keyboard_can_skip_the_markers(server, watched):
    page = open_map(watched, server)
    page.locator("#syriatl-map-play").focus()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "syriatl-map-skip"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "syriatl-map-changed-heading"
    assert_clean(watched)


def test_play_advances_the_day_and_pause_stops(server, watched):
    page = open_map(watched, server)
    play = page.locator("#syriatl-map-play")
    play.click()
    assert play.inner_text() == "Pause"
    page.wait_for_function("document.getElementById('syriatl-map-day').value === '1'")
    play.click()
    assert play.inner_text() == "Play"
    stopped = page.locator("#syriatl-map-day").input_value()
    page.wait_for_timeout(1600)
    assert page.locator("#syriatl-map-day").input_value() == stopped
    assert_clean(watched)


def test_hash_names_places_the_map_cannot_draw(server, watched, control, places):
    """The timeline and the places index link every place here, drawn or not."""
    located = set(places.dropna(subset=["latitude", "longitude"])["place_id"])
    scope = set(control["place_id"])
    names = places.set_index("place_id")["name"]
    unlocated = sorted(scope - located)
    outside = sorted(set(places["place_id"]) - scope)
    page = open_map(watched, server)
    for place_id, words in [(unlocated[:1], "no coordinates"), (outside[:1], "not in the control")]:
        if not place_id:
            continue
        page.evaluate(f"location.hash = '#place={place_id[0]}'")
        heading = page.locator("#syriatl-map-panel h2")
        heading.wait_for()
        page.wait_for_function(
            "name => document.querySelector('#syriatl-map-panel h2').textContent === name",
            arg=names[place_id[0]],
        )
        assert words in page.locator("#syriatl-map-panel").inner_text()
        assert page.locator(f'#syriatl-map-panel a[href="../places/#{place_id[0]}"]').count() == 1
    assert_clean(watched)
