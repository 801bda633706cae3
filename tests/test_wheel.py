"""The built wheel carries the data: installed into a fresh virtual environment, it loads."""

from __future__ import annotations

import json
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest
from conftest import ROOT

CHECK = """
import json, sys, syriatl
tables = syriatl.load_package()
report = syriatl.validate()
print(json.dumps({
    "file": syriatl.__file__,
    "version": syriatl.__version__,
    "rows": {name: len(frame) for name, frame in tables.items()},
    "valid": report.valid,
    "citation": syriatl.__citation__,
}))
"""


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "build",
            "--wheel",
            "--no-isolation",
            "--outdir",
            str(out),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    (built,) = out.glob("syriatl-*.whl")
    return built


def test_wheel_contains_the_package(wheel):
    import zipfile

    names = set(zipfile.ZipFile(wheel).namelist())
    assert "syriatl/package/datapackage.json" in names
    assert "syriatl/package/data/events.csv" in names
    assert "syriatl/package/schemas/events.json" in names
    assert "syriatl/package/CITATION.cff" in names
    assert "syriatl/package/LICENSE-DATA" in names
    version = json.loads((ROOT / "datapackage.json").read_text())["version"]
    assert wheel.name.startswith(f"syriatl-{version}-")


def test_installed_wheel_loads_every_table(wheel, tmp_path):
    env = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env)
    python = env / "bin" / "python"
    # the dependencies are borrowed from this environment (no network); the wheel is installed
    # fresh. A path listed in a .pth file is not a site dir, so this environment's editable
    # install of syriatl is not visible there.
    site = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    Path(site, "borrowed-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run(
        [python, "-m", "pip", "install", "--no-deps", "--no-index", "--quiet", str(wheel)],
        check=True,
    )
    out = subprocess.run(
        [python, "-c", CHECK], check=True, capture_output=True, text=True, cwd=tmp_path
    )
    result = json.loads(out.stdout)
    assert str(env) in result["file"], "the test imported the source tree, not the wheel"
    shipped = json.loads((ROOT / "datapackage.json").read_text())
    assert result["version"] == shipped["version"]
    assert result["valid"]
    assert f"version = {{{shipped['version']}}}" in result["citation"]
    for resource in shipped["resources"]:
        lines = (ROOT / resource["path"]).read_text(encoding="utf-8").count("\n")
        assert result["rows"][resource["name"]] == lines - 1
