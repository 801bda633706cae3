"""Join the strings of each group of a sorted column, fast: the rules' one-pass groupings."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd


def join_groups(keys: pd.Series, values: pd.Series, separator: str) -> pd.Series:
    """The ``values`` of each run of equal ``keys``, joined by ``separator``, by key.

    ``keys`` must be sorted (each key's rows together) and free of missing values; the values
    keep their order. The same as ``groupby(keys)[values].agg(separator.join)`` on such input,
    without building a Series per group.
    """
    import numpy as np
    import pandas as pd

    key = keys.to_numpy(dtype=object)
    value = [str(v) for v in values.tolist()]
    if not len(key):
        return pd.Series([], index=pd.Index([], dtype=object), dtype=object)
    change = np.flatnonzero(key[1:] != key[:-1]) + 1
    starts = [0, *change.tolist()]
    ends = [*change.tolist(), len(key)]
    joined = [separator.join(value[a:b]) for a, b in zip(starts, ends, strict=True)]
    return pd.Series(joined, index=pd.Index(key[starts], dtype=object), dtype=object)
