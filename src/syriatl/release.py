"""Build the release bundle that people download and cite, byte for byte reproducible.

``syriatl-data-X.Y.Z.zip`` holds one folder with the descriptor (each resource with its
``bytes`` and ``hash``), the CSVs, the Table Schemas, Parquet, GeoJSON and SQLite exports, the
citation, the licence, the figures of ``syriatl figure control`` (SVG and PNG), a short README
and a ``SHA256SUMS`` list. Entries are sorted and stamped with a fixed time, so the same tree
always gives the same zip.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from syriatl.package import Package, PackageError, read_package

# Zip timestamps cannot go before 1980; every entry gets this one.
FIXED_TIME = (1980, 1, 1, 0, 0, 0)
LICENCE_FILE = "LICENSE-DATA"
STABLE_ID_TABLES = ("events", "actors", "places", "sources")


class ReleaseError(Exception):
    """The package cannot be released as it stands (it is invalid, or a file is missing)."""


@dataclass(frozen=True)
class Bundle:
    path: Path
    bytes: int
    sha256: str


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def bundle_name(version: str) -> str:
    return f"syriatl-data-{version}"


def release_tag(version: str) -> str:
    """The git tag of a release, to which its zip is attached and its files are pinned."""
    return f"v{version}"


def released_descriptor(package: Package) -> dict:
    """The descriptor with each resource's size and sha256, as Frictionless defines them."""
    descriptor = json.loads(json.dumps(package.descriptor))
    for entry in descriptor["resources"]:
        data = package.resources[entry["name"]].path.read_bytes()
        entry["bytes"] = len(data)
        entry["hash"] = f"sha256:{sha256(data)}"
    return descriptor


def readme(package: Package) -> str:
    descriptor = package.descriptor
    coverage = descriptor.get("temporalCoverage", {})
    tables = "\n".join(
        f"- `{r.relpath}`: {r.schema.get('title', r.name)}" for r in package.resources.values()
    )
    return (
        f"# {descriptor.get('title', 'syriatl')}\n\n"
        f"Release {package.version}. {descriptor.get('description', '')}\n\n"
        f"Coverage: {coverage.get('start', '?')} to {coverage.get('end', '?')}.\n\n"
        "`datapackage.json` describes every table (Frictionless Data Package v2); check it with\n"
        "`frictionless validate datapackage.json` or `syriatl validate .`.\n"
        "`parquet/` holds the same tables typed; `geojson/` the events, the places and the\n"
        "daily control of territory (a point per place per day) as points; `sqlite/` one\n"
        "database with its Datasette metadata (`datasette sqlite/syriatl.db -m\n"
        "sqlite/metadata.json`).\n"
        "`figures/` holds maps of who held each place in scope, a panel per day and the front\n"
        "on four days, as SVG and as PNG at 300 ppi (`syriatl figure control`).\n"
        "How to cite: `CITATION.cff`. Licence of the data: CC BY 4.0 (`LICENSE-DATA`).\n"
        "`SHA256SUMS` lists the checksum of every other file.\n\n"
        f"## Tables\n\n{tables}\n"
    )


def id_manifest(package: Package) -> list[tuple[str, str]]:
    """Every stable ID of the package as (table, id), read as text from the CSVs."""
    ids = []
    for table in STABLE_ID_TABLES:
        resource = package.resources[table]
        (key,) = resource.primary_key
        with resource.path.open(encoding="utf-8", newline="") as f:
            ids.extend((table, row[key]) for row in csv.DictReader(f))
    return sorted(ids)


def vanished_ids(package: Package, manifest: Path) -> list[str]:
    """IDs listed in a past release's manifest that are neither in the data nor retired."""
    from syriatl.diff import retired

    accounted = set(id_manifest(package)) | retired(package)
    with manifest.open(encoding="utf-8", newline="") as f:
        past = [(row["table"], row["id"]) for row in csv.DictReader(f)]
    return [f"{table} {ident}" for table, ident in past if (table, ident) not in accounted]


def bundle_files(package: Package) -> dict[str, bytes]:
    """Every file of the bundle, by its path inside the bundle folder."""
    from syriatl.database import write_sqlite
    from syriatl.exports import write_geojson, write_parquet
    from syriatl.figures import write_control_figures

    files: dict[str, bytes] = {}
    for resource in package.resources.values():
        files[resource.relpath] = resource.path.read_bytes()
        schema = resource.entry.get("schema")
        if isinstance(schema, str):
            files[schema] = (package.root / schema).read_bytes()
    descriptor = released_descriptor(package)
    files["datapackage.json"] = (
        json.dumps(descriptor, indent=2, ensure_ascii=False) + "\n"
    ).encode()
    for name in ("CITATION.cff", LICENCE_FILE):
        source = package.root / name
        if not source.is_file():
            raise ReleaseError(f"{name} is missing beside datapackage.json")
        files[name] = source.read_bytes()
    files["README.md"] = readme(package).encode("utf-8")
    with tempfile.TemporaryDirectory() as tmp:
        exported = write_parquet(Path(tmp) / "parquet", package.root)
        exported += write_geojson(Path(tmp) / "geojson", package.root)
        exported += write_sqlite(Path(tmp) / "sqlite", package.root)
        exported += write_control_figures(Path(tmp) / "figures", package.root)
        for path in exported:
            files[path.relative_to(tmp).as_posix()] = path.read_bytes()
    sums = "".join(f"{sha256(files[name])}  {name}\n" for name in sorted(files))
    files["SHA256SUMS"] = sums.encode()
    return files


def build_release(out: str | Path, path: str | Path | None = None) -> Bundle:
    """Validate the package at ``path`` and write its release zip into ``out``."""
    from syriatl.validation import validate

    report = validate(path)
    missing = [p for p in report.problems if p.rule == "no-package"]
    if missing:  # nothing to release: the path names no package
        raise PackageError(missing[0].message, rule="no-package")
    if not report.valid:
        raise ReleaseError(f"the package is not valid; fix it first:\n{report.to_text()}")
    package, _ = read_package(path)
    folder = bundle_name(package.version)
    files = bundle_files(package)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in sorted(files):
            info = zipfile.ZipInfo(f"{folder}/{name}", date_time=FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, files[name], compresslevel=9)
    data = buffer.getvalue()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    target = out / f"{folder}.zip"
    target.write_bytes(data)
    digest = sha256(data)
    (out / f"{folder}.zip.sha256").write_text(f"{digest}  {target.name}\n", encoding="utf-8")
    return Bundle(target, len(data), digest)


__all__ = [
    "Bundle",
    "PackageError",
    "ReleaseError",
    "build_release",
    "bundle_name",
    "id_manifest",
    "release_tag",
    "sha256",
]
