"""The pages that describe the data in words and tables: the data dictionary and the
indexes of actors and places."""

from __future__ import annotations

from collections import Counter, defaultdict

from syriatl.docs.text import (
    Data,
    actor_link,
    code,
    event_link,
    indent,
    map_link,
    md,
    place_link,
    plural,
    short_date,
    table,
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
