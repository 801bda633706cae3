"""The ``syriatl`` command line: validate a package, summarise it, draw its figures."""

from __future__ import annotations

import argparse
import json
import sys

# Exit codes: 0 done; 1 the data fails a check (validate, fmt --check, derive --check, a release
# of an invalid package); 2 the arguments or the input are unusable (argparse's own code too).
USAGE = 2


class InputError(Exception):
    """The command cannot run on what it was given; ``main`` prints it and exits with 2."""


def _validate(args: argparse.Namespace) -> int:
    from syriatl.validation import validate

    report = validate(args.path)
    if any(problem.rule == "no-package" for problem in report.problems):
        raise InputError(report.problems[0].message)
    print(report.to_json() if args.format == "json" else report.to_text())
    return 0 if report.valid else 1


def _summary(args: argparse.Namespace) -> int:
    from syriatl.summary import summarize, summary_text

    summary = summarize(path=args.path)
    print(json.dumps(summary, indent=2) if args.format == "json" else summary_text(summary))
    return 0


def _fmt(args: argparse.Namespace) -> int:
    from syriatl.formatting import format_package

    results = format_package(args.path, check=args.check)
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


def _cite(args: argparse.Namespace) -> int:
    from syriatl.citation import cite

    print(cite(args.format, args.path))
    return 0


def _release(args: argparse.Namespace) -> int:
    from syriatl.release import ReleaseError, build_release

    try:
        bundle = build_release(args.out, args.path)
    except ReleaseError as exc:  # the package fails validation: a verdict, not a usage error
        print(f"no release written: {exc}", file=sys.stderr)
        return 1
    print(f"{bundle.path}\n{bundle.bytes} bytes\nsha256 {bundle.sha256}")
    return 0


def _export(args: argparse.Namespace) -> int:
    from pathlib import Path

    from syriatl.database import write_sqlite
    from syriatl.exports import write_geojson, write_parquet

    writers = {"parquet": write_parquet, "geojson": write_geojson, "sqlite": write_sqlite}
    for path in writers[args.format](Path(args.out), args.path):
        print(path)
    return 0


def _diff(args: argparse.Namespace) -> int:
    from syriatl.diff import diff, diff_json, diff_text

    result = diff(args.old, args.new)
    print(diff_json(result) if args.format == "json" else diff_text(result))
    return 0


def _control(args: argparse.Namespace) -> int:
    from syriatl.history import control_report

    if not args.place and not args.date:
        raise InputError("give a PLACE, a --date, or both")
    print(control_report(args.place, args.date, args.path))
    return 0


def _derive(args: argparse.Namespace) -> int:
    from syriatl.history import derive

    written, changed = derive(args.path, check=args.check)
    verb = ("would rewrite" if args.check else "rewrote") if changed else "unchanged:"
    print(f"{verb} {written}")
    return 1 if changed and args.check else 0


def _sample(args: argparse.Namespace) -> int:
    from syriatl.audit import SampleSizeError, sample_links

    try:
        pairs = sample_links(args.seed, args.n, args.path)
    except SampleSizeError as exc:
        raise InputError(str(exc)) from exc
    if args.format == "json":
        records = pairs.astype(object).where(pairs.notna(), None).to_dict(orient="records")
        print(json.dumps(records, ensure_ascii=False, indent=2))
    else:
        print(pairs.to_csv(index=False), end="")
    return 0


def _figure(args: argparse.Namespace) -> int:
    from syriatl.figures import DPI, png_size, write_control_figures

    days = [day for day in args.days.split(",") if day.strip()] if args.days else None
    for path in write_control_figures(args.out, args.path, days):
        if path.suffix == ".png":
            width, height, _ = png_size(path.read_bytes())
            print(
                f"{path}  {width}x{height} px, {width / DPI:.2f}x{height / DPI:.2f} in at {DPI} ppi"
            )
        else:
            print(path)
    return 0


def parser() -> argparse.ArgumentParser:
    from syriatl import __version__
    from syriatl.figures import DEFAULT_FRONT_DAYS

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

    cite = commands.add_parser("cite", help="how to cite this release (BibTeX, APA or CFF)")
    cite.add_argument("--format", choices=["bibtex", "apa", "cff"], default="bibtex")
    cite.add_argument("--path", help="package folder (default: the shipped package)")
    cite.set_defaults(run=_cite)

    release = commands.add_parser(
        "release", help="write the reproducible release zip (data, schemas, exports, checksums)"
    )
    release.add_argument("--out", required=True, help="folder to write the zip into")
    release.add_argument("path", nargs="?", help="package folder (default: the shipped package)")
    release.set_defaults(run=_release)

    export = commands.add_parser(
        "export", help="write the tables as Parquet, GeoJSON or a SQLite database for Datasette"
    )
    export.add_argument("--format", choices=["parquet", "geojson", "sqlite"], required=True)
    export.add_argument("--out", required=True, help="folder to write into")
    export.add_argument("path", nargs="?", help="package folder (default: the shipped package)")
    export.set_defaults(run=_export)

    held = commands.add_parser(
        "control", help="who held a place day by day, or every place in scope on a day"
    )
    held.add_argument("place", nargs="?", help="a place_id, name or alias, e.g. aleppo")
    held.add_argument(
        "--date", help="YYYY-MM-DD: who held the place that day (with no PLACE: the day's map)"
    )
    held.add_argument("--path", help="package folder (default: the shipped package)")
    held.set_defaults(run=_control)

    derived = commands.add_parser(
        "derive", help="rewrite the daily control table from the baseline and the changes"
    )
    derived.add_argument("path", nargs="?", default=".", help="package folder (default: .)")
    derived.add_argument(
        "--check", action="store_true", help="change nothing; exit 1 if the table would change"
    )
    derived.set_defaults(run=_derive)

    figure = commands.add_parser(
        "figure",
        help="draw static figures (SVG, and PNG at 300 ppi) for papers and teaching",
        description="control: maps of Syria with every located place in scope coloured by its "
        "holder, one panel per day, and the front on a few days, larger (needs syriatl[figures])",
    )
    figure.add_argument("kind", choices=["control"])
    figure.add_argument("--out", required=True, help="folder to write the figures into")
    figure.add_argument(
        "--days",
        help="the front figure's days, comma-separated YYYY-MM-DD "
        f"(default: {','.join(DEFAULT_FRONT_DAYS)})",
    )
    figure.add_argument("--path", help="package folder or zip (default: the shipped package)")
    figure.set_defaults(run=_figure)

    sample = commands.add_parser(
        "sample",
        help="draw an audit sample: seeded random event-source pairs to read, page in hand",
    )
    sample.add_argument("--seed", type=int, required=True, help="the seed, e.g. 2026120525")
    sample.add_argument("-n", type=int, default=20, help="how many pairs (default: 20)")
    sample.add_argument("--format", choices=["csv", "json"], default="csv")
    sample.add_argument("--path", help="package folder or zip (default: the shipped package)")
    sample.set_defaults(run=_sample)

    compare = commands.add_parser(
        "diff", help="rows added, removed and changed between two versions (folders or zips)"
    )
    compare.add_argument("old")
    compare.add_argument("new")
    compare.add_argument("--format", choices=["text", "json"], default="text")
    compare.set_defaults(run=_diff)
    return main


def main(argv: list[str] | None = None) -> int:
    """Run one command. Input it cannot use (a missing path, a zip or folder that holds no
    package, a malformed date, a place not in the data, an unreadable table, an output folder
    it cannot write) ends in one line on stderr and exit 2, never a traceback."""
    import csv
    import zipfile

    args = parser().parse_args(argv)
    try:
        return args.run(args)
    except BrokenPipeError:  # the reader went away (e.g. `| head`): stop quietly
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except ImportError as exc:  # an optional extra that is not installed
        print(f"syriatl {args.command}: {exc}", file=sys.stderr)
        return USAGE
    except (
        InputError,
        OSError,
        ValueError,  # PackageError, ControlQueryError, malformed JSON or CSV cells among them
        LookupError,
        csv.Error,
        zipfile.BadZipFile,
        RecursionError,
    ) as exc:
        print(f"syriatl {args.command}: {_message(exc)}", file=sys.stderr)
        if not isinstance(exc, InputError) and args.command not in ("validate", "control"):
            print("run `syriatl validate` on the package to see every problem", file=sys.stderr)
        return USAGE


def _message(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror and exc.filename:
        return f"{exc.strerror}: {exc.filename}"
    if isinstance(exc, KeyError):
        return f"missing {exc}"
    return str(exc) or type(exc).__name__


if __name__ == "__main__":
    sys.exit(main())
