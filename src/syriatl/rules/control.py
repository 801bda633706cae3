"""Control of territory: the baseline, every change of hands and the derived daily table agree."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import TYPE_CHECKING

from syriatl.grouping import Tables
from syriatl.report import Problem
from syriatl.rules.places import populations
from syriatl.rules.registry import problems_at, rule

if TYPE_CHECKING:
    from syriatl.package import Package


CONTROL_SCOPE_POPULATION = 15_000


# what the control history (syriatl.history.changes) reads
HISTORY_NEEDS = {
    "events": ("event_id", "date", "place_id", "event_type", "certainty"),
    "event_actors": ("event_id", "actor_id", "role"),
    "actors": ("actor_id", "parent_id"),
}


def _row_of(frame, column: str) -> dict[str, int]:
    """Each key's row label in ``frame``: a problem found on a derived row names its source."""
    return dict(zip(frame[column].astype(str).tolist(), frame.index, strict=True))


@rule(
    "control-history",
    **HISTORY_NEEDS,
)
def control_history(tables: Tables, package: Package) -> Iterator[Problem]:
    """Each change of a place's control starts from a side that held it just before (its baseline,
    or the previous change), or repeats the last change.
    """
    from syriatl.history import baseline_holders, breaks, changes

    broken = breaks(changes(tables), baseline_holders(tables))
    if broken.empty:
        return
    row_of = _row_of(tables["events"], "event_id")
    for change in broken.itertuples(index=False):
        yield Problem(
            table="events",
            row=int(row_of[str(change.event_id)]),
            column="event_id",
            rule="control-history",
            message=(
                f"{change.event_id} has {change.gained_by} take {change.place_id} from "
                f"{change.lost_by}, but {change.held_before} held it just before"
            ),
        )


@rule(
    "control-scope",
    places=("place_id", "geonames_id"),
    control_baseline=("place_id",),
)
def control_scope(tables: Tables, package: Package) -> Iterator[Problem]:
    """Every Syrian town that GeoNames counts at 15,000 people or more has a control baseline."""
    places = tables["places"]
    people = populations(places)
    based = places["place_id"].isin(tables["control_baseline"]["place_id"].astype("string"))
    yield from problems_at(
        "places",
        (people >= CONTROL_SCOPE_POPULATION) & ~based,
        "place_id",
        "control-scope",
        lambda row: (
            f"{row.place_id} has {int(people[row.name]):,} people by GeoNames, so it is "
            "in the control scope, but control_baseline has no row for it"
        ),
        places,
    )


@rule(
    "control-baseline-state",
    control_baseline=("place_id", "holder_id", "other_holder_id", "state"),
    actors=("actor_id", "parent_id"),
)
def control_baseline_state(tables: Tables, package: Package) -> Iterator[Problem]:
    """A baseline names another holder exactly when the place was shared or contested, and that
    holder is of another side.
    """
    from syriatl.history import sides

    baseline = tables["control_baseline"]
    side = sides(tables["actors"])
    for index, row in baseline.iterrows():
        partial = str(row.state) in ("shared", "contested")
        other = row.other_holder_id if isinstance(row.other_holder_id, str) else ""
        if partial and not other:
            message = f"{row.place_id} is {row.state} but names no other holder"
        elif other and not partial:
            message = f"{row.place_id} is {row.state} yet names another holder, {other}"
        elif other and side.get(other, other) == side.get(row.holder_id, row.holder_id):
            message = f"{row.place_id}'s two holders are of one side, {side.get(other, other)}"
        else:
            continue
        yield Problem(
            table="control_baseline",
            row=int(index),
            column="other_holder_id",
            rule="control-baseline-state",
            message=message,
        )


@rule(
    "control-holder-kind",
    actors=("actor_id", "actor_type"),
    event_actors=("event_id", "actor_id", "role"),
    events=("event_id", "event_type"),
)
def control_holder_kind(tables: Tables, package: Package) -> Iterator[Problem]:
    """Every holder in the baseline, and every side of a change of control, is an actor that can
    hold ground (armed forces, an armed group, a coalition, a militia, a government or a
    state).
    """
    import numpy as np

    from syriatl.history import CHANGE_TYPE, HOLDING_KINDS, ROLES

    kinds = dict(
        zip(
            tables["actors"]["actor_id"].astype(str).tolist(),
            tables["actors"]["actor_type"].astype(str).tolist(),
            strict=True,
        )
    )
    unfit = [actor for actor, kind in kinds.items() if kind not in HOLDING_KINDS]

    if "control_baseline" in tables:
        baseline = tables["control_baseline"]
        for column in ("holder_id", "other_holder_id"):
            if column not in baseline.columns:
                continue
            yield from problems_at(
                "control_baseline",
                baseline[column].isin(unfit),
                column,
                "control-holder-kind",
                lambda row, column=column: (
                    f"{row[column]} is a {kinds[row[column]]}, which cannot hold ground"
                ),
                baseline,
            )
    links = tables["event_actors"]
    events = tables["events"]
    at = tables.positions("event_actors", "event_id", "events", "event_id")
    is_change = (events["event_type"].astype("string") == CHANGE_TYPE).fillna(False).to_numpy()
    of_change = np.append(is_change, False)[at]  # -1, a link to no event, reads False
    yield from problems_at(
        "event_actors",
        links["actor_id"].isin(unfit) & links["role"].isin(ROLES).fillna(False) & of_change,
        "actor_id",
        "control-holder-kind",
        lambda row: (
            f"{row.actor_id} is a {kinds[row.actor_id]} and cannot take or lose "
            f"{row.event_id}'s place; name the armed actor"
        ),
        links,
    )


@rule(
    "control-how",
    control_baseline=("place_id",),
    control_changes=("event_id", "state"),
    **HISTORY_NEEDS,
)
def control_how(tables: Tables, package: Package) -> Iterator[Problem]:
    """Every change of control of a baseline place says how it happened (a control_changes row),
    is made by one side (or two that then share the place), and every control_changes row is a
    change of control: a capture, or a withdrawal that leaves the place unknown.
    """
    from syriatl.history import CHANGE_TYPE, LEAVE_TYPE, changes, side_set

    how = tables["control_changes"]
    based = set(tables["control_baseline"]["place_id"].astype(str))
    explained = set(how["event_id"].astype(str))
    history = changes(tables)
    history = history[history["place_id"].isin(list(based))]
    events = tables["events"]
    concerned = history["event_id"].astype(str).tolist() + list(explained)
    events = events[events["event_id"].isin(concerned)]  # the rows named below, not a million
    row_of = _row_of(events, "event_id")
    for change in history.itertuples(index=False):
        if str(change.event_id) not in explained:
            message = (
                f"{change.event_id} changes the control of {change.place_id}, a baseline "
                "place, but control_changes does not say how"
            )
        elif len(takers := side_set(change.gained_by)) > 2 or (
            len(takers) == 2 and str(change.state) != "shared"
        ):
            message = (
                f"{change.event_id} has {len(takers)} sides take {change.place_id} "
                f"({change.gained_by}); one side takes a place, or two that then share it "
                "(state shared in control_changes)"
            )
        else:
            continue
        yield Problem(
            table="events",
            row=int(row_of[str(change.event_id)]),
            column="event_id",
            rule="control-how",
            message=message,
        )
    kind = dict(
        zip(
            events["event_id"].astype(str).tolist(),
            events["event_type"].astype(str).tolist(),
            strict=True,
        )
    )
    for index, row in how.iterrows():
        what = kind.get(str(row.event_id))
        if what is None:  # the foreign key reports it
            continue
        if what not in (CHANGE_TYPE, LEAVE_TYPE):
            message = f"{row.event_id} is a {what}, not a change of control"
        elif (what == LEAVE_TYPE) != (str(row.state) == "unknown"):
            message = (
                f"{row.event_id} is a {what} and its state is {row.state}; a withdrawal "
                "that nobody is reported to fill leaves the place unknown, and only it does"
            )
        else:
            continue
        yield Problem(
            table="control_changes",
            row=int(index),
            column="event_id" if what not in (CHANGE_TYPE, LEAVE_TYPE) else "state",
            rule="control-how",
            message=message,
        )


@rule(
    "control-one-holder",
    **HISTORY_NEEDS,
)
def control_one_holder(tables: Tables, package: Package) -> Iterator[Problem]:
    """A place has one holder a day: it changes hands to two different sides on one day only when
    the earlier change left it contested.
    """
    import numpy as np

    from syriatl.history import changes

    history = changes(tables)
    same_day = history.duplicated(["place_id", "date"], keep=False).to_numpy()
    if not same_day.any():
        return
    day = history[same_day]
    # each row against the row before it, when that row is of the same place and day
    same = np.r_[False, day["place_id"].to_numpy()[1:] == day["place_id"].to_numpy()[:-1]]
    same &= np.r_[False, day["date"].to_numpy()[1:] == day["date"].to_numpy()[:-1]]
    gained = day["gained_by"].fillna("").to_numpy(dtype=object)
    state = day["state"].fillna("").to_numpy(dtype=object)
    clash = same & np.r_[False, gained[1:] != gained[:-1]] & np.r_[False, state[:-1] != "contested"]
    if not clash.any():
        return
    events = tables["events"]
    row_of = _row_of(events[events["event_id"].isin(day["event_id"])], "event_id")
    for at in np.flatnonzero(clash):
        change, earlier = day.iloc[at], day.iloc[at - 1]
        yield Problem(
            table="events",
            row=int(row_of[str(change.event_id)]),
            column="event_id",
            rule="control-one-holder",
            message=(
                f"{change.place_id} goes to {earlier.gained_by} ({earlier.event_id}) "
                f"and to {change.gained_by} ({change.event_id}) on "
                f"{change.date:%Y-%m-%d}; mark the first change contested in "
                "control_changes, or correct a date"
            ),
        )


@rule(
    "control-collapse",
    control_collapses=("holder_id", "date", "event_id"),
    events=("event_id", "date"),
    actors=("actor_id", "parent_id"),
)
def control_collapse(tables: Tables, package: Package) -> Iterator[Problem]:
    """A side that control_collapses says stopped holding ground is a side (the top of its parent
    chain), and the event that says so is dated that day.
    """
    from syriatl.history import sides

    side = sides(tables["actors"])
    collapses = tables["control_collapses"]
    events = tables["events"]
    events = events[events["event_id"].isin(collapses["event_id"].astype("string"))]
    dated = dict(zip(events["event_id"].astype(str), events["date"], strict=True))
    for index, row in collapses.iterrows():
        holder, event = str(row.holder_id), str(row.event_id)
        if side.get(holder, holder) != holder:
            column, message = "holder_id", f"{holder} is part of {side[holder]}; name the side"
        elif event in dated and dated[event] != row.date:
            column = "date"
            message = f"{event} is dated {dated[event]:%Y-%m-%d}, not {row.date:%Y-%m-%d}"
        else:
            continue
        yield Problem(
            table="control_collapses",
            row=int(index),
            column=column,
            rule="control-collapse",
            message=message,
        )


@rule(
    "control-derived",
    daily_control=("place_id", "date", "holder_id", "state"),
    control_baseline=("place_id", "holder_id", "other_holder_id", "state", "certainty"),
    **HISTORY_NEEDS,
)
def control_derived(tables: Tables, package: Package) -> Iterator[Problem]:
    """The daily control table equals its derivation from the baseline and the changes (`syriatl
    derive` rewrites it).
    """
    from syriatl.history import DAILY_COLUMNS, coverage_days, daily
    from syriatl.package import PackageError

    try:
        days = coverage_days(package)
    except PackageError:  # the rule temporal-coverage reports the descriptor
        return
    shipped = tables["daily_control"]
    derived = daily(tables, days)
    key = ["place_id", "date"]
    merged = (
        shipped.rename_axis("row")
        .reset_index()
        .merge(derived, on=key, how="outer", suffixes=("", "_derived"), indicator="found_in")
    )
    # rows compared in Python: those found on one side only, and those where a column's text
    # differs (a missing value on both sides is the same); a valid table has none
    candidates = (merged["found_in"] != "both").to_numpy()
    for column in DAILY_COLUMNS[2:]:
        if column in shipped.columns:
            ours = merged[column].astype("string")
            theirs = merged[column + "_derived"].astype("string")
            same = (ours == theirs).fillna(False) | (ours.isna() & theirs.isna())
            candidates = candidates | ~same.to_numpy(dtype=bool)
    for row in merged[candidates].itertuples(index=False):
        where = f"{row.place_id} on {row.date:%Y-%m-%d}"
        if row.found_in == "left_only":
            found = [(int(row.row), "place_id", f"{where} is not a day of a baseline place")]
        elif row.found_in == "right_only":
            found = [(None, "date", f"{where} is missing")]
        else:
            found = [
                (
                    int(row.row),
                    column,
                    f"{where}: {column} is {_shown(getattr(row, column))} but the data "
                    f"gives {_shown(getattr(row, column + '_derived'))}",
                )
                for column in DAILY_COLUMNS[2:]
                if column in shipped.columns
                and _shown(getattr(row, column)) != _shown(getattr(row, column + "_derived"))
            ]
        for at, column, message in found:
            yield Problem(
                table="daily_control",
                row=at,
                column=column,
                rule="control-derived",
                message=message + "; run `syriatl derive` to rewrite the table",
            )


def _shown(value) -> str:
    import pandas as pd

    if value is None or value is pd.NA or value is pd.NaT:
        return "empty"
    if isinstance(value, float) and math.isnan(value):
        return "empty"
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d")
    return str(value)
