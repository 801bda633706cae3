"""Everything typed is derived from the Table Schemas in ``schemas/``: nothing is written twice.

- :func:`pandas_dtype` maps a Table Schema field to the dtype that :func:`syriatl.load` gives it.
- :func:`parse_frame` turns a table of strings into those dtypes, noting every cell that fails.
- :func:`pandera_schema` builds the pandera schema of a table from its Table Schema (with
  pandera's own Frictionless converter), closing its two gaps: dates become datetimes, and the
  foreign keys it ignores are checked in :mod:`syriatl.checks`.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

    from syriatl.package import Package, Resource

DATE_FORMAT = "%Y-%m-%d"


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
    raw: pd.DataFrame, resource: Resource, package: Package
) -> tuple[pd.DataFrame, list[tuple[int, str, str]]]:
    """Type a frame of strings (an empty string or a missing value = missing) by its Table Schema.

    A column may also come as a categorical of strings: each distinct string is then typed once.
    Returns the typed frame and ``(index, column, value)`` for every non-empty cell that is not
    of its field's type; those cells become missing in the typed frame.
    """
    import numpy as np
    import pandas as pd

    codes = code_fields(resource, package)
    typed = {}
    failures: list[tuple[int, str, str]] = []
    for field in resource.fields:
        name = field["name"]
        if name not in raw.columns:
            continue
        column = raw[name]
        dtype = pandas_dtype(field, name in codes)
        if not isinstance(column.dtype, pd.CategoricalDtype):
            value, bad = parse_column(column.astype("string"), field, dtype)
        else:  # each category is typed once; code -1, a missing cell, stays missing
            positions = column.cat.codes.to_numpy()
            distinct = pd.Series(column.cat.categories.astype(str), dtype="string")
            value, bad = parse_column(distinct, field, dtype)
            if dtype == "category":
                taken = np.append(value.cat.codes.to_numpy(), -1)[positions]
                array = pd.Categorical.from_codes(taken, dtype=value.dtype)
            else:
                array = value.array.take(positions, allow_fill=True)
            value = pd.Series(array, index=raw.index, name=name)
            if bad is not None and bad.any():
                bad = np.append(bad.to_numpy(dtype=bool), False)[positions]
            else:
                bad = None
        if bad is not None and bad.any():
            failures.extend(
                (index, name, str(column[index])) for index in raw.index[np.asarray(bad)]
            )
        typed[name] = value
    frame = pd.DataFrame(typed, index=raw.index)
    return frame, failures


def parse_column(text: pd.Series, field: dict, dtype: str) -> tuple[pd.Series, pd.Series | None]:
    """Type one column of strings; returns the values and which present cells failed (or None
    when none can fail)."""
    import pandas as pd

    present = _present(text)
    kind = field.get("type", "string")
    if kind == "date":
        # a strict ISO format: "27/11/2024" and "2024-02-30" fail instead of being guessed
        value = pd.to_datetime(text.where(present), format=DATE_FORMAT, errors="coerce")
        value = value.astype(dtype)
    elif kind == "integer":
        # digits only, as frictionless reads integers: "1.0" and "1e3" are not integers
        # only the cells that hold something are parsed: most counts are empty
        cells = text[present]
        parsed = _plain_numbers(cells, INTEGER)
        if parsed is None:
            digits = cells.str.strip().str.fullmatch(INTEGER).fillna(False).astype(bool)
            parsed = pd.to_numeric(cells.where(digits), errors="coerce")
        value = _scatter(parsed, present, dtype)
    elif kind == "number":
        cells = text[present]
        parsed = _plain_numbers(cells, DECIMAL)
        if parsed is None:
            parsed = pd.to_numeric(cells.str.strip(), errors="coerce")
        value = _scatter(parsed, present, dtype)
    elif kind == "boolean":
        mapping = {"true": True, "false": False, "True": True, "False": False}
        value = text.map(mapping).astype(dtype)
    else:  # every present string is a string: nothing fails
        return blank_to_missing(text, present).astype(dtype), None
    return value, present & value.isna()


INTEGER = r"[+-]?[0-9]+"
DECIMAL = r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)"


def _present(text: pd.Series) -> pd.Series:
    """Which cells hold something: not missing and not empty (for pyarrow strings, read from
    the offsets)."""
    import pandas as pd

    from syriatl.grouping import arrow_backed

    if not arrow_backed(text):
        return text.notna() & (text != "")
    import pyarrow as pa
    import pyarrow.compute as pc

    filled = pc.greater(pc.binary_length(pa.array(text.array)), 0)
    return pd.Series(pc.fill_null(filled, False).to_numpy(zero_copy_only=False), index=text.index)


def _plain_numbers(cells: pd.Series, pattern: str) -> pd.Series | None:
    """``cells`` parsed by pyarrow when every one is a plain decimal (``pattern``: no spaces,
    no exponent), else None and pandas parses them. pyarrow rounds as Python's ``float()``
    does; an integer too big for 64 bits also gives None."""
    import pandas as pd

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
    return pd.Series(numbers.to_numpy(zero_copy_only=False), index=cells.index)


def _scatter(parsed: pd.Series, present: pd.Series, dtype: str) -> pd.Series:
    """A nullable Int64 or Float64 column: ``parsed`` where ``present`` is true, else missing."""
    import numpy as np
    import pandas as pd

    where = present.to_numpy(dtype=bool)
    if dtype == "Int64":
        kind, array = "int64", pd.arrays.IntegerArray
    else:
        kind, array = "float64", pd.arrays.FloatingArray
    values = np.zeros(len(where), dtype=kind)
    values[where] = parsed.fillna(0).to_numpy(dtype=kind)
    missing = ~where
    missing[where] = parsed.isna().to_numpy()
    return pd.Series(array(values, missing), index=present.index)


def blank_to_missing(text: pd.Series, present: pd.Series) -> pd.Series:
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

    keep = present.to_numpy(dtype=bool)
    strings = pa.array(text.array)
    chunks, start = [], 0
    for chunk in getattr(strings, "chunks", [strings]):
        bits = np.zeros(chunk.offset + len(chunk), dtype=bool)
        bits[chunk.offset :] = keep[start : start + len(chunk)]
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
