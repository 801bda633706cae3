"""Vendored boundary data (Natural Earth, as TopoJSON) that maps and figures draw under the data.

Shipped inside the package so that the map and the figures never fetch anything; see the
README beside this file for where each file comes from and its licence.
"""

from __future__ import annotations

import json
from importlib.resources import files

COUNTRIES = "countries.topo.json"  # object "countries": Syria and its neighbours
GOVERNORATES = "syria-governorates.topo.json"  # object "syr": Syria's 14 governorates


def text(name: str) -> str:
    """The TopoJSON file ``name`` of this folder, as text."""
    return files(__name__).joinpath(name).read_text(encoding="utf-8")


def topology(name: str) -> dict:
    """The TopoJSON file ``name`` of this folder, parsed."""
    return json.loads(text(name))
