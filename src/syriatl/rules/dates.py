"""Dates and time: spans are ordered and bounded, events lie in the coverage, and a source is not
older than what it reports."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from syriatl.grouping import Tables
from syriatl.report import Problem
from syriatl.rules.registry import problems_at, rule

if TYPE_CHECKING:
    from syriatl.package import Package


MAX_SPAN_DAYS = 7


@rule(
    "date-order",
    events=("date", "end_date"),
)
def date_order(tables: Tables, package: Package) -> Iterator[Problem]:
    """An event's end date is not before its date."""
    events = tables["events"]
    yield from problems_at(
        "events",
        events["end_date"] < events["date"],
        "end_date",
        "date-order",
        lambda row: f"end_date {row.end_date:%Y-%m-%d} is before date {row.date:%Y-%m-%d}",
        events,
    )


@rule(
    "date-precision",
    events=("date", "end_date", "date_precision"),
)
def date_precision(tables: Tables, package: Package) -> Iterator[Problem]:
    """A day-precise event has no end date; a span has one, at most seven days after its date."""
    events = tables["events"]
    precision = events["date_precision"].astype("string")
    yield from problems_at(
        "events",
        (precision == "day") & events["end_date"].notna(),
        "end_date",
        "date-precision",
        lambda row: "a day-precise event has no end_date; use date_precision span for a range",
        events,
    )
    yield from problems_at(
        "events",
        (precision == "span") & events["end_date"].isna(),
        "end_date",
        "date-precision",
        lambda row: "an event of date_precision span needs an end_date",
        events,
    )
    too_long = (events["end_date"] - events["date"]).dt.days > MAX_SPAN_DAYS
    yield from problems_at(
        "events",
        too_long,
        "end_date",
        "date-precision",
        lambda row: f"a span may cover at most {MAX_SPAN_DAYS} days; split the event",
        events,
    )


@rule(
    "temporal-coverage",
    events=("date", "end_date"),
)
def temporal_coverage(tables: Tables, package: Package) -> Iterator[Problem]:
    """Every event lies inside the temporal coverage that datapackage.json declares."""
    import pandas as pd

    from syriatl.package import PackageError, declared_coverage

    try:
        start, end = (pd.Timestamp(day) for day in declared_coverage(package.descriptor))
    except PackageError as exc:
        yield Problem(table="events", rule="temporal-coverage", message=str(exc))
        return
    events = tables["events"]
    for column in ("date", "end_date"):
        yield from problems_at(
            "events",
            (events[column] < start) | (events[column] > end),
            column,
            "temporal-coverage",
            lambda row, column=column: (
                f"{column} {row[column]:%Y-%m-%d} is outside the coverage "
                f"{start:%Y-%m-%d} to {end:%Y-%m-%d}"
            ),
            events,
        )


@rule(
    "source-date",
    events=("event_id", "date"),
    event_sources=("event_id", "source_id"),
    sources=("source_id", "published"),
)
def source_date(tables: Tables, package: Package) -> Iterator[Problem]:
    """A source is not published before the event it supports."""
    links = tables["event_sources"]
    events, sources = tables["events"], tables["sources"]
    # each link's event and source, by position (the first row of a repeated ID)
    event_at = tables.positions("event_sources", "event_id", "events", "event_id")
    source_at = tables.positions("event_sources", "source_id", "sources", "source_id")
    found = (event_at >= 0) & (source_at >= 0)
    dates = events["date"].to_numpy()[event_at[found]]
    published = sources["published"].to_numpy()[source_at[found]]
    before = published < dates  # NaT compares False: a missing date is no problem here
    early = found.copy()
    early[found] = before
    for index, event, source, date, when in zip(
        links.index[early],
        links["event_id"].to_numpy()[early],
        links["source_id"].to_numpy()[early],
        dates[before],
        published[before],
        strict=True,
    ):
        yield Problem(
            table="event_sources",
            row=int(index),
            column="source_id",
            rule="source-date",
            message=(
                f"source {source} was published on {str(when)[:10]}, before event {event} of "
                f"{str(date)[:10]}"
            ),
        )


@rule(
    "source-dated",
    sources=("published", "source_type"),
)
def source_dated(tables: Tables, package: Package) -> Iterator[Problem]:
    """Every source has a publication date, except encyclopedia and gazetteer pages."""
    from syriatl.rules.sources import TERTIARY_SOURCE_TYPES  # here, so rules register in order

    sources = tables["sources"]
    undated = ~sources["source_type"].astype("string").isin(TERTIARY_SOURCE_TYPES)
    yield from problems_at(
        "sources",
        undated & sources["published"].isna(),
        "published",
        "source-dated",
        lambda row: f"a {row.source_type} source needs its publication date",
        sources,
    )
