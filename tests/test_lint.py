"""The code is linted and formatted with ruff, as part of the test suite CI runs."""

from __future__ import annotations

import subprocess
import sys

import pytest
from conftest import ROOT


@pytest.mark.parametrize("command", [["check"], ["format", "--check"]])
def test_ruff(command):
    out = subprocess.run(
        [sys.executable, "-m", "ruff", *command, "src", "tests", "hooks"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stdout + out.stderr
