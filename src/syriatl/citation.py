"""How to cite the installed release: BibTeX, APA and CFF, all rendered from ``CITATION.cff``.

``CITATION.cff`` ships inside the package, so the citation printed is always the one of the
data the user has loaded.
"""

from __future__ import annotations

import re
from pathlib import Path

FORMATS = ("bibtex", "apa", "cff")
CITATION_FILE = "CITATION.cff"


def citation_path(path: str | Path | None = None) -> Path:
    """The ``CITATION.cff`` beside the package's ``datapackage.json``."""
    from syriatl.package import descriptor_path

    return descriptor_path(path).parent / CITATION_FILE


def read_citation(path: str | Path | None = None) -> dict:
    """The citation metadata of the package at ``path`` (default: the shipped one)."""
    import yaml

    return yaml.safe_load(citation_path(path).read_text(encoding="utf-8"))


def _authors(cff: dict) -> list[str]:
    names = []
    for author in cff.get("authors", []):
        if "name" in author:
            names.append(author["name"])
        else:
            names.append(f"{author.get('family-names', '')}, {author.get('given-names', '')}")
    return names


def _year(cff: dict) -> str:
    released = cff.get("date-released")
    return str(released)[:4] if released else "n.d."


def bibtex(cff: dict) -> str:
    """A BibTeX ``@misc`` entry, with the version in its key and fields."""
    version = str(cff["version"])
    key = "syriatl_" + re.sub(r"\W", "_", version)
    fields = {
        "title": "{" + cff["title"] + "}",
        "author": " and ".join("{" + name + "}" for name in _authors(cff)),
        "year": _year(cff),
        "version": version,
        "howpublished": "Dataset",
        "url": cff.get("url") or cff.get("repository-code", ""),
        "doi": cff.get("doi", ""),
        "note": f"License: {cff.get('license', '')}",
    }
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields.items() if value)
    return f"@misc{{{key},\n{body}\n}}"


def apa(cff: dict) -> str:
    """An APA 7 reference for a data set."""
    authors = ", ".join(_authors(cff))
    where = f"https://doi.org/{cff['doi']}" if cff.get("doi") else cff.get("url", "")
    return (
        f"{authors}. ({_year(cff)}). {cff['title']} (Version {cff['version']}) [Data set]. {where}"
    ).strip()


def cite(style: str = "bibtex", path: str | Path | None = None) -> str:
    """The citation of the package at ``path`` in ``style``: bibtex, apa or cff."""
    if style not in FORMATS:
        raise ValueError(f"unknown citation format {style!r}; choose one of {', '.join(FORMATS)}")
    if style == "cff":
        return citation_path(path).read_text(encoding="utf-8").rstrip("\n")
    cff = read_citation(path)
    return bibtex(cff) if style == "bibtex" else apa(cff)
