"""One mlmon command line, run by two checkouts of mlmon in turn: what a change cost or saved.

Usage (from the repository root)::

    git worktree add /tmp/base abd1d1c           # the checkout to compare against
    python benchmarks/bench_commits.py /tmp/base --runs 3 -- report LOG --format json

Each run is a fresh process of this interpreter that puts the checkout's folder first on
``sys.path`` (and checks that mlmon was imported from there) and calls mlmon's ``main``
with the arguments after ``--``; the two checkouts alternate, ``--runs`` times each. Prints
each run's wall time and CPU (user + system of the child, ``RUSAGE_CHILDREN``), then the
medians and the ratio of this checkout to the other. Compare within one run: the machine
is shared. Byte-compile the other checkout first (``python -m compileall -q DIR/mlmon``)
when ``PYTHONDONTWRITEBYTECODE`` is set, or its runs pay for compiling.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]
RUN = (
    "import sys; root = sys.argv.pop(1); sys.path.insert(0, root); import mlmon; "
    "assert mlmon.__file__.startswith(root), mlmon.__file__; from mlmon.cli import main; main()"
)


def timed(root: Path, args: list[str]) -> tuple[float, float, int]:
    """Wall seconds, CPU seconds and exit status of one run of mlmon from ``root``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", RUN, str(root), *args], stdout=subprocess.DEVNULL, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return wall, cpu, done.returncode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("other", type=Path, help="the other checkout's root (a git worktree)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("args", nargs=argparse.REMAINDER, help="-- then mlmon's arguments")
    options = parser.parse_args()
    args = options.args[1:] if options.args[:1] == ["--"] else options.args
    roots = {"other": options.other.resolve(), "this": HERE}
    runs: dict[str, list[tuple[float, float]]] = {name: [] for name in roots}
    for index in range(options.runs):
        for name, root in roots.items():
            wall, cpu, code = timed(root, args)
            runs[name].append((wall, cpu))
            print(f"run {index + 1} {name:<6} {wall:7.2f} s wall {cpu:7.2f} s CPU  exit {code}", flush=True)
    medians = {
        name: tuple(statistics.median(run[i] for run in values) for i in (0, 1)) for name, values in runs.items()
    }
    for name, (wall, cpu) in medians.items():
        print(f"{name:<6} ({roots[name]}): median {wall:.2f} s wall, {cpu:.2f} s CPU")
    (other_wall, other_cpu), (this_wall, this_cpu) = medians["other"], medians["this"]
    print(f"this / other: {this_wall / other_wall:.2f}x wall, {this_cpu / other_cpu:.2f}x CPU")


if __name__ == "__main__":
    main()
