"""The Charts page draws what the tables hold: each chart is an inline, labelled SVG, and the
numbers under it are the counts a reader gets from the tables themselves."""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter

import pytest
from conftest import ROOT

import syriatl
from syriatl.docs import render_pages
from syriatl.docs.charts import FRONTS, NO_PLACE, OUTSIDE, SYRIA_WIDE
from syriatl.rules.sources import TERTIARY_SOURCE_TYPES
from syriatl.styles import side_styles

SECTIONS = [
    "events-per-day",
    "events-per-front",
    "places-held",
    "control-changes",
    "fatalities",
    "sources-per-event",
]


@pytest.fixture(scope="module")
def page() -> str:
    return render_pages(ROOT, ROOT)["charts.md"]


@pytest.fixture(scope="module")
def tables():
    return syriatl.load_package(path=ROOT)


def section(page: str, anchor: str) -> str:
    start = page.index(f"{{#{anchor}}}")
    following = page.find("\n## ", start)
    return page[start : following if following > 0 else len(page)]


def numbers(text: str) -> tuple[list[str], list[list[str]]]:
    """The header and rows of the section's "The numbers" table."""
    lines = [line.strip() for line in text.split('"The numbers"', 1)[1].splitlines()]
    rows = [
        [cell.strip() for cell in line.strip("|").split(" | ")]
        for line in lines
        if line.startswith("|")
    ]
    return rows[0], [row for row in rows[2:]]


def by_day(rows: list[list[str]]) -> dict[str, list[str]]:
    return {row[0]: row[1:] for row in rows}


def short(day) -> str:
    return f"{day.day} {day:%b}"


def days_of(tables) -> list:
    """Every day the page draws: from the first event to the last (and the coverage)."""
    events = tables["events"]
    return sorted(set(events["date"].dt.date))


# -- the charts --------------------------------------------------------------------------------


@pytest.mark.parametrize("anchor", SECTIONS)
def test_each_chart_is_an_inline_labelled_svg(page, anchor):
    text = section(page, anchor)
    svgs = re.findall(r"<svg\b[^>]*>.*?</svg>", text, flags=re.S)
    assert len(svgs) == 1, anchor
    svg = svgs[0]
    root = re.match(r"<svg\b[^>]*>", svg)[0]
    assert 'role="img"' in root
    label = re.search(r'aria-label="([^"]+)"', root)[1]
    assert re.search(r"<title>(.*?)</title>", svg)[1] == label
    assert len(re.search(r"<desc>(.*?)</desc>", svg)[1]) > 40
    # drawn marks, and the numbers beneath the chart
    assert "<path" in svg and '"The numbers"' in text
    # no request to another host: no image, font or stylesheet link
    assert "http://" not in svg.replace('xmlns="http://www.w3.org/2000/svg"', "").replace(
        'xmlns:xlink="http://www.w3.org/1999/xlink"', ""
    )


def test_ids_are_unique_on_the_page(page):
    ids = re.findall(r'\bid="([^"]+)"', page)
    assert len(ids) == len(set(ids))


def _luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def test_chart_text_has_aa_contrast_on_white(page):
    fills = re.findall(r'<text\b[^>]*\bfill="(#[0-9a-fA-F]{6}|#[0-9a-fA-F]{3})"', page)
    assert fills
    for fill in set(fills):
        colour = fill if len(fill) == 7 else "#" + "".join(c * 2 for c in fill[1:])
        assert 1.05 / (_luminance(colour) + 0.05) >= 4.5, fill
    backgrounds = set(re.findall(r'<rect width="[0-9.]+" height="[0-9.]+" fill="([^"]+)"', page))
    assert backgrounds <= {"#ffffff", "white"}


def test_importing_the_docs_does_not_import_the_chart_libraries():
    code = "import sys, syriatl.docs; print(sorted({'altair', 'vl_convert'} & set(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# -- the numbers -------------------------------------------------------------------------------


def test_events_per_type(page, tables):
    header, rows = numbers(section(page, "events-per-day"))
    events = tables["events"]
    counts = events.groupby([events["date"].dt.date, events["event_type"].astype(str)]).size()
    kinds = [cell.strip("`") for cell in header[2:]]
    assert sorted(kinds) == sorted(events["event_type"].astype(str).unique())
    table = by_day(rows)
    for day in days_of(tables):
        row = table.pop(short(day))
        assert int(row[0]) == int((events["date"].dt.date == day).sum())
        assert [int(n) for n in row[1:]] == [int(counts.get((day, k), 0)) for k in kinds]
    assert all(int(n) == 0 for row in table.values() for n in row)  # days with no event


def _front(place_id, places) -> str:
    if not isinstance(place_id, str):
        return NO_PLACE
    front_of = {g: front for front, members in FRONTS.items() for g in members}
    current, seen = place_id, set()
    while isinstance(current, str) and current in places.index and current not in seen:
        if current in front_of:
            assert places.loc[current, "place_type"] == "governorate"
            return front_of[current]
        seen.add(current)
        current = places.loc[current, "parent_id"]
    return SYRIA_WIDE if str(places.loc[place_id, "country"]) == "SY" else OUTSIDE


def test_events_per_front(page, tables):
    header, rows = numbers(section(page, "events-per-front"))
    places = tables["places"].set_index("place_id")
    events = tables["events"]
    fronts = [_front(p if isinstance(p, str) else None, places) for p in events["place_id"]]
    expected = Counter(zip(events["date"].dt.date, fronts, strict=True))
    names = [cell.replace("\\", "") for cell in header[2:]]
    assert set(names) == set(fronts)
    table = by_day(rows)
    for day in days_of(tables):
        row = table[short(day)]
        assert [int(n) for n in row[1:]] == [expected.get((day, f), 0) for f in names]
        assert int(row[0]) == sum(expected.get((day, f), 0) for f in names)
    # the governorates of Syria are all in one front, each in only one
    members = [g for group in FRONTS.values() for g in group]
    governorates = places[(places["place_type"] == "governorate") & (places["country"] == "SY")]
    assert sorted(members) == sorted(governorates.index)


def _side_of_label(header: list[str], sides) -> list[str]:
    """The side each column of a table is about, from its short label (syriatl.styles)."""
    styles = side_styles(sides)
    by_label = {style.label: side for side, style in styles.items()}
    return [by_label[cell.split(" ", 1)[0].replace("\\", "")] for cell in header]


def test_places_held(page, tables):
    header, rows = numbers(section(page, "places-held"))
    daily = tables["daily_control"]
    side = daily["holder_id"].astype("string").where(daily["state"] != "unknown", "unknown")
    expected = Counter(zip(daily["date"].dt.date, side.astype(str), strict=True))
    columns = _side_of_label(header[1:], set(side.astype(str)))
    assert set(columns) == set(side.astype(str))
    table = by_day(rows)
    assert list(table) == [short(day) for day in sorted(set(daily["date"].dt.date))]
    for day in sorted(set(daily["date"].dt.date)):
        assert [int(n) for n in table[short(day)]] == [expected.get((day, s), 0) for s in columns]
        assert sum(int(n) for n in table[short(day)]) == len(tables["control_baseline"])


def test_changes_of_control(page, tables):
    from syriatl.history import changes

    header, rows = numbers(section(page, "control-changes"))
    history = changes(tables)
    per_day = Counter(history["date"].dt.date)
    gains = Counter()
    for day, gained in zip(history["date"].dt.date, history["gained_by"], strict=True):
        for side in (gained if isinstance(gained, str) and gained else "unknown").split(" + "):
            gains[day, side] += 1
    columns = _side_of_label(header[2:], {s for _, s in gains})
    assert set(columns) == {s for _, s in gains}
    table = by_day(rows)
    assert sum(int(row[0]) for row in table.values()) == len(history)
    for day in days_of(tables):
        assert int(table[short(day)][0]) == per_day.get(day, 0)
        assert [int(n) for n in table[short(day)][1:]] == [gains.get((day, s), 0) for s in columns]


def test_fatalities_as_reported(page, tables):
    text = section(page, "fatalities")
    _, rows = numbers(text)
    events = tables["events"]
    reported = events[events["fatalities"].notna()]
    assert f"{len(reported)} events of {len(events)} give a figure" in text
    table = by_day(rows)
    assert sum(int(row[0]) for row in table.values()) == len(reported)
    for day, group in reported.groupby(reported["date"].dt.date):
        shown = re.findall(r"(\d+) \(\[(E\d+)\]", table[short(day)][1])
        assert sorted(shown) == sorted(
            (str(int(n)), e) for n, e in zip(group["fatalities"], group["event_id"], strict=True)
        )


def test_sources_per_event(page, tables):
    _, rows = numbers(section(page, "sources-per-event"))
    sources = tables["sources"]
    publisher = sources["original_publisher"].astype("string").fillna(sources["publisher"])
    publisher = publisher.str.strip().str.casefold()
    # a page counts only when it states the outcome (as the rules count publishers)
    # ... and an encyclopedia or gazetteer page, which retells other outlets, counts for none
    links = tables["event_sources"]
    states_outcome = links["supports"].fillna("").str.split().map(lambda w: "outcome" in w)
    retold = sources["source_type"].isin(TERTIARY_SOURCE_TYPES)
    links = links[states_outcome].merge(
        sources[~retold].assign(who=publisher)[["source_id", "who"]], on="source_id"
    )
    per_event = links.dropna(subset=["who"]).groupby("event_id")["who"].nunique()
    per_event = per_event.reindex(tables["events"]["event_id"], fill_value=0)
    expected = Counter(int(n) for n in per_event)
    shown = {int(n): int(count) for n, count in rows}
    assert {n: c for n, c in shown.items() if c} == dict(expected)
    assert sum(shown.values()) == len(tables["events"])


# -- in the browser ----------------------------------------------------------------------------


def test_each_chart_is_one_named_image_in_the_browser(server, watched):
    page = watched.page
    response = page.goto(server + "generated/charts/", wait_until="load")
    assert response is not None and response.ok
    charts = page.locator(".syriatl-figure > svg")
    assert charts.count() == len(SECTIONS)
    for n in range(charts.count()):
        chart = charts.nth(n)
        name = chart.get_attribute("aria-label")
        assert page.get_by_role("img", name=name, exact=True).count() == 1
        box = chart.bounding_box()
        assert box and box["width"] > 300 and box["height"] > 150  # drawn, and not overflowing
        assert box["x"] + box["width"] <= 1280
    assert watched.errors == [] and watched.foreign == []
