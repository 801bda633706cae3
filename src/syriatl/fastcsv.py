"""Read a well-formed CSV with a fast reader, and prove it reads as the csv module would.

The validator reads every file with Python's ``csv`` module in strict mode, so that it can
report each broken row where it broke. That costs seconds per million rows. Most files are
well formed, and for those pyarrow's multithreaded CSV reader gives the same cells far faster,
so :func:`read_well_formed` tries it first and returns its cells only when the file provably
has nothing that the two parsers read differently or that the validator would report:

- every double quote opens a field (at the start of the file, after a comma or a line end),
  closes it (before a comma, a line end or the end of the file), or is one of a doubled pair
  inside a quoted field; so the strict csv reader raises no error and both parsers cut the
  same fields;
- every record has as many cells as the header: pyarrow refuses a longer or shorter row, and
  the file goes back;
- no record is blank (pyarrow keeps an empty line of a one-column file as an empty cell), and
  no cell is longer than the csv module's field size limit.

A quoted cell may hold a line end: pyarrow is told so, or it would cut such a cell where one of
its blocks ends.

Otherwise it returns None, and the caller reads the file with the csv module, which reports the
problem. NUL bytes step aside too; the caller has already refused carriage returns and bytes
that are not UTF-8.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Collection
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

QUOTE, COMMA, NEWLINE = ord('"'), ord(","), ord("\n")
SCAN_BYTES = 1 << 20  # the quote scan's window: a bool per byte of it stays in cache


def read_well_formed(
    data: bytes, field_limit: int, categorical: Collection[str] = ()
) -> tuple[list[str], pd.DataFrame] | None:
    """The header and the data rows (positional columns of strings) of a well-formed CSV.

    ``data`` is UTF-8 without a byte-order mark or carriage returns. Columns whose
    label is in ``categorical`` come as categoricals of the same strings, which parse faster
    where values repeat (codes, dates); the others as pyarrow strings. Returns
    None when the file needs the csv module: a stray quote, a ragged or blank row, an
    oversized cell.
    """
    import numpy as np
    import pandas as pd
    import pyarrow as pa
    import pyarrow.csv as pcsv

    size = len(data)
    if not size or data.startswith(b"\n") or b"\x00" in data:  # no header, or not text
        return None
    quotes = paired_quotes(np.frombuffer(data, dtype=np.uint8))
    if quotes is None:
        return None
    # the header ends at the first line end outside quotes: one with an even count before it
    end = data.find(b"\n")
    while end >= 0 and np.searchsorted(quotes, end) % 2:
        end = data.find(b"\n", end + 1)
    end = size if end < 0 else end
    try:
        header = next(csv.reader(io.StringIO(data[:end].decode("utf-8"), newline="")))
    except (UnicodeDecodeError, csv.Error):
        return None
    names = [f"f{position}" for position in range(len(header))]
    text, codes = pa.string(), pa.dictionary(pa.int32(), pa.string())
    types = {
        name: codes if label in categorical else text
        for name, label in zip(names, header, strict=True)
    }
    if end + 1 >= size:  # the header alone
        table = pa.table({name: pa.array([], type=kind) for name, kind in types.items()})
    else:
        try:
            table = pcsv.read_csv(
                pa.py_buffer(data).slice(end + 1),
                read_options=pcsv.ReadOptions(column_names=names),
                # a quoted cell may hold a line end: without this, a cell cut at a block
                # boundary is silently misread
                parse_options=pcsv.ParseOptions(newlines_in_values=True, ignore_empty_lines=False),
                convert_options=pcsv.ConvertOptions(
                    column_types=types, strings_can_be_null=False, quoted_strings_can_be_null=False
                ),
            )
        except pa.ArrowException:  # a ragged or blank row, bytes that are not UTF-8
            return None
    columns = table.columns
    for cells in columns:
        if len(cells) and _longest(cells) > field_limit:
            return None
    if columns and len(columns[0]) and len(_blank_rows(table)):
        return None
    body = pd.DataFrame(
        {position: _series(cells) for position, cells in enumerate(columns)},
        index=pd.RangeIndex(table.num_rows),
    )
    return header, body


def paired_quotes(raw: np.ndarray) -> np.ndarray | None:
    """The positions of the double quotes, or None unless every one opens a field, closes it,
    or is one of a doubled pair.

    The quotes are found window by window: one comparison over the whole file would build a
    bool per byte, which at hundreds of megabytes costs five times as much.
    """
    import numpy as np

    size = len(raw)
    quotes = np.concatenate(
        [np.zeros(0, dtype=np.intp)]
        + [
            np.flatnonzero(raw[start : start + SCAN_BYTES] == QUOTE) + start
            for start in range(0, size, SCAN_BYTES)
        ]
    )
    if len(quotes) % 2:
        return None
    if not len(quotes):
        return quotes
    opening, closing = quotes[0::2], quotes[1::2]
    before = raw[np.maximum(opening - 1, 0)]
    opens_field = (opening == 0) | (before == COMMA) | (before == NEWLINE) | (before == QUOTE)
    after = raw[np.minimum(closing + 1, size - 1)]
    closes_field = (closing == size - 1) | (after == COMMA) | (after == NEWLINE) | (after == QUOTE)
    return quotes if opens_field.all() and closes_field.all() else None


def _blank_rows(table) -> np.ndarray:
    """The positions of the rows whose every cell is blank (the reader keeps an empty line of a
    one-column file as a row); only rows whose first cell is blank are looked at whole."""
    import numpy as np
    import pyarrow.compute as pc

    def blank(cells) -> np.ndarray:
        if hasattr(cells.type, "value_type"):  # dictionary codes: test each string once
            cells = cells.cast(cells.type.value_type)
        trimmed = pc.utf8_trim_whitespace(cells)
        return pc.equal(pc.binary_length(trimmed), 0).to_numpy(zero_copy_only=False)

    rows = np.flatnonzero(blank(table.column(0)))
    for cells in table.columns[1:]:
        if not len(rows):
            break
        rows = rows[blank(cells.take(rows))]
    return rows


def _series(cells) -> pd.Series:
    """A column as pandas holds it: a categorical for dictionary codes, else pyarrow strings
    (left in the reader's chunks: joining them would copy all the text)."""
    import pandas as pd

    if hasattr(cells.type, "value_type"):
        return cells.to_pandas()  # one Categorical over the chunks' dictionaries
    return pd.Series(pd.arrays.ArrowStringArray(cells))


def _longest(cells) -> int:
    """The length of the longest cell in bytes, read from the offsets with no scan of the text
    (never fewer than the characters the csv module counts)."""
    import pyarrow.compute as pc

    if hasattr(cells.type, "value_type"):  # each distinct string once
        return max((_longest(chunk.dictionary) for chunk in cells.chunks), default=0)
    return int(pc.max(pc.binary_length(cells)).as_py() or 0)
