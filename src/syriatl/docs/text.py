"""The shared vocabulary of the generated pages: safe Markdown, dates, links, the data read once.

Every page module writes through these helpers, so text from the data is escaped the same way on
every page and a link to an event, actor or place is spelled once.
"""

from __future__ import annotations

import html
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from syriatl.package import Package, read_package

if TYPE_CHECKING:
    import pandas as pd

# Categorical colours: Tableau 10, then lighter and darker companions. Charts give them to
# their series from the most frequent down, so the largest series get the most distinct colours.
PALETTE = [
    "#4e79a7",
    "#f28e2b",
    "#e15759",
    "#76b7b2",
    "#59a14f",
    "#edc948",
    "#b07aa1",
    "#ff9da7",
    "#9c755f",
    "#bab0ac",
    "#a0cbe8",
    "#ffbe7d",
    "#8cd17d",
    "#d4a6c8",
    "#499894",
    "#b6992d",
    "#d37295",
    "#79706e",
    "#86bcb6",
    "#f1ce63",
    "#d7b5a6",
    "#fabfd2",
]
ROLE_ORDER = ["initiator", "claimant", "target", "participant", "reporter"]


# -- text helpers ---------------------------------------------------------------------------

_MD_SPECIAL = re.compile(r"([\\`*_\[\]{}|#])")


def md(text: object) -> str:
    """Text from the data, safe to put into Markdown (also inside a table cell)."""
    value = _MD_SPECIAL.sub(r"\\\1", str(text))
    return value.replace("<", "&lt;").replace(">", "&gt;").replace("\n", " ")


def code(text: object) -> str:
    """An inline code span that survives backticks and table pipes."""
    value = str(text).replace("|", "\\|")
    fence = "``" if "`" in value else "`"
    return f"{fence}{value}{fence}" if fence == "`" else f"{fence} {value} {fence}"


def url(link: str) -> str:
    """A URL safe inside Markdown's ``(...)``."""
    return link.strip().replace(" ", "%20").replace("(", "%28").replace(")", "%29")


def attr(text: object) -> str:
    return html.escape(str(text), quote=True)


def long_date(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def short_date(day: date) -> str:
    return f"{day.day} {day:%b}"


def plural(count: int, word: str, words: str | None = None) -> str:
    return f"{count} {word if count == 1 else (words or word + 's')}"


def table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    lines += ["| " + " | ".join(cell or " " for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def indent(text: str, spaces: int = 4) -> str:
    pad = " " * spaces
    return "\n".join(pad + line if line else line for line in text.splitlines())


# -- the data, read once --------------------------------------------------------------------


def _records(frame: pd.DataFrame) -> list[dict]:
    """Rows as dicts of plain Python values; missing cells are None, dates are dates."""
    import pandas as pd

    rows = []
    for row in frame.astype(object).to_dict("records"):
        clean = {}
        for key, value in row.items():
            if value is None or (not isinstance(value, str) and pd.isna(value)):
                clean[key] = None
            elif isinstance(value, pd.Timestamp):
                clean[key] = value.date()
            else:
                clean[key] = value
        rows.append(clean)
    return rows


@dataclass
class Data:
    package: Package
    rows: dict[str, list[dict]]
    frames: dict[str, pd.DataFrame]

    @classmethod
    def read(cls, package_root: str | Path | None = None) -> Data:
        from syriatl.loading import load_package

        package, problems = read_package(package_root)
        if problems:
            raise ValueError("; ".join(str(problem) for problem in problems))
        tables = load_package(path=package.root)
        rows = {name: _records(frame) for name, frame in tables.items()}
        return cls(package, rows, tables)

    # lookups
    def by_key(self, name: str, key: str) -> dict[str, dict]:
        return {row[key]: row for row in self.rows[name]}

    def codes(self, name: str) -> dict[str, dict]:
        return self.by_key(name, "code")

    @property
    def events(self) -> list[dict]:
        return sorted(self.rows["events"], key=lambda e: (e["date"], e["event_id"]))

    def coverage(self) -> tuple[date, date]:
        """The declared temporal coverage, widened to every event's dates."""
        declared = self.package.descriptor.get("temporalCoverage", {}) or {}
        days = [e["date"] for e in self.rows["events"]]
        days += [e["end_date"] for e in self.rows["events"] if e.get("end_date")]
        for key in ("start", "end"):
            if declared.get(key):
                days.append(date.fromisoformat(str(declared[key])[:10]))
        return min(days), max(days)

    def days(self) -> list[date]:
        first, last = self.coverage()
        return [first + timedelta(days=n) for n in range((last - first).days + 1)]

    def actors_of(self) -> dict[str, list[dict]]:
        """event_id -> its event_actors rows, in role order."""
        out: dict[str, list[dict]] = defaultdict(list)
        order = {role: n for n, role in enumerate(ROLE_ORDER)}
        for row in self.rows["event_actors"]:
            out[row["event_id"]].append(row)
        for rows in out.values():
            rows.sort(key=lambda r: (order.get(r["role"], 99), r["actor_id"]))
        return out

    def sources_of(self) -> dict[str, list[dict]]:
        """event_id -> its sources rows (with the link's note, what the page states and whom
        it names), by publication date."""
        sources = self.by_key("sources", "source_id")
        out: dict[str, list[dict]] = defaultdict(list)
        for row in self.rows["event_sources"]:
            source = dict(sources.get(row["source_id"], {"source_id": row["source_id"]}))
            source["link_note"] = row.get("note")
            source["link_supports"] = row.get("supports")
            source["link_actors"] = (row.get("actors") or "").split()
            out[row["event_id"]].append(source)
        for rows in out.values():
            rows.sort(key=lambda s: (s.get("published") or date.max, s["source_id"]))
        return out

    def aliases(self, table: str, key: str) -> dict[str, list[dict]]:
        out: dict[str, list[dict]] = defaultdict(list)
        for row in self.rows[table]:
            out[row[key]].append(row)
        return out


# -- links between pages --------------------------------------------------------------------


def event_link(event_id: str, page: str = "timeline.md") -> str:
    return f"[{event_id}]({page}#{event_id})"


def actor_link(data_actors: dict[str, dict], actor_id: str, page: str = "actors.md") -> str:
    actor = data_actors.get(actor_id)
    name = md(actor["name"]) if actor else md(actor_id)
    return f"[{name}]({page}#{actor_id})"


def place_link(data_places: dict[str, dict], place_id: str | None, page: str = "places.md") -> str:
    if not place_id:
        return "no place"
    place = data_places.get(place_id)
    name = md(place["name"]) if place else md(place_id)
    return f"[{name}]({page}#{place_id})"


def map_link(place_id: str, day: date | None = None) -> str:
    """The map page showing a place (on a day), as the map reads its hash; a URL from a page of
    ``generated/``, written as a plain link because MkDocs cannot check a hash of parameters."""
    params = ([f"day={day.isoformat()}"] if day else []) + [f"place={place_id}"]
    return "../map/#" + "&".join(params)


def place_region(place_id: str | None, places: dict[str, dict]) -> tuple[str, str]:
    """(value, label) of the governorate a place lies in, found up its parent chain; places in
    Syria but in no single governorate, places abroad and events without a place have their own."""
    seen = set()
    place = places.get(place_id or "")
    if place is None:
        return "none", "No place"
    current: dict | None = place
    while current is not None and current["place_id"] not in seen:
        if current["place_type"] == "governorate":
            return current["place_id"], current["name"]
        seen.add(current["place_id"])
        current = places.get(current.get("parent_id") or "")
    if place.get("governorate"):
        named = [
            p
            for p in places.values()
            if p["place_type"] == "governorate" and p.get("governorate") == place["governorate"]
        ]
        if named:
            return named[0]["place_id"], named[0]["name"]
    if place.get("country") == "SY":
        return "syria", "Syria, no single governorate"
    return "abroad", "Outside Syria"
