"""One colour and one short label per side, shared by the documentation's map, its charts and
``syriatl figure``, so that a side looks the same everywhere.

Colours come from Okabe and Ito's palette for colour-blind readers, then Paul Tol's muted
palette; they follow the news maps' habits where they can (the government red-orange, the
HTS-led command green, the SDF yellow). Colour is never the only cue: every side also has a
short label, drawn on the map and in the figures' legends.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Style:
    colour: str  # fill, as #rrggbb
    label: str  # two or three letters, drawn on markers and legends
    text: str  # a colour for text drawn on the fill (black or white, whichever contrasts more)


UNKNOWN = Style("#bbbbbb", "?", "#000000")

# Sides as the daily control table names them (the top of each actor's parent chain).
KNOWN: dict[str, Style] = {
    "syria-government": Style("#d55e00", "GOV", "#000000"),
    "military-operations-command": Style("#009e73", "MOC", "#000000"),
    "sdf": Style("#f0e442", "SDF", "#000000"),
    "syrian-interim-government": Style("#56b4e9", "SNA", "#000000"),
    "southern-operations-room": Style("#0072b2", "SOR", "#ffffff"),
    "syrian-free-army": Style("#e69f00", "SFA", "#000000"),
    "suwayda-druze-factions": Style("#cc79a7", "DRZ", "#000000"),
    "russia-government": Style("#000000", "RUS", "#ffffff"),
    "iran-backed-militias": Style("#882255", "IRN", "#ffffff"),
    "syrian-opposition-forces": Style("#117733", "OPP", "#ffffff"),
    "us-government": Style("#332288", "USA", "#ffffff"),
    "operations-room-to-conquer-damascus": Style("#44aa99", "ORD", "#000000"),
    "israel-government": Style("#88ccee", "ISR", "#000000"),
    "jaramana-local-factions": Style("#999933", "JAR", "#000000"),
}
# For a side added to the data later: Tol's muted colours not used above.
SPARE = ["#ddcc77", "#aa4499", "#dddddd", "#661100", "#6699cc", "#888888"]


def side_styles(sides: Iterable[str]) -> dict[str, Style]:
    """A style for every side in ``sides`` ("unknown" and "" get :data:`UNKNOWN`).

    A side not in :data:`KNOWN` gets a spare colour, in sorted order, and a label made of the
    initials of its ID, so a new side is still drawn, distinctly, until it is given a style.
    """
    out: dict[str, Style] = {}
    spare = iter(SPARE)
    for side in sorted(set(sides)):
        if side in ("", "unknown"):
            out[side] = UNKNOWN
        elif side in KNOWN:
            out[side] = KNOWN[side]
        else:
            initials = "".join(word[0] for word in side.split("-") if word)[:3].upper()
            colour = next(spare, "#888888")
            out[side] = Style(colour, initials or "?", _text_on(colour))
    return out


def _text_on(colour: str) -> str:
    """Black or white, whichever contrasts more with ``colour`` (WCAG relative luminance)."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    luminance = 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    return "#000000" if (luminance + 0.05) / 0.05 >= 1.05 / (luminance + 0.05) else "#ffffff"
