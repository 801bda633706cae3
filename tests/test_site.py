"""The documentation site is generated from the data, so it cannot disagree with it.

- the generated Markdown names every table, field, code, event, actor and place;
- ``mkdocs build --strict`` succeeds (broken links and anchors fail it);
- a copy whose schema and events were edited builds into pages that show the edits;
- headless Chromium opens the built site from a local server: the map has one marker per
  located place of the control scope, the timeline every event ID, and no page logs an error
  or fetches anything from another host. A screenshot of each page is saved in
  ``build/screenshots/``.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys

import pytest
from conftest import ROOT, copy_package, read_rows, write_rows
from site_fixtures import SCREENSHOTS, mkdocs_build

import syriatl
from syriatl.docs import md, render_pages, url, write_pages

# Every page of the nav, by its address in the built site.
PAGES = {
    "home": "",
    "dictionary": "generated/dictionary/",
    "codebook": "methodology/",
    "timeline": "generated/timeline/",
    "actors": "generated/actors/",
    "places": "generated/places/",
    "map": "generated/map/",
    "charts": "generated/charts/",
    "changelog": "changelog/",
    "cite": "generated/cite/",
    "downloads": "generated/downloads/",
}


@pytest.fixture(scope="module")
def pages() -> dict[str, str]:
    return render_pages(ROOT, ROOT)


@pytest.fixture(scope="module")
def tables():
    return syriatl.load_package(path=ROOT)


def located_places(tables) -> set[str]:
    places = tables["places"]
    located = places["latitude"].notna() & places["longitude"].notna()
    return set(places.loc[located, "place_id"])


# -- the generated Markdown -------------------------------------------------------------------


def test_dictionary_has_every_table_field_and_count(pages, tables):
    text = pages["dictionary.md"]
    for name, frame in tables.items():
        schema = json.loads((ROOT / "schemas" / f"{name}.json").read_text(encoding="utf-8"))
        assert f"{{#{name}}}" in text
        assert f"`data/{name}.csv`, {len(frame)} row" in text
        for field in schema["fields"]:
            assert f"`{field['name']}`" in text
            assert md(field["description"]) in text


def test_foreign_keys_link_to_their_table(pages):
    # events.place_id points to places, events.event_type to event_types, and so on
    assert "a `place_id` of [`places`](#places)" in pages["dictionary.md"]
    assert "a `code` of [`event_types`](#event_types)" in pages["dictionary.md"]


def test_codes_come_with_their_definitions(pages, tables):
    for name in ("event_types", "certainties", "roles", "geo_precisions"):
        snippet = pages[f"snippets/codes/{name}.md"]
        for row in tables[name].itertuples():
            assert f"`{row.code}`" in snippet
            assert md(row.definition) in snippet


def test_crosswalk_names_every_acled_type(pages, tables):
    crosswalk = pages["snippets/codes/event_types.md"]
    for value in tables["event_types"]["acled_sub_event_type"].dropna():
        assert md(value) in crosswalk


def test_timeline_lists_every_event_with_its_sources(pages, tables):
    text = pages["timeline.md"]
    for event_id in tables["events"]["event_id"]:
        assert f"{{#{event_id} .syriatl-event}}" in text
    urls = tables["sources"].set_index("source_id")["url"]
    for source_id in tables["event_sources"]["source_id"].unique():
        assert url(urls[source_id]) in text


def test_timeline_says_what_each_page_states_and_whom_it_names(pages, tables):
    """Each cited page carries what it states of the event and the actors it names, so a
    reader can trace every part of an event to a page."""
    text = pages["timeline.md"]
    names = tables["actors"].set_index("actor_id")["name"]
    links = tables["event_sources"].dropna(subset=["actors"])
    link = links[links["actors"].str.contains(" ")].iloc[0]
    section = text.split(f"{{#{link['event_id']} .syriatl-event}}")[1].split(".syriatl-event}")[0]
    line = next(row for row in section.splitlines() if link["source_id"] in row)
    assert "names " + ", ".join(md(names[a]) for a in link["actors"].split()) in line
    if isinstance(link["supports"], str):
        assert "states " + ", ".join(link["supports"].split()) in line


def test_indexes_have_every_actor_and_place_with_aliases(pages, tables):
    for page, table, key in (
        ("actors.md", "actors", "actor_id"),
        ("places.md", "places", "place_id"),
    ):
        for value in tables[table][key]:
            assert f"{{#{value}}}" in pages[page]
    for alias in tables["actor_aliases"]["alias"]:
        assert md(alias) in pages["actors.md"]
    for alias in tables["place_aliases"]["alias"]:
        assert md(alias) in pages["places.md"]


def located_in_scope(tables) -> set[str]:
    """The places the map draws: those of the control scope with coordinates."""
    return located_places(tables) & set(tables["daily_control"]["place_id"])


def test_map_has_one_marker_per_located_place(pages, tables):
    found = re.search(
        r'<script type="application/json" id="syriatl-map-data">(.*?)</script>', pages["map.md"]
    )
    assert found, "the map page has no data"
    places = json.loads(found.group(1))["places"]
    markers = [p["id"] for p in places if p["lat"] is not None and p["lon"] is not None]
    assert sorted(markers) == sorted(located_in_scope(tables))


def test_home_shows_the_readme_commands(pages):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = [line for line in readme.splitlines() if line.startswith("python3 -m venv")]
    assert len(commands) == 2
    for command in commands:
        assert command in pages["snippets/commands.md"]


def test_write_pages_rewrites_only_what_changed(tmp_path):
    out = tmp_path / "generated"
    first = write_pages(out, package_root=ROOT, project_root=ROOT)
    assert {path.relative_to(out).as_posix() for path in first} >= {"timeline.md", "map.md"}
    (out / "stale.md").write_text("no longer generated", encoding="utf-8")
    assert write_pages(out, package_root=ROOT, project_root=ROOT) == []
    assert not (out / "stale.md").exists()


def test_importing_the_site_module_is_light():
    code = "import sys, syriatl.docs; print('pandas' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# -- mkdocs build -----------------------------------------------------------------------------


def test_mkdocs_build_strict(built_site):
    for address in PAGES.values():
        assert (built_site / address / "index.html").is_file(), address


def test_built_pages_follow_the_data(tmp_path, built_site):
    package = copy_package(tmp_path / "package")
    # a changed field description
    schema_file = package / "schemas" / "events.json"
    schema = json.loads(schema_file.read_text(encoding="utf-8"))
    field = next(f for f in schema["fields"] if f["name"] == "title")
    field["description"] = "A one-line summary, reworded in a copy by the documentation test."
    schema_file.write_text(json.dumps(schema, indent=2, ensure_ascii=False) + "\n", "utf-8")
    # a new event, with its actor and its source
    events = read_rows(package, "events")
    events.append(
        {
            "event_id": "E999999",
            "date": "2024-12-02",
            "end_date": "",
            "date_precision": "day",
            "place_id": "aleppo",
            "geo_precision": "exact",
            "event_type": "statement",
            "title": "Test statement added by the documentation test",
            "description": "An event that exists only in a copy of the package, for a test.",
            "fatalities": "",
            "certainty": "reported",
            "notes": "",
        }
    )
    write_rows(package, "events", events)
    links = read_rows(package, "event_actors")
    write_rows(
        package,
        "event_actors",
        [*links, {"event_id": "E999999", "actor_id": "sohr", "role": "initiator"}],
    )
    sources = read_rows(package, "event_sources")
    cited = next(
        s
        for s in read_rows(package, "sources")
        if s["published"] >= "2024-12-02" and s["source_type"] == "news"
    )
    write_rows(
        package,
        "event_sources",
        [
            *sources,
            {
                "event_id": "E999999",
                "source_id": cited["source_id"],
                "supports": "date place outcome",
                "actors": "sohr",
                "note": "",
            },
        ],
    )
    report = syriatl.validate(package)
    assert report.valid, str(report.problems[:3])

    # the site's sources, apart from the package, which the build reads from the copy
    project = tmp_path / "project"
    shutil.copytree(ROOT / "docs", project / "docs", ignore=shutil.ignore_patterns("generated"))
    shutil.copytree(ROOT / "hooks", project / "hooks", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("mkdocs.yml", "README.md", "CHANGELOG.md", "CITATION.cff"):
        shutil.copy(ROOT / name, project / name)
    (project / "benchmarks" / "results").mkdir(parents=True)  # the benchmarks page includes it
    shutil.copy(ROOT / "benchmarks/results/latest.md", project / "benchmarks/results/latest.md")
    site = tmp_path / "site"
    result = mkdocs_build(project, site, package=package)
    assert result.returncode == 0, result.stdout + result.stderr

    def page(address: str) -> str:
        return (site / address / "index.html").read_text(encoding="utf-8")

    assert "reworded in a copy by the documentation test" in page(PAGES["dictionary"])
    assert 'id="E999999"' in page(PAGES["timeline"])
    assert "Test statement added by the documentation test" in page(PAGES["timeline"])
    assert cited["url"].replace("&", "&amp;") in page(PAGES["timeline"])
    assert "E999999" in page(PAGES["actors"]) and "E999999" in page(PAGES["places"])
    assert f"{len(events)} events" in page(PAGES["home"])
    assert f"{len(events)} rows" in page(PAGES["dictionary"])
    # while the site built from the shipped package says what the shipped data says
    shipped = (built_site / PAGES["timeline"] / "index.html").read_text(encoding="utf-8")
    assert "E999999" not in shipped


# -- in a browser -----------------------------------------------------------------------------


def test_site_in_headless_chromium(server, watched, tables):
    page = watched.page
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    print(f"screenshots in {SCREENSHOTS}")
    for name, address in PAGES.items():
        # wait until the page's own late requests (favicon, search worker) are done, so leaving
        # it for the next one cannot abort them and pass for a failed request
        response = page.goto(server + address, wait_until="networkidle")
        assert response is not None and response.ok, address
        # the whole page, unless it is too long to look at (the timeline, the indexes)
        height = page.evaluate("document.documentElement.scrollHeight")
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=height < 6000)
        if name == "map":
            markers = page.locator(".syriatl-map__marker")
            shown = set(markers.evaluate_all("els => els.map(e => e.dataset.place)"))
            assert markers.count() == len(located_in_scope(tables))
            assert shown == located_in_scope(tables)
            box = markers.first.locator(".syriatl-map__pill").bounding_box()
            assert box is not None and box["width"] > 0
        if name == "timeline":
            ids = list(tables["events"]["event_id"])
            missing = page.evaluate("ids => ids.filter(id => !document.getElementById(id))", ids)
            assert missing == []
            assert page.locator("h3.syriatl-event").count() == len(ids)
    assert watched.errors == []
    assert watched.foreign == [], "the site fetched from another host"
    assert {p.stem for p in SCREENSHOTS.glob("*.png")} >= set(PAGES)
