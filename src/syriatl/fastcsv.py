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
- every record has as many cells as the header, and no line is blank: counted without a
  pass of Python over the rows, since every comma of the file either separates two cells or
  lies inside a cell's value, and so does every line end (the same holds for the line ends);
- no cell is longer than the csv module's field size limit, and no record is blank.

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
    if not size or b"\x00" in data:
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
    width, records = frame.shape[1], len(frame)  # the header row is one of the records
    inside = {",": 0, "\n": 0}
    for position in range(width):
        cells = frame[position]
        if cells.isna().any():  # a short row (the C reader fills it in)
            return None
        lengths = cells.str.len()
        if len(lengths) and int(lengths.max()) > field_limit:
            return None
        for mark in inside:
            inside[mark] += int(cells.str.count(mark).sum())
    commas = int(np.count_nonzero(raw == COMMA)) - inside[","]
    line_ends = int(np.count_nonzero(raw == NEWLINE)) - inside["\n"]
    if commas != (width - 1) * records:
        return None  # a row with fewer cells than the header
    if line_ends != records - (0 if data.endswith(b"\n") else 1):
        return None  # a blank line, which pyarrow skips and the csv module reads as a row
    labels = [] if b'"' in first_line.encode("utf-8") else first_line.split(",")
    dtypes = {i: "category" for i, label in enumerate(labels) if label in categorical}
    for position in dtypes:
        if position < width:
            frame[position] = frame[position].astype("category")
    header = [str(label) for label in frame.iloc[0].tolist()]
    body = frame.iloc[1:]
    # a blank row has every cell blank; only rows whose first cell is blank can be one
    first = body[0].to_numpy(dtype=object).astype("U1")
    for index in np.flatnonzero((first == "") | np.char.isspace(first)):
        if not any(str(cell).strip() for cell in body.iloc[index].tolist()):
            return None
    for position in dtypes:  # the header row's label is no category of the data
        body[position] = body[position].cat.remove_unused_categories()
    return header, body


def _engine(pd) -> dict:
    """pyarrow's multithreaded reader where pandas has it; else pandas's C reader."""
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        return {"keep_default_na": False, "na_filter": False, "skip_blank_lines": False}
    return {"engine": "pyarrow", "keep_default_na": False}
