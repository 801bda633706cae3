"""Read a well-formed CSV with a fast reader, and prove it reads as the csv module would.

The validator reads every file with Python's ``csv`` module in strict mode, so that it can
report each broken row where it broke. That costs seconds per million rows. Most files are
well formed, and for those pyarrow's reader (through pandas; pandas's C reader where pyarrow
is missing) gives the same cells far faster, so
:func:`read_well_formed` tries it first and returns its cells only when the file provably has
nothing that the two parsers read differently or that the validator would report:

- every double quote opens a field (at the start of the file, after a comma or a line end),
  closes it (before a comma, a line end or the end of the file), or is one of a doubled pair
  inside a quoted field; so the strict csv reader raises no error and both parsers cut the
  same fields;
- every record has as many cells as the header: the reader refuses a longer or shorter row
  (pyarrow) or leaves the missing cells empty (the C reader), and either sends the file back;
- no record is blank (the readers keep an empty line as a row of empty cells), and no cell is
  longer than the csv module's field size limit.

Otherwise it returns None, and the caller reads the file with the csv module, which reports the
problem. NUL bytes step aside too; the caller has already refused carriage returns and bytes
that are not UTF-8.
"""

from __future__ import annotations

import io
from collections.abc import Collection
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

QUOTE, COMMA, NEWLINE = ord('"'), ord(","), ord("\n")


def read_well_formed(
    data: bytes, field_limit: int, categorical: Collection[str] = ()
) -> tuple[list[str], pd.DataFrame] | None:
    """The header and the data rows (positional columns of strings) of a well-formed CSV.

    ``data`` is UTF-8 without a byte-order mark or carriage returns. Columns whose
    label is in ``categorical`` come as categoricals of the same strings, which parse faster
    where values repeat (codes, dates). Returns None when the file needs the csv module: a
    stray quote, a ragged or blank row, an oversized cell.
    """
    import numpy as np
    import pandas as pd

    size = len(data)
    if not size or data.startswith(b"\n") or b"\x00" in data:  # no header, or not text
        return None
    raw = np.frombuffer(data, dtype=np.uint8)
    quotes = np.flatnonzero(raw == QUOTE)
    if len(quotes) % 2:
        return None
    if len(quotes):
        opening, closing = quotes[0::2], quotes[1::2]
        before = raw[np.maximum(opening - 1, 0)]
        opens_field = (opening == 0) | (before == COMMA) | (before == NEWLINE) | (before == QUOTE)
        after = raw[np.minimum(closing + 1, size - 1)]
        closes_field = (
            (closing == size - 1) | (after == COMMA) | (after == NEWLINE) | (after == QUOTE)
        )
        if not (opens_field.all() and closes_field.all()):
            return None
    try:
        first_line = data[: data.find(b"\n") if b"\n" in data else size].decode("utf-8")
        # pyarrow checks that every cell is UTF-8; the C reader decodes strictly
        frame = pd.read_csv(io.BytesIO(data), header=None, dtype=str, **_engine(pd))
    except (ValueError, pd.errors.ParserError):  # a long row, bytes that are not UTF-8
        return None
    except Exception as exc:  # pyarrow's own parse errors
        if type(exc).__module__.startswith("pyarrow"):
            return None
        raise
    width = frame.shape[1]
    for position in range(width):
        cells = frame[position]
        if cells.isna().any():  # a short row, which the C reader fills in
            return None
        if len(cells) and _longest(cells) > field_limit:
            return None
    labels = [] if b'"' in first_line.encode("utf-8") else first_line.split(",")
    dtypes = {i: "category" for i, label in enumerate(labels) if label in categorical}
    for position in dtypes:
        if position < width:
            frame[position] = frame[position].astype("category")
    header = [str(label) for label in frame.iloc[0].tolist()]
    body = frame.iloc[1:]
    # a blank row has every cell blank; only rows whose first cell is blank can be one
    first = body[0].astype("string").str.slice(0, 1)
    blank = ((first == "") | first.str.isspace()).fillna(True).to_numpy(dtype=bool)
    for index in np.flatnonzero(blank):
        if not any(str(cell).strip() for cell in body.iloc[index].tolist()):
            return None
    for position in dtypes:  # the header row's label is no category of the data
        body[position] = body[position].cat.remove_unused_categories()
    return header, body


def _longest(cells: pd.Series) -> int:
    """The length of the longest cell: in bytes, for pyarrow strings (read from the offsets,
    with no scan of the text; never fewer than the characters the csv module counts)."""
    from syriatl.grouping import arrow_backed

    if arrow_backed(cells):
        import pyarrow as pa
        import pyarrow.compute as pc

        return int(pc.max(pc.binary_length(pa.array(cells.array))).as_py() or 0)
    return int(cells.str.len().max())


def _engine(pd) -> dict:
    """pyarrow's multithreaded reader where pandas has it; else pandas's C reader."""
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        return {"keep_default_na": False, "na_filter": False, "skip_blank_lines": False}
    return {"engine": "pyarrow", "keep_default_na": False, "skip_blank_lines": False}
