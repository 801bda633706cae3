"""syriatl: the 2024 Syrian opposition offensive (27 November - 8 December 2024) as data.

    >>> import syriatl
    >>> events = syriatl.load("events")        # a typed pandas DataFrame
    >>> report = syriatl.validate()            # or validate("path/to/edited/copy")
    >>> print(syriatl.__citation__)            # BibTeX of the installed release

Heavy libraries (pandas, pandera, frictionless) are imported only when a function needs them,
so ``import syriatl`` stays light.
"""

from __future__ import annotations

from importlib import metadata

try:
    __version__ = metadata.version("syriatl")
except metadata.PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0+unknown"

_EXPORTS = {
    "load": "syriatl.loading",
    "load_package": "syriatl.loading",
    "load_joined": "syriatl.loading",
    "list_tables": "syriatl.loading",
    "validate": "syriatl.validation",
    "validate_frames": "syriatl.validation",
    "schema": "syriatl.validation",
    "summarize": "syriatl.summary",
    "control": "syriatl.history",
    "control_history": "syriatl.history",
    "daily_control": "syriatl.history",
    "ControlQueryError": "syriatl.history",
    "Report": "syriatl.report",
    "Problem": "syriatl.report",
}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str):
    if name == "__citation__":  # the BibTeX entry of the installed release
        from syriatl.citation import cite

        return cite("bibtex")
    if name in _EXPORTS:
        import importlib

        value = getattr(importlib.import_module(_EXPORTS[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'syriatl' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
