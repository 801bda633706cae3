"""Render the documentation pages that describe the data, from the data itself.

Everything the site says about tables, fields, codes, counts, events, actors and places is
written here from the descriptor, the Table Schemas and the tables (read with syriatl's own
loaders, so types agree), at build time, so the documentation cannot drift from the data.
Pages are Markdown for MkDocs (Material); one module per kind of page: ``pages`` (the
dictionary and the indexes), ``timeline``, ``map``, ``charts``, ``downloads`` (files and
citation), ``codebook``; ``text`` holds what they share.

``write_pages(out_dir)`` writes the generated pages; the MkDocs hook in ``hooks/`` calls it
before every build, and ``python -m syriatl.docs docs/generated`` runs it on its own (for a
builder without hooks). Files under ``snippets/`` are included into the hand-written pages at
the top of ``docs/`` (their links are relative to that folder).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from syriatl.docs.charts import render_charts
from syriatl.docs.codebook import render_rules
from syriatl.docs.downloads import (
    render_cite,
    render_cite_short,
    render_coverage,
    render_downloads,
    render_files,
    render_readme_commands,
)
from syriatl.docs.map import render_map
from syriatl.docs.pages import (
    code_table_markdown,
    code_usage,
    render_actors,
    render_dictionary,
    render_places,
)
from syriatl.docs.text import Data, md, url
from syriatl.docs.timeline import render_timeline

__all__ = ["PAGES", "SNIPPETS", "md", "render_pages", "url", "write_pages"]

# Pages, relative to the generated folder (``docs/generated/``).
PAGES = {
    "dictionary": "dictionary.md",
    "timeline": "timeline.md",
    "actors": "actors.md",
    "places": "places.md",
    "map": "map.md",
    "charts": "charts.md",
    "cite": "cite.md",
    "downloads": "downloads.md",
}
SNIPPETS = "snippets"


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
        PAGES["downloads"]: render_downloads(data, project),
        f"{SNIPPETS}/coverage.md": render_coverage(data),
        f"{SNIPPETS}/files.md": render_files(data),
        f"{SNIPPETS}/commands.md": render_readme_commands(project),
        f"{SNIPPETS}/cite.md": render_cite_short(data, project),
        f"{SNIPPETS}/rules.md": render_rules(),
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
        prog="python -m syriatl.docs",
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
