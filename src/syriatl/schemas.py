"""Everything typed is derived from the Table Schemas in ``schemas/``: nothing is written twice.

- :func:`pandas_dtype` maps a Table Schema field to the dtype that :func:`syriatl.load` gives it.
- :func:`parse_frame` turns a table of strings into those dtypes, noting every cell that fails.
- :func:`pandera_schema` builds the pandera schema of a table from its Table Schema (with
  pandera's own Frictionless converter), closing its two gaps: dates become datetimes, and the
  foreign keys it ignores are checked in :mod:`syriatl.rules`.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from syriatl.package import Package, Resource

DATE_FORMAT = "%Y-%m-%d"
ISO_DAY = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
DAYS = ("1677-09-22", "2262-04-11")  # the first and last whole days datetime64[ns] holds


def code_fields(resource: Resource, package: Package) -> set[str]:
    """Fields that hold codes: an enum, or a foreign key into a code table."""
    codes = package.code_tables()
    fields = {f["name"] for f in resource.fields if f.get("constraints", {}).get("enum")}
    for key in resource.foreign_keys:
        if key["reference"].get("resource") in codes and len(key["fields"]) == 1:
            fields.add(key["fields"][0])
    return fields


def pandas_dtype(field: dict, is_code: bool = False) -> str:
    """The pandas dtype for a Table Schema field: nullable, and categorical for codes."""
    kind = field.get("type", "string")
    if kind == "integer":
        return "Int64"
    if kind == "number":
        return "Float64"
    if kind == "boolean":
        return "boolean"
    if kind == "date":
        return "datetime64[ns]"
    return "category" if is_code else "string"


def repeating_fields(resource: Resource) -> set[str]:
    """Fields whose values repeat across rows (dates, enums, codes), best read as categoricals.

    Only a hint for reading speed: :func:`parse_frame` types either form the same way.
    """
    fields = {f["name"] for f in resource.fields if f.get("type") == "date"}
    fields |= {f["name"] for f in resource.fields if f.get("constraints", {}).get("enum")}
    for key in resource.foreign_keys:
        if len(key["fields"]) == 1 and key["reference"].get("fields") in (["code"], "code"):
            fields.add(key["fields"][0])
    return fields


def parse_frame(
    raw: pd.DataFrame | dict[str, list[str]], resource: Resource, package: Package
) -> tuple[pd.DataFrame, list[tuple[int, str, str]]]:
    """Type a frame of strings (an empty string or a missing value = missing) by its Table Schema.

    A column may also come as a categorical of strings: each distinct string is then typed once.
    ``raw`` may also be a dict of lists of strings (a small table, see
    :func:`syriatl.loading.read_small`): a list of plain cells is typed in Python.
    Returns the typed frame and ``(index, column, value)`` for every non-empty cell that is not
    of its field's type; those cells become missing in the typed frame.
    """
    import numpy as np
    import pandas as pd

    lists = isinstance(raw, dict)
    index = pd.RangeIndex(len(next(iter(raw.values()), []))) if lists else raw.index
    codes = code_fields(resource, package)
    typed = {}
    failures: list[tuple[int, str, str]] = []
    for field in resource.fields:
        name = field["name"]
        if name not in raw:
            continue
        column = raw[name]
        dtype = pandas_dtype(field, name in codes)
        if isinstance(column, list):
            value = _typed_cells(column, field, dtype)
            if value is not None:
                typed[name] = value
                continue
            column = pd.Series(column, index=index, dtype="str")
        if dtype == "category":  # any string is a code: nothing fails
            value, bad = _category(column), None
        elif not isinstance(column.dtype, pd.CategoricalDtype):
            value, bad = parse_column(_as_string(column), field, dtype)
        else:  # each category is typed once; code -1, a missing cell, stays missing
            positions = column.cat.codes.to_numpy()
            distinct = pd.Series(column.cat.categories.astype(str), dtype="string")
            value, bad = parse_column(distinct, field, dtype)
            if dtype.startswith("datetime64"):  # numpy takes in one pass; pandas masks
                array = np.append(value.to_numpy(), np.datetime64("NaT"))[positions]
            else:
                array = value.array.take(positions, allow_fill=True)
            value = pd.Series(array, index=index, name=name)
            bad = np.append(bad, False)[positions] if bad is not None and bad.any() else None
        if bad is not None and bad.any():
            failures.extend((row, name, str(column[row])) for row in index[bad])
        typed[name] = value.array  # arrays, not Series: the frame need not align their indexes
    frame = pd.DataFrame(typed, index=index, copy=False)
    return frame, failures


def _typed_cells(cells: list[str], field: dict, dtype: str):
    """A small column's cells typed in Python when every one is plain: any string or code, an
    ISO day that datetime64[ns] holds, the digits of a 64-bit integer, a plain decimal. The
    values are those :func:`parse_column` gives (tested), without a pandas column of text to
    build first. None otherwise: that path types them and finds the failures.
    """
    import re

    import numpy as np
    import pandas as pd

    kind = field.get("type", "string")
    if dtype == "category":
        first: dict[str, int] = {}  # each distinct cell, and its position among them
        codes = np.array([first.setdefault(cell, len(first)) for cell in cells], dtype=np.int64)
        return _sorted_categorical(np.array(list(first), dtype=object), codes)
    if dtype == "string":
        return _strings([cell or None for cell in cells])
    plain = {"integer": INTEGER, "number": DECIMAL, "date": ISO_DAY}.get(kind)
    if plain is None or not all(re.fullmatch(plain, cell) for cell in cells if cell):
        return None
    absent = np.array([not cell for cell in cells], dtype=bool)
    if kind == "date":
        try:
            days = np.array([cell or "NaT" for cell in cells], dtype="datetime64[D]")
        except ValueError:  # not a calendar day
            return None
        first, last = np.datetime64(DAYS[0]), np.datetime64(DAYS[1])
        if not (absent | ((days >= first) & (days <= last))).all():
            return None
        return days.astype(dtype)
    if kind == "number":
        return pd.arrays.FloatingArray(np.array([float(c or 0) for c in cells]), absent)
    numbers = [int(cell or 0) for cell in cells]
    if not all(number in INT64 for number in numbers):
        return None
    return pd.arrays.IntegerArray(np.array(numbers, dtype=np.int64), absent)


def _as_string(column: pd.Series) -> pd.Series:
    """``column.astype("string")``; pyarrow strings are wrapped as they are, several times
    faster than pandas's conversion."""
    import pandas as pd

    from syriatl.grouping import arrow_backed

    if not arrow_backed(column) or isinstance(column.dtype, pd.CategoricalDtype):
        return column.astype("string")
    import pyarrow as pa

    strings = pd.arrays.ArrowStringArray(pa.array(column.array))
    return pd.Series(strings, index=column.index, name=column.name)


def _category(column: pd.Series) -> pd.Series:
    """A code column as a categorical of its non-empty strings, sorted as ``astype("category")``
    sorts them. Only the distinct strings are sorted; each row's code is then looked up in one
    array operation."""
    import numpy as np
    import pandas as pd

    from syriatl.grouping import distinct_codes

    if isinstance(column.dtype, pd.CategoricalDtype):
        names = np.asarray(column.cat.categories.astype(str), dtype=object)
        codes = column.cat.codes.to_numpy()
    else:
        names, codes = distinct_codes(_as_string(column))
    return pd.Series(_sorted_categorical(names, codes), index=column.index, name=column.name)


def _sorted_categorical(names: np.ndarray, codes: np.ndarray) -> pd.Categorical:
    """Rows given as ``codes`` into the distinct strings ``names`` (-1: missing), as a
    categorical of the non-empty ones sorted as ``astype("category")`` sorts them."""
    import numpy as np
    import pandas as pd

    kept = np.flatnonzero(names != "")
    order = kept[np.argsort(names[kept], kind="stable")]
    width = next(w for w in (np.int8, np.int16, np.int32, np.int64) if len(order) < np.iinfo(w).max)
    recode = np.full(len(names) + 1, -1, dtype=width)  # the last entry serves code -1, missing
    recode[order] = np.arange(len(order))
    dtype = pd.CategoricalDtype(pd.Index(names[order], dtype="string"))
    return pd.Categorical.from_codes(recode[codes], dtype=dtype, validate=False)


def _strings(cells: list[str | None]):
    """pandas's "string" array of ``cells`` (None is missing); made straight from pyarrow when
    pyarrow is pandas's storage for strings, eight times faster than ``pd.array``."""
    import pandas as pd

    if pd.StringDtype().storage != "pyarrow":
        return pd.array(cells, dtype="string")
    import pyarrow as pa

    return pd.arrays.ArrowStringArray(pa.array(cells, type=pa.large_string()))


def parse_column(text: pd.Series, field: dict, dtype: str) -> tuple[pd.Series, np.ndarray | None]:
    """Type one column of strings; returns the values and which present cells failed, as a bool
    array (or None when none can fail)."""
    import pandas as pd

    present = _present(text)
    kind = field.get("type", "string")
    if kind == "date":
        value = _iso_dates(text, present)
        if value is None:
            # a strict ISO format: "27/11/2024" and "2024-02-30" fail instead of being guessed
            value = pd.to_datetime(text.where(present), format=DATE_FORMAT, errors="coerce")
            # and so does a day that datetime64[ns] cannot hold: before 1677-09-22, after 2262
            value = value.where(value.between(*DAYS)).astype(dtype)
    elif kind in ("integer", "number"):
        # only the cells that hold something are parsed: most counts are empty
        integer = kind == "integer"
        cells = text[present]
        numbers = _plain_numbers(cells, INTEGER if integer else DECIMAL)
        missing = None
        if numbers is None and integer:
            numbers, missing = _exact_integers(cells)
        elif numbers is None:
            parsed = pd.to_numeric(cells.str.strip(), errors="coerce")
            missing = parsed.isna().to_numpy()
            numbers = parsed.fillna(0).to_numpy(dtype="float64")
        value = _scatter(numbers, missing, present, text.index)
    elif kind == "boolean":
        mapping = {"true": True, "false": False, "True": True, "False": False}
        value = text.map(mapping).astype(dtype)
    else:  # every present string is a string: nothing fails
        value = blank_to_missing(text, present)
        target = pd.api.types.pandas_dtype(dtype)  # "string": in pandas's default storage
        return (value if value.dtype == target else value.astype(target)), None
    return value, present & value.isna().to_numpy()


INTEGER = r"[+-]?[0-9]+"
INT64 = range(-(2**63), 2**63)  # the integers an Int64 column holds
DECIMAL = r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)"


def _present(text: pd.Series) -> np.ndarray:
    """Which cells hold something (not missing, not empty), as a bool array; for pyarrow
    strings, read from the offsets."""
    from syriatl.grouping import arrow_backed, filled

    if arrow_backed(text):
        return filled(text)
    return (text.notna() & (text != "")).to_numpy(dtype=bool)


def _iso_dates(text: pd.Series, present: np.ndarray) -> pd.Series | None:
    """pyarrow strings parsed as dates by pyarrow, which takes only a real date written
    YYYY-MM-DD, as the strict format does; None when any cell is anything else or a day that
    datetime64[ns] cannot hold, and pandas then finds which."""
    from syriatl.grouping import arrow_backed

    if not arrow_backed(text):
        return None
    import pandas as pd
    import pyarrow as pa

    try:
        dates = pa.array(blank_to_missing(text, present).array).cast(pa.date32())
        nanoseconds = dates.cast(pa.timestamp("ns")).to_numpy(zero_copy_only=False)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    return pd.Series(nanoseconds, index=text.index, name=text.name)


def _plain_numbers(cells: pd.Series, pattern: str) -> np.ndarray | None:
    """``cells`` parsed by pyarrow when every one is a plain decimal (``pattern``: no spaces,
    no exponent), else None and pandas parses them. pyarrow rounds as Python's ``float()``
    does; an integer too big for 64 bits also gives None."""
    from syriatl.grouping import arrow_backed

    if not arrow_backed(cells):
        return None
    import pyarrow as pa
    import pyarrow.compute as pc

    strings = pa.array(cells.array)
    if pc.all(pc.match_substring_regex(strings, f"^(?:{pattern})$")).as_py() is False:
        return None
    kind = pa.int64() if pattern == INTEGER else pa.float64()
    try:
        numbers = pc.cast(strings, kind)
    except pa.ArrowInvalid:
        return None
    return numbers.to_numpy(zero_copy_only=False)


def _exact_integers(cells: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Cells of digits (a sign and spaces around allowed, as frictionless reads integers: not
    "1.0" nor "1e3") as int64, read exactly by Python's ``int``; the others are missing, and so
    is an integer beyond 64 bits. Taken only when pyarrow refuses a cell, so the loop is rare."""
    import re

    import numpy as np

    digits = re.compile(INTEGER).fullmatch
    numbers = np.zeros(len(cells), dtype=np.int64)
    missing = np.ones(len(cells), dtype=bool)
    for row, cell in enumerate(cells.str.strip().tolist()):
        if digits(cell) and (number := int(cell)) in INT64:
            numbers[row], missing[row] = number, False
    return numbers, missing


def _scatter(
    numbers: np.ndarray, missing: np.ndarray | None, present: np.ndarray, index: pd.Index
) -> pd.Series:
    """A nullable Int64 (from int64 ``numbers``) or Float64 column: ``numbers`` where
    ``present`` is true and they are not ``missing``; missing elsewhere."""
    import numpy as np
    import pandas as pd

    integer = numbers.dtype.kind in "iu"
    values = np.zeros(len(present), dtype="int64" if integer else "float64")
    values[present] = numbers
    unset = ~present
    if missing is not None:
        unset[present] = missing
    array = pd.arrays.IntegerArray if integer else pd.arrays.FloatingArray
    return pd.Series(array(values, unset), index=index)


def blank_to_missing(text: pd.Series, present: np.ndarray) -> pd.Series:
    """``text.where(present)``. For pyarrow strings, only the validity bitmap is rebuilt: the
    strings are not copied, where pandas's masked assignment copies every one of them."""
    import numpy as np
    import pandas as pd

    from syriatl.grouping import arrow_backed

    if bool(present.all()):
        return text
    if not arrow_backed(text):
        return text.where(present)
    import pyarrow as pa

    strings = pa.array(text.array)
    chunks, start = [], 0
    for chunk in getattr(strings, "chunks", [strings]):
        bits = np.zeros(chunk.offset + len(chunk), dtype=bool)
        bits[chunk.offset :] = present[start : start + len(chunk)]
        if chunk.null_count:
            bits[chunk.offset :] &= chunk.is_valid().to_numpy(zero_copy_only=False)
        bitmap = pa.py_buffer(np.packbits(bits, bitorder="little"))
        buffers = [bitmap, *chunk.buffers()[1:]]
        chunks.append(pa.Array.from_buffers(chunk.type, len(chunk), buffers, offset=chunk.offset))
        start += len(chunk)
    values = pa.chunked_array(chunks, type=strings.type)
    return pd.Series(pd.arrays.ArrowStringArray(values), index=text.index, name=text.name)


# Pandera's check names, mapped back to the Table Schema constraint they come from.
CONSTRAINT_OF_CHECK = {
    "not_nullable": "required",
    "field_uniqueness": "unique",
    "multiple_fields_uniqueness": "unique",
    "str_matches": "pattern",
    "isin": "enum",
    "in_range": "minimum/maximum",
    "greater_than_or_equal_to": "minimum",
    "less_than_or_equal_to": "maximum",
    "str_length": "minLength/maxLength",
}


def pandera_schema(resource: Resource, package: Package):
    """The pandera DataFrameSchema of a table, derived from its Table Schema.

    The converter gives every field its type and constraints; its dtypes are replaced by those
    of :func:`pandas_dtype`, so the schema checks exactly the frame that :func:`parse_frame`
    (and so :func:`syriatl.load`) produces. Types are already parsed, so nothing is coerced.
    """
    from pandera.io.pandas_io import from_frictionless_schema

    schema = from_frictionless_schema(
        {"fields": resource.fields, "primaryKey": resource.primary_key}
    )
    codes = code_fields(resource, package)
    schema = schema.update_columns(
        {
            field["name"]: {"dtype": pandas_dtype(field, field["name"] in codes), "coerce": False}
            for field in resource.fields
        }
    )
    schema.coerce = False
    return schema


# Table Schema constraints that :func:`constraints_hold` checks; any other sends the table to
# pandera.
CHECKED_CONSTRAINTS = {
    "required",
    "unique",
    "pattern",
    "minLength",
    "maxLength",
    "minimum",
    "maximum",
    "enum",
}


def constraints_hold(typed: pd.DataFrame, resource: Resource, package: Package) -> bool:
    """Whether every cell of the typed frame meets its Table Schema constraints, fast.

    A vectorised certificate that the pandera schema of :func:`pandera_schema` would pass: the
    same dtypes, required and primary-key fields filled, unique fields and keys without
    repeats, and patterns, lengths, bounds and enums as pandera checks them (missing values
    ignored). False means "maybe not": the caller then runs pandera, which says exactly what
    fails and where. So a valid table costs milliseconds, and reports come from pandera alone.
    """
    import re

    from syriatl.grouping import arrow_backed, is_sorted

    codes = code_fields(resource, package)
    key = resource.primary_key
    for field in resource.fields:
        name = field["name"]
        if name not in typed.columns:
            continue
        column = typed[name]
        if str(column.dtype) != pandas_dtype(field, name in codes):
            return False
        constraints = field.get("constraints") or {}
        if set(constraints) - CHECKED_CONSTRAINTS:
            return False
        if (constraints.get("required") or name in key) and column.isna().any():
            return False
        # rows sorted by a strictly rising key have no repeats: one pass, no hashing
        unique = constraints.get("unique") or key == [name]
        if unique and not is_sorted(typed, [name], strictly=True) and column.duplicated().any():
            return False
        if not set(constraints) - {"required", "unique"}:
            continue
        values = column.dropna()
        if "enum" in constraints and not values.isin(constraints["enum"]).all():
            return False
        if "minimum" in constraints and (values < constraints["minimum"]).any():
            return False
        if "maximum" in constraints and (values > constraints["maximum"]).any():
            return False
        if arrow_backed(values):  # pyarrow checks patterns and lengths in C
            if not _text_holds(values, constraints):
                return False
        elif "pattern" in constraints or "minLength" in constraints or "maxLength" in constraints:
            distinct = set(values.tolist())  # each distinct string is checked once
            if "pattern" in constraints:
                match = re.compile(rf"^{constraints['pattern']}$").match
                if not all(map(match, distinct)):
                    return False
            lengths = list(map(len, distinct))
            if lengths and (
                min(lengths) < constraints.get("minLength", 0)
                or max(lengths) > constraints.get("maxLength", max(lengths))
            ):
                return False
    if len(key) < 2 or not set(key) <= set(typed.columns):
        return True
    return is_sorted(typed, key, strictly=True) or not typed.duplicated(subset=key).any()


def _text_holds(values: pd.Series, constraints: dict) -> bool:
    """Pattern and length constraints of pyarrow strings, checked by pyarrow in C: RE2 is what
    pandas (and so pandera) matches these strings with. A pattern RE2 cannot compile gives
    False, and pandera decides."""
    if "pattern" in constraints:
        try:
            if not bool(values.str.fullmatch(constraints["pattern"]).all()):
                return False
        except Exception:
            return False
    if ("minLength" in constraints or "maxLength" in constraints) and len(values):
        import pyarrow as pa
        import pyarrow.compute as pc

        strings = pa.array(values.array)
        low, high = constraints.get("minLength", 0), constraints.get("maxLength", math.inf)
        # a string of b bytes has between b/4 and b characters: byte lengths, read from the
        # offsets without a scan of the text, settle most columns
        size = pc.min_max(pc.binary_length(strings)).as_py()
        if size["min"] >= 4 * low and size["max"] <= high:
            return True
        size = pc.min_max(pc.utf8_length(strings)).as_py()
        if size["min"] < low or size["max"] > high:
            return False
    return True
