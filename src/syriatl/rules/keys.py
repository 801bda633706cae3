"""Keys and references: every key resolves, no row is entered twice, no ID is reused, every actor
and place is used, and no cell can run as a spreadsheet formula."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from syriatl.grouping import Tables
from syriatl.report import Problem
from syriatl.rules.control import HISTORY_NEEDS, _row_of
from syriatl.rules.registry import problems_at, rule, starts_with

if TYPE_CHECKING:
    from syriatl.package import Package


@rule("foreign-key")
def foreign_keys(tables: Tables, package: Package) -> Iterator[Problem]:
    """Every foreign key of every Table Schema resolves, self-references included."""
    import pandas as pd

    for name, resource in package.resources.items():
        if name not in tables:
            continue
        frame = tables[name]
        for key in resource.foreign_keys:
            fields = key["fields"] if isinstance(key["fields"], list) else [key["fields"]]
            target = key["reference"].get("resource") or name
            target_fields = key["reference"]["fields"]
            target_fields = target_fields if isinstance(target_fields, list) else [target_fields]
            if target not in tables or not set(fields) <= set(frame.columns):
                continue
            if not set(target_fields) <= set(tables[target].columns):
                continue
            filled = frame[fields].notna().all(axis=1)
            if len(fields) == 1 and len(target_fields) == 1:  # hashed once for every rule
                found = tables.positions(name, fields[0], target, target_fields[0]) >= 0
            else:
                parent = tables[target][target_fields].astype("string").dropna()
                known = pd.MultiIndex.from_frame(parent)
                found = pd.MultiIndex.from_frame(frame[fields].astype("string")).isin(known)
            broken = frame.index[filled.to_numpy() & ~found]
            child = frame.loc[broken, fields].astype("string")
            for index in broken:
                value = ", ".join(str(v) for v in child.loc[index])
                yield Problem(
                    table=name,
                    row=int(index),
                    column=", ".join(fields),
                    rule="foreign-key",
                    message=f"{value!r} is not a {'/'.join(target_fields)} of table {target}",
                )


@rule("cycle")
def parent_cycles(tables: Tables, package: Package) -> Iterator[Problem]:
    """A self-reference (a place inside a place, an actor inside an actor) never loops."""
    from syriatl.grouping import is_sorted

    for name, resource in package.resources.items():
        if name not in tables or len(resource.primary_key) != 1:
            continue
        (key,) = resource.primary_key
        for foreign in resource.foreign_keys:
            target = foreign["reference"].get("resource") or name
            fields = (
                foreign["fields"] if isinstance(foreign["fields"], list) else [foreign["fields"]]
            )
            if target != name or len(fields) != 1 or fields[0] not in tables[name].columns:
                continue
            frame = tables[name]
            # a sorted (so unique) key lets the arrays rule loops out; else the walk decides
            parents = tables.positions(name, fields[0], name, key)
            if is_sorted(frame, [key], strictly=True) and not _may_loop(parents):
                continue
            parent_of = dict(
                zip(
                    frame[key].astype("string").tolist(),
                    frame[fields[0]].astype("string").tolist(),
                    strict=True,
                )
            )
            row_of = {
                ident: int(index)
                for index, ident in zip(frame.index, frame[key].tolist(), strict=True)
            }
            reported: set[str] = set()
            for start in parent_of:
                seen: list[str] = []
                node = start
                while isinstance(node, str) and node in parent_of and node not in seen:
                    seen.append(node)
                    node = parent_of[node]
                if isinstance(node, str) and node in seen:
                    loop = seen[seen.index(node) :]
                    if reported.isdisjoint(loop):
                        reported.update(loop)
                        chain = " -> ".join([*loop, node])
                        yield Problem(
                            table=name,
                            row=row_of[node],
                            column=fields[0],
                            rule="cycle",
                            message=f"{fields[0]} forms a loop: {chain}",
                        )


def _may_loop(parent) -> bool:
    """Whether following ``parent`` (each row's parent row, -1 for none) can go round forever.

    Every row jumps 2, 4, 8, ... parents ahead at once, a row without a parent leading to a
    sink that stays put; after as many doublings as the rows take, only a row on or above a
    loop is still off the sink. So a tree of any depth is cleared in a few array operations,
    and the walk that names each loop runs only when there is one.
    """
    import numpy as np

    size = len(parent)
    jump = np.append(np.where(parent < 0, size, parent), size)  # the last slot is the sink
    for _ in range(max(size, 1).bit_length() + 1):
        jump = jump[jump]
    return bool((jump[:size] != size).any())


@rule("canonical-order")
def canonical_order(tables: Tables, package: Package) -> Iterator[Problem]:
    """Every table's rows are sorted by its primary key.

    Rows are sorted by primary key, so that every edit gives a small, readable diff.
    """
    import numpy as np
    import pandas as pd

    from syriatl.grouping import neighbours

    for name, resource in package.resources.items():
        key = resource.primary_key
        if name not in tables or not key or not set(key) <= set(tables[name].columns):
            continue
        frame = tables[name][key]
        # the rows whose key tuple sorts before the previous row's, compared column by column
        before = np.zeros(max(len(frame) - 1, 0), dtype=bool)
        for column in reversed(key):
            values = frame[column]
            if values.isna().any() or not isinstance(values.dtype, pd.CategoricalDtype):
                values = values.astype("string").fillna("")
            after, same = neighbours(values, "gt"), neighbours(values, "eq")
            before = (~after & ~same) | (same & before)
        for position in np.flatnonzero(before)[:1] + 1:
            keys = {
                at: tuple(frame.iloc[at].astype("string").fillna(""))
                for at in (position - 1, position)
            }
            if keys[position] < keys[position - 1]:
                yield Problem(
                    table=name,
                    row=int(frame.index[position]),
                    column=", ".join(key),
                    rule="canonical-order",
                    message=(
                        f"rows must be sorted by {', '.join(key)}: {', '.join(keys[position])!r} "
                        f"comes after {', '.join(keys[position - 1])!r}; `syriatl fmt` sorts them"
                    ),
                )
                break


# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


@rule("formula-injection")
def formula_injection(tables: Tables, package: Package) -> Iterator[Problem]:
    """No text cell starts with =, +, -, @, a tab or a carriage return, which a spreadsheet would
    run as a formula.

    Text that a spreadsheet would evaluate is refused, so opening the CSVs is always safe.
    """
    for name, resource in package.resources.items():
        if name not in tables:
            continue
        frame = tables[name]
        for field in resource.fields:
            column = field["name"]
            if field.get("type", "string") != "string" or column not in frame.columns:
                continue
            values = frame[column]
            for index in frame.index[starts_with(values, FORMULA_PREFIXES)]:
                text = str(values[index])
                yield Problem(
                    table=name,
                    row=int(index),
                    column=column,
                    rule="formula-injection",
                    message=(
                        f"{text[:20]!r} starts with {text[:1]!r}, which a "
                        "spreadsheet would run as a formula; reword it or add a leading letter"
                    ),
                )


@rule(
    "retired-id",
    retired_ids=("table", "id", "replaced_by"),
)
def retired_ids(tables: Tables, package: Package) -> Iterator[Problem]:
    """A retired ID is gone from its table for good, and the ID that replaced it exists."""
    retired = tables["retired_ids"]
    for index, row in zip(retired.index, retired.itertuples(index=False), strict=True):
        resource = package.resources.get(row.table)
        if resource is None or row.table not in tables or len(resource.primary_key) != 1:
            continue
        ids = tables[row.table][resource.primary_key[0]].astype("string")

        def current(ident, ids=ids) -> bool:  # one vectorised comparison, no set of a million
            return bool((ids == ident).any())

        if current(row.id):
            yield Problem(
                table="retired_ids",
                row=int(index),
                column="id",
                rule="retired-id",
                message=f"{row.id} is retired but still a row of {row.table}; IDs are never reused",
            )
        replacement = row.replaced_by
        if isinstance(replacement, str) and replacement and not current(replacement):
            yield Problem(
                table="retired_ids",
                row=int(index),
                column="replaced_by",
                rule="retired-id",
                message=f"{replacement!r}, which replaced {row.id}, is not a row of {row.table}",
            )


@rule(
    "likely-duplicate",
    events=("event_id", "date", "place_id", "event_type"),
    event_actors=("event_id", "actor_id"),
)
def likely_duplicates(tables: Tables, package: Package) -> Iterator[Problem]:
    """No two events share day, place, type and actors, and no change of control repeats a
    completed change of the same place to the same side (a re-announcement), unless
    distinct_events marks them apart.
    """
    import numpy as np
    import pandas as pd

    from syriatl.grouping import joined_sets, set_hashes

    events = tables["events"]
    owner = tables.positions("event_actors", "event_id", "events", "event_id")
    codes, labels = tables.codes("event_actors", "actor_id", "actors", "actor_id")
    # only events that share day, place, type and set of actors with another can be duplicates:
    # find them by comparing integer codes and a hash of each actor set, then build the exact
    # keys of those alone
    same = pd.DataFrame(
        {
            "date": pd.factorize(events["date"])[0],
            "place": pd.factorize(events["place_id"].astype("string"))[0],
            "kind": pd.factorize(events["event_type"].astype("string"))[0],
            "actors": set_hashes(owner, codes, labels, len(events)),
        }
    )
    candidates = same.duplicated(keep=False).to_numpy()
    # each link's position among the candidates: -1 for other events, and for links to no event
    # (owner -1 reads the extra last slot)
    renumber = np.full(len(events) + 1, -1)
    renumber[np.flatnonzero(candidates)] = np.arange(int(candidates.sum()))
    actor_keys = joined_sets(renumber[owner], codes, labels, int(candidates.sum()), " ")
    events = events[["event_id", "date", "place_id", "event_type"]][candidates]
    key = zip(
        events["date"].astype("string").fillna("").tolist(),
        events["place_id"].astype("string").fillna("").tolist(),
        events["event_type"].astype("string").fillna("").tolist(),
        actor_keys.tolist(),
        strict=True,
    )
    distinct = set()
    if "distinct_events" in tables:
        marked = tables["distinct_events"]
        for a, b in zip(marked["event_id"], marked["other_event_id"], strict=True):
            distinct |= {(str(a), str(b)), (str(b), str(a))}
    first_of: dict[tuple, tuple[str, int]] = {}
    for index, ident, value in zip(events.index, events["event_id"].tolist(), key, strict=True):
        if value in first_of and (first_of[value][0], str(ident)) not in distinct:
            yield Problem(
                table="events",
                row=int(index),
                column="event_id",
                rule="likely-duplicate",
                message=(
                    f"{ident} has the same day, place, type and actors as {first_of[value][0]}; "
                    "merge them (and retire one ID) or list the pair in distinct_events"
                ),
            )
        else:
            first_of.setdefault(value, (str(ident), int(index)))
    if all(
        set(columns) <= set(tables.get(name, {}).keys()) for name, columns in HISTORY_NEEDS.items()
    ):
        yield from _repeated_changes(tables, distinct)


def _repeated_changes(tables: Tables, distinct: set[tuple[str, str]]) -> Iterator[Problem]:
    """Changes of control that give a place again to the side that already held it whole
    after the previous change: the same capture announced twice. A change after a contested
    or shared spell completes a capture and is not flagged.
    """
    import numpy as np

    from syriatl.grouping import neighbours
    from syriatl.history import changes

    history = changes(tables)
    if not len(history):
        return
    # the history is in place order: a change and the one before it, of the same place, both
    # leaving it held, and gained by the same sides
    gained = history["gained_by"].astype("string").fillna("").to_numpy(dtype=object)
    held = (history["state"].astype("string").fillna("held") == "held").to_numpy(dtype=bool)
    again = np.r_[False, neighbours(history["place_id"], "eq")]
    again &= (
        (gained != "") & np.r_[False, gained[1:] == gained[:-1]] & held & np.r_[False, held[:-1]]
    )
    if not again.any():
        return
    events = history["event_id"].astype(str).to_numpy(dtype=object)
    places = history["place_id"].astype(str).to_numpy(dtype=object)
    row_of = None
    for at in np.flatnonzero(again):
        event, place, last = events[at], places[at], events[at - 1]
        if (last, event) in distinct:
            continue
        row_of = row_of or _row_of(tables["events"], "event_id")
        yield Problem(
            table="events",
            row=int(row_of[event]),
            column="event_id",
            rule="likely-duplicate",
            message=(
                f"{event} gives {place} to {gained[at]}, which already held it after "
                f"{last}; merge the re-announcement into {last} (and retire its ID) "
                "or list the pair in distinct_events"
            ),
        )


@rule(
    "unused",
    events=("place_id",),
    event_actors=("actor_id",),
    actors=("actor_id", "parent_id"),
    places=("place_id", "parent_id"),
)
def unused(tables: Tables, package: Package) -> Iterator[Problem]:
    """Every actor and place is named by an event, or is the parent of one that is."""
    import numpy as np
    import pandas as pd

    naming = {"actors": ("event_actors", "actor_id"), "places": ("events", "place_id")}
    for table, key in (("actors", "actor_id"), ("places", "place_id")):
        frame = tables[table]
        used = tables.named(*naming[table], table, key).copy()
        if table == "places" and "control_baseline" in tables:  # a place in the control scope
            used |= tables.named("control_baseline", "place_id", table, key)
        # climb the parent chains level by level: a row is used when a used row names it
        parent = tables.positions(table, "parent_id", table, key)
        frontier = used.copy()
        while frontier.any():
            above = parent[frontier]
            above = above[(above >= 0) & ~used[np.maximum(above, 0)]]
            used[above] = True
            frontier = np.zeros_like(used)
            frontier[above] = True
        yield from problems_at(
            table,
            pd.Series(~used, index=frame.index),
            key,
            "unused",
            lambda row, key=key: (
                f"{row[key]} is named by no event and is the parent of none; remove it or use it"
            ),
            frame,
        )
