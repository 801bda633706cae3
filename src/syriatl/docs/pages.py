"""The pages that describe the data in words and tables: dictionary, timeline, actors, places,
the home page's snippets and the citation."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from datetime import date
from pathlib import Path

from syriatl.docs.text import (
    Data,
    actor_link,
    attr,
    code,
    event_link,
    indent,
    long_date,
    md,
    place_link,
    plural,
    short_date,
    table,
    url,
)

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


# Filters of the timeline, in the order of the form: (query parameter, label, data attribute).
# docs/assets/timeline/filter.js reads the attributes and keeps the choice in the URL query.
TIMELINE_FILTERS = [
    ("day", "Day", "days"),
    ("region", "Governorate", "region"),
    ("type", "Event type", "type"),
    ("actor", "Actor", "actors"),
    ("certainty", "Certainty", "certainty"),
    ("source", "Source type", "sources"),
]


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


def event_facets(data: Data) -> dict[str, dict[str, list[str]]]:
    """event_id -> filter key -> the values it matches, for the timeline's filters: every day of
    its span, the governorate of its place, its type, its actors, its certainty and the types of
    its sources."""
    places = data.by_key("places", "place_id")
    links = data.actors_of()
    sources = data.sources_of()
    out = {}
    for event in data.events:
        eid = event["event_id"]
        first = event["date"]
        last = event.get("end_date") or first
        days = [d.isoformat() for d in data.days() if first <= d <= last] or [first.isoformat()]
        out[eid] = {
            "day": days,
            "region": [place_region(event.get("place_id"), places)[0]],
            "type": [event["event_type"]],
            "actor": sorted({link["actor_id"] for link in links.get(eid, [])}),
            "certainty": [event["certainty"]],
            "source": sorted(
                {s["source_type"] for s in sources.get(eid, []) if s.get("source_type")}
            ),
        }
    return out


def _filter_options(data: Data, facets: dict[str, dict[str, list[str]]]) -> dict[str, list]:
    """Filter key -> [(value, label, events)] in the order a reader looks for them."""
    counts: dict[str, Counter] = defaultdict(Counter)
    for values in facets.values():
        for key, chosen in values.items():
            counts[key].update(chosen)
    places = data.by_key("places", "place_id")
    actors = data.by_key("actors", "actor_id")
    regions = {}
    for event in data.events:
        value, label = place_region(event.get("place_id"), places)
        regions[value] = label
    last = {"syria": 1, "abroad": 2, "none": 3}
    options = {
        "day": [
            (d.isoformat(), f"{d:%a} {short_date(d)}")
            for d in data.days()
            if counts["day"][d.isoformat()]
        ],
        "region": sorted(regions.items(), key=lambda kv: (last.get(kv[0], 0), kv[1].casefold())),
        "type": [
            (c, row["label"]) for c, row in data.codes("event_types").items() if counts["type"][c]
        ],
        "actor": sorted(
            ((a, actors[a]["name"] if a in actors else a) for a in counts["actor"]),
            key=lambda kv: kv[1].casefold(),
        ),
        "certainty": [
            (c, row["label"])
            for c, row in data.codes("certainties").items()
            if counts["certainty"][c]
        ],
        "source": [
            (c, row["label"])
            for c, row in data.codes("source_types").items()
            if counts["source"][c]
        ],
    }
    return {key: [(v, label, counts[key][v]) for v, label in rows] for key, rows in options.items()}


def _filter_form(data: Data, facets: dict[str, dict[str, list[str]]]) -> str:
    """The filter form, as raw HTML: hidden until filter.js shows it, so that without scripts
    the page lists every event as before."""
    options = _filter_options(data, facets)
    total = len(facets)
    fields = []
    for key, label, _ in TIMELINE_FILTERS:
        choices = [f'<option value="">All ({total})</option>'] + [
            f'<option value="{attr(value)}" data-label="{attr(text)}">{attr(text)} ({n})</option>'
            for value, text, n in options[key]
        ]
        fields.append(
            f'<div class="syriatl-filter"><label for="filter-{key}">{label}</label>'
            f'<select id="filter-{key}" name="{key}">{"".join(choices)}</select></div>'
        )
    fields.append(
        '<div class="syriatl-filter syriatl-filter-text"><label for="filter-q">Words</label>'
        '<input id="filter-q" name="q" type="search" autocomplete="off" '
        'placeholder="title, place, actor, source…"></div>'
    )
    return (
        '<form id="syriatl-filters" class="syriatl-filters" role="search" '
        'aria-label="Filter the events" hidden>'
        + "".join(fields)
        + '<div class="syriatl-filter-actions"><button type="reset" class="md-button">'
        "Show all events</button>"
        f'<p id="syriatl-filter-count" class="syriatl-filter-count" role="status" '
        f'aria-live="polite">{total} of {total} events</p></div></form>'
    )


def _other_names(event: dict, links: list[dict], place_aliases: dict, actor_aliases: dict) -> str:
    """Other spellings of an event's place and actors, which the words filter also searches
    ("Qusayr airport" finds al-Dabaa air base's events) though the entry does not show them."""
    names = [a["alias"] for a in place_aliases.get(event.get("place_id") or "", [])]
    for link in links:
        names += [a["alias"] for a in actor_aliases.get(link["actor_id"], [])]
    return " · ".join(dict.fromkeys(names))


def render_timeline(data: Data) -> str:
    actors = data.by_key("actors", "actor_id")
    places = data.by_key("places", "place_id")
    types = data.codes("event_types")
    certainties = data.codes("certainties")
    geo = data.codes("geo_precisions")
    links = data.actors_of()
    sources = data.sources_of()
    roles = data.codes("roles")
    facets = event_facets(data)
    place_aliases = data.aliases("place_aliases", "place_id")
    actor_aliases = data.aliases("actor_aliases", "actor_id")
    by_day: dict[date, list[dict]] = defaultdict(list)
    for event in data.events:
        by_day[event["date"]].append(event)
    first, last = data.coverage()
    out = [
        "# Timeline",
        "",
        f"All {plural(len(data.rows['events']), 'event')}, day by day, from "
        f"{long_date(first)} to {long_date(last)}: generated from the events table at build "
        "time. An event known only within a span of days is listed on its first possible day "
        "(the day filter finds it on every day of its span). Dates are local Syrian dates "
        "(UTC+3).",
        "",
        _filter_form(data, facets),
        "",
        "Days: "
        + " · ".join(
            f"[{short_date(day)}](#day-{day.isoformat()}) "
            f'(<span data-day-count="{day.isoformat()}">{len(by_day.get(day, []))}</span>)'
            for day in data.days()
        ),
        "",
    ]
    for day in data.days():
        events = by_day.get(day, [])
        out += [
            f'<section class="syriatl-day" data-day="{day.isoformat()}" markdown="block">',
            "",
            f"## {day:%A} {long_date(day)} {{#day-{day.isoformat()}}}",
            "",
            f'<span class="syriatl-day-count" data-total="{len(events)}">'
            f"{plural(len(events), 'event')}</span>.",
            "",
        ]
        for event in events:
            eid = event["event_id"]
            data_attrs = " ".join(
                f'data-{name}="{attr(" ".join(facets[eid][key]))}"'
                for key, _, name in TIMELINE_FILTERS
            )
            also = _other_names(event, links.get(eid, []), place_aliases, actor_aliases)
            if also:
                data_attrs += f' data-words="{attr(also)}"'
            out += [f'<article class="syriatl-entry" {data_attrs} markdown="block">', ""]
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
            place = places.get(event.get("place_id") or "")
            if place and place.get("latitude") is not None and place.get("longitude") is not None:
                facts.append(
                    f'<a href="{attr(map_link(place["place_id"], event["date"]))}">on the map</a>'
                )
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
            out += ["</article>", ""]
        out += ["</section>", ""]
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
                out += [where + f') · <a href="{map_link(pid)}">on the map</a>', ""]
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


def pinned_base(data: Data) -> str:
    """The repository's address of files at this release's tag (``.../raw/vX.Y.Z/``), so a
    link keeps pointing at the bytes described here after ``main`` moves on; "" if the
    package's homepage is not a GitHub repository."""
    from syriatl.release import release_tag

    homepage = str(data.package.descriptor.get("homepage") or "").rstrip("/")
    if "github.com/" not in homepage:
        return ""
    return f"{homepage}/raw/{release_tag(data.package.version)}/"


def release_zip_url(data: Data) -> str:
    """Where the release zip is attached to its tag's GitHub release ("" without GitHub)."""
    from syriatl.release import bundle_name, release_tag

    homepage = str(data.package.descriptor.get("homepage") or "").rstrip("/")
    if "github.com/" not in homepage:
        return ""
    version = data.package.version
    return f"{homepage}/releases/download/{release_tag(version)}/{bundle_name(version)}.zip"


def render_files(data: Data) -> str:
    """The direct link to every CSV file, at its path in the repository at this release's tag."""
    package = data.package
    raw = pinned_base(data)
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
    return (
        table(["Table", "Rows", "CSV file", "One row per"], cells)
        + "\n\nSizes, checksums, the release zip and the Parquet, GeoJSON and SQLite exports: "
        "[Downloads](generated/downloads.md).\n"
    )


def _size(count: int) -> str:
    """A file size for people: bytes below 1 kB, then kB and MB (powers of 1000)."""
    if count < 1000:
        return f"{count} B"
    if count < 1_000_000:
        return f"{count / 1000:.1f} kB"
    return f"{count / 1_000_000:.2f} MB"


def release_files(data: Data) -> tuple[object, dict[str, bytes]]:
    """The release zip of this package, built as ``syriatl release`` builds it, and the files
    inside it by their path in its folder."""
    import tempfile
    import zipfile

    from syriatl.release import build_release

    with tempfile.TemporaryDirectory() as tmp:
        bundle = build_release(tmp, data.package.root)
        with zipfile.ZipFile(bundle.path) as archive:
            files = {
                name.split("/", 1)[1]: archive.read(name)
                for name in archive.namelist()
                if "/" in name and not name.endswith("/")
            }
    return bundle, files


def _same_file_link(root: Path, raw: str, name: str, content: bytes) -> str:
    """A file of the zip, linked at the tag only when the repository holds the same bytes (the
    zip's descriptor, README and SHA256SUMS are written for the zip)."""
    source = root / name
    if raw and source.is_file() and source.read_bytes() == content:
        return f"[{code(name)}]({url(raw + name)})"
    return code(name) + " (in the zip only)"


EXPORT_KINDS = [
    ("parquet/", "Parquet", "each table typed (dates as DATE), for pandas, polars, DuckDB, R"),
    ("geojson/", "GeoJSON", "places, events and the daily control as points, for GIS"),
    ("sqlite/", "SQLite", "one database with its Datasette metadata"),
]


def render_downloads(data: Data, project_root: Path) -> str:
    """Every file of this release, with its size, rows and sha256, linked at the release's tag."""
    from syriatl.release import ReleaseError, bundle_name, release_tag, sha256

    package = data.package
    version = package.version
    tag = release_tag(version)
    raw = pinned_base(data)
    zip_name = f"{bundle_name(version)}.zip"
    zip_url = release_zip_url(data)
    zip_link = f"[{code(zip_name)}]({url(zip_url)})" if zip_url else code(zip_name)
    try:
        bundle, files = release_files(data)
    except ReleaseError as exc:  # an edited copy without its citation, say: document the CSVs
        bundle, files = None, {}
        reason = str(exc).split(":\n")[0]  # the first line; `syriatl validate` gives the rest
        about_zip = (
            f"No release zip can be built from this copy of the package: {md(reason)}; "
            "`syriatl validate` lists every problem."
        )
    else:
        about_zip = (
            f"{zip_link}, {_size(bundle.bytes)}, SHA-256 {code(bundle.sha256)} (the zip this "
            "page was built with; `syriatl release` makes the same bytes from the same files "
            "with the same library versions). It holds one folder with the descriptor, the "
            "CSVs, the Table Schemas, the Parquet, GeoJSON and SQLite exports, the citation, "
            "the licence and `SHA256SUMS`."
        )
    out = [
        "# Downloads",
        "",
        f"Every file of release **{md(version)}**, tagged {code(tag)}: links point at that tag, "
        "not at the moving `main` branch, so they keep giving the bytes whose checksums are "
        "listed here. Generated at build time from the package and the release zip built from it "
        "(`syriatl release`, byte for byte reproducible); the SHA-256 of each file is the one in "
        "the zip's `SHA256SUMS`.",
        "",
        "## The release zip",
        "",
        about_zip,
        "",
        "Check the files after unpacking:",
        "",
        "```sh",
        f"unzip {zip_name} && cd {bundle_name(version)} && sha256sum -c SHA256SUMS",
        f"syriatl validate {zip_name}  # or check the zip as it is",
        "```",
        "",
        "## Tables (CSV)",
        "",
        "UTF-8 CSV, one file per table, described by `datapackage.json` and the Table Schemas "
        "in `schemas/` ([data dictionary](dictionary.md)).",
        "",
    ]
    rows = []
    for resource in package.resources.values():
        path = resource.relpath
        content = files.get(path, resource.path.read_bytes())
        link = f"[{code(path)}]({url(raw + path)})" if raw else code(path)
        rows.append(
            [
                f"[{code(resource.name)}](dictionary.md#{resource.name})",
                link,
                str(len(data.rows[resource.name])),
                _size(len(content)),
                f'<code class="syriatl-hash">{sha256(content)}</code>',
            ]
        )
    out += [table(["Table", "File", "Rows", "Size", "SHA-256"], rows), ""]
    for prefix, title, what in EXPORT_KINDS:
        inside = sorted(name for name in files if name.startswith(prefix))
        if not inside:
            continue
        out += [f"## {title}", "", f"In the release zip, under {code(prefix)}: {what}.", ""]
        rows = [
            [
                code(name),
                _size(len(files[name])),
                f'<code class="syriatl-hash">{sha256(files[name])}</code>',
            ]
            for name in inside
        ]
        out += [table(["File", "Size", "SHA-256"], rows), ""]
    described = {"datapackage.json", "CITATION.cff", "LICENSE-DATA", "README.md", "SHA256SUMS"}
    others = [name for name in sorted(files) if name in described or name.startswith("schemas/")]
    if not files:
        out += ["## Citation", "", render_cite_short(data, project_root)]
        return "\n".join(out)
    out += [
        "## Descriptor, schemas, citation and licence",
        "",
        "In the release zip beside the tables (`SHA256SUMS` lists every other file; the "
        "descriptor carries each table's size and hash):",
        "",
        table(
            ["File", "Size", "SHA-256"],
            [
                [
                    _same_file_link(package.root, raw, name, files[name]),
                    _size(len(files[name])),
                    f'<code class="syriatl-hash">{sha256(files[name])}</code>',
                ]
                for name in others
            ],
        ),
        "",
        "## Citation",
        "",
        render_cite_short(data, project_root),
        "BibTeX and the `CITATION.cff` file: [How to cite](cite.md).",
        "",
    ]
    return "\n".join(out)


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
