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
    from syriatl.grouping import isin

    places = tables["places"]
    people = populations(places)
    based = isin(places["place_id"], tables["control_baseline"]["place_id"].astype("string"))
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
    from syriatl.history import side_column, side_map

    baseline = tables["control_baseline"]
    partial = baseline["state"].astype("string").isin(["shared", "contested"]).to_numpy(bool)
    other = baseline["other_holder_id"].fillna("").astype(str).to_numpy(dtype=object) != ""
    holder = baseline["holder_id"].notna().to_numpy(dtype=bool)
    side = side_map(tables)
    same_side = side_column(tables, "control_baseline", "other_holder_id") == side_column(
        tables, "control_baseline", "holder_id"
    )
    for mask, message in (
        (partial & ~other, lambda row: f"{row.place_id} is {row.state} but names no other holder"),
        (
            other & ~partial,
            lambda row: (
                f"{row.place_id} is {row.state} yet names another holder, {row.other_holder_id}"
            ),
        ),
        (
            other & partial & holder & same_side,
            lambda row: (
                f"{row.place_id}'s two holders are of one side, "
                f"{side.get(row.other_holder_id, row.other_holder_id)}"
            ),
        ),
    ):
        yield from problems_at(
            "control_baseline",
            mask,
            "other_holder_id",
            "control-baseline-state",
            message,
            baseline,
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

    from syriatl.grouping import is_sorted, isin
    from syriatl.history import CHANGE_TYPE, HOLDING_KINDS, ROLES

    actors = tables["actors"]
    if not is_sorted(actors, ["actor_id"], strictly=True):  # a repeated actor: its last row
        actors = actors.drop_duplicates("actor_id", keep="last")
    unfit = actors["actor_id"][~isin(actors["actor_type"].astype("string"), list(HOLDING_KINDS))]
    kinds: dict[str, str] = {}

    def kind(actor: str) -> str:  # read only for the rows reported
        if not kinds:
            ids, types = actors["actor_id"].astype(str), actors["actor_type"].astype(str)
            kinds.update(zip(ids, types, strict=True))
        return kinds[actor]

    if "control_baseline" in tables:
        baseline = tables["control_baseline"]
        for column in ("holder_id", "other_holder_id"):
            if column not in baseline.columns:
                continue
            yield from problems_at(
                "control_baseline",
                isin(baseline[column], unfit),
                column,
                "control-holder-kind",
                lambda row, column=column: (
                    f"{row[column]} is a {kind(row[column])}, which cannot hold ground"
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
        isin(links["actor_id"], unfit) & isin(links["role"], list(ROLES)) & of_change,
        "actor_id",
        "control-holder-kind",
        lambda row: (
            f"{row.actor_id} is a {kind(row.actor_id)} and cannot take or lose "
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
    import numpy as np

    from syriatl.grouping import isin
    from syriatl.history import CHANGE_TYPE, LEAVE_TYPE, changes, side_set

    how = tables["control_changes"]
    events = tables["events"]
    explained = set(how["event_id"].astype(str))
    history = changes(tables)
    # the rows that may break the rule, found with arrays, are then read one by one: changes
    # of a baseline place without a control_changes row or taken by several sides;
    # control_changes rows of an event of another kind, or with the other state, or of a
    # repeated event ID
    several = history["gained_by"].str.contains(" + ", regex=False).fillna(True)
    how_known = isin(history["event_id"], how["event_id"].astype("string"))
    history = history[
        isin(history["place_id"], tables["control_baseline"]["place_id"])
        & (~how_known | several.to_numpy(dtype=bool) | history["event_id"].isna().to_numpy())
    ]
    at = tables.positions("control_changes", "event_id", "events", "event_id")
    kind = events["event_type"].astype("string").to_numpy(dtype=object, na_value="")
    kind = np.append(kind, "")[at]
    unknown = (how["state"].astype("string") == "unknown").fillna(False).to_numpy(dtype=bool)
    repeated = np.append(tables.repeated("events", "event_id"), False)
    odd = ((kind != CHANGE_TYPE) & (kind != LEAVE_TYPE)) | ((kind == LEAVE_TYPE) != unknown)
    how = how[(at >= 0) & (odd | repeated[at])]
    concerned = history["event_id"].astype(str).tolist() + how["event_id"].astype(str).tolist()
    events = events[["event_id", "event_type"]]
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
    row_of = _row_of(events[["event_id"]][events["event_id"].isin(day["event_id"])], "event_id")
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
    import numpy as np
    import pandas as pd

    from syriatl.grouping import isin, positions
    from syriatl.history import side_map

    side = side_map(tables)
    collapses = tables["control_collapses"]
    events = tables["events"]
    events = events[["event_id", "date"]]
    events = events[isin(events["event_id"], collapses["event_id"].astype("string"))]
    dated = dict(zip(events["event_id"].astype(str), events["date"], strict=True))
    # the rows that may break the rule: a holder that is not its own side, or an event dated
    # another day (or named twice: its last row counts)
    holders = collapses["holder_id"].astype(str).to_numpy(dtype=object)
    at = positions(collapses["event_id"], events["event_id"])
    days = np.append(events["date"].to_numpy(), np.datetime64("NaT"))[at]
    off = (at >= 0) & ~(days == collapses["date"].to_numpy())
    part = np.array([side.get(holder, holder) != holder for holder in holders], dtype=bool)
    repeated = np.append(tables.repeated("events", "event_id"), False)
    for index, row in collapses[part | off | repeated[at]].iterrows():
        holder, event = str(row.holder_id), str(row.event_id)
        if side.get(holder, holder) != holder:
            column, message = "holder_id", f"{holder} is part of {side[holder]}; name the side"
        elif event in dated and dated[event] != row.date and not pd.isna(dated[event]):
            if pd.isna(row.date):  # a missing date is the date column's constraint to report
                continue
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
    import numpy as np

    from syriatl.history import DAILY_COLUMNS, coverage_days, derivation
    from syriatl.package import PackageError

    try:
        days = coverage_days(package)
    except PackageError:  # the rule temporal-coverage reports the descriptor
        return
    shipped = tables["daily_control"]
    derived = derivation(tables, days)
    compared = [column for column in DAILY_COLUMNS[2:] if column in shipped.columns]
    if _aligned(shipped, derived, days):  # each row the derived row's day: compared in place
        candidates = np.zeros(len(shipped), dtype=bool)
        for column in compared:
            candidates |= _differ_from(shipped[column], derived.values[column], derived.which)
        rows = np.flatnonzero(candidates)
        merged = shipped.iloc[rows].rename_axis("row").reset_index()
        spells = derived.values.iloc[derived.which[rows]].reset_index(drop=True)
        for column in compared:
            merged[column + "_derived"] = spells[column]
        merged["found_in"] = "both"
        candidates = np.ones(len(merged), dtype=bool)
    else:  # rows found on one side only, or where a column differs; a valid table has none
        merged = (
            shipped.rename_axis("row")
            .reset_index()
            .merge(
                derived.table(),
                on=["place_id", "date"],
                how="outer",
                suffixes=("", "_derived"),
                indicator="found_in",
            )
        )
        candidates = (merged["found_in"] != "both").to_numpy(dtype=bool, copy=True)
        for column in compared:
            candidates |= _differ(merged[column], merged[column + "_derived"])
    for row in merged[candidates].itertuples(index=False):
        where = f"{row.place_id} on {_shown(row.date)}"
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


def _aligned(shipped, derived, days: list) -> bool:
    """Whether the shipped daily table has the derived one's place and date in every row, in
    the same order, with no pair twice: then an outer merge would pair row i with row i."""
    import numpy as np

    from syriatl.grouping import neighbours

    places, width = len(derived.place_ids), len(derived.stamps)
    if len(shipped) != places * width or len(set(days)) != width:
        return False
    if shipped["place_id"].isna().any() or shipped["date"].isna().any():
        return False
    if not (shipped["date"].to_numpy() == np.tile(derived.stamps, places)).all():
        return False
    if len(set(derived.place_ids.tolist())) != places:  # a place twice: merged, not paired
        return False
    if not len(shipped):
        return True
    # each place's days in a run: the first row of each run names the place, the rest repeat it
    heads = shipped["place_id"].iloc[::width].astype(str).to_numpy(dtype=object)
    repeats = np.r_[False, neighbours(shipped["place_id"], "eq")]
    repeats[::width] = True
    return bool(repeats.all() and (heads == derived.place_ids).all())


def _differ_from(ours, spells, which):
    """Where a column holds other text than the spells it should read (``spells.iloc[which]``),
    as ``_differ`` compares them, without taking the spells' text for each row: each value is
    compared by its position among the spells' distinct values."""
    import numpy as np
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc

    if ours.dtype.kind == "M" and spells.dtype.kind == "M":
        theirs = spells.to_numpy()[which]
        a = ours.to_numpy()
        return ~((a == theirs) | (np.isnat(a) & np.isnat(theirs)))
    codes, distinct = pd.factorize(spells.astype("string"))  # -1: missing
    known = pa.array(pd.Series(distinct, dtype="string").array)
    if isinstance(known, pa.ChunkedArray):
        known = known.combine_chunks()
    if isinstance(ours.dtype, pd.CategoricalDtype):  # each category looked up once
        labels = _arrow_text(pd.Series(ours.cat.categories))
        at = pc.fill_null(pc.index_in(labels, value_set=known.cast(labels.type)), -2)
        mine = np.append(at.to_numpy(zero_copy_only=False), -1)[ours.cat.codes.to_numpy()]
    else:
        text = _arrow_text(ours)
        at = pc.index_in(text, value_set=known.cast(text.type)).to_numpy(zero_copy_only=False)
        mine = np.where(
            text.is_null().to_numpy(zero_copy_only=False), -1, np.nan_to_num(at, nan=-2)
        ).astype(np.int64)
    return mine != codes[which]


def _differ(ours, theirs):
    """Where two columns hold different text, as a bool array: a missing value on both sides is
    the same; dates compared as dates, other values as their text (by pyarrow)."""
    import numpy as np
    import pyarrow.compute as pc

    if ours.dtype.kind == "M" and theirs.dtype.kind == "M":
        a, b = ours.to_numpy(), theirs.to_numpy()
        return ~((a == b) | (np.isnat(a) & np.isnat(b)))
    a, b = _arrow_text(ours), _arrow_text(theirs)
    same = pc.or_(pc.fill_null(pc.equal(a, b), False), pc.and_(pc.is_null(a), pc.is_null(b)))
    return ~same.to_numpy(zero_copy_only=False)


def _arrow_text(values):
    """A column's values as pyarrow strings, as ``astype("string")`` gives them (a category's
    text taken for each row by pyarrow)."""
    import pandas as pd
    import pyarrow as pa

    if isinstance(values.dtype, pd.CategoricalDtype):
        codes = values.cat.codes.to_numpy()
        labels = pa.array(values.cat.categories.astype("string").array).cast(pa.large_string())
        return pa.DictionaryArray.from_arrays(pa.array(codes, mask=codes < 0), labels).cast(
            pa.large_string()
        )
    strings = pa.array(values.astype("string").array)
    if isinstance(strings, pa.ChunkedArray):
        strings = strings.combine_chunks()
    return strings.cast(pa.large_string())


def _shown(value) -> str:
    import pandas as pd

    if value is None or value is pd.NA or value is pd.NaT:
        return "empty"
    if isinstance(value, float) and math.isnan(value):
        return "empty"
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d")
    return str(value)
