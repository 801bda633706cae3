"""The README's examples run as written: each ``python`` block under "Load it" and "Ways in",
in order, in one namespace, in a scratch folder (they write exports there)."""

from __future__ import annotations

import re

from conftest import ROOT


def blocks() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start, end = readme.index("## Load it"), readme.index("## Tables")
    return re.findall(r"```python\n(.*?)```", readme[start:end], flags=re.DOTALL)


def test_readme_examples_run(tmp_path, monkeypatch, capsys):
    examples = blocks()
    assert len(examples) >= 5
    # the validate() example names a copy of one's own: make one where it looks
    from conftest import copy_package

    monkeypatch.chdir(tmp_path)
    copy_package(tmp_path / "my-copy")
    namespace: dict = {}
    for code in examples:
        exec(compile(code, "README.md", "exec"), namespace)
    assert namespace["report"].valid
    assert namespace["my_events"].loc[0, "title"] == "too short"
    assert "@" in capsys.readouterr().out  # the BibTeX entry was printed
    assert (tmp_path / "db" / "syriatl.db").is_file()
    assert (tmp_path / "pq" / "events.parquet").is_file()
