"""The ``syriatl`` command line: validate a package, summarise it."""

from __future__ import annotations

import argparse
import json
import sys


def _validate(args: argparse.Namespace) -> int:
    from syriatl.validation import validate

    report = validate(args.path)
    print(report.to_json() if args.format == "json" else report.to_text())
    return 0 if report.valid else 1


def _summary(args: argparse.Namespace) -> int:
    from syriatl.summary import summarize, summary_text

    try:
        summary = summarize(path=args.path)
    except (OSError, ValueError, KeyError) as exc:
        print(f"cannot summarise {args.path or 'the shipped package'}: {exc}", file=sys.stderr)
        print("run `syriatl validate` to see every problem", file=sys.stderr)
        return 1
    print(json.dumps(summary, indent=2) if args.format == "json" else summary_text(summary))
    return 0


def _fmt(args: argparse.Namespace) -> int:
    from syriatl.formatting import PackageError, format_package

    try:
        results = format_package(args.path, check=args.check)
    except PackageError as exc:
        print(f"cannot format {args.path}: {exc}", file=sys.stderr)
        return 1
    verb = "would rewrite" if args.check else "rewrote"
    for result in results:
        if result.status == "refused":
            print(f"left alone {result.file}: {result.reason}")
        elif result.status == "rewritten":
            print(f"{verb} {result.file}")
    changed = sum(r.status == "rewritten" for r in results)
    refused = sum(r.status == "refused" for r in results)
    print(f"{len(results)} files: {changed} {verb}, {refused} left alone")
    return 1 if refused or (args.check and changed) else 0


def parser() -> argparse.ArgumentParser:
    from syriatl import __version__

    main = argparse.ArgumentParser(
        prog="syriatl",
        description="The 2024 Syrian opposition offensive (27 Nov - 8 Dec 2024) as validated data.",
    )
    main.add_argument("--version", action="version", version=f"syriatl {__version__}")
    commands = main.add_subparsers(dest="command", required=True)

    validate = commands.add_parser(
        "validate", help="check a data package and report every problem (exit 1 if any)"
    )
    validate.add_argument(
        "path", nargs="?", help="package folder or datapackage.json (default: the shipped package)"
    )
    validate.add_argument("--format", choices=["text", "json"], default="text")
    validate.set_defaults(run=_validate)

    summary = commands.add_parser("summary", help="counts, date span and events per day")
    summary.add_argument("path", nargs="?", help="package folder or datapackage.json")
    summary.add_argument("--format", choices=["text", "json"], default="text")
    summary.set_defaults(run=_summary)

    fmt = commands.add_parser(
        "fmt", help="rewrite the CSVs in canonical form (order, quoting, NFC, LF), losing nothing"
    )
    fmt.add_argument("path", nargs="?", default=".", help="package folder (default: .)")
    fmt.add_argument(
        "--check", action="store_true", help="change nothing; exit 1 if a file would change"
    )
    fmt.set_defaults(run=_fmt)
    return main


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
