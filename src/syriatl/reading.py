"""Read a CSV file of the package: the one reader of :func:`syriatl.validate` and
:func:`syriatl.load`.

:func:`read_csv` parses every file with pandas's C reader, the reader a user would call
(and the one the benchmarks compare loading with). The header is parsed with the data, as its
first row (``header=None``): pandas would rename a repeated or empty label, and the validator
reports labels as they are written. Each cell comes as its exact text, "" when empty;
only loading asks for the columns of decimals (coordinates) parsed as numbers
(:func:`_parse_decimals`), where that reads as typing their text would.

Validating (``strict=True``) asks more of a file than parsing it: the validator reports bytes
that are not UTF-8, NUL bytes, CR line ends, stray quotes, rows longer or shorter than the
header, blank rows and oversized cells, each at its row, where pandas would read on (a short
row is padded with empty cells, a blank line is a row of them). So a strict read proves that
the file has none of these before it keeps pandas's cells:

- no NUL byte, no CR, and bytes that pandas decodes as UTF-8;
- every double quote opens a field, closes it, or is one of a doubled pair inside a quoted
  field (:func:`paired_quotes`), so the strict csv module would raise no error and cut the
  same fields;
- no row longer than the header (pandas refuses one), and none shorter: the file has exactly
  ``rows x (width - 1)`` commas outside quoted cells (a comma with an even number of quotes
  before it), for a row pandas pads with empty cells would have fewer;
- no blank row and no cell over the field size limit.

A file that fails the proof is not read a second way: it is *reported*, by Python's csv module
in strict mode (:func:`_report`), which says what is wrong and where, row by row, and keeps the
rows that can still be checked. Only files with a problem ever take that path.
"""

from __future__ import annotations

import csv
import io
import threading
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

# A field larger than this is reported, not read: no event description comes near it.
MAX_FIELD_BYTES = 1_000_000
QUOTE, COMMA, NEWLINE = ord('"'), ord(","), ord("\n")
SCAN_BYTES = 1 << 20  # the quote scan's window: a bool per byte of it stays in cache


@dataclass
class Cells:
    """A CSV file as read: its header's labels (None when it has no readable header), its data
    rows as positional columns of strings indexed by row number (the header is row 1, and rows
    are numbered by record, as frictionless numbers them), and the problems found reading it,
    as ``(rule, message, row)``."""

    header: list[str] | None
    rows: pd.DataFrame | None
    problems: list[tuple[str, str, int | None]] = field(default_factory=list)

    def columns(self, names: list[str]) -> pd.DataFrame:
        """The columns labelled ``names`` (the first of a repeated label), in that order."""
        import pandas as pd

        assert self.header is not None and self.rows is not None
        where: dict[str, int] = {}
        for position, label in enumerate(self.header):
            where.setdefault(label, position)
        picked = {name: self.rows[where[name]].array for name in names if name in where}
        return pd.DataFrame(picked, index=self.rows.index, copy=False)


_LIMIT_HELD = threading.RLock()


@contextmanager
def field_size_limit(limit: int = MAX_FIELD_BYTES) -> Iterator[None]:
    """The csv module's field size limit while the block runs. The limit is the whole
    process's: a library that left it changed would change how its user's own code (or
    frictionless) reads CSV files. One block at a time: the validator reads two files at once,
    and each block restores what it found."""
    with _LIMIT_HELD:
        previous = csv.field_size_limit(limit)
        try:
            yield
        finally:
            csv.field_size_limit(previous)


def read_csv(source: bytes | Path, *, strict: bool = True, numbers: Collection[str] = ()) -> Cells:
    """Read a CSV file (its bytes, or its path when not ``strict``).

    ``strict``: report every problem of its bytes, dialect and shape (see the module's text),
    as the validator does. Otherwise pandas's reading is taken as it is, as loading takes it,
    and an error of pandas is raised as a ValueError. Then the columns labelled ``numbers``
    come as pandas reads decimals (see :func:`_parse_decimals`), when all of their cells are.
    """
    if not strict:
        if numbers and (cells := _parse_decimals(source, numbers)) is not None:
            return cells
        frame = _parse(source)
        if frame is None:
            raise ValueError(f"{source} cannot be read as CSV")
        return _cells(frame)
    data = source if isinstance(source, bytes) else Path(source).read_bytes()
    problems: list[tuple[str, str, int | None]] = []
    if not data or data.isspace():  # as not data.strip(), without copying the file
        problems.append(
            ("source-error", "the file is empty: it needs at least the header row", None)
        )
        return Cells(None, None, problems)
    if data.startswith(b"\xef\xbb\xbf"):
        message = "the file starts with a byte-order mark; save it as UTF-8 without BOM"
        problems.append(("encoding-error", message, None))
        data = data[3:]
    cells = _proven(data)
    if cells is None:
        cells = _report(data)
    cells.problems[:0] = problems
    return cells


def _parse(source: bytes | Path) -> pd.DataFrame | None:
    """Every record of the file, the header first, as positional columns of strings; None when
    pandas cannot parse it.

    pandas's C reader is fastest when it infers each column's type (several times faster than
    ``dtype=str``), and the header row makes nearly every column text. A column whose every
    cell, label included, looks like a number is read again as text, so that "007" stays "007".
    """
    import pandas as pd

    frame = _pandas(source, header=None)
    if frame is not None and not all(isinstance(kind, pd.StringDtype) for kind in frame.dtypes):
        frame = _pandas(source, header=None, dtype=str)
    return frame


def _pandas(source: bytes | Path, **options) -> pd.DataFrame | None:
    """``pandas.read_csv`` of the file as UTF-8, every cell as written (no "NA" guessed, no
    blank line skipped) unless ``options`` say otherwise; None when pandas cannot parse it."""
    import warnings

    import pandas as pd

    read = {"keep_default_na": False, "skip_blank_lines": False, "encoding": "utf-8", **options}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", pd.errors.DtypeWarning)
            return pd.read_csv(io.BytesIO(source) if isinstance(source, bytes) else source, **read)
    except (ValueError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError):
        return None


def _parse_decimals(source: bytes | Path, numbers: Collection[str]) -> Cells | None:
    """The file with the columns labelled ``numbers`` read as decimals, as a bare ``read_csv``
    reads them, and every other column as text; None when that does not hold, and the file
    is then read all as text.

    Reading a column of decimals as text and typing it after takes three times as long as
    letting pandas's C reader parse it (0.19 s against 0.06 s for the coordinates of a million
    places). So the header, which would make every column text, is read apart by the csv module,
    and the data without it; only the empty cells of ``numbers`` are missing values, so the text
    columns keep their exact cells. Decimals are rounded as Python's ``float()`` rounds them
    (``float_precision="round_trip"`` before pandas 3.1), as typing their text rounds them. A
    column of ``numbers`` with any other cell ("nan", "1,5") stays text, and is typed as text.
    """
    import pandas as pd

    header = _header(source)
    if header is None:
        return None
    decimal = [at for at, label in enumerate(header) if label in numbers]
    if not decimal:
        return None
    frame = _pandas(
        source, header=None, skiprows=1, na_values={at: [""] for at in decimal}, **_round_as_float()
    )
    if frame is None or len(frame.columns) != len(header):
        return None
    for at, column in enumerate(frame.columns):
        kind = frame[column].dtype
        if not isinstance(kind, pd.StringDtype) and (at not in decimal or kind.kind not in "iuf"):
            return None  # text that looks like numbers, or "True" in a column of decimals
    frame.index = pd.RangeIndex(2, len(frame) + 2, name="row")
    return Cells(header, frame)


@cache
def _round_as_float() -> dict:
    """pandas 3.1 rounds decimals as ``float()`` does by default, and deprecates the option."""
    import pandas as pd

    major, minor = (int(part) for part in pd.__version__.split(".")[:2])
    return {} if (major, minor) >= (3, 1) else {"float_precision": "round_trip"}


def _header(source: bytes | Path) -> list[str] | None:
    """The first record of the file, by the csv module; None when it cannot be read or spans
    more than one line."""
    try:
        with field_size_limit():
            if isinstance(source, bytes):
                first = source.split(b"\n", 1)[0].decode("utf-8")
            else:
                with open(source, encoding="utf-8", newline="") as file:
                    first = file.readline()
            first = first.removeprefix("\ufeff")  # pandas drops a byte-order mark too
            records = list(csv.reader(io.StringIO(first.rstrip("\n")), strict=True))
    except (OSError, UnicodeDecodeError, csv.Error):
        return None
    return records[0] if len(records) == 1 and records[0] else None


def _cells(frame: pd.DataFrame) -> Cells:
    """The header and data rows of a frame that :func:`_parse` read."""
    import pandas as pd

    header = [str(label) for label in frame.iloc[0]] if len(frame) else None
    rows = frame.iloc[1:]
    rows.index = pd.RangeIndex(2, len(frame) + 1, name="row")
    return Cells(header, rows)


def _proven(data: bytes) -> Cells | None:
    """The file read by pandas when it provably reads as the strict csv module would and has
    nothing to report (see the module's text); else None."""
    import numpy as np

    if b"\r" in data or b"\x00" in data or data.startswith(b"\n"):
        return None
    raw = np.frombuffer(data, dtype=np.uint8)
    quotes = paired_quotes(raw)
    if quotes is None:
        return None
    frame = _parse(data)
    if frame is None or not len(frame):
        return None
    import pyarrow as pa
    import pyarrow.compute as pc

    texts = [pa.array(frame[column].array) for column in frame.columns]
    longest = max(int(pc.max(pc.binary_length(text)).as_py() or 0) for text in texts)
    if longest > MAX_FIELD_BYTES:  # bytes: never fewer than the csv module's characters
        return None
    if _commas_outside(raw, quotes) != len(frame) * (len(frame.columns) - 1):
        return None  # a short row (pandas pads it), or a blank line
    cells = _cells(frame)
    if len(_blank_rows(texts)):
        return None
    return cells


def _commas_outside(raw: np.ndarray, quotes: np.ndarray) -> int:
    """How many commas of the file separate fields: those with an even number of quotes before
    them. Found window by window, as the quotes are."""
    import numpy as np

    count = 0
    for start in range(0, len(raw), SCAN_BYTES):
        commas = np.flatnonzero(raw[start : start + SCAN_BYTES] == COMMA) + start
        count += int((np.searchsorted(quotes, commas) % 2 == 0).sum())
    return count


def _blank_rows(texts: list) -> np.ndarray:
    """The positions of the data rows (the header is row 0) whose every cell is blank; only
    rows whose first cell is blank are looked at whole."""
    import numpy as np
    import pyarrow.compute as pc

    def blank(cells) -> np.ndarray:
        trimmed = pc.utf8_trim_whitespace(cells)
        return pc.equal(pc.binary_length(trimmed), 0).to_numpy(zero_copy_only=False)

    rows = np.flatnonzero(blank(texts[0][1:])) + 1
    for cells in texts[1:]:
        if not len(rows):
            break
        rows = rows[blank(cells.take(rows))]
    return rows


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


def _report(data: bytes) -> Cells:
    """A file that fails the proof, reported by the csv module in strict mode: each problem at
    its row, and the rows it could read kept (blank rows left out, long rows cut, short rows
    padded) for the checks that follow."""
    import pandas as pd

    problems: list[tuple[str, str, int | None]] = []
    text = _decoded(data, problems)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    header: list[str] | None = None
    records: list[list[str]] = []
    try:
        with field_size_limit():
            header = next(reader, None)
            records.extend(reader)
    except csv.Error as exc:
        row = len(records) + 2 if header is not None else 1
        problems.append(("source-error", f"the CSV cannot be parsed from this row on: {exc}", row))
    if header is None:
        problems.append(("source-error", "the file has no readable header row", 1))
        return Cells(None, None, problems)
    width = len(header)
    kept_rows, kept_records = [], []
    # rows are numbered by record, as frictionless does, not by physical line
    for number, record in enumerate(records, start=2):
        if not any(cell.strip() for cell in record):
            problems.append(("blank-row", "the row is empty", number))
            continue
        if len(record) > width:
            message = f"the row has {len(record)} cells; the header has {width}"
            problems.append(("extra-cell", message, number))
            record = record[:width]
        elif len(record) < width:
            message = f"the row has {len(record)} cells; the header has {width}"
            problems.append(("missing-cell", message, number))
            record = record + [""] * (width - len(record))
        kept_rows.append(number)
        kept_records.append(record)
    columns = {position: [record[position] for record in kept_records] for position in range(width)}
    rows = pd.DataFrame(columns, index=pd.Index(kept_rows, name="row", dtype="int64"), dtype="str")
    return Cells(header, rows, problems)


def _decoded(data: bytes, problems: list) -> str:
    """The file's text, reporting NUL bytes, bytes that are not UTF-8 and CR line ends."""
    if b"\x00" in data:
        row = data[: data.index(b"\x00")].count(b"\n") + 1
        problems.append(
            ("encoding-error", "the file contains NUL bytes; a text file never does", row)
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        row = data[: exc.start].count(b"\n") + 1
        message = f"byte {data[exc.start]:#04x} at offset {exc.start} is not UTF-8"
        problems.append(("encoding-error", message, row))
        text = data.decode("utf-8", errors="replace")
    if "\r" in text:
        row = text[: text.index("\r")].count("\n") + 1
        message = "lines end with CR LF or CR; the package uses LF line ends"
        problems.append(("dialect-error", message, row))
        # the csv reader takes CR LF and CR as line ends, and keeps a CR inside a quoted cell
    return text
