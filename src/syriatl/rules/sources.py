"""Sources and claims: every event is sourced and has actors, and each claim is exactly as strong
as its sources."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from syriatl.grouping import Tables
from syriatl.report import Problem
from syriatl.rules.registry import problems_at, rule

if TYPE_CHECKING:
    from syriatl.package import Package


# Outlets of a party to the war: what they alone state is that party's claim.
WAR_MEDIA_SOURCE_TYPES = ("state-media", "party-media")

# Pages that speak for a party to the war: they carry its claims, never confirm on their own.
PARTY_SOURCE_TYPES = (*WAR_MEDIA_SOURCE_TYPES, "official")

# Pages that summarise what other outlets published: a reader's guide and a place's record. They
# have no single publication date, and never corroborate as a publisher (the article may rest on
# the very page it stands beside).
TERTIARY_SOURCE_TYPES = ("encyclopedia", "gazetteer")


# What an event-source link can say the page supports, and the event column each one backs.
SUPPORT_ASPECTS = {
    "date": "date",
    "place": "place_id",
    "outcome": "title",
    "figures": "fatalities",
}


@rule(
    "event-has-actor",
    events=("event_id",),
    event_actors=("event_id",),
)
def event_has_actor(tables: Tables, package: Package) -> Iterator[Problem]:
    """Every event has at least one actor in event_actors."""
    yield from _events_without(tables, "event_actors", "event-has-actor", "actor")


@rule(
    "event-has-source",
    events=("event_id",),
    event_sources=("event_id",),
)
def event_has_source(tables: Tables, package: Package) -> Iterator[Problem]:
    """Every event has at least one source in event_sources."""
    yield from _events_without(tables, "event_sources", "event-has-source", "source")


def _events_without(tables: Tables, links: str, name: str, what: str) -> Iterator[Problem]:
    """One problem per event that no row of the table ``links`` names."""
    import pandas as pd

    events = tables["events"]
    named = tables.named(links, "event_id", "events", "event_id")
    yield from problems_at(
        "events",
        pd.Series(~named, index=events.index),
        "event_id",
        name,
        lambda row: f"event {row.event_id} has no {what} in {links}",
        events,
    )


@rule(
    "claimant-named",
    events=("event_id", "certainty"),
    event_actors=("event_id", "role"),
)
def claimant_named(tables: Tables, package: Package) -> Iterator[Problem]:
    """An event whose certainty is claimed names its claimant in event_actors."""
    import pandas as pd

    events = tables["events"]
    claimant = (tables["event_actors"]["role"] == "claimant").to_numpy(dtype=bool)
    named = tables.named("event_actors", "event_id", "events", "event_id", rows=claimant)
    yield from problems_at(
        "events",
        (events["certainty"] == "claimed") & pd.Series(~named, index=events.index),
        "certainty",
        "claimant-named",
        lambda row: f"event {row.event_id} is claimed but no actor has the role claimant",
        events,
    )


@rule(
    "source-cited",
    sources=("source_id",),
    event_sources=("source_id",),
)
def source_cited(tables: Tables, package: Package) -> Iterator[Problem]:
    """Every source is cited: by an event, by a place's holder before the offensive
    (control_baseline) or by a place's coordinates; a page that supports nothing is retired."""
    import pandas as pd

    sources = tables["sources"]
    cited = tables.named("event_sources", "source_id", "sources", "source_id").copy()
    for table, column in (("control_baseline", "source_id"), ("places", "coord_source_id")):
        if table in tables and column in tables[table].columns:
            cited |= tables.named(table, column, "sources", "source_id")
    yield from problems_at(
        "sources",
        pd.Series(~cited, index=sources.index),
        "source_id",
        "source-cited",
        lambda row: f"{row.source_id} is cited by no event, baseline or place; retire it",
        sources,
    )


# Query parameters that record how a reader reached a page (an RSS feed, a campaign), not which
# page it is: DW's feeds add "maca", newsletters "utm_source".
TRACKING_PARAMETER = r"(?i)^(?:utm_\w+|maca|fbclid|gclid|ocid|cmpid|ito|guccounter)$"


def page_address(url: str) -> str:
    """The page a URL names, so two addresses of one page compare equal: the host without
    "www.", "m." or "amp.", the decoded path without a trailing slash or any "amp" segment (an
    AMP edition is "/amp/..." on ANSA, ".../amp" on others), and the query without tracking
    parameters; the scheme and the fragment are dropped."""
    import re
    from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

    parts = urlsplit(url.strip())
    host = re.sub(r"^(?:www\d*|m|amp)\.", "", parts.netloc.lower())
    segments = unquote(parts.path).rstrip("/").split("/")
    path = "/".join(segment for segment in segments if segment.lower() != "amp")
    query = sorted(
        (key, value)
        for key, value in parse_qsl(parts.query, keep_blank_values=True)
        if key.lower() != "amp" and not re.match(TRACKING_PARAMETER, key)
    )
    return host + path + (f"?{urlencode(query)}" if query else "")


@rule(
    "source-same-page",
    sources=("source_id", "url"),
)
def source_same_page(tables: Tables, package: Package) -> Iterator[Problem]:
    """A page is one source: two rows whose URLs differ only in the scheme, a "www." or mobile
    host, a trailing slash, an AMP path segment, the percent-encoding or a tracking parameter name
    one page, and would let its links and its publisher be judged twice. The first row stays."""
    import pandas as pd

    sources = tables["sources"]
    urls = sources["url"].astype("string")
    address = pd.Series(
        [page_address(url) if isinstance(url, str) else None for url in urls.tolist()],
        index=sources.index,
        dtype="string",
    )
    repeated = address.notna() & address.duplicated()
    first = sources["source_id"].groupby(address.to_numpy()).first()
    yield from problems_at(
        "sources",
        repeated,
        "url",
        "source-same-page",
        lambda row: (
            f"{row.source_id}'s URL names the same page as {first[address[row.name]]} "
            "(they differ only in scheme, host prefix, slash, AMP segment, encoding or tracking "
            "parameters); cite one page once"
        ),
        sources,
    )


def counted_publisher(sources):
    """Each source's publisher as independence counts it: the original publisher of a copy or
    relay, else the publisher, as pandas strings."""
    publisher = sources["publisher"].astype("string")
    if "original_publisher" in sources.columns:
        publisher = sources["original_publisher"].astype("string").fillna(publisher)
    return publisher


@rule(
    "publisher-spelling",
    sources=("source_id", "publisher", "original_publisher"),
)
def publisher_spelling(tables: Tables, package: Package) -> Iterator[Problem]:
    """A publisher is spelt one way: two names that differ only in case, punctuation, a leading
    "The" or a note in brackets ("Xinhua (via IANS)", "The Jerusalem Post") name one publisher,
    and independence is counted by the name, so a second spelling would count a copy twice.
    Both columns are read, so the site that carries a wire copy is held to the spelling its own
    pages use; the spelling most cells use is the one to keep.
    """
    import numpy as np
    import pandas as pd

    sources = tables["sources"]
    columns = [c for c in ("original_publisher", "publisher") if c in sources.columns]
    cells = {column: sources[column].astype("string") for column in columns}
    uses = pd.concat(cells.values(), ignore_index=True).value_counts()  # a few hundred names
    names = pd.Series(uses.index, dtype="string")
    keys = (
        names.str.replace(r"\([^)]*\)", " ", regex=True)
        .str.casefold()
        .str.replace(r"^\W*the\s+", "", regex=True)
        .str.replace(r"\W+", "", regex=True)
    )
    ranked = pd.DataFrame({"key": keys, "name": names, "n": uses.to_numpy(dtype=np.int64)})
    ranked = ranked.sort_values(["key", "n", "name"], ascending=[True, False, True])
    kept = ranked.drop_duplicates("key").set_index("key")["name"]
    usual_of = pd.Series(keys.map(kept).to_numpy(dtype=object), index=names.to_numpy(dtype=object))
    for column, name in cells.items():
        usual = name.map(usual_of).astype("string")
        yield from problems_at(
            "sources",
            name.notna() & (name != usual),
            column,
            "publisher-spelling",
            lambda row, name=name, usual=usual: (
                f"{row.source_id} spells its publisher {name[row.name]!r}, which other sources "
                f"spell {usual[row.name]!r}; spell one publisher one way, as independence is "
                "counted by the name"
            ),
            sources,
        )


@rule(
    "publisher-type",
    sources=("source_id", "publisher", "original_publisher", "source_type"),
)
def publisher_type(tables: Tables, package: Package) -> Iterator[Problem]:
    """One publisher, one source type: a page's type follows its publisher (the original of a
    copy), so CNN is news on every page and an agency's copies are wire. The type decides
    whether a page counts towards confirmed, so a second type on one publisher's pages is a
    mistake on one of them; the type most of its pages have is the one to keep.
    """
    import pandas as pd

    sources = tables["sources"]
    name = counted_publisher(sources)
    kind = sources["source_type"].astype("string")
    known = (name.notna() & kind.notna()).to_numpy(dtype=bool)
    uses = (
        pd.DataFrame({"name": name[known], "kind": kind[known]})
        .value_counts()
        .rename("n")
        .reset_index()
        .sort_values(["name", "n", "kind"], ascending=[True, False, True])  # most used first
    )
    usual = uses.drop_duplicates("name").set_index("name")
    pages = uses.groupby("name")["n"].sum()
    expected = name.map(usual["kind"]).astype("string")
    odd = pd.Series(known, index=sources.index) & (kind != expected).fillna(False)
    yield from problems_at(
        "sources",
        odd,
        "source_type",
        "publisher-type",
        lambda row: (
            f"{row.source_id} is typed {kind[row.name]!r}, but {name[row.name]!r} is typed "
            f"{expected[row.name]!r} on {int(usual['n'][name[row.name]])} of its "
            f"{int(pages[name[row.name]])} pages; a page's type follows its publisher (the "
            "original of a copy), one type per publisher"
        ),
        sources,
    )


@rule(
    "confirmed-publishers",
    events=("event_id", "certainty"),
    event_sources=("event_id", "source_id"),
    sources=("source_id", "publisher", "source_type"),
)
def confirmed_publishers(tables: Tables, package: Package) -> Iterator[Problem]:
    """An event whose certainty is confirmed has sources from two or more independent publishers
    that are not parties to the war (a republished story counts for its original publisher;
    state media, media of a party, official statements and encyclopedias do not count).
    """
    import pandas as pd

    events = tables["events"]
    confirmed = (events["certainty"] == "confirmed").to_numpy(dtype=bool)
    counts = pd.Series(
        publisher_counts(tables, confirmed, leave_out=PARTY_SOURCE_TYPES), index=events.index
    )
    yield from problems_at(
        "events",
        pd.Series(confirmed, index=events.index) & (counts < 2),
        "certainty",
        "confirmed-publishers",
        lambda row: (
            f"event {row.event_id} is confirmed but its sources come from "
            f"{int(counts[row.name])} publisher(s) that are not parties to the war; "
            "confirmed needs two"
        ),
        events,
    )


@rule(
    "statement-certainty",
    events=("event_id", "event_type", "certainty"),
    event_sources=("event_id", "source_id", "supports"),
    sources=("source_id", "publisher", "source_type"),
)
def statement_certainty(tables: Tables, package: Package) -> Iterator[Problem]:
    """A statement records that words were said, and its title attributes them, so its
    certainty grades the saying, not what was said, by the publishers outside the parties to
    the war (not state media, media of a party or official pages) that report it: with one it
    is at least reported, not claimed; with two it is confirmed (unless a source denies it was
    said: disputed). With none it is claimed when a party spoke, reported when the speaker's
    own page is the record of a non-party's words.
    """
    import numpy as np
    import pandas as pd

    events = tables["events"]
    certainty = events["certainty"].astype("string")
    graded = (
        ((events["event_type"] == "statement") & (certainty != "disputed"))
        .fillna(False)  # a missing certainty is its column's finding, not this rule's
        .to_numpy(dtype=bool)
    )
    counts = publisher_counts(tables, graded, leave_out=PARTY_SOURCE_TYPES)
    expected = pd.Series(
        np.select([counts >= 2, counts == 1], ["confirmed", "reported"], "claimed"),
        index=events.index,
    )
    # too weak for its publishers: claimed with one, or not confirmed with two (too strong is
    # confirmed-publishers' finding; none outside the parties leaves claimed or reported)
    rank = {"claimed": 0, "reported": 1, "confirmed": 2}
    grade = pd.Series(events["certainty"].astype("category").cat.categories).map(rank)
    grade = np.append(grade.to_numpy(dtype=float, na_value=np.nan), np.nan)  # -1: missing
    mine = grade[events["certainty"].astype("category").cat.codes.to_numpy()]
    wanted = np.select([counts >= 2, counts == 1], [2, 1], 0)  # the rank of expected
    wrong = pd.Series(graded & (mine < wanted), index=events.index)
    yield from problems_at(
        "events",
        wrong.fillna(False),
        "certainty",
        "statement-certainty",
        lambda row: (
            f"statement {row.event_id} is {row.certainty} but "
            f"{int(counts[events.index.get_loc(row.name)])} publisher(s) that are not parties "
            "to the war report it, so it is "
            + ("confirmed" if expected[row.name] == "confirmed" else "reported, not claimed")
        ),
        events,
    )


@rule(
    "reported-publisher",
    events=("event_id", "certainty"),
    event_sources=("event_id", "source_id", "supports"),
    sources=("source_id", "publisher", "source_type"),
)
def reported_publisher(tables: Tables, package: Package) -> Iterator[Problem]:
    """An event graded reported has a publisher outside the war that states what happened: a
    page of news, a wire, a monitor, an analysis or a body's own official record. What only
    state media or a party's media state is that party's claim (claimed, the outlet its
    claimant), however plainly they state it; what only an encyclopedia states has no
    publisher at all.
    """
    import pandas as pd

    events = tables["events"]
    graded = (events["certainty"].astype("string") == "reported").fillna(False).to_numpy(dtype=bool)
    counts = publisher_counts(tables, graded, leave_out=WAR_MEDIA_SOURCE_TYPES)
    yield from problems_at(
        "events",
        pd.Series(graded & (counts == 0), index=events.index),
        "certainty",
        "reported-publisher",
        lambda row: (
            f"event {row.event_id} is reported but only state media, a party's media or "
            "encyclopedias state its outcome: it is claimed (the outlet its claimant) until a "
            "page outside the war states it"
        ),
        events,
    )


def publisher_counts(tables: dict, rows=None, *, leave_out: tuple[str, ...] = ()):
    """How many independent publishers support each event, as an array over the events' rows
    (counted only for ``rows``, a boolean mask over them, if given; the others get 0).

    A republished report counts for its original publisher (two sites carrying one AFP story
    are one source). Encyclopedia and gazetteer pages (:data:`TERTIARY_SOURCE_TYPES`) count for
    nothing: they retell other outlets' reports. A link whose ``supports`` lacks ``outcome`` (a
    page not read again, or one that gives the day or the place but not what happened) counts
    for nothing either. Pages of the types in ``leave_out`` (those that speak for a party to the
    war, :data:`PARTY_SOURCE_TYPES`, or only its media) count for nothing.
    """
    import numpy as np
    import pandas as pd

    tables = tables if isinstance(tables, Tables) else Tables(tables)
    event_at = tables.positions("event_sources", "event_id", "events", "event_id")
    source_at = tables.positions("event_sources", "source_id", "sources", "source_id")
    keep = (event_at >= 0) & (source_at >= 0)
    if rows is not None:
        keep &= np.append(np.asarray(rows, dtype=bool), False)[event_at]
    links = tables["event_sources"]
    if "supports" in links.columns:  # a page counts when it states what happened
        keep &= stated(links, "outcome")["outcome"]
    sources = tables["sources"]
    left_out = TERTIARY_SOURCE_TYPES + tuple(leave_out)
    uncounted = sources["source_type"].isin(left_out).to_numpy(dtype=bool)
    keep &= ~np.append(uncounted, False)[source_at]
    publisher = counted_publisher(sources)
    # each source's publisher is normalised once, not once per event it supports
    codes, labels = pd.factorize(publisher.str.strip().str.casefold())
    event_at, publisher_at = event_at[keep], codes[source_at[keep]]
    known = publisher_at >= 0  # a source without a publisher names none
    pairs = np.sort(event_at[known] * max(len(labels), 1) + publisher_at[known], kind="stable")
    pairs = pairs[np.r_[True, pairs[1:] != pairs[:-1]]] if len(pairs) else pairs  # distinct
    counts = np.bincount(pairs // max(len(labels), 1), minlength=len(tables["events"]))
    # a repeated event ID: each of its rows counts what its first row does
    return counts[tables.positions("events", "event_id", "events", "event_id")]


@rule(
    "disputed-noted",
    events=("certainty", "notes"),
)
def disputed_noted(tables: Tables, package: Package) -> Iterator[Problem]:
    """An event whose certainty is disputed says in its notes which source says what."""
    events = tables["events"]
    yield from problems_at(
        "events",
        (events["certainty"].astype("string") == "disputed") & events["notes"].isna(),
        "notes",
        "disputed-noted",
        lambda row: "a disputed event needs notes that name which source says what",
        events,
    )


def stated(links, *aspects: str) -> dict:
    """For each of ``aspects`` (words of ``supports``), whether each event-source link's page
    states it, as a bool array; each distinct supports value is split once (a few dozen values,
    millions of rows), and a missing one states nothing."""
    import numpy as np

    from syriatl.grouping import distinct_codes

    distinct, codes = distinct_codes(links["supports"].astype("string"))
    words = [str(value).split() for value in distinct] + [[]]  # the last: code -1, missing
    return {
        aspect: np.array([aspect in found for found in words], dtype=bool)[codes]
        for aspect in aspects
    }


@rule(
    "event-supported",
    events=("event_id", "date_precision", "place_id", "fatalities"),
    event_sources=("event_id", "supports"),
)
def event_supported(tables: Tables, package: Package) -> Iterator[Problem]:
    """Every event has, among its sources, one that states its day (unless it is dated to a
    span: no page gives the day), one its place (if it has one), one its outcome, and one its
    figures (if it has any), as event_sources.supports records (its actors: actor-named).
    """
    import pandas as pd

    events = tables["events"]
    says_each = stated(tables["event_sources"], *SUPPORT_ASPECTS)
    needed = {
        "date": events["date_precision"] == "day",
        "place": events["place_id"].notna(),
        "outcome": pd.Series(True, index=events.index),
        "figures": events["fatalities"].notna(),
    }
    for aspect, column in SUPPORT_ASPECTS.items():
        backed = tables.named(
            "event_sources", "event_id", "events", "event_id", rows=says_each[aspect]
        )
        yield from problems_at(
            "events",
            needed[aspect] & pd.Series(~backed, index=events.index),
            column,
            "event-supported",
            lambda row, aspect=aspect: (
                f"no source of event {row.event_id} states its {aspect} (event_sources.supports)"
            ),
            events,
        )


def named_actors(links):
    """Each actor that event_sources.actors lists, as the link's row position and the actor_id
    (``words[at]``): three arrays, ``rows``, ``words`` and ``at``. Each distinct list is split
    once (a few hundred lists, millions of links), into ``words``."""
    import re

    import numpy as np

    from syriatl.grouping import distinct_codes

    distinct, codes = distinct_codes(links["actors"].astype("string"))
    texts = [str(value) for value in distinct]
    # every list split at once; a list of k names separated by single spaces (every valid one)
    # holds k - 1 spaces, so when the counts add up each list's count is its own
    joined = " ".join(texts)
    found = joined.split()
    sizes = np.array([text.count(" ") + 1 if text else 0 for text in texts], dtype=np.int64)
    if re.search(r"[^\S ]", joined) or len(found) != int(sizes.sum()):  # split one by one
        split = [text.split() for text in texts]
        sizes = np.array([len(words) for words in split], dtype=np.int64)
        found = [word for words in split for word in words]
    sizes = np.append(sizes, 0)  # the last: code -1, missing
    starts = np.cumsum(sizes) - sizes
    flat = np.array([*found, ""], dtype=object)
    each = sizes[codes]
    rows = np.repeat(np.arange(len(links)), each)
    within = np.arange(int(each.sum())) - np.repeat(np.cumsum(each) - each, each)
    return rows, flat, np.repeat(starts[codes], each) + within


def _pair_keys(tables: Tables):
    """The (event, actor) pairs of event_actors and of event_sources.actors as comparable
    integers, with the link row and the name (``words[at]``) of each named pair; computed once
    for the two rules that read them. A row whose event is unknown (reported by its foreign
    key) matches everything."""

    def compute():
        import numpy as np
        import pandas as pd

        rows, words, at = named_actors(tables["event_sources"])
        # every actor as a code: event_actors' through the foreign key's look-up, each
        # distinct name a link gives looked up once (a name that is no actor's: a code of
        # its own, after them; a missing actor_id: the one after that)
        actor_codes, labels = tables.codes("event_actors", "actor_id", "actors", "actor_id")
        actor_codes = np.where(actor_codes >= 0, actor_codes, len(labels) + 1)
        found = pd.Index(labels).get_indexer(words)
        named_codes = np.where(found >= 0, found, len(labels))[at]
        width = len(labels) + 2
        of_actor = tables.positions("event_actors", "event_id", "events", "event_id")
        of_link = tables.positions("event_sources", "event_id", "events", "event_id")[rows]
        listed = of_actor.astype(np.int64) * width + actor_codes
        cited = of_link.astype(np.int64) * width + named_codes
        unnamed = ~_among(listed, cited) & (of_actor >= 0)
        unlisted = ~_among(cited, listed) & (of_link >= 0)
        return unnamed, unlisted, rows, words, at

    return tables.memo("actor-pairs", compute)


def _among(values, others):
    """Which of the integers ``values`` are among ``others`` (``np.isin``, by one sort and a
    binary search)."""
    import numpy as np

    if not len(others):
        return np.zeros(len(values), dtype=bool)
    others = np.sort(others, kind="stable")  # runs by event: nearly sorted, which timsort likes
    at = np.minimum(np.searchsorted(others, values), len(others) - 1)
    return others[at] == values


@rule(
    "actor-named",
    events=("event_id",),
    event_actors=("event_id", "actor_id"),
    event_sources=("event_id", "actors"),
)
def actor_named(tables: Tables, package: Package) -> Iterator[Problem]:
    """Every actor of an event is named by at least one of its sources, as
    event_sources.actors records: a page that says only "rebels" names the generic opposition,
    not Hay'at Tahrir al-Sham.
    """
    import pandas as pd

    unnamed = _pair_keys(tables)[0]
    actors = tables["event_actors"]
    yield from problems_at(
        "event_actors",
        pd.Series(unnamed, index=actors.index),
        "actor_id",
        "actor-named",
        lambda row: (
            f"no source of event {row.event_id} names {row.actor_id} (event_sources.actors)"
        ),
        actors,
    )


@rule(
    "named-actor-listed",
    events=("event_id",),
    event_actors=("event_id", "actor_id"),
    event_sources=("event_id", "actors"),
)
def named_actor_listed(tables: Tables, package: Package) -> Iterator[Problem]:
    """Each actor a source is said to name (event_sources.actors) is an actor of that event in
    event_actors.
    """
    import numpy as np

    _, unlisted, rows, words, at = _pair_keys(tables)
    links = tables["event_sources"]
    for pair in np.flatnonzero(unlisted):
        link = links.iloc[rows[pair]]
        yield Problem(
            table="event_sources",
            row=int(links.index[rows[pair]]),
            column="actors",
            rule="named-actor-listed",
            message=(
                f"{link['source_id']} is said to name {words[at[pair]]}, which is not an actor of "
                f"event {link['event_id']} in event_actors"
            ),
        )


@rule(
    "link-states-something",
    event_sources=("event_id", "source_id", "supports", "actors"),
)
def link_states_something(tables: Tables, package: Package) -> Iterator[Problem]:
    """Every event-source link says what its page states: its supports, its actors or both.
    A page that states nothing of the event is not linked.
    """
    links = tables["event_sources"]
    yield from problems_at(
        "event_sources",
        links["supports"].isna() & links["actors"].isna(),
        "supports",
        "link-states-something",
        lambda row: f"the link of {row.event_id} to {row.source_id} states nothing of it",
        links,
    )


@rule(
    "supported-place-exists",
    events=("event_id", "place_id"),
    event_sources=("event_id", "source_id", "supports"),
)
def supported_place_exists(tables: Tables, package: Package) -> Iterator[Problem]:
    """A link says its page states the event's place only when the event has one: a page that
    names only "the border" or a region gives the event no place, and its link must not claim
    one (a reader filtering on ``place`` would trust a place no page gives).
    """
    import numpy as np

    links = tables["event_sources"]
    at = tables.positions("event_sources", "event_id", "events", "event_id")
    placed = np.append(tables["events"]["place_id"].notna().to_numpy(dtype=bool), True)
    yield from problems_at(
        "event_sources",
        stated(links, "place")["place"] & ~placed[at],
        "supports",
        "supported-place-exists",
        lambda row: (
            f"the link of {row.event_id} to {row.source_id} says its page states the place, "
            "but the event has none"
        ),
        links,
    )
