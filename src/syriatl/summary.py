"""A short account of a package's contents: counts, the date span and events per day."""

from __future__ import annotations

from pathlib import Path


def summarize(*, path: str | Path | None = None) -> dict:
    """Counts per table, the events' date span, events per day, type and certainty, the
    share of events that two or more independent publishers support (of all events, and of the
    changes of control of towns of 20,000+), and how many places in the control scope each side
    held at the end of each day."""
    from syriatl.history import daily, tables_and_days
    from syriatl.rules.sources import publisher_counts

    tables, days = tables_and_days(path)
    events = tables["events"]
    publishers = publisher_counts(tables)
    large_share, short = single_publisher_changes(tables, publishers)
    per_day = events.groupby(events["date"].dt.strftime("%Y-%m-%d")).size()
    return {
        "rows": {name: len(frame) for name, frame in tables.items()},
        "first_date": events["date"].min().strftime("%Y-%m-%d") if len(events) else None,
        "last_date": events["date"].max().strftime("%Y-%m-%d") if len(events) else None,
        "events_per_day": {day: int(n) for day, n in per_day.items()},
        "events_per_type": _counts(events["event_type"]),
        "events_per_certainty": _counts(events["certainty"]),
        "share_two_publishers": share_down(publishers >= 2) if len(events) else 0.0,
        "share_large_changes_two_publishers": large_share,
        "large_changes_one_publisher": short,
        "places_held_per_day": places_held(daily(tables, days))
        if "control_baseline" in tables
        else {},
    }


def places_held(table) -> dict[str, dict[str, int]]:
    """For each day, how many places each side held (a shared or contested place counts for
    its main holder; a place whose holder is unknown, under ``unknown``)."""
    side = table["holder_id"].astype("string").where(table["state"] != "unknown", "unknown")
    counts = table.groupby([table["date"].dt.strftime("%Y-%m-%d"), side.rename("side")]).size()
    held: dict[str, dict[str, int]] = {}
    for (day, side), n in counts.items():
        held.setdefault(day, {})[str(side)] = int(n)
    return held


# Curation targets (issue 18): measured and reported here, not validation rules, because they
# depend on what sources exist; the summary names each event that falls short.
TARGET_SHARE_TWO_PUBLISHERS = 0.8
LARGE_TOWN_POPULATION = 20_000  # every change of control of a town this large: two publishers


def share_down(hits) -> float:
    """The share of true values in ``hits``, rounded down to 0.1 % in whole numbers, so that a
    share just short of a target never reads as meeting it."""
    return int(hits.sum()) * 1000 // len(hits) / 1000


def single_publisher_changes(tables, publishers) -> tuple[float | None, list[str]]:
    """The share of changes of control of towns of 20,000+ (by GeoNames) that two or more
    independent publishers support, and the events of those that fewer support (None and []
    without a control history)."""
    from syriatl.history import changes
    from syriatl.rules.places import populations

    if "control_baseline" not in tables:
        return None, []
    places = tables["places"]
    people = dict(zip(places["place_id"].astype(str), populations(places), strict=False))
    changed = changes(tables)
    large = changed["place_id"].astype(str).map(people).fillna(0) >= LARGE_TOWN_POPULATION
    events = tables["events"]
    wanted = events["event_id"].isin(changed.loc[large, "event_id"].astype("string"))
    if not wanted.any():
        return None, []
    mask = wanted.to_numpy(dtype=bool)
    short = sorted(events.loc[mask & (publishers < 2), "event_id"].astype(str))
    return share_down(publishers[mask] >= 2), short


def _counts(column) -> dict[str, int]:
    counts = column.astype("string").value_counts()
    return {str(key): int(value) for key, value in counts.sort_index().items()}


def summary_text(summary: dict) -> str:
    """The summary as the command line prints it."""
    rows = summary["rows"]
    lines = [
        f"events: {rows.get('events', 0)}  actors: {rows.get('actors', 0)}  "
        f"places: {rows.get('places', 0)}  sources: {rows.get('sources', 0)}",
        f"dates: {summary['first_date']} to {summary['last_date']}",
        f"events with two or more independent publishers: {summary['share_two_publishers']:.1%}"
        f" (target {TARGET_SHARE_TWO_PUBLISHERS:.0%})",
    ]
    if summary.get("share_large_changes_two_publishers") is not None:
        lines.append(
            "changes of control of towns of 20,000+ with two or more independent publishers: "
            f"{summary['share_large_changes_two_publishers']:.1%} (target 100%)"
        )
        if short := summary.get("large_changes_one_publisher"):
            lines.append("  with one publisher: " + " ".join(short))
    lines.append("events per day:")
    top = max(summary["events_per_day"].values(), default=1)
    for day, count in summary["events_per_day"].items():
        lines.append(f"  {day}  {count:4d}  {'#' * max(1, round(30 * count / top))}")
    lines.append("events per type:")
    lines += [f"  {kind:<20} {count:4d}" for kind, count in summary["events_per_type"].items()]
    lines.append("events per certainty:")
    lines += [f"  {kind:<20} {count:4d}" for kind, count in summary["events_per_certainty"].items()]
    held = summary.get("places_held_per_day") or {}
    if held:
        everyone = sorted({side for day in held.values() for side in day})
        width = max(len(side) for side in everyone)
        lines.append("places in the control scope held per side, at the end of each day:")
        lines.append("  " + " " * width + "".join(f" {day[-5:]:>5}" for day in held))
        for side in everyone:
            counts = "".join(f" {day.get(side, 0):5d}" for day in held.values())
            lines.append(f"  {side:<{width}}{counts}")
    return "\n".join(lines)
