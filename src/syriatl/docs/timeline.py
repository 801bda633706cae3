"""The timeline page: every event with its actors and sources, and the filters that narrow it
(by day, governorate, type, actor, certainty, source type and words) in the reader's browser."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date

from syriatl.docs.text import (
    Data,
    actor_link,
    attr,
    indent,
    long_date,
    map_link,
    md,
    place_link,
    place_region,
    plural,
    short_date,
    url,
)

# -- timeline -------------------------------------------------------------------------------


def _source_line(source: dict, actors: dict[str, dict]) -> str:
    """A source as the timeline cites it: publisher, day, ID, what the page states of the event
    and whom it names (so every part of an event can be traced to a page), and the link's note."""
    publisher = md(source.get("publisher") or source["source_id"])
    if source.get("original_publisher"):
        publisher += f" (from {md(source['original_publisher'])})"
    when = source.get("published")
    label = f"{publisher}, {short_date(when)}" if when else publisher
    text = f"[{label}]({url(source['url'])})" if source.get("url") else label
    text += f" <small>{md(source['source_id'])}</small>"
    stated = (source.get("link_supports") or "").split()
    named = [md(actors.get(a, {}).get("name") or a) for a in source.get("link_actors") or []]
    if stated or named:
        parts = ([f"states {', '.join(stated)}"] if stated else []) + (
            [f"names {', '.join(named)}"] if named else []
        )
        text += f" <small>({'; '.join(parts)})</small>"
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
                out += ["Sources:", ""] + [f"- {_source_line(s, actors)}" for s in cited] + [""]
            if event.get("notes"):
                out += ['!!! note "Notes"', "", indent(md(event["notes"])), ""]
            out += ["</article>", ""]
        out += ["</section>", ""]
    return "\n".join(out)
