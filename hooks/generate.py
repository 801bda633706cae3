"""MkDocs hook: regenerate the pages that describe the data before every build.

The pages are written to ``docs/generated/`` (gitignored) by :func:`syriatl.docs.write_pages`,
from the data package next to ``mkdocs.yml``, or from the copy that the environment variable
``SYRIATL_DOCS_PACKAGE`` names. A builder without hooks runs the same generator first:
``python -m syriatl.docs docs/generated --package . --project .``.
"""

from __future__ import annotations

import os
from pathlib import Path

from syriatl.docs import write_pages


def on_pre_build(config, **kwargs) -> None:
    project = Path(config.config_file_path).resolve().parent
    package = os.environ.get("SYRIATL_DOCS_PACKAGE") or project
    write_pages(Path(config.docs_dir) / "generated", package_root=package, project_root=project)
