"""Issue 18's rules, each proven by a corrupted copy of the package: a claim is exactly as
strong as its sources."""

from __future__ import annotations

import re

import pytest
from conftest import assert_reported, read_rows, set_cell, write_rows

import syriatl
from syriatl.rules.places import populations
from syriatl.rules.sources import PARTY_SOURCE_TYPES
from syriatl.summary import LARGE_TOWN_POPULATION


def links_of(root, event_id: str) -> list[dict]:
    return [r for r in read_rows(root, "event_sources") if r["event_id"] == event_id]


@pytest.mark.parametrize(
    ("aspect", "column"),
    [("date", "date"), ("place", "place_id"), ("outcome", "title")],
)
def test_every_aspect_of_an_event_needs_a_source_that_states_it(package, aspect, column):
    events = read_rows(package, "events")
    index = next(i for i, e in enumerate(events) if e["place_id"])
    event_id = events[index]["event_id"]
    rows = read_rows(package, "event_sources")
    for row in rows:
        if row["event_id"] == event_id:
            row["supports"] = " ".join(w for w in row["supports"].split() if w != aspect)
    write_rows(package, "event_sources", rows)
    found = assert_reported(package, "event-supported", "events", index + 2, column)
    assert event_id in found.message and aspect in found.message


def test_figures_need_a_source_that_states_them(package):
    events = read_rows(package, "events")
    index = next(
        i for i, e in enumerate(events) if not e["fatalities"] and links_of(package, e["event_id"])
    )
    row = set_cell(package, "events", index, "fatalities", "12")
    assert_reported(package, "event-supported", "events", row, "fatalities")


@pytest.mark.parametrize("supports", ["date rumour", "date actors"])
def test_a_malformed_supports_is_a_schema_error(package, supports):
    """A link says what its page supports in the known words; who is named is in its own
    column, not a word of supports."""
    set_cell(package, "event_sources", 0, "supports", supports)
    report = syriatl.validate(package)
    assert any(
        p.table == "event_sources" and p.column == "supports" and p.row == 2
        for p in report.problems
    ), report.to_text()


def test_a_link_that_states_nothing_is_reported(package):
    """A page that states nothing of the event (no supports, no actors named) is not linked."""
    set_cell(package, "event_sources", 0, "supports", "")
    set_cell(package, "event_sources", 0, "actors", "")
    found = assert_reported(package, "link-states-something", "event_sources", 2, "supports")
    first = read_rows(package, "event_sources")[0]
    assert first["event_id"] in found.message and first["source_id"] in found.message


def test_every_actor_of_an_event_needs_a_source_that_names_it(package):
    """Take an actor out of every link's list of named actors: its event_actors row is
    reported, since no page names it (a page saying "rebels" does not name HTS)."""
    actors = read_rows(package, "event_actors")
    index = next(
        i for i, a in enumerate(actors) if sum(b["event_id"] == a["event_id"] for b in actors) > 1
    )
    event_id, actor_id = actors[index]["event_id"], actors[index]["actor_id"]
    rows = read_rows(package, "event_sources")
    for row in rows:
        if row["event_id"] == event_id:
            row["actors"] = " ".join(a for a in row["actors"].split() if a != actor_id)
    write_rows(package, "event_sources", rows)
    found = assert_reported(package, "actor-named", "event_actors", index + 2, "actor_id")
    assert event_id in found.message and actor_id in found.message


def test_an_actor_of_an_unknown_event_is_left_to_its_foreign_key(package):
    """An event_actors row whose event does not exist is reported once, by its foreign key,
    not again as an actor no page names."""
    actors = read_rows(package, "event_actors")
    write_rows(package, "event_actors", [*actors, dict(actors[0], event_id="E999998")])
    report = syriatl.validate(package)
    mine = [p for p in report.problems if p.table == "event_actors" and p.row == len(actors) + 2]
    assert mine and not [p for p in mine if p.rule == "actor-named"], report.to_text()


def test_a_statement_without_certainty_is_its_columns_finding(package):
    """A statement whose certainty is missing is reported by the column's constraint; the
    statement rule handles the gap instead of stopping with an internal error."""
    events = read_rows(package, "events")
    index = next(i for i, e in enumerate(events) if e["event_type"] == "statement")
    set_cell(package, "events", index, "certainty", "")
    report = syriatl.validate(package)
    assert not [p for p in report.problems if p.rule == "internal-error"], report.to_text()
    assert any(p.column == "certainty" and p.row == index + 2 for p in report.problems)


def test_a_named_actor_must_be_an_actor_of_the_event(package):
    """A link may name only the event's own actors: an actor of another event is reported on
    the link, with the source, the actor and the event."""
    rows = read_rows(package, "event_sources")
    index = next(i for i, r in enumerate(rows) if r["actors"])
    mine = {a["actor_id"] for a in read_rows(package, "event_actors")}
    events_actors = {
        a["actor_id"]
        for a in read_rows(package, "event_actors")
        if a["event_id"] == rows[index]["event_id"]
    }
    stranger = sorted(mine - events_actors)[0]
    rows[index]["actors"] += f" {stranger}"
    write_rows(package, "event_sources", rows)
    found = assert_reported(package, "named-actor-listed", "event_sources", index + 2, "actors")
    assert stranger in found.message and rows[index]["source_id"] in found.message


def test_party_media_never_confirms_on_its_own(package):
    """Relabel every source of a confirmed event but one as state media: it must fall."""
    events = read_rows(package, "events")
    sources = read_rows(package, "sources")
    by_id = {s["source_id"]: s for s in sources}
    index, links = next(
        (i, links_of(package, e["event_id"]))
        for i, e in enumerate(events)
        if e["certainty"] == "confirmed"
    )
    for link in links[1:]:
        by_id[link["source_id"]]["source_type"] = PARTY_SOURCE_TYPES[0]
    write_rows(package, "sources", sources)
    found = assert_reported(package, "confirmed-publishers", "events", index + 2, "certainty")
    assert "not parties to the war" in found.message


def test_a_statement_that_a_non_party_reports_is_not_a_claim(package):
    """A statement's certainty grades the saying: marked claimed while a publisher outside
    the parties reports it, it is reported; with every such page relabelled as a party's, the
    same row passes."""
    events = read_rows(package, "events")
    index, event = next(
        (i, e)
        for i, e in enumerate(events)
        if e["event_type"] == "statement" and e["certainty"] == "reported"
    )
    row = set_cell(package, "events", index, "certainty", "claimed")
    found = assert_reported(package, "statement-certainty", "events", row, "certainty")
    assert event["event_id"] in found.message and "not parties to the war" in found.message

    sources = read_rows(package, "sources")
    by_id = {s["source_id"]: s for s in sources}
    for link in links_of(package, event["event_id"]):
        by_id[link["source_id"]]["source_type"] = "official"
    write_rows(package, "sources", sources)
    report = syriatl.validate(package)
    assert not any(p.rule == "statement-certainty" and p.row == row for p in report.problems), (
        report.to_text()
    )


def test_a_reported_event_needs_a_page_outside_the_war(package):
    """What only state media state is their state's claim: a reported event whose every page is
    relabelled state media is rejected, naming the event; the same pages as a body's own
    official record pass (a UN agency's release is the record of its own act)."""
    events = read_rows(package, "events")
    index, event = next(
        (i, e)
        for i, e in enumerate(events)
        if e["certainty"] == "reported" and e["event_type"] != "statement"
    )
    sources = read_rows(package, "sources")
    by_id = {s["source_id"]: s for s in sources}
    for link in links_of(package, event["event_id"]):
        by_id[link["source_id"]]["source_type"] = "state-media"
    write_rows(package, "sources", sources)
    found = assert_reported(package, "reported-publisher", "events", index + 2, "certainty")
    assert event["event_id"] in found.message and "claimed" in found.message

    for link in links_of(package, event["event_id"]):
        by_id[link["source_id"]]["source_type"] = "official"
    write_rows(package, "sources", sources)
    report = syriatl.validate(package)
    assert not any(
        p.rule == "reported-publisher" and p.row == index + 2 for p in report.problems
    ), report.to_text()


def test_summary_names_each_large_town_change_with_one_publisher(package):
    """The target of two publishers for every change of control of a town of 20,000+ is
    measured by the summary, which names each change that misses it."""
    from syriatl.history import changes
    from syriatl.summary import summarize

    tables = syriatl.load_package(path=package)
    people = dict(zip(tables["places"]["place_id"], populations(tables["places"]), strict=True))
    history = changes(tables)
    large = history[history["place_id"].map(people) >= LARGE_TOWN_POPULATION]
    before = summarize(path=package)
    sourced = [e for e in large["event_id"] if e not in before["large_changes_one_publisher"]]
    event_id = str(sourced[0])
    rows = read_rows(package, "event_sources")
    first = next(r for r in rows if r["event_id"] == event_id)
    first["supports"] = "date place outcome"
    kept = [r for r in rows if r["event_id"] != event_id or r is first]
    write_rows(package, "event_sources", kept)
    after = summarize(path=package)
    assert event_id in after["large_changes_one_publisher"]
    share = "share_large_changes_two_publishers"
    assert after[share] < before[share]


def test_a_capture_announced_twice_is_a_likely_duplicate(package):
    """A second change giving a town again to the side that took it whole is flagged, and the
    pair passes once distinct_events marks it apart."""
    from syriatl.history import changes

    tables = syriatl.load_package(path=package)
    history = changes(tables)
    once = history["place_id"].map(history["place_id"].value_counts()) == 1
    held = history[
        once & (history["state"].fillna("held") == "held") & history["gained_by"].notna()
    ]
    first = held.iloc[0]
    events = read_rows(package, "events")
    original = next(e for e in events if e["event_id"] == first["event_id"])
    later = dict(original, event_id="E999999", title="Announced again the next day")
    write_rows(package, "events", [*events, later])
    for table in ("event_actors", "event_sources"):
        rows = read_rows(package, table)
        extra = [dict(r, event_id="E999999") for r in rows if r["event_id"] == original["event_id"]]
        write_rows(package, table, rows + extra)
    # a different day, so the plain duplicate check (same day, place, type, actors) is silent
    events = read_rows(package, "events")
    events[-1]["date"] = max(e["date"] for e in events)
    write_rows(package, "events", events)
    found = assert_reported(package, "likely-duplicate", "events", len(events) + 1, "event_id")
    assert first["event_id"] in found.message and "already held" in found.message
    marked = read_rows(package, "distinct_events")
    write_rows(
        package,
        "distinct_events",
        [*marked, {"event_id": first["event_id"], "other_event_id": "E999999", "reason": "test"}],
    )
    assert not [p for p in syriatl.validate(package).problems if p.rule == "likely-duplicate"]


@pytest.mark.parametrize("supports", ["date place", "place figures"])
def test_a_page_that_does_not_state_the_outcome_counts_for_no_publisher(package, supports):
    """A link whose page does not state what happened (only the day, place, actors or figures)
    does not make a second publisher: give every link of a confirmed event but one such
    supports, and it must fall."""
    events = read_rows(package, "events")
    index = next(i for i, e in enumerate(events) if e["certainty"] == "confirmed")
    event_id = events[index]["event_id"]
    rows = read_rows(package, "event_sources")
    mine = [r for r in rows if r["event_id"] == event_id]
    for row in mine[1:]:
        row["supports"] = supports
    write_rows(package, "event_sources", rows)
    found = assert_reported(package, "confirmed-publishers", "events", index + 2, "certainty")
    assert "1 publisher" in found.message or "0 publisher" in found.message


def test_an_encyclopedia_page_is_no_second_publisher(package):
    """An encyclopedia article retells other outlets' reports: a confirmed event whose second
    publisher is one must fall, and the summary's share of events with two publishers drops."""
    from syriatl.summary import summarize

    events = read_rows(package, "events")
    index = next(i for i, e in enumerate(events) if e["certainty"] == "confirmed")
    event_id = events[index]["event_id"]
    before = summarize(path=package)["share_two_publishers"]
    mine = {r["source_id"]: r["supports"].split() for r in links_of(package, event_id)}
    sources = read_rows(package, "sources")
    kept = next(
        s
        for s in sources
        if "outcome" in mine.get(s["source_id"], []) and s["source_type"] not in PARTY_SOURCE_TYPES
    )
    for source in sources:
        if source["source_id"] in mine and source is not kept:
            source.update(source_type="encyclopedia", publisher="Wikipedia", original_publisher="")
    write_rows(package, "sources", sources)
    found = assert_reported(package, "confirmed-publishers", "events", index + 2, "certainty")
    assert event_id in found.message and "1 publisher" in found.message
    assert summarize(path=package)["share_two_publishers"] < before


def test_a_source_no_row_cites_is_reported(package):
    """A page that supports nothing stays out of sources: an uncited source is a finding, and
    citing it from an event clears it."""
    sources = read_rows(package, "sources")
    spare = dict(sources[-1], source_id="S99999", url="https://example.org/uncited")
    write_rows(package, "sources", [*sources, spare])
    found = assert_reported(package, "source-cited", "sources", len(sources) + 2, "source_id")
    assert "S99999" in found.message

    links = read_rows(package, "event_sources")
    cited = dict(links[0], source_id="S99999", supports="place", note="")
    write_rows(package, "event_sources", [*links, cited])
    report = syriatl.validate(package)
    assert not any("S99999" in p.message and p.rule == "source-cited" for p in report.problems)


@pytest.mark.parametrize("spelling", ["Reuters (via Devdiscourse)", "the reuters", "REUTERS."])
def test_a_second_spelling_of_a_publisher_is_reported(package, spelling):
    """A copy of a Reuters story whose original publisher is spelt another way would count as a
    second publisher: the second spelling is reported at its cell, naming the usual one."""
    sources = read_rows(package, "sources")
    index = next(i for i, s in enumerate(sources) if s["original_publisher"] == "Reuters")
    row = set_cell(package, "sources", index, "original_publisher", spelling)
    found = assert_reported(package, "publisher-spelling", "sources", row, "original_publisher")
    assert spelling in found.message and "'Reuters'" in found.message


def test_a_publisher_without_an_original_is_checked_in_its_own_column(package):
    sources = read_rows(package, "sources")
    index = next(
        i
        for i, s in enumerate(sources)
        if not s["original_publisher"] and s["publisher"] == "Enab Baladi"
    )
    row = set_cell(package, "sources", index, "publisher", "Enab Baladi (English)")
    assert_reported(package, "publisher-spelling", "sources", row, "publisher")


def test_the_site_carrying_a_copy_is_held_to_one_spelling(package):
    """A paper's name on the wire copies it carries is spelt as on its own reports: "The
    Jerusalem Post" on one Reuters copy, beside "Jerusalem Post" on its other pages, is reported
    at the copy's publisher cell, though its original publisher is spelt right."""
    sources = read_rows(package, "sources")
    index = next(
        i
        for i, s in enumerate(sources)
        if s["publisher"] == "Jerusalem Post" and s["original_publisher"] == "Reuters"
    )
    row = set_cell(package, "sources", index, "publisher", "The Jerusalem Post")
    found = assert_reported(package, "publisher-spelling", "sources", row, "publisher")
    assert "'The Jerusalem Post'" in found.message and "'Jerusalem Post'" in found.message
    report = syriatl.validate(package)
    assert not any(
        p.rule == "publisher-spelling" and p.column == "original_publisher" for p in report.problems
    )


def test_a_second_type_for_one_publisher_is_reported(package):
    """CNN is news on every page: one of its copies typed wire would count (or not) towards
    confirmed by a type its publisher does not have, so the odd type is reported at its cell."""
    sources = read_rows(package, "sources")
    cnn = [i for i, s in enumerate(sources) if (s["original_publisher"] or s["publisher"]) == "CNN"]
    assert len(cnn) >= 3 and {sources[i]["source_type"] for i in cnn} == {"news"}
    row = set_cell(package, "sources", cnn[0], "source_type", "wire")
    found = assert_reported(package, "publisher-type", "sources", row, "source_type")
    assert "'wire'" in found.message and "'CNN'" in found.message and "'news'" in found.message
    others = [p for p in syriatl.validate(package).problems if p.rule == "publisher-type"]
    assert len(others) == 1  # the publisher's other pages are not blamed


@pytest.mark.parametrize(
    "variant",
    [
        lambda url: url + ("&" if "?" in url else "?") + "utm_source=rss&maca=en-rss",
        lambda url: url.replace("https://", "http://", 1).rstrip("/") + "/",
        lambda url: re.sub(r"://(www\.)?", "://amp.", url, count=1),
        lambda url: url + "#comments",
        lambda url: re.sub(r"^(https://[^/]+)/", r"\1/amp/", url, count=1),
    ],
    ids=["tracking", "scheme-slash", "amp-host", "fragment", "amp-segment"],
)
def test_a_second_address_of_one_page_is_reported(package, variant):
    """A page cited twice under two addresses would have its links and its publisher judged
    twice: a row whose URL differs from an earlier one only in tracking parameters, scheme,
    slash, host prefix, an AMP path segment or fragment is reported at its URL, naming the first
    row."""
    sources = read_rows(package, "sources")
    first = next(s for s in sources if s["url"].startswith("https://") and "?" not in s["url"])
    copy = dict(first, source_id="S99998", url=variant(first["url"]))
    assert copy["url"] != first["url"]
    write_rows(package, "sources", [*sources, copy])
    found = assert_reported(package, "source-same-page", "sources", len(sources) + 2, "url")
    assert "S99998" in found.message and first["source_id"] in found.message


def test_two_pages_of_one_site_are_two_sources(package):
    """Addresses that differ in the path or in a query that picks the page (an article ID) name
    two pages: neither is reported."""
    from syriatl.rules.sources import page_address

    assert page_address("https://example.org/a?id=1") != page_address("https://example.org/a?id=2")
    assert page_address("https://www.example.org/a/") == page_address("http://example.org/a")
    assert page_address("https://example.org/%D8%B3") == page_address("https://example.org/س")
    assert page_address("https://example.org/amp/a") == page_address("https://example.org/a/amp")
    assert page_address("https://example.org/camp/a") != page_address("https://example.org/a")
    report = syriatl.validate(package)
    assert not [p for p in report.problems if p.rule == "source-same-page"]


def test_a_link_cannot_give_a_place_the_event_lacks(package):
    """An event without a place (a statement, a visit "to the border") has no place for a page
    to state: a link claiming one is reported, on its own row."""
    events = read_rows(package, "events")
    placeless = {e["event_id"] for e in events if not e["place_id"]}
    links = read_rows(package, "event_sources")
    index = next(i for i, r in enumerate(links) if r["event_id"] in placeless)
    words = links[index]["supports"].split()
    row = set_cell(package, "event_sources", index, "supports", " ".join([*words, "place"]))
    found = assert_reported(package, "supported-place-exists", "event_sources", row, "supports")
    assert links[index]["event_id"] in found.message and links[index]["source_id"] in found.message
