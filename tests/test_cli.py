"""The command line: exit codes, reports for people and machines, and no tracebacks."""

from __future__ import annotations

import json
import subprocess
import sys

from conftest import set_cell


def run(*args, cwd=None):
    return subprocess.run(
        [sys.executable, "-m", "syriatl.cli", *args], capture_output=True, text=True, cwd=cwd
    )


def test_validate_shipped_package():
    out = run("validate")
    assert out.returncode == 0, out.stdout + out.stderr
    assert out.stdout.startswith("valid:")


def test_validate_bad_copy_exits_1_without_traceback(package):
    set_cell(package, "events", 0, "date", "2024-02-30")
    (package / "data" / "roles.csv").write_bytes(b"\xff\xfe garbage")
    out = run("validate", str(package))
    assert out.returncode == 1
    assert "Traceback" not in out.stdout + out.stderr
    assert "data/events.csv, row 2, column date: [type-error]" in out.stdout
    assert "[encoding-error]" in out.stdout


def test_validate_json(package):
    set_cell(package, "events", 0, "place_id", "atlantis")
    out = run("validate", str(package), "--format", "json")
    report = json.loads(out.stdout)
    assert out.returncode == 1 and report["valid"] is False
    problem = next(p for p in report["problems"] if p["rule"] == "foreign-key")
    assert problem == {
        "table": "events",
        "row": 2,
        "column": "place_id",
        "rule": "foreign-key",
        "message": problem["message"],
        "file": "data/events.csv",
    }


def test_validate_missing_path(tmp_path):
    """A path that names no package is a usage error (exit 2), not a verdict on a package."""
    out = run("validate", str(tmp_path / "nowhere"))
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert "no data package descriptor" in out.stderr and out.stdout == ""


def test_summary():
    out = run("summary", "--format", "json")
    assert out.returncode == 0
    summary = json.loads(out.stdout)
    assert summary["first_date"] == "2024-11-27" and summary["last_date"] == "2024-12-08"
    assert sum(summary["events_per_day"].values()) == summary["rows"]["events"]
    assert 0 < summary["share_two_publishers"] <= 1
    assert 0 < summary["share_large_changes_two_publishers"] <= 1
    text = run("summary").stdout
    assert "events per day:" in text and "2024-12-08" in text


def test_summary_never_rounds_a_share_up_to_its_target():
    """A share just short of the 80 % target reads as short of it, in JSON and in text."""
    import numpy as np

    from syriatl.summary import share_down, summary_text

    hits = np.array([True] * 7996 + [False] * 2004)
    assert share_down(hits) == 0.799
    assert share_down(np.array([True] * 7 + [False] * 3)) == 0.7  # exact shares stay exact
    summary = {
        "rows": {},
        "first_date": "2024-11-27",
        "last_date": "2024-12-08",
        "share_two_publishers": share_down(hits),
        "share_large_changes_two_publishers": None,
        "events_per_day": {},
        "events_per_type": {},
        "events_per_certainty": {},
    }
    assert "publishers: 79.9% (target 80%)" in summary_text(summary)


def test_summary_of_broken_copy_is_a_message(package):
    set_cell(package, "events", 0, "date", "not a date")
    out = run("summary", str(package))
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert "syriatl validate" in out.stderr
