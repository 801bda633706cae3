"""Print pip constraints that hold each runtime dependency at the lowest version pyproject.toml
allows (``name>=X`` becomes ``name==X``), so that CI proves the lower bounds, not only the
newest releases."""

import re
import sys
import tomllib
from pathlib import Path

project = tomllib.loads(Path("pyproject.toml").read_text(encoding="utf-8"))["project"]
for requirement in project["dependencies"]:
    bound = re.fullmatch(r"([A-Za-z0-9_.-]+)>=([0-9.]+)", requirement)
    if bound is None:
        sys.exit(f"pyproject.toml: {requirement!r} is not of the form name>=version")
    print(f"{bound[1]}=={bound[2]}")
# pandas 2.2.0 was built against numpy 1; pip would pair it with numpy 2, which it cannot load
print("numpy<2")
