"""Who held a place on a given day: the control baseline, then every change of control.

``control_baseline`` says who held each place in scope at the end of 26 November 2024. Every
``territory-captured`` event is a change of control: its initiators gained the place and its
targets lost it; ``control_changes`` says how (assault, withdrawal, ...) and whether the taker
then held all of it. A ``withdrawal`` event that ``control_changes`` lists is a change too: its
initiator left the place and no page says who came in, so who held it is unknown. Actors are
compared by *side*, the top of their ``parent_id`` chain (Hay'at Tahrir al-Sham counts for the
Military Operations Command it belongs to; the Syrian Arab Army for the Syrian government), so
a history is coherent when each change starts from a side that held the place just before it.
The daily control table is derived from the two, one row per place in scope per day.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

CHANGE_TYPE = "territory-captured"
LEAVE_TYPE = "withdrawal"  # a change of control when control_changes lists it
ROLES = ("initiator", "target")
COLUMNS = [
    "place_id",
    "date",
    "event_id",
    "certainty",
    "lost_by",
    "gained_by",
    "lost_actors",
    "gained_actors",
    "mode",
    "state",
]
DAILY_COLUMNS = [
    "place_id",
    "date",
    "holder_id",
    "other_holder_id",
    "state",
    "since",
    "event_id",
    "source_id",
    "certainty",
]
# Actor kinds that can hold ground: a holder or a side of a change is one of these.
HOLDING_KINDS = frozenset(
    {"armed-forces", "armed-group", "coalition", "militia", "government", "state"}
)
DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class ControlQueryError(ValueError):
    """A question about control that the data cannot answer as asked: an unknown place, a
    malformed date, a day outside the coverage. The message says what would work."""


def sides(actors: pd.DataFrame) -> dict[str, str]:
    """Each actor's side: the top of its parent chain (itself when it has no parent)."""
    import numpy as np

    from syriatl.grouping import positions

    ids, parents = actors["actor_id"], actors["parent_id"]
    if str(ids.dtype) != "string" or ids.isna().any() or ids.duplicated().any():
        parent = dict(zip(ids.astype(str), parents, strict=True))
        return {actor: _side(actor, parent) for actor in parent}
    # each actor's parent as a position among the actors (-1: none, or not an actor); every
    # chain is climbed one step at a time, all at once
    names = ids.to_numpy(dtype=object)
    up = positions(parents, ids)
    # where a chain ends: at an actor without a parent, or at a parent that is no actor
    end = np.where(parents.notna().to_numpy(dtype=bool), parents.to_numpy(dtype=object), names)
    top = np.arange(len(names))
    for _ in range(64):
        climbing = up[top] >= 0
        if not climbing.any():
            break
        top[climbing] = up[top[climbing]]
    side = dict(zip(names.tolist(), end[top].tolist(), strict=True))
    looping = np.flatnonzero(up[top] >= 0)
    if len(looping):  # a chain that still climbs goes round: walk it as it goes
        parent = dict(zip(names.tolist(), parents.tolist(), strict=True))
        for at in looping:
            side[names[at]] = _side(names[at], parent)
    return side


def _side(actor, parent: dict) -> str:
    """The top of ``actor``'s chain in ``parent``, walked until a parent is missing or seen."""
    seen = [actor]
    while isinstance(parent.get(seen[-1]), str) and parent[seen[-1]] not in seen:
        seen.append(parent[seen[-1]])
    return seen[-1]


def side_map(tables: dict) -> dict[str, str]:
    """:func:`sides` of the tables' actors, computed once per run when ``tables`` keeps a memo
    (:class:`~syriatl.grouping.Tables`)."""
    memo = getattr(tables, "memo", None)
    if memo is None:
        return sides(tables["actors"])
    return memo("sides", lambda: sides(tables["actors"]))


def side_column(tables: dict, table: str, column: str) -> np.ndarray:
    """Each row's side, as ``side.get(value, value)`` gives it for ``column``'s values (the
    actors they name): an object array, None where the value is missing."""
    import numpy as np
    import pandas as pd

    side = side_map(tables)
    values = tables[table][column]
    codes, labels = pd.factorize(values.astype("string"))  # each distinct value looked up once
    labels = np.array([side.get(str(label), str(label)) for label in labels] + [None], dtype=object)
    return labels[codes]  # code -1, a missing value, reads the None


def changes(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Every change of control, one row per event, in date then event order.

    ``gained_by`` and ``lost_by`` hold the sides (joined by `` + `` when several);
    ``gained_actors`` and ``lost_actors`` the actors the event names; ``mode`` and ``state``
    how it happened, from ``control_changes`` (missing where that table has no row for it).
    """
    from syriatl.grouping import Tables

    tables = tables if isinstance(tables, Tables) else Tables(tables)
    return tables.memo("changes", lambda: _changes(tables))


def _changes(tables) -> pd.DataFrame:
    """:func:`changes`, computed."""
    import numpy as np
    import pandas as pd

    from syriatl.grouping import is_sorted, isin, joined_sets

    events = tables["events"]
    is_change = (events["event_type"] == CHANGE_TYPE).to_numpy(dtype=bool)
    # a withdrawal counts when control_changes lists it: the holder left and no page says
    # who came in
    how = tables.get("control_changes")
    left = np.zeros(len(events), dtype=bool)
    if how is not None and "event_id" in how.columns and len(how):
        left = (events["event_type"] == LEAVE_TYPE).to_numpy(dtype=bool) & isin(
            events["event_id"], how["event_id"].astype("string")
        )
    capture = (is_change | left) & events["place_id"].notna().to_numpy()
    captured = events[["event_id", "date", "place_id", "certainty"]][capture]
    withdrawn = left[capture]
    links = tables["event_actors"]
    side = side_map(tables)
    # the initiators and targets of the captures: each link's event, renumbered among the
    # captures (-1 for other events and for links to none, which read the extra last slot)
    renumber = np.full(len(events) + 1, -1)
    renumber[np.flatnonzero(capture)] = np.arange(int(capture.sum()))
    owner = renumber[tables.positions("event_actors", "event_id", "events", "event_id")]
    # actors and their sides as integer codes into sorted labels, each side looked up once
    actor_codes, actor_labels = tables.codes("event_actors", "actor_id", "actors", "actor_id")
    used = np.unique(actor_codes[(owner >= 0) & (actor_codes >= 0)])  # the captures' actors
    tops = [side.get(name, name) for name in actor_labels[used]]
    side_of_used, side_labels = pd.factorize(pd.Series(tops, dtype=object), sort=True)
    side_of_actor = np.full(len(actor_labels), -1)
    side_of_actor[used] = side_of_used
    side_codes = np.where(actor_codes >= 0, side_of_actor[np.maximum(actor_codes, 0)], -1)
    side_labels = np.asarray(side_labels, dtype=object)
    joined = {}
    for each in ROLES:
        mine = (owner >= 0) & (links["role"] == each).to_numpy(dtype=bool)
        for what, codes, labels in (
            ("actors", actor_codes, actor_labels),
            ("sides", side_codes, side_labels),
        ):
            joined[each, what] = joined_sets(owner[mine], codes[mine], labels, len(captured), " + ")
    # place, date and event order, sorted on integer codes
    by_id = (  # the events in event_id order (the canonical order): so are the captures
        np.arange(len(captured))
        if is_sorted(events, ["event_id"], strictly=True)
        else _ranks(captured["event_id"])
    )
    order = np.lexsort([by_id, _ranks(captured["date"]), _ranks(captured["place_id"])])
    # in a withdrawal, the initiator is the side that left: it lost the place, nobody gained it
    empty = np.full(len(captured), "", dtype=object)
    for what in ("actors", "sides"):
        gained, lost = joined["initiator", what], joined["target", what]
        joined["target", what] = np.where(withdrawn, gained, lost)
        joined["initiator", what] = np.where(withdrawn, empty, gained)
    frame = pd.DataFrame(
        {
            "place_id": captured["place_id"].array.take(order),
            "date": captured["date"].array.take(order),
            "event_id": captured["event_id"].array.take(order),
            "certainty": captured["certainty"].astype("string").array.take(order),
            "lost_by": joined["target", "sides"][order],
            "gained_by": joined["initiator", "sides"][order],
            "lost_actors": joined["target", "actors"][order],
            "gained_actors": joined["initiator", "actors"][order],
        },
        columns=COLUMNS,
    )
    frame = frame.astype({c: "string" for c in COLUMNS[:-2] if c != "date"})
    return _with_how(frame, tables)


def _with_how(history: pd.DataFrame, tables: dict) -> pd.DataFrame:
    """The ``mode`` and ``state`` of each change from ``control_changes``, where it has a row
    (a change with none is taken as leaving the taker holding all of the place)."""
    import numpy as np
    import pandas as pd

    from syriatl.grouping import positions

    how = tables.get("control_changes")
    if how is None or not {"event_id", "mode", "state"} <= set(how.columns):
        missing = pd.array([pd.NA] * len(history), dtype="string")
        return history.assign(mode=missing, state=missing.copy())
    how = how[["event_id", "mode", "state"]]
    if how["event_id"].duplicated().any():  # an event's last row counts
        how = how.drop_duplicates("event_id", keep="last")
    at = positions(history["event_id"], how["event_id"].astype("string"))
    found = {}
    for column in ("mode", "state"):
        values = how[column].astype("string").reset_index(drop=True)
        taken = values.take(np.maximum(at, 0)).where(at >= 0) if len(values) else None
        found[column] = (
            pd.array([pd.NA] * len(history), dtype="string") if taken is None else taken.array
        )
    return history.assign(**found)


def _ranks(values: pd.Series) -> np.ndarray:
    """Integer codes that sort as ``values`` do (a missing value last), to sort on."""
    import numpy as np
    import pandas as pd

    if values.dtype.kind == "M":  # dates sort as their integers; a missing one last
        days = values.to_numpy().view("i8")
        return np.where(np.isnat(values.to_numpy()), np.iinfo(np.int64).max, days)
    codes, uniques = pd.factorize(values, sort=True)
    return np.where(codes < 0, len(uniques), codes)


def side_set(text) -> set[str]:
    """The sides in a `` + ``-joined list (as ``gained_by`` and ``lost_by`` hold them)."""
    return set(text.split(" + ")) if isinstance(text, str) and text else set()


def baseline_holders(tables: dict) -> dict[str, str]:
    """Each baseline place's holding sides before the first change (`` + ``-joined, the
    other holder too when the place was shared or contested)."""
    import numpy as np

    if "control_baseline" not in tables:
        return {}
    baseline = tables["control_baseline"]
    found = []
    for column in ("holder_id", "other_holder_id"):
        named = baseline[column].fillna("").astype(str).to_numpy(dtype=object) != ""
        found.append(np.where(named, side_column(tables, "control_baseline", column), ""))
    holder, other = found
    # the sorted set of the two: one side when they are equal or one is missing
    both = (holder != "") & (other != "") & (holder != other)
    first = np.where(
        both, np.where(holder < other, holder, other), np.where(holder != "", holder, other)
    )
    second = np.where(both, np.where(holder < other, other, holder), "")
    held = np.where(both, first + " + " + second, first)
    places = [str(place) for place in baseline["place_id"].tolist()]
    return dict(zip(places, held.tolist(), strict=True))


def breaks(history: pd.DataFrame, baseline: dict[str, str] | None = None) -> pd.DataFrame:
    """Changes that start from none of the sides holding the place and do not repeat the last
    change.

    The sides holding a place are those of the ``baseline`` (:func:`baseline_holders`) before
    its first change; after a change, the taker's, and the loser's too when the change left
    the place contested or shared. A change may repeat the previous one (the same side gaining
    it again): a capture completed over several days. ``history`` is in the place order that
    :func:`changes` gives.
    """
    import numpy as np
    import pandas as pd

    from syriatl.grouping import neighbours

    gained = history["gained_by"].fillna("").to_numpy(dtype=object)
    lost = history["lost_by"].fillna("").to_numpy(dtype=object)
    after = gained.copy()  # a withdrawal gains nobody: any side may come in after it
    partial = history["state"].isin(["contested", "shared"]).fillna(False).to_numpy(dtype=bool)
    for i in np.flatnonzero(partial & (lost != "")):
        after[i] = " + ".join(sorted(side_set(gained[i]) | side_set(lost[i])))
    # the rows are in place order: the previous change of a place is the row before, if it
    # is of the same place; the first change of a place starts from its baseline
    before = np.full(len(history), "", dtype=object)
    if len(history):
        same_place = np.r_[False, neighbours(history["place_id"].fillna(""), "eq")]
        before[same_place] = after[np.flatnonzero(same_place) - 1]
        if baseline:
            first = np.flatnonzero(~same_place)
            places = history["place_id"].fillna("").to_numpy(dtype=object)[first]
            before[first] = [baseline.get(str(place), "") for place in places]
    # with one side on each part (nearly every change), the sets compare as strings
    mask = (before != "") & (lost != "") & (before != lost) & (before != gained)
    several = np.zeros(len(history), dtype=bool)
    for column in (pd.Series(before, dtype="string"), history["lost_by"], history["gained_by"]):
        several |= column.str.contains(" + ", regex=False).fillna(False).to_numpy(dtype=bool)
    for i in np.flatnonzero(mask & several):
        mask[i] = not (side_set(before[i]) & side_set(lost[i])) and side_set(gained[i]) != side_set(
            before[i]
        )
    return history[mask].assign(held_before=before[mask])


def coverage_days(package) -> list[dt.date]:
    """The days the daily control table covers: the baseline's (the eve of the temporal
    coverage's start) to the coverage's end."""
    from syriatl.package import declared_coverage

    start, end = declared_coverage(package.descriptor)
    return [start + dt.timedelta(days=n) for n in range(-1, (end - start).days + 1)]


def daily(tables: dict, days: list[dt.date]) -> pd.DataFrame:
    """Who held each baseline place at the end of each of ``days`` (in ascending order): the
    baseline, then each change from its ``date`` on (a span's first possible day), in the
    order of the history.

    Holders are sides. After a withdrawal that nobody is reported to have filled, the state is
    ``unknown`` and the holder the side that left; so it is, from the end of its day, for a
    place still credited to a side that ``control_collapses`` says stopped holding ground. A
    change that left the place contested makes the taker the holder and the loser the other
    holder; one that left it shared keeps the side that shared it before (through a contested
    spell too), or, when two sides took it together, names the second of them (by ID).

    Each place's story is a few spells (the baseline, then what each day of changes or a
    collapse left); the spells are worked out place by place, and only for places that change,
    and the table is filled from them with arrays: a million places cost no million loops.
    """
    return derivation(tables, days).table()


@dataclass
class Derivation:
    """The daily control table before it is written out: ``values`` holds every spell (a row
    per place and stretch of days with one holder, state and evidence) and ``which`` the
    spell of each day of each place, place by place (``place_ids``, sorted) and day by day
    (``stamps``). :meth:`table` writes it out; the rule control-derived compares a table
    with it as it is, without writing it out."""

    place_ids: np.ndarray
    stamps: np.ndarray
    values: pd.DataFrame
    which: np.ndarray

    def table(self) -> pd.DataFrame:
        """The daily table: one row per place per day."""
        import numpy as np
        import pandas as pd

        places, width = len(self.place_ids), len(self.stamps)
        table = self.values.iloc[self.which].reset_index(drop=True)
        table.insert(0, "date", np.tile(self.stamps, places))
        place = pd.Series(self.place_ids, dtype="string").take(np.repeat(np.arange(places), width))
        table.insert(0, "place_id", place.reset_index(drop=True))
        table = table[DAILY_COLUMNS]
        for column in ("date", "since"):  # the unit the loaded tables use
            table[column] = table[column].astype("datetime64[ns]")
        return table


def derivation(tables: dict, days: list[dt.date]) -> Derivation:
    """:func:`daily`'s table, as its spells (:class:`Derivation`)."""
    import numpy as np
    import pandas as pd

    from syriatl.grouping import isin

    side = side_map(tables)
    start = tables["control_baseline"][
        ["place_id", "holder_id", "other_holder_id", "state", "source_id", "certainty"]
    ].sort_values("place_id")
    history = changes(tables)
    history = history[isin(history["place_id"], start["place_id"].astype("string"))]
    stamps = pd.to_datetime(pd.Series([pd.Timestamp(day) for day in days], dtype=object))
    stamps = stamps.astype("datetime64[ns]").to_numpy()
    width, places = len(stamps), len(start)
    collapsed = {  # a collapse not dated never comes
        holder: (_day_index(stamps, end[0]), np.datetime64(end[0], "ns"), end[1], end[2])
        for holder, end in _collapses(tables).items()
        if not pd.isna(end[0])
    }
    # the baseline of each place: its first spell, from the first day
    first = pd.DataFrame(
        {
            "holder_id": _each(start["holder_id"], lambda h: side.get(str(h), str(h))),
            "other_holder_id": _each(
                start["other_holder_id"], lambda o: side.get(o, o) if _text(o) else None
            ),
            "state": _each(start["state"], str),
            "since": np.full(places, np.datetime64("NaT", "ns")),
            "event_id": np.full(places, None, dtype=object),
            "source_id": _each(start["source_id"], _text),
            "certainty": _each(start["certainty"], str),
        }
    )
    place_ids = _each(start["place_id"], str)
    spells = _spells(history, stamps, collapsed, first, place_ids)
    # each day of each place reads the last spell that began by then
    at = spells["at"].to_numpy()
    order = np.lexsort((spells["order"].to_numpy(), at))
    last = order[np.r_[at[order][1:] != at[order][:-1], True]]  # a day's last spell wins
    begun = np.full(places * width, -1)
    begun[at[last]] = last
    cells = np.where(begun >= 0, np.arange(places * width), -1)
    which = begun[np.maximum.accumulate(cells)] if places * width else begun
    texts = {c: "string" for c in DAILY_COLUMNS if c not in ("date", "since")}
    values = spells[list(first.columns)].astype({c: texts[c] for c in first.columns if c in texts})
    values["since"] = values["since"].astype("datetime64[ns]")
    return Derivation(place_ids, stamps, values, which)


def _day_index(stamps: np.ndarray, day) -> int:
    """The first of ``stamps`` on or after ``day`` (``len(stamps)`` for none, or no date)."""
    import numpy as np
    import pandas as pd

    if pd.isna(day):
        return len(stamps)
    return int(np.searchsorted(stamps, np.datetime64(day, "ns"), side="left"))


def _each(values: pd.Series, convert) -> np.ndarray:
    """``convert`` of each value as a loop over ``values`` sees it, computed once per distinct
    value, as an object array."""
    import numpy as np
    import pandas as pd

    codes, distinct = pd.factorize(values)
    labels = [convert(value) for value in np.asarray(distinct, dtype=object).tolist()]
    missing = np.flatnonzero(codes < 0)
    if len(missing):  # the missing value as a loop sees it (not always as .iloc gives it)
        labels.append(convert(values.iloc[missing[:1]].tolist()[0]))
    else:
        labels.append(None)
    return np.array(labels, dtype=object)[codes]


def _spells(history, stamps, collapsed, first, place_ids) -> pd.DataFrame:
    """Every spell of every place: its baseline (``first``), then what each day of changes in
    ``history`` left and, from the end of its day, the collapse of its holder's side. A spell
    is a row of ``first``'s columns with ``at`` (the place's position times the days, plus the
    spell's first day) and ``order`` (of two spells from one day, the later counts).

    The changes are taken in steps, the k-th change of every place at once; a change with
    several sides on a part is worked out by :func:`_change`, the others with arrays."""
    import numpy as np
    import pandas as pd

    width, places = len(stamps), len(first)
    # the places' state, one slot each: the baseline's values to start with
    now = {c: first[c].to_numpy(dtype=object).copy() for c in first.columns if c != "since"}
    other = now["other_holder_id"]  # "" for none, as the other sides compared with it
    now["other_holder_id"] = np.where(pd.isna(other), "", other).astype(object)
    now["since"] = first["since"].to_numpy(dtype="datetime64[ns]").copy()
    partner = np.where(now["state"] == "shared", now["other_holder_id"], "").astype(object)
    day = np.zeros(places, dtype=np.int64)
    told = []

    def tell(slots, days, order):  # a spell of each slot from its day on: the state now
        told.append(
            {c: v[slots] for c, v in now.items()}
            | {"at": slots * width + days, "order": np.full(len(slots), order)}
        )

    tell(np.arange(places), 0, 0)

    def fall(slots, until, order):
        """The collapse of each slot's holder, if it comes before ``until``."""
        ends = [collapsed.get(holder) for holder in now["holder_id"][slots]]
        on = np.array([width if end is None else end[0] for end in ends], dtype=np.int64)
        on = np.maximum(on, day[slots])
        falls = (on < until) & (now["state"][slots] != "unknown")
        if not falls.any():
            return
        hit, ends = slots[falls], [end for end, f in zip(ends, falls, strict=True) if f]
        now["state"][hit], now["other_holder_id"][hit], now["source_id"][hit] = "unknown", "", None
        now["since"][hit] = np.array([end[1] for end in ends], dtype="datetime64[ns]")
        now["event_id"][hit] = np.array([end[2] for end in ends], dtype=object)
        now["certainty"][hit] = np.array([end[3] for end in ends], dtype=object)
        tell(hit, on[falls], order)

    # each change's day (an undated one, or one after the last day, never comes), its
    # place's slot (the first of a repeated place_id) and its rank among the place's changes
    dates = history["date"].to_numpy(dtype="datetime64[ns]")
    on = np.searchsorted(stamps, dates, side="left")
    on[np.isnat(dates)] = width
    leading = ~pd.Series(place_ids).duplicated().to_numpy()
    slot = pd.Index(place_ids[leading]).get_indexer(_each(history["place_id"], str))
    slot = np.where(slot >= 0, np.flatnonzero(leading).take(slot, mode="clip"), -1)
    keep = (on < width) & (slot >= 0)
    history, dates, on, slot = history[keep], dates[keep], on[keep], slot[keep]
    gained, lost, state, event, certainty = (
        history[column].to_numpy(dtype=object)
        for column in ("gained_by", "lost_by", "state", "event_id", "certainty")
    )
    state = np.array([_text(value) or "" for value in state], dtype=object)
    event = np.array([str(value) for value in event], dtype=object)
    certainty = np.array([str(value) for value in certainty], dtype=object)
    several = history["gained_by"].str.contains(" + ", regex=False).to_numpy(dtype=bool) | history[
        "lost_by"
    ].str.contains(" + ", regex=False).to_numpy(dtype=bool)
    starts = np.r_[True, slot[1:] != slot[:-1]]
    rank = np.arange(len(slot)) - np.maximum.accumulate(np.where(starts, np.arange(len(slot)), 0))
    new_day = starts | np.r_[True, on[1:] != on[:-1]]
    day_ends = np.r_[new_day[1:], True]
    steps = int(rank.max()) + 1 if len(rank) else 0
    for k in range(steps):
        rows = np.flatnonzero(rank == k)
        j = slot[rows]
        fresh = new_day[rows]
        fall(j[fresh], on[rows][fresh], 2 + 2 * k)  # the days before this change's
        day[j] = on[rows]
        holder, other, was = now["holder_id"][j], now["other_holder_id"][j], now["state"][j]
        taker, after, kept_by, partner[j] = _changes_at(
            holder, other, was, partner[j], gained[rows], lost[rows], state[rows], several[rows]
        )
        moved = (taker != holder) | (after != was) | (kept_by != other)  # else a repeat
        now["state"][j], now["other_holder_id"][j] = after, kept_by
        m = j[moved]
        now["holder_id"][m], now["since"][m] = taker[moved], dates[rows][moved]
        now["event_id"][m], now["source_id"][m] = event[rows][moved], None
        now["certainty"][m] = certainty[rows][moved]
        ends = day_ends[rows]
        tell(j[ends], on[rows][ends], 3 + 2 * k)
    fall(np.arange(places), width, 4 + 2 * steps)  # after the last change, to the last day
    spells = pd.DataFrame({c: np.concatenate([t[c] for t in told]) for c in told[0]})
    spells["other_holder_id"] = spells["other_holder_id"].where(
        spells["other_holder_id"] != "", None
    )
    return spells


def _changes_at(holder, other, state, partner, gained, lost, how, several):
    """What each change does to its place: the taker, the state after, the other holder and
    the partner (who keeps its part of a shared place), as arrays ("" for none); the rows of
    ``several`` (several sides on a part) by :func:`_change`, the others with arrays."""
    import numpy as np

    took, left = gained != "", lost != ""
    taker = np.where(took, gained, np.where(left, lost, holder))
    after = np.where(took, np.where(how != "", how, "held"), "unknown")
    first = (holder != taker) & ~(left & (holder == lost))  # kept, in order: holder, other
    second = (other != "") & (other != taker) & ~(left & (other == lost))
    kept = np.where(first, holder, np.where(second, other, ""))
    loser = np.where(left & (lost != taker), lost, "")
    stays = (partner != "") & (partner != taker) & ~(left & (partner == lost))
    shared = np.where(kept != "", kept, np.where(stays, partner, loser))
    kept_by = np.where(
        after == "contested",
        np.where(loser != "", loser, kept),
        np.where(after == "shared", shared, ""),
    )
    keeps = np.where(after == "shared", kept_by, partner)
    for i in np.flatnonzero(several):
        taker[i], after[i], kept_by[i], keeps[i] = _change(
            holder[i], other[i], state[i], partner[i], gained[i], lost[i], how[i]
        )
    return taker, after, kept_by, keeps


def _change(holder, other, state, partner, gained, lost, how):
    """:func:`_changes_at` for one change, whatever its sides."""
    other, partner = other or None, partner or None
    takers = sorted(side_set(gained)) or [holder]
    taker, losers = takers[0], side_set(lost)
    state = how or "held"
    if not gained:  # a withdrawal: the side that left, now unknown
        taker, state = (sorted(losers) or [holder])[0], "unknown"
    kept = [s for s in (holder, other) if s and s != taker and s not in losers]
    if state == "shared" and len(takers) > 1:  # taken together, held together
        other = takers[1]
    elif state == "contested":  # the loser still holds part
        other = (sorted(losers - {taker}) or kept or [None])[0]
    elif state == "shared":  # the other holder keeps its part
        stays = partner not in (None, taker) and partner not in losers
        other = kept or ([partner] if stays else []) or sorted(losers - {taker})
        other = other[0] if other else None
    else:
        other = None
    partner = other if state == "shared" else partner
    return taker, state, other or "", partner or ""


def _collapses(tables: dict) -> dict[str, tuple]:
    """Each collapsed side's (date, event_id, certainty), from ``control_collapses``."""
    import pandas as pd

    from syriatl.grouping import isin

    table = tables.get("control_collapses")
    if table is None or table.empty:
        return {}
    events = tables["events"]
    named = events[["event_id", "certainty"]][
        isin(events["event_id"], table["event_id"].astype("string"))
    ]
    certainty = dict(
        zip(named["event_id"].astype(str), named["certainty"].astype(str), strict=True)
    )
    return {
        str(side): (pd.Timestamp(day), str(event), certainty.get(str(event), "reported"))
        for side, day, event in table[["holder_id", "date", "event_id"]].itertuples(index=False)
    }


def _text(value) -> str | None:
    return value if isinstance(value, str) and value else None


def control_history(path: str | Path | None = None) -> pd.DataFrame:
    """Every change of control of every place, from the package at ``path``."""
    from syriatl.loading import load_package

    return changes(load_package(path=path))


def tables_and_days(path: str | Path | None) -> tuple[dict, list[dt.date]]:
    """The package's tables and the days of its coverage (a release zip read in passing)."""
    from syriatl.loading import _package, load_package
    from syriatl.package import unpacked

    with unpacked(path) as local:
        return load_package(path=local), coverage_days(_package(local))


def daily_control(path: str | Path | None = None) -> pd.DataFrame:
    """The daily control table, derived afresh from the package at ``path``: one row per
    baseline place per day, 26 November to 8 December 2024."""
    return daily(*tables_and_days(path))


@dataclass(frozen=True)
class Control:
    """Who held a place at the end of a day, and on what evidence.

    ``holder`` is a side (an actor_id); ``state`` is ``held``, ``shared`` or ``contested``
    (then ``other_holder`` is the other side), or ``unknown`` (``holder`` is the side that
    last held it). ``event_id`` is the change that made it so, or
    None while the baseline, with its ``source_id``, still holds.
    """

    place_id: str
    date: str
    holder: str
    state: str
    other_holder: str | None
    since: str | None
    event_id: str | None
    source_id: str | None
    certainty: str

    def __str__(self) -> str:
        if self.state == "held":
            return self.holder
        if self.state == "unknown":
            return f"unknown (last held by {self.holder})"
        return f"{self.holder} ({self.state} with {self.other_holder})"


def parse_day(text: str, days: list[dt.date]) -> dt.date:
    """``text`` as a day of the coverage; a ControlQueryError that says why not."""
    try:
        if not DAY.fullmatch(str(text)):
            raise ValueError
        day = dt.date.fromisoformat(str(text))
    except ValueError:
        raise ControlQueryError(
            f"{text!r} is not a date; give it as YYYY-MM-DD, e.g. {days[-1].isoformat()}"
        ) from None
    if not days[0] <= day <= days[-1]:
        raise ControlQueryError(
            f"the data covers {days[0].isoformat()} (the eve of the offensive) to "
            f"{days[-1].isoformat()}; {day.isoformat()} is outside it"
        )
    return day


def resolve_place(name: str, tables: dict) -> str:
    """The place_id that ``name`` means: a place_id, a place's name or one of its aliases
    (case and accents aside); a ControlQueryError suggesting the nearest names when none."""
    import unicodedata

    def folded(text: str) -> str:
        text = unicodedata.normalize("NFKD", str(text)).casefold()
        return "".join(c for c in text if not unicodedata.combining(c)).strip()

    places = tables["places"]
    known: dict[str, str] = {}
    for place, label in places[["place_id", "name"]].itertuples(index=False):
        known.setdefault(folded(place), str(place))
        known.setdefault(folded(label), str(place))
    aliases = tables.get("place_aliases")
    if aliases is not None and {"place_id", "alias"} <= set(aliases.columns):
        for place, alias in aliases[["place_id", "alias"]].itertuples(index=False):
            known.setdefault(folded(alias), str(place))
    found = known.get(folded(name))
    if found is not None:
        return found
    near = difflib.get_close_matches(folded(name), list(known), n=5, cutoff=0.6)
    hint = ", ".join(dict.fromkeys(f"{known[n]}" for n in near))
    raise ControlQueryError(
        f"no place called {name!r}" + (f"; did you mean {hint}?" if hint else "")
    )


def control(
    place: str,
    date: str,
    path: str | Path | None = None,
    *,
    tables: dict | None = None,
) -> Control | None:
    """Who held ``place`` (a place_id, name or alias) at the end of ``date`` (YYYY-MM-DD).

    Every place of the control baseline has an answer on every day from 26 November to
    8 December 2024. A place outside it is answered from its changes of control (before the
    first, the side that lost it then), or None when no event changed its control. Raises
    :class:`ControlQueryError` for an unknown place, a malformed date or a day outside the
    coverage. Pass ``tables`` (from :func:`syriatl.load_package`) to ask many questions
    without reading the package each time.
    """
    import pandas as pd

    if tables is None:
        tables, days = tables_and_days(path)
    else:
        days = _days(path)
    day = parse_day(date, days)
    place_id = resolve_place(place, tables)
    table = daily(tables, [day])
    mine = table[table["place_id"] == place_id]
    if not mine.empty:
        return _control(mine.iloc[0])
    history = changes(tables)
    history = history[history["place_id"] == place_id]
    if history.empty:
        return None
    done = history[history["date"] <= pd.Timestamp(day)]
    last = history.iloc[0] if done.empty else done.iloc[-1]
    return Control(
        place_id=place_id,
        date=day.isoformat(),
        holder=str(last["lost_by"] if done.empty else last["gained_by"]),
        state="held",
        other_holder=None,
        since=None if done.empty else last["date"].strftime("%Y-%m-%d"),
        event_id=str(last["event_id"]),
        source_id=None,
        certainty=str(last["certainty"]),
    )


def _control(row) -> Control:
    import pandas as pd

    def text(value):
        return None if pd.isna(value) else str(value)

    return Control(
        place_id=str(row["place_id"]),
        date=row["date"].strftime("%Y-%m-%d"),
        holder=str(row["holder_id"]),
        state=str(row["state"]),
        other_holder=text(row["other_holder_id"]),
        since=None if pd.isna(row["since"]) else row["since"].strftime("%Y-%m-%d"),
        event_id=text(row["event_id"]),
        source_id=text(row["source_id"]),
        certainty=str(row["certainty"]),
    )


def daily_csv(table: pd.DataFrame) -> bytes:
    """The daily control table as canonical CSV (``syriatl fmt``'s form: LF, minimal quotes)."""
    import csv
    import io

    import pandas as pd

    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(DAILY_COLUMNS)
    for row in table[DAILY_COLUMNS].itertuples(index=False):
        writer.writerow(
            ""
            if pd.isna(value)
            else value.strftime("%Y-%m-%d")
            if isinstance(value, pd.Timestamp)
            else str(value)
            for value in row
        )
    return out.getvalue().encode("utf-8")


def derive(path: str | Path | None = None, *, check: bool = False) -> tuple[Path, bool]:
    """Rewrite the package's ``daily_control`` file from its baseline and changes (``check``:
    only compare). Returns the file and whether it differs from the derivation."""
    from syriatl.loading import _package

    package = _package(path)
    resource = package.resources["daily_control"]
    wanted = daily_csv(daily_control(path))
    try:
        changed = resource.path.read_bytes() != wanted
    except FileNotFoundError:
        changed = True
    if changed and not check:
        resource.path.write_bytes(wanted)
    return resource.path, changed


def control_report(place: str | None, date: str | None, path: str | Path | None = None) -> str:
    """What ``syriatl control`` prints: a place's story (``date`` None), who held it on a
    day, or (``place`` None) the map of a day as a table of every baseline place."""
    tables, days = tables_and_days(path)
    if place is None:
        day = parse_day(str(date), days)
        table = daily(tables, [day])
        lines = [f"control at the end of {day.isoformat()}, {len(table)} places in scope"]
        lines += [_line(row, str(row["place_id"])) for _, row in table.iterrows()]
        return "\n".join(lines)
    place_id = resolve_place(place, tables)
    if date is not None:
        found = control(place_id, date, path, tables=tables)
        if found is None:
            raise ControlQueryError(_outside(place_id))
        return f"{place_id} on {found.date}: {_describe(found)}"
    table = daily(tables, days)
    mine = table[table["place_id"] == place_id]
    history = changes(tables)
    history = history[history["place_id"] == place_id]
    if mine.empty and history.empty:
        raise ControlQueryError(_outside(place_id))
    lines = [place_id + ("" if not mine.empty else " (outside the control scope)")]
    if not mine.empty:
        lines += [_line(row, row["date"].strftime("%Y-%m-%d")) for _, row in mine.iterrows()]
    else:
        first = history.iloc[0]
        lines.append(f"held by {first['lost_by']} before {first['date']:%Y-%m-%d}")
        for change in history.itertuples(index=False):
            lines.append(
                f"{change.date:%Y-%m-%d}  {change.event_id}  {change.lost_by} -> "
                f"{change.gained_by}  ({change.certainty})"
            )
    return "\n".join(lines)


def _days(path: str | Path | None) -> list[dt.date]:
    """The coverage's days, from the descriptor alone."""
    from syriatl.loading import _package
    from syriatl.package import unpacked

    with unpacked(path) as local:
        return coverage_days(_package(local))


def _outside(place_id: str) -> str:
    return (
        f"{place_id} is outside the control scope (no control_baseline row) and no event "
        "changed its control; the scope is every town of 15,000+, governorate capital, "
        "airport, border crossing and dam"
    )


def _describe(found: Control) -> str:
    evidence = (
        f"baseline, source {found.source_id}"
        if found.event_id is None
        else f"since {found.since}, {found.event_id}"
    )
    return f"{found} [{evidence}, {found.certainty}]"


def _line(row, label: str) -> str:
    return f"  {label:<28} {_describe(_control(row))}"
