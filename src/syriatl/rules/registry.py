"""How rules are registered and run: a rule is a function over the typed tables, registered
with :func:`rule` under the name reports use; the first paragraph of its docstring is the
statement that the documentation lists. A rule runs only when the tables and columns it reads
were loaded; what is missing has been reported already."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from syriatl.grouping import Tables
from syriatl.report import Problem

if TYPE_CHECKING:
    from syriatl.package import Package


@dataclass(frozen=True)
class Rule:
    name: str
    statement: str
    needs: dict[str, tuple[str, ...]]
    run: Callable[[Tables, Package], Iterator[Problem]]


RULES: list[Rule] = []


def rule(name: str, **needs: tuple[str, ...]):
    """Register a rule under ``name``; it reads the given tables and columns. The first
    paragraph of the function's docstring is the rule's statement.
    """

    def register(function):
        statement = " ".join((function.__doc__ or "").strip().split("\n\n")[0].split())
        if not statement:
            raise ValueError(f"rule {name} needs a docstring that states it")
        RULES.append(Rule(name, statement, needs, function))
        return function

    return register


def run_checks(tables: dict, package: Package) -> list[Problem]:
    """Run every rule whose tables and columns are present."""
    tables = tables if isinstance(tables, Tables) else Tables(tables)
    problems: list[Problem] = []
    for each in RULES:
        if all(
            table in tables and set(columns) <= set(tables[table].columns)
            for table, columns in each.needs.items()
        ):
            try:
                problems.extend(each.run(tables, package))
            except Exception as exc:  # a rule that breaks on odd data is reported, not raised
                problems.append(
                    Problem(
                        rule="internal-error", message=f"rule {each.name} could not run: {exc!r}"
                    )
                )
    return problems


def problems_at(
    table: str, mask, column: str, name: str, message: Callable, frame
) -> Iterator[Problem]:
    """One problem per row where ``mask`` (a boolean Series or array) is true; ``message``
    gets the row.

    Only those rows are taken from ``frame``: a valid table costs no copy of its columns.
    """
    import numpy as np

    if hasattr(mask, "fillna"):
        mask = mask.fillna(False).to_numpy(dtype=bool)
    rows = np.flatnonzero(mask)
    if not len(rows):
        return
    for index, row in frame.iloc[rows].iterrows():
        yield Problem(table=table, row=int(index), column=column, rule=name, message=message(row))


def starts_with(values, prefixes: tuple[str, ...]):
    """A boolean array: which strings start with one of the one-character ``prefixes``.

    A categorical's categories are tested once each; pyarrow strings by their first bytes.
    """
    import numpy as np
    import pandas as pd

    from syriatl.grouping import arrow_backed

    if isinstance(values.dtype, pd.CategoricalDtype):
        categories = pd.Series(values.cat.categories.astype(str))
        found = np.append(starts_with(categories, prefixes), False)
        return found[values.cat.codes.to_numpy()]  # code -1, a missing value, is False
    if arrow_backed(values) and all(len(p.encode("utf-8")) == 1 for p in prefixes):
        from syriatl.grouping import first_bytes

        return np.isin(first_bytes(values), [ord(p) for p in prefixes])
    first = values.to_numpy(dtype=object, na_value="").astype("U1")
    return np.isin(first, list(prefixes))
