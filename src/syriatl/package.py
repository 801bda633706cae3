"""Find a data package on disk and read its descriptor, refusing anything outside its folder.

Both the loader and the validator go through here, so the rules for what a package may point
at (no URLs, no absolute paths, no ``..``) are written once.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path, PurePosixPath

DESCRIPTOR = "datapackage.json"
# A release zip is unpacked only within these bounds: a million-event package is well under.
ZIP_MAX_MEMBERS = 10_000
ZIP_MAX_BYTES = 8 << 30  # uncompressed, in all
ZIP_MAX_RATIO = 1_000  # uncompressed to compressed, for any member over a megabyte


class PackageError(ValueError):
    """The package cannot be read at all: a missing or broken descriptor, or an unsafe path."""

    def __init__(self, message: str, *, rule: str = "package-error", table: str | None = None):
        super().__init__(message)
        self.rule = rule
        self.table = table


def shipped_root() -> Path:
    """The folder of the data package that ships with this install of syriatl.

    In a wheel the package lives inside ``syriatl/package``; in a source checkout (an editable
    install) it is the repository's top folder.
    """
    installed = Path(str(resources.files("syriatl"))) / "package"
    if (installed / DESCRIPTOR).is_file():
        return installed
    checkout = Path(__file__).resolve().parents[2]
    if (checkout / DESCRIPTOR).is_file():
        return checkout
    raise PackageError("the syriatl data package is not installed with this copy of syriatl")


def _refuse_url(path: str | Path) -> None:
    text = str(path)
    if "://" in text or text.lower().startswith(("http:", "https:", "ftp:")):
        raise PackageError(
            f"{text} is a URL; syriatl reads local copies only and never fetches anything. "
            "Download the release zip (or clone the repository) and give its path, e.g. "
            "`syriatl validate syriatl-data-X.Y.Z.zip`",
            rule="no-package",
        )


def descriptor_path(path: str | Path | None = None) -> Path:
    """The ``datapackage.json`` named by a folder, a descriptor file or None (the shipped one)."""
    if path is None:
        return shipped_root() / DESCRIPTOR
    _refuse_url(path)
    path = Path(path)
    if path.suffix.lower() == ".zip" and path.is_file():
        raise PackageError(
            f"{path} is a zip: unpack it first (syriatl.package.unpacked())", rule="no-package"
        )
    if path.is_dir():
        path = path / DESCRIPTOR
    if not path.is_file():
        raise PackageError(f"no data package descriptor at {path}", rule="no-package")
    return path


def declared_coverage(descriptor: dict) -> tuple[dt.date, dt.date]:
    """The ``temporalCoverage`` that a descriptor declares, as (start, end) dates; a missing,
    malformed or reversed one (a number, NaN, a timestamp) is a :class:`PackageError`."""
    coverage = descriptor.get("temporalCoverage")
    try:
        start, end = (dt.date.fromisoformat(coverage[key]) for key in ("start", "end"))
    except (KeyError, TypeError, ValueError):
        raise PackageError(
            "datapackage.json must declare temporalCoverage with ISO start and end dates "
            "(YYYY-MM-DD)"
        ) from None
    if end < start:
        raise PackageError(f"temporalCoverage ends ({end}) before it starts ({start})")
    return start, end


def safe_join(root: Path, relative: object, *, what: str, table: str | None = None) -> Path:
    """Resolve a path from the descriptor inside ``root``, or refuse it before anything is read."""
    if not isinstance(relative, str) or not relative.strip():
        raise PackageError(f"{what} must be a relative file path", rule="path-error", table=table)
    if "://" in relative or relative.lower().startswith(("http:", "https:", "ftp:", "file:")):
        raise PackageError(
            f"{what} {relative!r} is a URL; syriatl never fetches anything",
            rule="path-error",
            table=table,
        )
    candidate = Path(relative)
    if candidate.is_absolute() or relative.startswith(("/", "\\")) or ":" in candidate.parts[0]:
        raise PackageError(
            f"{what} {relative!r} is an absolute path; it must lie inside the package folder",
            rule="path-error",
            table=table,
        )
    resolved = (root / candidate).resolve()
    if not resolved.is_relative_to(root.resolve()):
        raise PackageError(
            f"{what} {relative!r} points outside the package folder", rule="path-error", table=table
        )
    return resolved


@dataclass(frozen=True)
class Resource:
    """One table of the package: its name, its CSV file and its Table Schema."""

    name: str
    path: Path
    relpath: str
    schema: dict
    entry: dict = field(default_factory=dict)  # the descriptor's entry: bytes, hash, ...

    @property
    def fields(self) -> list[dict]:
        return self.schema.get("fields", [])

    @property
    def field_names(self) -> list[str]:
        return [field["name"] for field in self.fields]

    @property
    def primary_key(self) -> list[str]:
        key = self.schema.get("primaryKey", [])
        return [key] if isinstance(key, str) else list(key)

    @property
    def foreign_keys(self) -> list[dict]:
        return self.schema.get("foreignKeys", [])


@dataclass(frozen=True)
class Package:
    """A descriptor and its resources, every path checked to lie inside ``root``."""

    root: Path
    descriptor: dict
    resources: dict[str, Resource]

    @property
    def version(self) -> str:
        return str(self.descriptor.get("version", ""))

    def code_tables(self) -> set[str]:
        """Tables keyed by ``code``: the controlled vocabularies."""
        return {name for name, res in self.resources.items() if res.primary_key == ["code"]}


def _finite(text: str) -> float:
    """A JSON number, refused when it is not finite (``1e999``); JSON itself has no NaN."""
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"the number {text} is too large to be finite")
    return value


def _no_constant(name: str):
    raise ValueError(f"{name} is not a JSON value")


def _read_json(path: Path, what: str, table: str | None = None) -> dict:
    try:
        value = json.loads(
            path.read_text(encoding="utf-8"), parse_float=_finite, parse_constant=_no_constant
        )
    except FileNotFoundError:
        raise PackageError(f"{what} {path.name} does not exist", table=table) from None
    except (UnicodeDecodeError, ValueError) as exc:  # json.JSONDecodeError is a ValueError
        raise PackageError(f"{what} {path.name} is not valid JSON: {exc}", table=table) from None
    except RecursionError:  # nesting no descriptor needs exhausts the parser's stack
        raise PackageError(
            f"{what} {path.name} nests its JSON too deeply to read", table=table
        ) from None
    if not isinstance(value, dict):
        raise PackageError(f"{what} {path.name} must hold a JSON object", table=table)
    return value


def read_package(path: str | Path | None = None) -> tuple[Package, list[PackageError]]:
    """Read a descriptor and every resource's schema.

    Raises PackageError when the package as a whole cannot be read; returns the problems of
    single resources alongside the resources that could be read, so one bad table does not hide
    the others.
    """
    descriptor_file = descriptor_path(path)
    root = descriptor_file.parent.resolve()
    descriptor = _read_json(descriptor_file, "descriptor")
    entries = descriptor.get("resources")
    if not isinstance(entries, list) or not entries:
        raise PackageError("descriptor has no resources list")
    resources_by_name: dict[str, Resource] = {}
    problems: list[PackageError] = []
    for number, entry in enumerate(entries, start=1):
        name = entry.get("name") if isinstance(entry, dict) else None
        if not isinstance(name, str) or not name:
            problems.append(PackageError(f"resource number {number} has no name"))
            continue
        if name in resources_by_name:
            problems.append(PackageError(f"resource name {name!r} is used twice", table=name))
            continue
        try:
            data_path = safe_join(root, entry.get("path"), what="resource path", table=name)
            schema = entry.get("schema")
            if isinstance(schema, str):
                schema_file = safe_join(root, schema, what="schema path", table=name)
                schema = _read_json(schema_file, "schema", table=name)
            if not isinstance(schema, dict) or not isinstance(schema.get("fields"), list):
                raise PackageError("resource has no Table Schema with fields", table=name)
        except PackageError as exc:
            problems.append(exc)
            continue
        resources_by_name[name] = Resource(name, data_path, entry["path"], schema, entry)
    return Package(root, descriptor, resources_by_name), problems


@contextlib.contextmanager
def unpacked(path: str | Path | None) -> Iterator[Path | None]:
    """``path`` as a local package: a folder or descriptor as it is, a release zip unpacked
    into a temporary folder for the duration (its ``datapackage.json``), None for the shipped
    package. A zip is refused whole, before anything is written, if a member would land
    outside the folder (an absolute path, ``..``, a drive, a link) or if it is larger, holds
    more members or compresses better than a real package could."""
    import tempfile
    import zipfile

    if path is None:
        yield None
        return
    _refuse_url(path)
    path = Path(path)
    if path.suffix.lower() != ".zip" or not path.is_file():
        yield path
        return
    try:
        archive = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as exc:
        raise PackageError(f"{path} is not a readable zip file: {exc}", rule="no-package") from None
    with archive, tempfile.TemporaryDirectory(prefix="syriatl-") as tmp:
        members = archive.infolist()
        _check_members(path, members)
        descriptors = [m.filename for m in members if PurePosixPath(m.filename).name == DESCRIPTOR]
        if not descriptors:
            raise PackageError(
                f"{path} holds no {DESCRIPTOR}; it is not a data package", rule="no-package"
            )
        archive.extractall(tmp)
        yield Path(tmp) / min(descriptors, key=len)


def _check_members(path: Path, members: list) -> None:
    """Refuse an archive that could write outside its folder or fill the disk."""
    if len(members) > ZIP_MAX_MEMBERS:
        raise PackageError(f"{path} holds {len(members):,} files; a package has far fewer")
    total = 0
    for member in members:
        name = member.filename
        parts = PurePosixPath(name.replace("\\", "/")).parts
        is_link = (member.external_attr >> 16) & 0o170000 == 0o120000
        if name.startswith(("/", "\\")) or ".." in parts or ":" in name or is_link:
            raise PackageError(f"{path} holds an unsafe path {name!r}; nothing was unpacked")
        total += member.file_size
        big = member.file_size > 1 << 20
        if big and member.file_size > ZIP_MAX_RATIO * max(member.compress_size, 1):
            raise PackageError(
                f"{path}: {name!r} unpacks to {member.file_size:,} bytes from "
                f"{member.compress_size:,}; refused as a zip bomb"
            )
    if total > ZIP_MAX_BYTES:
        raise PackageError(
            f"{path} unpacks to {total:,} bytes, more than the {ZIP_MAX_BYTES:,} allowed"
        )
