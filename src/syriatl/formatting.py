"""Rewrite a package's CSVs in canonical form, losing nothing.

Canonical form: UTF-8 without a byte-order mark, LF line ends, the schema's column order, rows
sorted by primary key, minimal quoting and Unicode NFC. A file that cannot be read without
guessing (bytes that are not UTF-8, NUL bytes, unbalanced quotes, ragged rows, columns that are
not the schema's) is left exactly as it is and reported, so formatting never drops data.
"""

from __future__ import annotations

import csv
import io
import os
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from syriatl.package import PackageError, Resource, read_package
from syriatl.reading import field_size_limit


@dataclass(frozen=True)
class FileResult:
    """What formatting did to one file: ``unchanged``, ``rewritten`` or ``refused``."""

    file: str
    status: str
    reason: str = ""


def canonical_bytes(data: bytes, resource: Resource) -> bytes:
    """The canonical form of one CSV's bytes; raises ValueError when it would need a guess."""
    if b"\x00" in data:
        raise ValueError("it contains NUL bytes")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(f"byte {data[exc.start]:#04x} at offset {exc.start} is not UTF-8") from exc
    try:
        with field_size_limit():
            records = list(csv.reader(io.StringIO(text, newline=""), strict=True))
    except csv.Error as exc:
        raise ValueError(f"the CSV cannot be parsed: {exc}") from exc
    if not records:
        raise ValueError("the file is empty")
    header, rows = records[0], records[1:]
    expected = resource.field_names
    if sorted(header) != sorted(expected):
        raise ValueError(f"its columns are not the schema's ({', '.join(expected)})")
    order = [header.index(name) for name in expected]
    table = []
    for number, row in enumerate(rows, start=2):
        if not any(row) and len(row) <= len(header):
            continue  # a blank row holds no data
        if len(row) != len(header):
            raise ValueError(f"row {number} has {len(row)} cells; the header has {len(header)}")
        table.append([unicodedata.normalize("NFC", row[i]) for i in order])
    key = [expected.index(name) for name in resource.primary_key]
    if key:
        table.sort(key=lambda row: [row[i] for i in key])
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(expected)
    writer.writerows(table)
    return out.getvalue().encode("utf-8")


def format_package(path: str | Path | None = None, *, check: bool = False) -> list[FileResult]:
    """Rewrite every CSV of the package at ``path`` in canonical form (``check``: only report).

    Raises :class:`~syriatl.package.PackageError` when the descriptor itself cannot be read.
    """
    package, unsafe = read_package(path or Path.cwd())
    results = [FileResult(exc.table or "", "refused", str(exc)) for exc in unsafe]
    for resource in package.resources.values():
        try:
            data = resource.path.read_bytes()
            canonical = canonical_bytes(data, resource)
        except (OSError, ValueError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) else str(exc)
            results.append(FileResult(resource.relpath, "refused", reason))
            continue
        if canonical == data:
            results.append(FileResult(resource.relpath, "unchanged"))
            continue
        if not check:
            temporary = resource.path.with_name(resource.path.name + ".fmt-tmp")
            temporary.write_bytes(canonical)
            os.replace(temporary, resource.path)
        results.append(FileResult(resource.relpath, "rewritten"))
    return results


__all__ = ["FileResult", "PackageError", "canonical_bytes", "format_package"]
