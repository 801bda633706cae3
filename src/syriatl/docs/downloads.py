"""The pages for getting and citing the data: the home page's coverage and file list, the
downloads page (every file with its size and checksum, pinned to the release tag) and the
citation."""

from __future__ import annotations

import re
from pathlib import Path

from syriatl.docs.text import (
    Data,
    code,
    long_date,
    md,
    plural,
    table,
    url,
)

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
