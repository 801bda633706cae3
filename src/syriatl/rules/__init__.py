"""The rules that cross rows and tables, each a short function over the typed tables whose
docstring is its documentation, grouped as users think of them:

- :mod:`~syriatl.rules.keys`: keys and references, duplicates, unused rows, cells;
- :mod:`~syriatl.rules.dates`: dates and time;
- :mod:`~syriatl.rules.places`: places and coordinates;
- :mod:`~syriatl.rules.sources`: sources and claims;
- :mod:`~syriatl.rules.control`: control of territory.

Importing this package registers every rule in :data:`RULES`, in that order; the validator runs
them with :func:`run_checks` and the documentation's codebook lists them.
"""

from __future__ import annotations

from syriatl.rules import control, dates, keys, places, sources  # noqa: F401  (registers)
from syriatl.rules.registry import RULES, Rule, problems_at, rule, run_checks, starts_with

__all__ = ["RULES", "Rule", "problems_at", "rule", "run_checks", "starts_with"]
