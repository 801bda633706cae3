"""Who held a place on a given day, derived from the events that changed its control.

Every ``territory-captured`` event is a change of control: its initiators gained the place and
its targets lost it. Actors are compared by *side*, the top of their ``parent_id`` chain (Hay'at
Tahrir al-Sham counts for the Military Operations Command it belongs to; the Syrian Arab Army
for the Syrian government), so a history is coherent when each change starts from the side that
the previous change left holding the place.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

CHANGE_TYPE = "territory-captured"
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
]


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
    ``gained_actors`` and ``lost_actors`` the actors the event names.
    """
    import numpy as np
    import pandas as pd

    from syriatl.grouping import Tables, joined_sets

    tables = tables if isinstance(tables, Tables) else Tables(tables)
    events = tables["events"]
    is_change = (events["event_type"] == CHANGE_TYPE).to_numpy(dtype=bool)
    capture = is_change & events["place_id"].notna().to_numpy()
    captured = events[["event_id", "date", "place_id", "certainty"]][capture]
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
    return frame.astype({c: "string" for c in COLUMNS if c != "date"})


def _ranks(values: pd.Series) -> np.ndarray:
    """Integer codes that sort as ``values`` do (a missing value last), to sort on."""
    import numpy as np
    import pandas as pd

    codes, uniques = pd.factorize(values, sort=True)
    return np.where(codes < 0, len(uniques), codes)


def _sides(text) -> set[str]:
    return set(text.split(" + ")) if isinstance(text, str) and text else set()


def breaks(history: pd.DataFrame) -> pd.DataFrame:
    """Changes that neither start from the side holding the place nor repeat the last change.

    A change may repeat the previous one (the same side gaining it again): a capture completed
    over several days, or reported again on a later day. ``history`` is in the place order
    that :func:`changes` gives.
    """
    import numpy as np
    import pandas as pd

    from syriatl.grouping import neighbours

    # the rows are in place order: the previous change of a place is the row before, if it
    # is of the same place
    gained = history["gained_by"].fillna("").to_numpy(dtype=object)
    lost = history["lost_by"].fillna("").to_numpy(dtype=object)
    before = np.full(len(history), "", dtype=object)
    if len(history):
        same_place = np.r_[False, neighbours(history["place_id"].fillna(""), "eq")]
        before[same_place] = gained[np.flatnonzero(same_place) - 1]
    # with one side on each part (nearly every change), the sets compare as strings
    mask = (before != "") & (lost != "") & (before != lost) & (before != gained)
    several = np.zeros(len(history), dtype=bool)
    for column in (pd.Series(before, dtype="string"), history["lost_by"], history["gained_by"]):
        several |= column.str.contains(" + ", regex=False).fillna(False).to_numpy(dtype=bool)
    for i in np.flatnonzero(mask & several):
        mask[i] = not (_sides(before[i]) & _sides(lost[i])) and _sides(gained[i]) != _sides(
            before[i]
        )
    return history[mask].assign(held_before=before[mask])


def control_history(path: str | Path | None = None) -> pd.DataFrame:
    """Every change of control of every place, from the package at ``path``."""
    from syriatl.loading import load_package

    return changes(load_package(path=path))


def control(
    place_id: str,
    date: str,
    path: str | Path | None = None,
    *,
    history: pd.DataFrame | None = None,
) -> str | None:
    """The side that held ``place_id`` at the end of ``date`` (YYYY-MM-DD), by the events.

    Before the first change the place is held by the side that lost it then; a place whose
    control never changed in the data gives None. Pass ``history`` (from
    :func:`control_history`) to ask many questions without reading the package each time.
    """
    import pandas as pd

    if history is None:
        history = control_history(path)
    mine = history[history["place_id"] == place_id]
    if mine.empty:
        return None
    done = mine[mine["date"] <= pd.Timestamp(date)]
    held = mine.iloc[0]["lost_by"] if done.empty else done.iloc[-1]["gained_by"]
    return str(held) if isinstance(held, str) and held else None
