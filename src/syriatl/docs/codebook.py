"""The codebook's list of validation rules, read from the rules' own registry, so the
documentation names exactly the rules the validator runs, each in its docstring's words."""

from __future__ import annotations

from syriatl.docs.text import code, md, table


def render_rules() -> str:
    """Every registered rule, grouped by its module (keys, dates, places, sources, control)."""
    import syriatl.rules as rules
    from syriatl.rules import RULES

    out = []
    for group in ("keys", "dates", "places", "sources", "control"):
        module = getattr(rules, group)
        heading = (module.__doc__ or group).split(":")[0].strip()
        rows = [
            [code(each.name), md(each.statement)]
            for each in RULES
            if each.run.__module__ == module.__name__
        ]
        out += [f"**{md(heading)}**", "", table(["Rule", "What it checks"], rows), ""]
    return "\n".join(out)
