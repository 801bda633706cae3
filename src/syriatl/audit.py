"""Audit samples: seeded random event-source pairs for a second reading, page in hand.

Each release's audit draws samples of links and has readers who did not make them check
whether each page states what its link claims. The draw is pandas' ``DataFrame.sample`` with an
integer seed over ``event_sources`` in file order, so anyone can draw the same pairs again from
the same release and read them too.
"""

from __future__ import annotations

from pathlib import Path

SAMPLE_COLUMNS = (
    "event_id",
    "source_id",
    "supports",
    "actors",
    "title",
    "url",
    "publisher",
    "original_publisher",
    "published",
)


class SampleSizeError(ValueError):
    """A sample larger than the links there are, or empty."""


def sample_links(seed: int, n: int = 20, path: str | Path | None = None):
    """``n`` event-source links drawn with ``seed``, each with its event's title and its page's
    address, publisher and date: what a reader needs to open the page and judge the link."""
    from syriatl.loading import load_package

    tables = load_package(path=path)
    links = tables["event_sources"]
    if not 0 < n <= len(links):
        raise SampleSizeError(f"a sample holds 1 to {len(links)} links, not {n}")
    drawn = links.sample(n=n, random_state=seed)
    events = tables["events"][["event_id", "title"]]
    sources = tables["sources"][
        ["source_id", "url", "publisher", "original_publisher", "published"]
    ]
    pairs = drawn.merge(events, on="event_id", how="left").merge(
        sources, on="source_id", how="left"
    )
    pairs["published"] = pairs["published"].dt.strftime("%Y-%m-%d")  # a day, as the CSV has it
    return pairs[list(SAMPLE_COLUMNS)].reset_index(drop=True)
