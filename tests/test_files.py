"""Broken files and descriptors are reported with their place, and never raise."""

from __future__ import annotations

import json

from conftest import read_rows, write_rows

import syriatl


def rules(root):
    report = syriatl.validate(root)
    assert not report.valid
    return report, {(p.table, p.rule) for p in report.problems}


def test_descriptor_not_json(package):
    (package / "datapackage.json").write_text("{ not json")
    report, found = rules(package)
    assert ("", "package-error") in found
    assert "not valid JSON" in report.problems[0].message


def test_descriptor_without_resources(package):
    (package / "datapackage.json").write_text(json.dumps({"name": "x"}))
    _, found = rules(package)
    assert ("", "package-error") in found


def test_missing_package():
    """A path that holds no package at all is told apart from a package that is broken."""
    report = syriatl.validate("/nonexistent/place")
    assert not report.valid and report.problems[0].rule == "no-package"


def test_missing_csv(package):
    (package / "data" / "roles.csv").unlink()
    _, found = rules(package)
    assert ("roles", "source-error") in found
    # the tables that point at roles are still checked; nothing else breaks
    assert ("event_actors", "foreign-key") not in found


def _point(package, resource, value):
    descriptor = json.loads((package / "datapackage.json").read_text())
    entry = next(r for r in descriptor["resources"] if r["name"] == resource)
    entry["path"] = value
    (package / "datapackage.json").write_text(json.dumps(descriptor))


def test_path_outside_package_is_refused(package):
    secret = package.parent / "secret.csv"
    secret.write_text("code,label,definition\n")
    _point(package, "roles", "../secret.csv")
    report, found = rules(package)
    assert ("roles", "path-error") in found
    assert "outside" in next(p.message for p in report.problems if p.rule == "path-error")


def test_absolute_path_is_refused(package):
    _point(package, "roles", "/etc/passwd")
    _, found = rules(package)
    assert ("roles", "path-error") in found


def test_url_is_refused(package):
    _point(package, "roles", "https://example.org/roles.csv")
    report, found = rules(package)
    assert ("roles", "path-error") in found
    assert "URL" in next(p.message for p in report.problems if p.rule == "path-error")


def test_not_utf8(package):
    path = package / "data" / "roles.csv"
    path.write_bytes(path.read_bytes().replace(b"Initiator", b"Initi\xe0tor"))
    report, found = rules(package)
    assert ("roles", "encoding-error") in found
    problem = next(p for p in report.problems if p.rule == "encoding-error")
    assert problem.row is not None and "0xe0" in problem.message


def test_crlf_and_bom(package):
    path = package / "data" / "roles.csv"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes().replace(b"\n", b"\r\n"))
    _, found = rules(package)
    assert ("roles", "encoding-error") in found and ("roles", "dialect-error") in found


def test_labels(package):
    rows = read_rows(package, "roles")
    write_rows(package, "roles", rows, header=["label", "code", "definition"])
    _, found = rules(package)
    assert ("roles", "incorrect-label") in found
    write_rows(
        package,
        "roles",
        [{"code": r["code"], "label": r["label"]} for r in rows],
        header=["code", "label"],
    )
    _, found = rules(package)
    assert ("roles", "missing-label") in found
    write_rows(
        package,
        "roles",
        [dict(r, extra="x") for r in rows],
        header=["code", "label", "definition", "extra"],
    )
    _, found = rules(package)
    assert ("roles", "extra-label") in found


def test_ragged_and_blank_rows(package):
    path = package / "data" / "roles.csv"
    lines = path.read_text().splitlines()
    lines[1] += ",surplus"
    lines[2] = lines[2].split(",")[0]
    lines.insert(3, ",,")
    path.write_text("\n".join(lines) + "\n")
    report, found = rules(package)
    assert {("roles", "extra-cell"), ("roles", "missing-cell"), ("roles", "blank-row")} <= found
    rows = {p.rule: p.row for p in report.problems if p.table == "roles"}
    assert rows["extra-cell"] == 2 and rows["missing-cell"] == 3 and rows["blank-row"] == 4


def test_unbalanced_quote(package):
    path = package / "data" / "roles.csv"
    path.write_text(path.read_text() + '"unclosed,label,definition\n')
    _, found = rules(package)
    assert ("roles", "source-error") in found


def test_empty_file(package):
    (package / "data" / "roles.csv").write_text("")
    _, found = rules(package)
    assert ("roles", "source-error") in found


def test_every_problem_reported_at_once(package):
    rows = read_rows(package, "events")
    rows[0]["date"] = "2024-13-01"
    rows[1]["place_id"] = "atlantis"
    write_rows(package, "events", rows)
    (package / "data" / "roles.csv").unlink()
    _, found = rules(package)
    assert {("events", "type-error"), ("events", "foreign-key"), ("roles", "source-error")} <= found


def test_validate_and_fmt_leave_the_csv_modules_limit_as_they_found_it(package):
    """The csv module's field size limit is the whole process's: reading a cell longer than
    its default may raise it for a while, never for the user's code that runs after."""
    import csv

    from syriatl.formatting import format_package

    rows = read_rows(package, "roles")
    rows[0]["definition"] = "x" * 200_000  # past the default limit, 131,072
    write_rows(package, "roles", rows)
    path = package / "data" / "roles.csv"
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))  # for the csv module to read
    previous = csv.field_size_limit(131_072)
    try:
        report = syriatl.validate(package)
        assert csv.field_size_limit() == 131_072
        assert not any(p.table == "roles" and p.rule == "source-error" for p in report.problems)
        assert [r.status for r in format_package(package) if r.file == "data/roles.csv"] == [
            "rewritten"
        ]
        assert csv.field_size_limit() == 131_072
    finally:
        csv.field_size_limit(previous)
