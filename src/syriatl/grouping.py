"""Compare, look up and group columns with arrays: the helpers that keep the rules linear.

Tables are kept sorted by their primary keys (the canonical-order rule), so checking an order
costs one comparison per row, and a link table's runs of event IDs can be matched to the events
without hashing. Look-ups of pyarrow strings go through pyarrow, once per run for all rules
(:class:`Tables`), and grouping works on integer positions and codes, so that a million events
never make a million Python lists. Every helper gives the right answer on unsorted rows too.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd


def arrow_backed(values: pd.Series) -> bool:
    """Whether a column's strings live in pyarrow (pandas then compares them in C)."""
    return getattr(values.dtype, "storage", None) == "pyarrow" or "pyarrow" in str(values.dtype)


def neighbours(values: pd.Series, compare: str) -> np.ndarray:
    """``compare`` ("eq" or "gt") of each value with the one before it, as a bool array."""
    import numpy as np
    import pandas as pd

    if isinstance(values.dtype, pd.CategoricalDtype) and not values.isna().any():
        # categories compared once: each code becomes the rank of its category
        categories = pd.Series(values.cat.categories).astype("string")
        rank = np.argsort(np.argsort(categories.to_numpy(dtype=object), kind="stable"))
        codes = rank[values.cat.codes.to_numpy()]
        current, previous = codes[1:], codes[:-1]
        return (current == previous) if compare == "eq" else (current > previous)
    if arrow_backed(values):  # compared by pyarrow: through pandas, NA handling costs more
        import pyarrow as pa
        import pyarrow.compute as pc

        array = pa.array(values.array)
        current, previous = array[1:], array[:-1]
        result = pc.equal(current, previous) if compare == "eq" else pc.greater(current, previous)
        return pc.fill_null(result, False).to_numpy(zero_copy_only=False)
    if values.dtype.kind in "Mmiufb" and isinstance(values.dtype, np.dtype):
        # dates and plain numbers compared as numpy holds them (NaT compares false, as
        # pandas's NaT does); as objects, each date would become a Timestamp first
        array = values.to_numpy()
    else:
        array = values.to_numpy(dtype=object)
    current, previous = array[1:], array[:-1]
    return (current == previous) if compare == "eq" else (current > previous)


def isin(values: pd.Series, others) -> np.ndarray:
    """Which of ``values`` are among ``others`` (a Series or a list), as ``values.isin(others)``
    answers, in a bool array; pyarrow strings are looked up by pyarrow with ``others`` as an
    Arrow array, where pandas would first turn each of them into a Python string."""
    import numpy as np
    import pandas as pd

    if isinstance(values.dtype, pd.CategoricalDtype):  # each category looked up once
        categories = pd.Series(values.cat.categories).astype("string")
        missing = bool(pd.isna(pd.Series(list(others), dtype=object)).any())
        found = np.append(isin(categories, others), missing)
        return found[values.cat.codes.to_numpy()]  # code -1: a missing value, missing wanted?
    if arrow_backed(values):
        import pyarrow as pa
        import pyarrow.compute as pc

        if not isinstance(others, pd.Series) or isinstance(others.dtype, pd.CategoricalDtype):
            others = pd.Series(list(others), dtype=values.dtype)
        elif not arrow_backed(others):
            others = others.astype(values.dtype)
        array = pa.array(values.array)
        wanted = pa.array(others.array)
        if isinstance(wanted, pa.ChunkedArray):
            wanted = wanted.combine_chunks()
        if len(wanted) == 0:
            return np.zeros(len(values), dtype=bool)
        if wanted.type != array.type:
            wanted = wanted.cast(array.type)
        found = pc.is_in(array, value_set=wanted)
        return pc.fill_null(found, False).to_numpy(zero_copy_only=False)
    return values.isin(others).fillna(False).to_numpy(dtype=bool)


def distinct_codes(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """The distinct values, in the order they first appear, and each row's position among them
    (-1 where missing), as ``pd.factorize`` gives them; pyarrow strings are dictionary-encoded
    by pyarrow, which hashes them several times faster."""
    import numpy as np
    import pandas as pd

    if not arrow_backed(values):
        codes, distinct = pd.factorize(values)
        return np.asarray(distinct, dtype=object), codes
    import pyarrow as pa
    import pyarrow.compute as pc

    array = pa.array(values.array)
    if isinstance(array, pa.ChunkedArray) and array.num_chunks > 1:
        array = array.combine_chunks()  # one dictionary: unifying many costs more
    encoded = pc.dictionary_encode(array)
    if isinstance(encoded, pa.ChunkedArray):
        if not encoded.num_chunks:
            return np.array([], dtype=object), np.array([], dtype=np.int32)
        chunks = encoded.unify_dictionaries().chunks  # then every chunk has one dictionary
        dictionary = chunks[0].dictionary
        indices = pa.chunked_array([chunk.indices for chunk in chunks])
    else:
        dictionary, indices = encoded.dictionary, encoded.indices
    codes = pc.fill_null(indices, -1).to_numpy()
    return dictionary.to_numpy(zero_copy_only=False).astype(object), codes


def _offsets(values: pd.Series):
    """Each chunk of the pyarrow strings ``values``, with its offsets as a numpy view."""
    import numpy as np
    import pyarrow as pa

    strings = pa.array(values.array)
    for chunk in getattr(strings, "chunks", [strings]):
        if len(chunk):
            wide = np.int64 if pa.types.is_large_string(chunk.type) else np.int32
            offsets = np.frombuffer(chunk.buffers()[1], dtype=wide)
            yield chunk, offsets[chunk.offset : chunk.offset + len(chunk) + 1]


def filled(values: pd.Series) -> np.ndarray:
    """Which of the pyarrow strings ``values`` hold something (neither empty nor missing), read
    from the offsets as a bool array: no string is scanned."""
    import numpy as np

    parts = []
    for chunk, offsets in _offsets(values):
        part = offsets[1:] > offsets[:-1]
        if chunk.null_count:
            part &= chunk.is_valid().to_numpy(zero_copy_only=False)
        parts.append(part)
    return np.concatenate(parts) if parts else np.zeros(0, dtype=bool)


def first_bytes(values: pd.Series) -> np.ndarray:
    """The first byte of each of the pyarrow strings ``values`` (0 for an empty or missing one),
    read through the offsets: no string is scanned or copied. A one-byte (ASCII) character
    starts a string exactly when its first byte is that character."""
    import numpy as np

    parts = []
    for chunk, offsets in _offsets(values):
        data = chunk.buffers()[2]
        first = np.zeros(len(chunk), dtype=np.uint8)
        nonempty = offsets[1:] > offsets[:-1]
        if data is not None and nonempty.any():
            first[nonempty] = np.frombuffer(data, dtype=np.uint8)[offsets[:-1][nonempty]]
        if chunk.null_count:
            first[~chunk.is_valid().to_numpy(zero_copy_only=False)] = 0
        parts.append(first)
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.uint8)


def is_sorted(frame: pd.DataFrame, columns: list[str], *, strictly: bool = False) -> bool:
    """Whether the rows are in order of ``columns``, compared as Python compares strings
    (``strictly``: and no two rows are equal in all of them, so the columns are a unique key).

    False when a column has a missing value: those go to a real sort.
    """
    import numpy as np

    pairs = max(len(frame) - 1, 0)
    later, equal = np.zeros(pairs, dtype=bool), np.ones(pairs, dtype=bool)
    for column in reversed(columns):
        if frame[column].isna().any():
            return False
        same = neighbours(frame[column], "eq")
        later = neighbours(frame[column], "gt") | (same & later)  # after, by these columns
        equal &= same
    return bool(later.all() if strictly else (later | equal).all())


def positions(values: pd.Series, index: pd.Series) -> np.ndarray:
    """The position in ``index`` (strings) of each of ``values``: the first place it occurs
    there; -1 where the value is missing or absent. A categorical looks each category up once."""
    import numpy as np
    import pandas as pd

    if isinstance(index.dtype, pd.CategoricalDtype):
        index = index.astype("string")
    if isinstance(values.dtype, pd.CategoricalDtype):
        categories = pd.Series(values.cat.categories).astype("string")
        found = np.append(positions(categories, index), -1)
        return found[values.cat.codes.to_numpy()]  # code -1, a missing value, reads the -1
    if arrow_backed(values) and arrow_backed(index):
        import pyarrow as pa
        import pyarrow.compute as pc

        aligned = _runs_match(values, index)
        if aligned is not None:
            return aligned
        wanted, keys = pa.array(values.array), pa.array(index.array)
        rows = None
        if 8 * len(values) < len(index):  # a few values in a long index: hash the few
            few = wanted.combine_chunks() if isinstance(wanted, pa.ChunkedArray) else wanted
            hits = pc.is_in(keys, value_set=few, skip_nulls=True)
            rows = np.flatnonzero(pc.fill_null(hits, False).to_numpy(zero_copy_only=False))
            keys = keys.take(pa.array(rows))
        found = pc.index_in(wanted, value_set=keys, skip_nulls=True)
        found = pc.fill_null(found, -1).to_numpy(zero_copy_only=False).astype(np.int64)
        if rows is not None:  # a position among the rows found is a position in the index
            found = np.append(rows, -1)[found]  # -1 reads the last slot
        return found
    keys = index.to_numpy(dtype=object)
    rows = np.flatnonzero(~pd.isna(keys) & ~pd.Index(keys).duplicated())  # each key's first row
    at = pd.Index(keys[rows]).get_indexer(values.to_numpy(dtype=object))
    found = np.full(len(at), -1, dtype=np.int64)
    found[at >= 0] = rows[at[at >= 0]]  # an empty index finds nothing, and has no row to take
    return found


def _runs_match(values: pd.Series, index: pd.Series) -> np.ndarray | None:
    """The positions, found with no hashing, when ``index`` is strictly increasing and the runs
    of equal ``values`` name its keys one by one (a link table sorted by its first key column,
    naming every event: the usual case); else None."""
    import numpy as np

    if not len(index) or len(values) < len(index) or values.isna().any():
        return None
    sample = values.array.take(np.linspace(0, len(values) - 1, 1000).astype(np.intp))
    if not (sample[1:] >= sample[:-1]).all():  # unsorted, which a thousand rows show cheaply
        return None
    change = ~neighbours(values, "eq")
    if int(change.sum()) != len(index) - 1:
        return None
    starts = np.flatnonzero(np.r_[True, change])
    if not (values.array.take(starts) == index.array).all():
        return None
    if not bool(neighbours(index, "gt").all()):  # a repeated key reads its first row: hash
        return None
    return np.repeat(np.arange(len(index)), np.diff(np.r_[starts, len(values)]))


class Tables(dict):
    """The typed tables by name, with the row look-ups that several rules share.

    Many rules follow the same references (each link's event, each link's source). Each pair
    of columns is hashed once per run here; every rule after the first reads the positions.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._positions: dict[tuple[str, str, str, str], np.ndarray] = {}
        self._memo: dict[str, object] = {}

    def memo(self, key: str, compute):
        """What ``compute()`` gives, computed once per run: a derivation several rules read
        (the control history)."""
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]

    def repeated(self, table: str, column: str) -> np.ndarray:
        """Which rows of ``table`` hold a ``column`` value that another row holds too (as
        ``duplicated(keep=False)``): none, without hashing, when the rows are sorted by it."""
        import numpy as np

        return self.memo(
            f"repeated {table}.{column}",
            lambda: (
                np.zeros(len(self[table]), dtype=bool)
                if is_sorted(self[table], [column], strictly=True)
                else self[table][column].duplicated(keep=False).to_numpy(dtype=bool)
            ),
        )

    def positions(self, table: str, column: str, target: str, key: str) -> np.ndarray:
        """For each row of ``table``, the position of the first row of ``target`` whose ``key``
        is its ``column`` value; -1 where the value is missing or names no row."""
        import numpy as np

        memo = (table, column, target, key)
        if memo not in self._positions:
            frame = self[target]
            if (table, column) == (target, key) and is_sorted(frame, [key], strictly=True):
                self._positions[memo] = np.arange(len(frame))  # a unique key: each row itself
            else:
                self._positions[memo] = positions(self[table][column], frame[key])
        return self._positions[memo]

    def codes(
        self, table: str, column: str, target: str, key: str
    ) -> tuple[np.ndarray, np.ndarray]:
        """Each row's ``column`` as a code into sorted labels (-1 for a missing value): its row
        in ``target``, the look-up the foreign keys share, when ``target`` is sorted by ``key``
        and names every value; else the values factorised."""
        import numpy as np
        import pandas as pd

        at = self.positions(table, column, target, key)
        unknown = (at < 0) & self[table][column].notna().to_numpy()
        if is_sorted(self[target], [key], strictly=True) and not unknown.any():
            return at, self[target][key].to_numpy(dtype=object)
        codes, labels = pd.factorize(self[table][column].astype("string"), sort=True)
        return codes, np.asarray(labels, dtype=object)

    def named(self, table: str, column: str, target: str, key: str, rows=None) -> np.ndarray:
        """For each row of ``target``, whether a row of ``table`` (of ``rows``, a boolean mask,
        if given) names its ``key`` in ``column``."""
        import numpy as np

        at = self.positions(table, column, target, key)
        if rows is not None:
            at = at[np.asarray(rows, dtype=bool)]
        first = np.zeros(len(self[target]) + 1, dtype=bool)  # the last slot is read for a -1
        first[at[at >= 0]] = True
        # a repeated key is named in every row that holds it, as in its first
        return first[self.positions(target, key, target, key)]


def joined_sets(
    owner: np.ndarray, codes: np.ndarray, labels: np.ndarray, owners: int, separator: str
) -> np.ndarray:
    """For each of ``owners`` positions, its rows' distinct labels sorted and joined by
    ``separator`` ("" for an owner without rows). Row i belongs to ``owner[i]`` and has label
    ``labels[codes[i]]``; ``labels`` are sorted (as ``pd.factorize(..., sort=True)`` gives).

    ``sorted(set(...))`` per owner in Python costs seconds at a million owners; here the
    owners are filled label by label, one array operation for every owner's k-th label.
    """
    import numpy as np

    result = np.full(owners, "", dtype=object)
    keep = (codes >= 0) & (owner >= 0)
    owner, codes = owner[keep], codes[keep]
    if not len(owner):
        return result
    order = np.lexsort((codes, owner))
    owner, codes = owner[order], codes[order]
    first = np.r_[True, (owner[1:] != owner[:-1]) | (codes[1:] != codes[:-1])]
    owner, codes = owner[first], codes[first]
    starts = np.flatnonzero(np.r_[True, owner[1:] != owner[:-1]])
    sizes = np.diff(np.r_[starts, len(owner)])
    result[owner[starts]] = labels[codes[starts]]
    for k in range(1, int(sizes.max())):  # the k-th label of every owner that has one, at once
        longer = starts[sizes > k]
        result[owner[longer]] = result[owner[longer]] + separator + labels[codes[longer + k]]
    return result


def set_hashes(owner: np.ndarray, codes: np.ndarray, labels: np.ndarray, owners: int) -> np.ndarray:
    """An order-free 64-bit hash of each owner's set of distinct labels (0 for none); row i
    belongs to ``owner[i]`` and has label ``labels[codes[i]]``.

    Equal sets hash equal; different sets collide with odds of about 2**-64, so a hash is a
    filter: callers compare the real labels of the owners whose hashes match.
    """
    import numpy as np
    import pandas as pd

    hashes = np.zeros(owners, dtype=np.uint64)
    keep = (codes >= 0) & (owner >= 0)
    owner, codes = owner[keep], codes[keep]
    if not len(owner):
        return hashes
    pairs = np.sort(owner.astype(np.int64) * len(labels) + codes)  # sorted by owner
    pairs = pairs[np.r_[True, pairs[1:] != pairs[:-1]]]  # distinct (np.unique hashes: slower)
    owner, codes = pairs // len(labels), pairs % len(labels)
    # a fixed 64-bit value per label string, so that equal sets hash equal whatever the codes
    seeds = pd.util.hash_array(np.asarray(labels, dtype=object), categorize=False)
    starts = np.flatnonzero(np.r_[True, owner[1:] != owner[:-1]])
    hashes[owner[starts]] = np.add.reduceat(seeds[codes], starts)
    return hashes
