"""Every command of the command line, given arguments it cannot use, answers with one line of
error and exit 2: never a traceback, never exit 0. The cases are built per command; a command
added to the parser without cases fails the first test."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from syriatl.cli import main, parser


@pytest.fixture(scope="module")
def bad(tmp_path_factory) -> dict[str, str]:
    """Paths that are not packages, and an output that cannot be a folder."""
    root = tmp_path_factory.mktemp("bad")
    (root / "empty").mkdir()
    (root / "not-a-zip.zip").write_text("plain text, not a zip", encoding="utf-8")
    with zipfile.ZipFile(root / "no-package.zip", "w") as archive:
        archive.writestr("README.txt", "a zip without datapackage.json")
    (root / "a-file").write_text("x", encoding="utf-8")
    return {
        "missing": str(root / "does-not-exist"),
        "empty": str(root / "empty"),
        "not-a-zip": str(root / "not-a-zip.zip"),
        "no-package": str(root / "no-package.zip"),
        "url": "https://example.org/syriatl-data.zip",
        "file-as-folder": str(root / "a-file"),
    }


PACKAGES = ["missing", "empty", "not-a-zip", "no-package", "url"]


def cases(bad: dict[str, str], out: Path) -> dict[str, list[list[str]]]:
    """Malformed arguments for each command."""
    packages = [bad[k] for k in PACKAGES]
    return {
        "validate": [[p] for p in packages] + [["--format", "yaml"]],
        "summary": [[p] for p in packages] + [["--format", "xml"]],
        "fmt": [[p] for p in packages],
        "cite": [["--path", p] for p in packages] + [["--format", "mla"]],
        "release": [["--out", str(out), p] for p in packages]
        + [["--out", bad["file-as-folder"]], []],
        "export": [["--format", "parquet", "--out", str(out), p] for p in packages]
        + [
            ["--format", "xlsx", "--out", str(out)],
            ["--format", "geojson", "--out", bad["file-as-folder"]],
        ],
        "control": [
            [],
            ["nowhere-at-all"],
            ["aleppo", "--date", "2024-13-01"],
            ["--date", "yesterday"],
            ["--date", "2023-01-01"],
            ["aleppo", "--date", "2024-12-01T00:00"],
            *[["aleppo", "--path", p] for p in packages],
        ],
        "derive": [[p] for p in packages],
        "sample": [["--seed", "1", "--path", p] for p in packages]
        + [[], ["--seed", "one"], ["--seed", "1", "-n", "0"], ["--seed", "1", "-n", "-3"]]
        + [["--seed", "1", "--format", "xml"]],
        "diff": [[p, p] for p in packages] + [[bad["empty"]]],
        "figure": [["control", "--out", str(out), "--path", p] for p in packages]
        + [
            ["control", "--out", str(out), "--days", "2024-12-32"],
            ["control", "--out", str(out), "--days", "2023-01-01"],
            ["control", "--out", bad["file-as-folder"]],
            ["map", "--out", str(out)],
        ],
    }


def commands() -> list[str]:
    subparsers = next(a for a in parser()._actions if a.dest == "command")
    return sorted(subparsers.choices)


def test_every_command_has_malformed_cases(bad, tmp_path):
    assert sorted(cases(bad, tmp_path)) == commands()


@pytest.mark.parametrize("command", commands())
def test_malformed_arguments_exit_2_with_one_message(command, bad, tmp_path, capsys):
    for args in cases(bad, tmp_path / "out").get(command, []):
        try:
            code = main([command, *args])
        except SystemExit as exit_:  # argparse's usage errors
            code = exit_.code
        captured = capsys.readouterr()
        said = (captured.err + captured.out)[:400]
        assert code == 2, f"syriatl {command} {' '.join(args)} exited {code}: {said}"
        assert captured.err.strip(), f"syriatl {command} {' '.join(args)} said nothing"
        assert "Traceback" not in captured.err + captured.out
        assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())
