"""The tables as polars DataFrames, typed from the same Table Schemas, without pandas.

``syriatl.load(name, backend="polars")`` reads a CSV with polars's own reader, every cell as
text, then casts each column as its field says: integers to nullable ``Int64``, numbers to
``Float64``, dates to ``Date``, codes to ``Categorical`` and the rest to ``String``. A cell that
does not cast raises, as ``load()`` does with pandas: run ``syriatl validate`` for every
problem at once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from syriatl.schemas import DATE_FORMAT, code_fields

if TYPE_CHECKING:
    import polars as pl

    from syriatl.package import Package


def polars_dtype(field: dict, is_code: bool):
    """The polars dtype of a Table Schema field (the counterpart of ``pandas_dtype``)."""
    import polars as pl

    kind = field.get("type", "string")
    if kind == "integer":
        return pl.Int64
    if kind == "number":
        return pl.Float64
    if kind == "date":
        return pl.Date
    return pl.Categorical if is_code else pl.String


def load_polars(package: Package, name: str) -> pl.DataFrame:
    """One table of ``package`` as a typed polars DataFrame."""
    try:
        import polars as pl
    except ImportError:
        raise ImportError(
            "the polars backend needs polars: pip install 'syriatl[polars]'"
        ) from None
    resource = package.resources[name]
    names = resource.field_names
    text = pl.read_csv(
        resource.path,
        schema={column: pl.String for column in names},
        has_header=True,
        encoding="utf8",
    )
    codes = code_fields(resource, package)
    columns = []
    for field in resource.fields:
        column = pl.col(field["name"])
        dtype = polars_dtype(field, field["name"] in codes)
        if dtype == pl.Date:
            columns.append(column.str.to_date(DATE_FORMAT, strict=True))
        else:
            columns.append(column.cast(dtype, strict=True))
    return text.select(columns)
