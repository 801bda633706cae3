"""Everything typed is derived from the Table Schemas in ``schemas/``: nothing is written twice.

- :func:`pandas_dtype` maps a Table Schema field to the dtype that :func:`syriatl.load` gives it.
- :func:`parse_frame` turns a table of strings into those dtypes, noting every cell that fails.
- :func:`constraints` gives each Table Schema constraint of a table as one vectorised function;
  the validator runs them (:func:`failing_columns`), and :func:`pandera_schema` hands the same
  functions to pandera as its checks, for the report of every failing cell. Foreign keys are
  checked in :mod:`syriatl.rules`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from syriatl.package import Package, Resource

DATE_FORMAT = "%Y-%m-%d"
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


def parse_frame(
    raw: pd.DataFrame, resource: Resource, package: Package
) -> tuple[pd.DataFrame, list[tuple[int, str, str]]]:
    """Type a frame of strings (an empty string or a missing value = missing) by its Table Schema.

    A column may also come as a categorical of strings: each distinct string is then typed once;
    and a number field's column as float64, decimals that the reader parsed. Returns the typed
    frame and ``(index, column, value)`` for every non-empty cell that is not of its field's
    type; those cells become missing in the typed frame.
    """
    import numpy as np
    import pandas as pd

    index = raw.index
    codes = code_fields(resource, package)
    typed = {}
    failures: list[tuple[int, str, str]] = []
    for field in resource.fields:
        name = field["name"]
        if name not in raw:
            continue
        column = raw[name]
        dtype = pandas_dtype(field, name in codes)
        if dtype == "category":  # any string is a code: nothing fails
            value, bad = _category(column), None
        elif dtype == "Float64" and column.dtype.kind in "iuf":  # the reader parsed decimals
            value, bad = _decimals(column), None
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


def _decimals(column: pd.Series) -> pd.Series:
    """A column of numbers as read by pandas, as Float64: missing where it is NaN (an empty
    cell: a cell "NaN" leaves the column text)."""
    import numpy as np
    import pandas as pd

    values = column.to_numpy(dtype="float64")
    return pd.Series(pd.arrays.FloatingArray(values, np.isnan(values)), index=column.index)


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


# Each Table Schema constraint is written once, below: the vectorised function that says which
# values meet it. The validator's fast path (:func:`failing_columns`) calls these functions on
# each column, and :func:`pandera_schema` hands the very same functions to pandera as its
# Checks, so pandera reports exactly the values that they reject, and nothing else can differ.


def _filled(values: pd.Series) -> pd.Series:
    """required (and a primary key's field): a value in every row."""
    return values.notna()


def _distinct(values: pd.Series) -> pd.Series:
    """unique (and a one-field primary key): no value twice. Rows sorted by a strictly rising
    value have no repeats: one pass, no hashing."""
    import pandas as pd

    from syriatl.grouping import is_sorted

    if is_sorted(pd.DataFrame({"value": values}), ["value"], strictly=True):
        return pd.Series(True, index=values.index)
    return ~values.duplicated(keep=False)


def _distinct_rows(frame: pd.DataFrame, columns: list[str]) -> pd.Series:
    """A primary key of several fields: no two rows alike in all of them."""
    import pandas as pd

    from syriatl.grouping import is_sorted

    if is_sorted(frame, columns, strictly=True):
        return pd.Series(True, index=frame.index)
    return ~frame.duplicated(subset=columns, keep=False)


def _matches(values: pd.Series, pattern: str) -> pd.Series:
    """pattern: the whole value matches the regular expression (pyarrow strings are matched by
    pyarrow, with RE2, in C)."""
    return values.str.fullmatch(pattern).fillna(False).astype(bool)


def _one_of(values: pd.Series, allowed: list) -> pd.Series:
    """enum: the value is one of the listed ones."""
    return values.isin(allowed)


def _within(values: pd.Series, low=None, high=None) -> pd.Series:
    """minimum and maximum, both inclusive."""
    import pandas as pd

    inside = pd.Series(True, index=values.index)
    if low is not None:
        inside &= values >= low
    if high is not None:
        inside &= values <= high
    return inside.fillna(False).astype(bool)


def _length_within(values: pd.Series, low=None, high=None) -> pd.Series:
    """minLength and maxLength, in characters, both inclusive."""
    return _within(values.astype("string").str.len(), low, high)


@dataclass(frozen=True)
class Constraint:
    """One constraint of a table, ready to run: pandera's name for it, the text pandera shows,
    the column it holds for ("" for the whole row), and its function (values -> which meet it).
    ``ignore_na``: missing values are dropped before the function sees them, as pandera drops
    them."""

    name: str
    error: str
    column: str
    function: Callable
    ignore_na: bool = True

    def holds(self, frame: pd.DataFrame) -> bool:
        """Whether every row of ``frame`` meets the constraint, as pandera would decide."""
        values = frame[self.column] if self.column else frame
        if self.ignore_na and self.column and values.hasnans:
            values = values.dropna()
        return bool(self.function(values).all())


def constraints(resource: Resource) -> list[Constraint]:
    """Every constraint of a table's Table Schema, field by field, then its primary key."""
    from functools import partial

    key = resource.primary_key
    found = []
    for field in resource.fields:
        name, rules = field["name"], field.get("constraints") or {}

        def add(check: str, error: str, function: Callable, ignore_na: bool = True) -> None:
            found.append(Constraint(check, error, name, function, ignore_na))  # noqa: B023

        if rules.get("required") or name in key:
            add("not_nullable", "not_nullable", _filled, ignore_na=False)
        if rules.get("unique") or key == [name]:
            add("field_uniqueness", "field_uniqueness", _distinct)
        low, high = rules.get("minimum"), rules.get("maximum")
        if low is not None and high is not None:
            add("in_range", f"in_range({low}, {high})", partial(_within, low=low, high=high))
        elif low is not None:
            add(
                "greater_than_or_equal_to",
                f"greater_than_or_equal_to({low})",
                partial(_within, low=low),
            )
        elif high is not None:
            add(
                "less_than_or_equal_to",
                f"less_than_or_equal_to({high})",
                partial(_within, high=high),
            )
        shortest, longest = rules.get("minLength"), rules.get("maxLength")
        if shortest is not None or longest is not None:
            error = f"str_length({shortest}, {longest})"
            add("str_length", error, partial(_length_within, low=shortest, high=longest))
        if "pattern" in rules:
            pattern = rules["pattern"]
            add("str_matches", f"str_matches('^{pattern}$')", partial(_matches, pattern=pattern))
        if rules.get("enum"):
            add("isin", f"isin({rules['enum']})", partial(_one_of, allowed=rules["enum"]))
    if len(key) > 1:
        error = f"multiple_fields_uniqueness({key})"
        function = partial(_distinct_rows, columns=list(key))
        found.append(Constraint("multiple_fields_uniqueness", error, "", function))
    return found


def failing_columns(typed: pd.DataFrame, resource: Resource, package: Package) -> set[str]:
    """The columns of the typed frame that are not of their field's dtype or break one of its
    constraints ("" stands for a primary key of several fields), found by running each
    :class:`Constraint` once. Empty means pandera would find nothing; a constraint that cannot
    run on a column (an odd value, a pattern RE2 cannot compile) marks the column, and pandera
    then says what fails."""
    codes = code_fields(resource, package)
    failing = set()
    for field in resource.fields:
        name = field["name"]
        if name in typed.columns and str(typed[name].dtype) != pandas_dtype(field, name in codes):
            failing.add(name)
    for constraint in constraints(resource):
        if constraint.column in failing:
            continue
        needed = [constraint.column] if constraint.column else resource.primary_key
        if not set(needed) <= set(typed.columns) or not len(typed):
            continue
        try:
            if not constraint.holds(typed):
                failing.add(constraint.column)
        except Exception:  # odd data: pandera reports it
            failing.add(constraint.column)
    return failing


def pandera_schema(resource: Resource, package: Package, columns: set[str] | None = None):
    """The pandera DataFrameSchema of a table, derived from its Table Schema: each field with
    the dtype of :func:`pandas_dtype` (the frame that :func:`parse_frame`, and so
    :func:`syriatl.load`, produces; nothing is coerced) and its :func:`constraints` as pandera
    Checks. Only ``columns`` when given ("" for the primary key of several fields).
    """
    from pandera.api.checks import Check
    from pandera.api.pandas.components import Column
    from pandera.api.pandas.container import DataFrameSchema

    codes = code_fields(resource, package)

    def check(constraint: Constraint) -> Check:
        # named by its error text, never by a bare built-in name: pandera before 0.3x runs the
        # built-in of that name in place of the function given (without its arguments)
        return Check(
            constraint.function,
            name=constraint.error,
            error=constraint.error,
            ignore_na=constraint.ignore_na,
        )

    rules = constraints(resource)
    fields = {
        field["name"]: Column(
            pandas_dtype(field, field["name"] in codes),
            checks=[check(c) for c in rules if c.column == field["name"]],
            nullable=True,  # required is the not_nullable Check, as written above
            title=field.get("title"),
            description=field.get("description"),
            name=field["name"],
        )
        for field in resource.fields
        if columns is None or field["name"] in columns
    }
    whole = [check(c) for c in rules if not c.column and (columns is None or "" in columns)]
    return DataFrameSchema(fields, checks=whole, strict=columns is None, coerce=False)
