"""Every side in the daily control table has a distinct colour and label, readable text on it."""

from __future__ import annotations

import syriatl
from syriatl.styles import KNOWN, UNKNOWN, _text_on, side_styles


def test_every_side_of_the_data_has_a_known_distinct_style():
    daily = syriatl.load("daily_control")
    sides = set(daily["holder_id"]) | set(daily["other_holder_id"].dropna())
    styles = side_styles(sides)
    named = {side: style for side, style in styles.items() if side not in ("", "unknown")}
    assert set(named) <= set(KNOWN), "give each new side a style in syriatl.styles.KNOWN"
    assert len({s.colour for s in named.values()}) == len(named)
    assert len({s.label for s in named.values()}) == len(named)
    assert UNKNOWN.colour not in {s.colour for s in named.values()}


def test_text_colour_is_the_one_that_contrasts_more():
    for style in KNOWN.values():
        assert style.text == _text_on(style.colour), style
    assert side_styles(["a-new-side"])["a-new-side"].label == "ANS"
