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
    parent = dict(zip(actors["actor_id"].astype(str), actors["parent_id"], strict=True))
    side = {}
    for actor in parent:
        seen = [actor]
        while isinstance(parent.get(seen[-1]), str) and parent[seen[-1]] not in seen:
            seen.append(parent[seen[-1]])
        side[actor] = seen[-1]
    return side


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

    from syriatl.grouping import joined_sets

    events = tables["events"]
    is_change = (events["event_type"] == CHANGE_TYPE).to_numpy(dtype=bool)
    # a withdrawal counts when control_changes lists it: the holder left and no page says
    # who came in
    how = tables.get("control_changes")
    left = np.zeros(len(events), dtype=bool)
    if how is not None and "event_id" in how.columns and len(how):
        left = (events["event_type"] == LEAVE_TYPE).to_numpy(dtype=bool) & events["event_id"].isin(
            how["event_id"].astype("string")
        ).to_numpy(dtype=bool)
    capture = (is_change | left) & events["place_id"].notna().to_numpy()
    captured = events[["event_id", "date", "place_id", "certainty"]][capture]
    withdrawn = left[capture]
    links = tables["event_actors"]
    side = sides(tables["actors"])
    # the initiators and targets of the captures: each link's event, renumbered among the
    # captures (-1 for other events and for links to none, which read the extra last slot)
    renumber = np.full(len(events) + 1, -1)
    renumber[np.flatnonzero(capture)] = np.arange(int(capture.sum()))
    owner = renumber[tables.positions("event_actors", "event_id", "events", "event_id")]
    # actors and their sides as integer codes into sorted labels, each side looked up once
    actor_codes, actor_labels = tables.codes("event_actors", "actor_id", "actors", "actor_id")
    tops = [side.get(name, name) for name in actor_labels]
    side_of_actor, side_labels = pd.factorize(pd.Series(tops, dtype=object), sort=True)
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
    order = np.lexsort([_ranks(captured[column]) for column in ("event_id", "date", "place_id")])
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
    how = tables.get("control_changes")
    modes, states = {}, {}
    if how is not None and {"event_id", "mode", "state"} <= set(how.columns):
        ids = how["event_id"].astype("string").tolist()
        modes = dict(zip(ids, how["mode"].astype("string").tolist(), strict=True))
        states = dict(zip(ids, how["state"].astype("string").tolist(), strict=True))
    ids = history["event_id"].astype(object)
    return history.assign(
        mode=ids.map(modes).astype("string"), state=ids.map(states).astype("string")
    )


def _ranks(values: pd.Series) -> np.ndarray:
    """Integer codes that sort as ``values`` do (a missing value last), to sort on."""
    import numpy as np
    import pandas as pd

    codes, uniques = pd.factorize(values, sort=True)
    return np.where(codes < 0, len(uniques), codes)


def side_set(text) -> set[str]:
    """The sides in a `` + ``-joined list (as ``gained_by`` and ``lost_by`` hold them)."""
    return set(text.split(" + ")) if isinstance(text, str) and text else set()


def baseline_holders(tables: dict) -> dict[str, str]:
    """Each baseline place's holding sides before the first change (`` + ``-joined, the
    other holder too when the place was shared or contested)."""
    if "control_baseline" not in tables:
        return {}
    side = sides(tables["actors"])
    held = {}
    for place, holder, other in tables["control_baseline"][
        ["place_id", "holder_id", "other_holder_id"]
    ].itertuples(index=False):
        found = {side.get(str(a), str(a)) for a in (holder, other) if isinstance(a, str) and a}
        held[str(place)] = " + ".join(sorted(found))
    return held


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
    """Who held each baseline place at the end of each of ``days``: the baseline, then each
    change from its ``date`` on (a span's first possible day), in the order of the history.

    Holders are sides. After a withdrawal that nobody is reported to have filled, the state is
    ``unknown`` and the holder the side that left; so it is, from the end of its day, for a
    place still credited to a side that ``control_collapses`` says stopped holding ground. A
    change that left the place contested makes the taker the holder and the loser the other
    holder; one that left it shared keeps the side that shared it before (through a contested
    spell too), or, when two sides took it together, names the second of them (by ID).
    """
    import pandas as pd

    side = sides(tables["actors"])
    baseline = tables["control_baseline"]
    history = changes(tables)
    history = history[history["place_id"].isin(baseline["place_id"].astype("string"))]
    by_place: dict[str, list] = {}
    for change in history.itertuples(index=False):
        by_place.setdefault(str(change.place_id), []).append(change)
    stamps = [pd.Timestamp(day) for day in days]
    collapsed = _collapses(tables)
    rows = []
    for start in baseline.sort_values("place_id").itertuples(index=False):
        place = str(start.place_id)
        holder = side.get(str(start.holder_id), str(start.holder_id))
        other = _text(start.other_holder_id)
        other = side.get(other, other) if other else None
        state, since, event, source = str(start.state), None, None, _text(start.source_id)
        certainty = str(start.certainty)
        partner = other if state == "shared" else None  # who keeps its part through fighting
        pending = by_place.get(place, [])
        for day in stamps:
            while pending and pending[0].date <= day:
                change = pending.pop(0)
                before = (state, other)
                takers = sorted(side_set(change.gained_by)) or [holder]
                taker, losers = takers[0], side_set(change.lost_by)
                state = _text(change.state) or "held"
                if not change.gained_by:  # a withdrawal: the side that left, now unknown
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
                if (taker, state, other) == (holder, before[0], before[1]):
                    continue  # a repeat (a later report, a part of the place): since stays
                holder, since, event, source = taker, change.date, str(change.event_id), None
                certainty = str(change.certainty)
            end = collapsed.get(holder)
            if end is not None and end[0] <= day and state != "unknown":
                state, other, (since, event, certainty), source = "unknown", None, end, None
            rows.append((place, day, holder, other, state, since, event, source, certainty))
    frame = pd.DataFrame(rows, columns=DAILY_COLUMNS)
    for column in ("date", "since"):  # the unit the loaded tables use
        frame[column] = pd.to_datetime(frame[column]).astype("datetime64[ns]")
    return frame.astype({c: "string" for c in DAILY_COLUMNS if c not in ("date", "since")})


def _collapses(tables: dict) -> dict[str, tuple]:
    """Each collapsed side's (date, event_id, certainty), from ``control_collapses``."""
    import pandas as pd

    table = tables.get("control_collapses")
    if table is None or table.empty:
        return {}
    events = tables["events"]
    named = events[events["event_id"].isin(table["event_id"].astype("string"))]
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
