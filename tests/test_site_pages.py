"""The timeline's filters and the downloads page, in the built site, against the tables.

- choosing a day and a certainty in Chromium shows exactly the events the events table has on
  that day (a span of days counts on each of its days) with that certainty; the count says so;
  the URL query keeps the choice, and loading that URL gives the same list;
- every event's data attributes (actors, source types, governorate) are those of the tables;
- without scripts every event is listed; the controls are labelled, work from the keyboard and
  fit a 375 px wide screen;
- events and places link to the map at their place (and day);
- the downloads page gives each CSV's rows, size and sha256 as the files have them, the release
  zip's checksum as ``syriatl release`` builds it, and every link is pinned to the release tag.
"""

from __future__ import annotations

import hashlib
import re
import subprocess
import sys
import zipfile
from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import pytest
from site_fixtures import ROOT, SCREENSHOTS

import syriatl
from syriatl.package import read_package

TIMELINE = "generated/timeline/"
PLACES = "generated/places/"
DOWNLOADS = "generated/downloads/"
CLI = "import sys; from syriatl.cli import main; sys.exit(main(sys.argv[1:]))"
VISIBLE_IDS = """() => Array.from(document.querySelectorAll('article.syriatl-entry'))
    .filter(a => a.offsetParent !== null).map(a => a.querySelector('h3').id)"""


@pytest.fixture(scope="module")
def tables():
    return syriatl.load_package(path=ROOT)


@pytest.fixture(scope="module")
def version() -> str:
    return read_package(ROOT)[0].version


def event_days(event) -> list[str]:
    first = event.date.date()
    last = event.end_date.date() if event.end_date == event.end_date and event.end_date else first
    return [(first + timedelta(days=n)).isoformat() for n in range((last - first).days + 1)]


def busiest_day_and_certainty(tables) -> tuple[str, str, set[str]]:
    """A day and a certainty that select some events but not all of that day's: the filter
    must do work on both."""
    events = tables["events"]
    best = None
    for day in sorted({d for e in events.itertuples() for d in event_days(e)}):
        on_day = [e for e in events.itertuples() if day in event_days(e)]
        for certainty in sorted({str(e.certainty) for e in on_day}):
            chosen = {e.event_id for e in on_day if str(e.certainty) == certainty}
            if 0 < len(chosen) < len(on_day) and (best is None or len(chosen) > len(best[2])):
                best = (day, certainty, chosen)
    assert best is not None
    return best


def test_day_and_certainty_narrow_the_list_and_the_url_keeps_them(server, watched, tables):
    page = watched.page
    day, certainty, expected = busiest_day_and_certainty(tables)
    total = len(tables["events"])
    page.goto(server + TIMELINE, wait_until="load")
    assert page.locator("#syriatl-filter-count").inner_text() == f"{total} of {total} events"
    page.get_by_label("Day").select_option(day)
    page.get_by_label("Certainty").select_option(certainty)
    shown = set(page.evaluate(VISIBLE_IDS))
    assert shown == expected
    count = page.locator("#syriatl-filter-count")
    assert count.inner_text() == f"{len(expected)} of {total} events"
    query = parse_qs(urlparse(page.url).query)
    assert query == {"day": [day], "certainty": [certainty]}
    # the day sections without a match are hidden; the others say how many they show
    for section in page.locator("section.syriatl-day").all():
        ids = set(section.evaluate("s => Array.from(s.querySelectorAll('h3')).map(h => h.id)"))
        assert section.is_visible() == bool(ids & expected)
    # the link reproduces the filter in a fresh page
    page = page.context.new_page()
    page.goto(watched.page.url, wait_until="load")
    count = page.locator("#syriatl-filter-count")
    assert set(page.evaluate(VISIBLE_IDS)) == expected
    assert page.get_by_label("Day").input_value() == day
    assert page.get_by_label("Certainty").input_value() == certainty
    assert count.inner_text() == f"{len(expected)} of {total} events"
    # the option counts follow the other filters: the chosen certainty gives what is shown
    option = page.locator(f'#filter-certainty option[value="{certainty}"]')
    assert option.inner_text().endswith(f"({len(expected)})")
    # showing all again clears the query
    page.get_by_role("button", name="Show all events").click()
    page.wait_for_function(
        "n => document.querySelectorAll('article.syriatl-entry:not([hidden])').length === n",
        arg=total,
    )
    assert urlparse(page.url).query == ""
    assert count.inner_text() == f"{total} of {total} events"
    assert watched.errors == []


def test_filters_follow_the_tables(server, watched, tables):
    """Every entry's actors, source types, type, certainty and governorate are the tables'."""
    page = watched.page
    page.goto(server + TIMELINE, wait_until="load")
    attrs = page.evaluate(
        """() => Array.from(document.querySelectorAll('article.syriatl-entry')).map(a =>
            [a.querySelector('h3').id, Object.assign({}, a.dataset)])"""
    )
    shown = dict(attrs)
    events = tables["events"].set_index("event_id")
    assert set(shown) == set(events.index)
    actors = tables["event_actors"].groupby("event_id")["actor_id"].agg(set)
    sources = tables["event_sources"].merge(tables["sources"], on="source_id")
    kinds = sources.groupby("event_id")["source_type"].agg(lambda s: set(map(str, s)))
    places = tables["places"].set_index("place_id")
    governorates = {
        str(p.governorate): pid
        for pid, p in places.iterrows()
        if str(p.place_type) == "governorate"
    }
    for event_id, data in shown.items():
        event = events.loc[event_id]
        assert set(data["actors"].split()) == set(actors.get(event_id, ()))
        assert set(data["sources"].split()) == set(kinds.get(event_id, ()))
        assert data["type"] == str(event.event_type)
        assert data["certainty"] == str(event.certainty)
        place_id = event.place_id if isinstance(event.place_id, str) else None
        if place_id and isinstance(places.loc[place_id, "governorate"], str):
            assert data["region"] == governorates[places.loc[place_id, "governorate"]]
        elif place_id and str(places.loc[place_id, "country"]) == "SY":
            assert data["region"] == "syria"
        elif place_id:
            assert data["region"] == "abroad"
        else:
            assert data["region"] == "none"


def test_each_filter_alone_matches_the_attributes(server, watched):
    """For a value of every filter, the list shown is the entries that carry that value."""
    page = watched.page
    page.goto(server + TIMELINE, wait_until="load")
    for key in ("region", "type", "actor", "source"):
        select = page.locator(f"#filter-{key}")
        value = select.locator("option").nth(1).get_attribute("value")
        select.select_option(value)
        attribute = page.evaluate(
            "k => document.querySelector('article.syriatl-entry').getAttribute('data-' + k) "
            "!== null ? k : null",
            {"actor": "actors", "source": "sources"}.get(key, key),
        )
        expected = page.evaluate(
            """([attr, value]) => Array.from(document.querySelectorAll('article.syriatl-entry'))
                .filter(a => a.getAttribute('data-' + attr).split(' ').includes(value))
                .map(a => a.querySelector('h3').id)""",
            [attribute, value],
        )
        assert expected and sorted(page.evaluate(VISIBLE_IDS)) == sorted(expected), key
        assert parse_qs(urlparse(page.url).query) == {key: [value]}
        select.select_option("")


def test_words_find_an_event(server, watched, tables):
    page = watched.page
    page.goto(server + TIMELINE, wait_until="load")
    event = tables["events"].iloc[len(tables["events"]) // 2]
    page.get_by_label("Words").fill(event.event_id)
    page.wait_for_function(
        "id => new URLSearchParams(location.search).get('q') === id", arg=event.event_id
    )
    shown = page.evaluate(VISIBLE_IDS)
    assert event.event_id in shown and len(shown) < len(tables["events"])
    texts = page.evaluate(
        """() => Array.from(document.querySelectorAll('article.syriatl-entry'))
            .filter(a => a.offsetParent !== null).map(a => a.textContent)"""
    )
    assert all(event.event_id.lower() in text.lower() for text in texts)


def test_words_find_other_spellings_of_places(server, watched, tables):
    """An alias of a place that no entry shows finds the events at the places it names."""
    page = watched.page
    page.goto(server + TIMELINE, wait_until="load")
    aliases = tables["place_aliases"]
    at_places = set(tables["events"]["place_id"].dropna())
    candidates = sorted(
        {
            a
            for a, p in zip(aliases["alias"], aliases["place_id"], strict=True)
            if p in at_places and a.isascii()
        }
    )
    alias = page.evaluate(
        """candidates => {
            const texts = Array.from(document.querySelectorAll('article.syriatl-entry'))
                .map(a => a.textContent.toLowerCase());
            return candidates.find(c => c.toLowerCase().split(/\\s+/)
                .every(term => texts.every(t => !t.includes(term))));
        }""",
        candidates,
    )
    assert alias, "every alias is shown somewhere: pick another test"
    places = set(aliases.loc[aliases["alias"] == alias, "place_id"])
    named = tables["actor_aliases"].loc[tables["actor_aliases"]["alias"] == alias, "actor_id"]
    links = tables["event_actors"]
    events = tables["events"]
    expected = set(events.loc[events["place_id"].isin(places), "event_id"])
    expected |= set(links.loc[links["actor_id"].isin(set(named)), "event_id"])
    page.get_by_label("Words").fill(alias)
    page.wait_for_function("q => new URLSearchParams(location.search).get('q') === q", arg=alias)
    assert set(page.evaluate(VISIBLE_IDS)) == expected


def test_unknown_values_in_the_link_are_ignored_and_said(server, watched, tables):
    page = watched.page
    page.goto(server + TIMELINE + "?day=1999-01-01", wait_until="load")
    assert len(page.evaluate(VISIBLE_IDS)) == len(tables["events"])
    assert "day=1999-01-01" in page.locator("#syriatl-filter-count").inner_text()


def test_keyboard_labels_and_a_small_screen(browser, server, tables):
    context = browser.new_context(viewport={"width": 375, "height": 740})
    page = context.new_page()
    try:
        page.goto(server + TIMELINE, wait_until="load")
        form = page.locator("#syriatl-filters")
        assert form.is_visible()
        for label in ("Day", "Governorate", "Event type", "Actor", "Certainty", "Source type"):
            assert page.get_by_label(label, exact=True).is_visible(), label
        box = form.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 375
        for control in form.locator("select, input, button").all():
            inner = control.bounding_box()
            assert inner is not None and inner["x"] + inner["width"] <= 375
        # from the keyboard: focus the certainty control, step to its next choice
        page.get_by_label("Certainty").focus()
        page.keyboard.press("ArrowDown")
        chosen = page.get_by_label("Certainty").input_value()
        assert chosen
        expected = set(tables["events"].loc[tables["events"]["certainty"] == chosen, "event_id"])
        assert set(page.evaluate(VISIBLE_IDS)) == expected
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "timeline-filters-375.png"))
    finally:
        context.close()


def test_without_scripts_every_event_is_listed(browser, server, tables):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(server + TIMELINE + "?certainty=confirmed", wait_until="load")
        assert not page.locator("#syriatl-filters").is_visible()
        assert len(page.evaluate(VISIBLE_IDS)) == len(tables["events"])
    finally:
        context.close()


def test_events_and_places_link_to_the_map(server, watched, tables):
    places = tables["places"]
    located = set(places.loc[places["latitude"].notna() & places["longitude"].notna(), "place_id"])
    page = watched.page
    page.goto(server + TIMELINE, wait_until="load")
    links = dict(
        page.evaluate(
            """() => Array.from(document.querySelectorAll('article.syriatl-entry')).map(a => {
                const link = Array.from(a.querySelectorAll('a'))
                    .find(l => l.getAttribute('href').startsWith('../map/'));
                return [a.querySelector('h3').id, link ? link.getAttribute('href') : null];
            })"""
        )
    )
    for event in tables["events"].itertuples():
        if isinstance(event.place_id, str) and event.place_id in located:
            day = event.date.date().isoformat()
            assert links[event.event_id] == f"../map/#day={day}&place={event.place_id}"
        else:
            assert links[event.event_id] is None
    page.goto(server + PLACES, wait_until="load")
    hrefs = page.evaluate(
        """() => Array.from(document.querySelectorAll('a'))
            .map(a => a.getAttribute('href')).filter(h => h && h.startsWith('../map/#'))"""
    )
    assert sorted(hrefs) == sorted(f"../map/#place={p}" for p in located)


# -- downloads --------------------------------------------------------------------------------


def downloads_table(page) -> dict[str, list[str]]:
    """Every row of every table of the downloads page, by its file (its first code cell)."""
    rows = page.evaluate(
        """() => Array.from(document.querySelectorAll('article table tbody tr')).map(tr =>
            Array.from(tr.cells).map(td => td.textContent.trim()))"""
    )
    return {
        cells[1] if cells[0] != cells[1] and "/" in cells[1] else cells[0]: cells for cells in rows
    }


def test_downloads_give_each_csv_as_the_files_have_it(server, watched, tables, version):
    page = watched.page
    page.goto(server + DOWNLOADS, wait_until="load")
    package = read_package(ROOT)[0]
    listed = downloads_table(page)
    for name, resource in package.resources.items():
        cells = listed[resource.relpath]
        data = resource.path.read_bytes()
        assert cells[2] == str(len(tables[name])), name
        assert cells[-1] == hashlib.sha256(data).hexdigest(), name
    hrefs = page.evaluate(
        "() => Array.from(document.querySelectorAll('article a')).map(a => a.href)"
    )
    github = [h for h in hrefs if "github.com/" in h]
    assert github
    for href in github:
        assert "/main/" not in href, href
    tag = f"v{version}"
    for resource in package.resources.values():
        assert f"https://github.com/syriatl/syriatl/raw/{tag}/{resource.relpath}" in hrefs
    assert (
        f"https://github.com/syriatl/syriatl/releases/download/{tag}/syriatl-data-{version}.zip"
        in hrefs
    )
    assert watched.errors == []
    # the home page's file list is pinned to the same tag
    page = page.context.new_page()
    page.goto(server, wait_until="load")
    home = page.evaluate(
        "() => Array.from(document.querySelectorAll('article a')).map(a => a.href)"
    )
    raw = [h for h in home if "/raw/" in h]
    assert len(raw) == len(package.resources)
    assert all(f"/raw/{tag}/" in h for h in raw)


def test_downloads_checksums_are_those_of_the_release_zip(server, watched, tmp_path, version):
    out = subprocess.run(
        [sys.executable, "-c", CLI, "release", "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert out.returncode == 0, out.stderr
    (bundle,) = tmp_path.glob("*.zip")
    digest = hashlib.sha256(bundle.read_bytes()).hexdigest()
    with zipfile.ZipFile(bundle) as archive:
        sums_name = next(n for n in archive.namelist() if n.endswith("/SHA256SUMS"))
        sums = dict(
            reversed(line.split("  ", 1)) for line in archive.read(sums_name).decode().splitlines()
        )
    page = watched.page
    page.goto(server + DOWNLOADS, wait_until="load")
    text = page.locator("article").inner_text()
    assert bundle.name in text and digest in text
    listed = downloads_table(page)
    for kind in ("parquet/", "geojson/", "sqlite/"):
        inside = {name for name in sums if name.startswith(kind)}
        assert inside, kind
        for name in inside:
            assert listed[name][-1] == sums[name], name
    for name in sums:
        if name.startswith("data/"):
            assert listed[name][-1] == sums[name], name
    assert re.search(rf"syriatl-data-{re.escape(version)}\.zip", text)
