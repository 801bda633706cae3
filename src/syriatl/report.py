"""A validation report: every problem found, each with its table, file, row, column and rule."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict, dataclass, field


@dataclass(frozen=True, order=True)
class Problem:
    """One broken rule at one place.

    ``row`` counts as frictionless does: the header is row 1, the first data row is row 2.
    ``rule`` uses frictionless's error names where frictionless has the rule (type-error,
    constraint-error, primary-key, foreign-key, missing-label, ...) and syriatl's own names for
    the rules that cross rows and tables (date-order, source-date, ...).
    """

    table: str = ""
    row: int | None = None
    column: str = ""
    rule: str = ""
    message: str = ""
    file: str = ""

    def location(self) -> str:
        parts = [self.file or self.table or "package"]
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column:
            parts.append(f"column {self.column}")
        return ", ".join(parts)

    def __str__(self) -> str:
        return f"{self.location()}: [{self.rule}] {self.message}"


@dataclass
class Report:
    """What :func:`syriatl.validate` found. ``valid`` is true when there is no problem."""

    path: str
    problems: list[Problem] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)

    @property
    def valid(self) -> bool:
        return not self.problems

    def rules(self) -> Counter:
        """How many problems each rule found."""
        return Counter(problem.rule for problem in self.problems)

    def to_dict(self) -> dict:
        return {
            "path": self.path,
            "valid": self.valid,
            "rows": self.rows,
            "problem_count": len(self.problems),
            "problems": [asdict(problem) for problem in self.problems],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False)

    def to_text(self) -> str:
        if self.valid:
            total = sum(self.rows.values())
            return f"valid: {self.path} ({len(self.rows)} tables, {total} rows)"
        lines = [f"invalid: {self.path} ({len(self.problems)} problems)"]
        lines += [f"  {problem}" for problem in self.problems]
        counts = ", ".join(f"{rule} {n}" for rule, n in sorted(self.rules().items()))
        lines.append(f"by rule: {counts}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.to_text()
