"""Smoke test of benchmarks/: the generator makes a valid package and the runner runs.

No wall-clock time is asserted: the numbers come from `python benchmarks/run.py` on a quiet
machine, not from CI.
"""

from __future__ import annotations

import json
import sys

import pytest
from conftest import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))

import generate
import replicate
import run

import syriatl


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    out = tmp_path_factory.mktemp("bench") / "pkg"
    counts = generate.generate(2000, 0, out)
    return out, counts


def test_generated_package_is_valid_for_syriatl_and_frictionless(small):
    out, counts = small
    assert counts["events"] == 2000 > counts["real_events"]
    report = syriatl.validate(out)
    assert report.valid, report.to_text()[:3000]
    assert report.rows["events"] == 2000
    assert report.rows["event_actors"] == counts["event_actors"]
    from frictionless import Package, system

    with system.use_context(trusted=False):
        reference = Package(str(out / "datapackage.json")).validate()
    assert reference.valid, reference.flatten(["rowNumber", "fieldName", "type", "note"])[:20]


def test_generator_is_seeded(small, tmp_path):
    out, _ = small
    generate.generate(2000, 0, tmp_path / "again")
    for name in ("events", "event_actors", "event_sources", "sources", "places"):
        path = f"data/{name}.csv"
        assert (out / path).read_bytes() == (tmp_path / "again" / path).read_bytes(), name
    generate.generate(2000, 1, tmp_path / "other")
    assert (out / "data/events.csv").read_bytes() != (
        tmp_path / "other" / "data/events.csv"
    ).read_bytes()


def test_generator_stays_inside_the_id_space(tmp_path):
    assert 990_000 < generate.capacity() <= generate.MAX_EVENTS
    with pytest.raises(SystemExit, match="six digits"):
        generate.generate(generate.capacity() + 1, 0, tmp_path / "too-many")


def test_runner_at_a_tiny_size(tmp_path):
    real = syriatl.validate(ROOT).rows["events"]  # sizes just above the real package's
    results = run.run(
        [real + 100, 2 * real + 100],
        workdir=tmp_path,
        repeat=1,
        import_repeat=1,
        log=lambda line: None,
    )
    methods = [entry["method"] for entry in results["sizes"].values()]
    assert methods == ["shipped", "generate", "generate", "replicate", "replicate"]
    for entry in results["sizes"].values():
        validate = entry["validate"]
        assert validate["syriatl"]["valid"] == validate["frictionless"]["valid"]
        assert validate["same_verdict"] and validate["speedup"] > 0
        assert entry["load"]["ratio"] > 0
    assert results["import"]["syriatl"]["imports"] == []  # import syriatl pulls in no pandas
    assert set(results["scaling"]) == {"generate", "replicate"}
    ratio = (2 * real + 100) / (real + 100)
    assert results["scaling"]["generate"]["events_ratio"] == pytest.approx(ratio)
    text = run.markdown(results)
    assert "| shipped |" in text and "| replicate |" in text and "Scaling (replicate)" in text
    lines = run.verdicts(results)
    assert any(line.startswith("memory (shipped") for line in lines)
    # the memory floor: importing pandas costs memory, and more than the bare interpreter
    floor = results["floor"]
    assert floor["pandas"]["peak_mib"] > 20 and "| a process that only imports |" in text
    assert any("import pandera.pandas alone" in line for line in lines)
    assert sum(line.startswith("scaling") for line in lines) == 2
    json.dumps(results)  # the results file is plain JSON


def test_replicated_package_has_the_real_packages_verdict(tmp_path):
    """Copying the whole package with suffixed keys changes no verdict: every problem of the
    copy is a problem of the real package, repeated once per copy."""
    out = tmp_path / "x3"
    rows = replicate.replicate(3, out)
    real = syriatl.validate(ROOT)
    copied = syriatl.validate(out)
    assert rows["events"] == 3 * real.rows["events"]
    assert copied.valid == real.valid
    assert len(copied.problems) == 3 * len(real.problems)
    assert rows["sources"] == real.rows["sources"]  # pages are shared, not copied
