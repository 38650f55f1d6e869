"""Measure the mutation score of chosen modules (stdlib only).

Usage: python scripts/mutation_score.py MODULE_PATH [MODULE_PATH ...] [--tests "[PATH=]CMD"]
           [--jobs 2] [--timeout 120] [--limit N] [--seed 0] [--list] [--root DIR]
           [--equivalents FILE] [--progress] [--preload MODULE[,MODULE...]] [--only FILE]

MODULE_PATH is a file (mlmon/stats.py) or a directory (every .py file under it),
relative to --root (default: the current directory). --tests gives the test
command (default: "python -m pytest -x -q -p no:cacheprovider tests"); given once
it applies to every module; "PATH=CMD" (repeatable) applies CMD to the modules
under PATH only (a file or a folder; the most specific PATH wins, then the last
given). A leading "python" in a command is this interpreter.

Operators (on the AST, one mutant per site; a literal 1 gives two):
    comparisons  < <=, > >=, == !=, is / is not, in / not in (flipped each way)
    arithmetic   + -, * /, // -> *   (also in augmented assignments)
    boolean      and <-> or;  `not x` -> `x`
    numbers      0 -> 1, 1 -> 0 and 1 -> 2, any other number x1.2 (ints rounded)
    constants    True <-> False;  `return X` -> `return None` (X not None)
Not mutated: strings, docstrings, type annotations, `__all__`, decorators.

Each worker copies the working tree once (without .git, .venv, .ci-venv,
benchmarks/data, __pycache__) to a temp dir, writes ast.unparse(mutated module)
over the module there, runs the tests with PYTHONPATH=<copy> and cwd=<copy>,
then restores the file. Before any mutant runs, the tests must pass on
ast.unparse of the unmutated modules (the unparse normalises formatting), and
the modules must be imported from the copy. With --preload (e.g.
numpy,scipy.stats,polars,pytest), each worker keeps one process that has imported
those third-party modules and forks every pytest run from it (the commands must
then be `python -m pytest ARGS`): the project's modules are still imported afresh
in each run, and the baseline runs the same way. --progress prints a line per
mutant as it ends; --only FILE runs only the mutants listed in FILE (a previous
run's output: its survivors, or --progress lines), to check new tests against them.

Each mutant ends in one of four outcomes:
    killed      the tests fail;
    survived    the tests pass;
    timeout     the tests ran past --timeout (an infinite loop the mutant made, or a
                slow machine: not counted as a kill, listed apart);
    equivalent  the tests pass and --equivalents marks the mutant as equivalent (no
                test can tell it from the original), with the reason.
The score is killed / (killed + survived): equivalent mutants and timeouts are left
out of it and shown in their own columns. A marked mutant that the tests kill
counts as killed, and its mark is reported as wrong; a mark that matches no mutant
is reported as stale (the code moved on).

The equivalents file (default: mutation_equivalents.txt beside this script) has
one mutant a line, as the survivors are printed, then two spaces, `#` and why:
    mlmon/stats/grid.py:296:11: x >= 0 -> x > 0  # at 0 both branches give 0.0
Blank lines and lines starting with `#` are ignored. A mark matches the mutant
with the same path, line, column (optional in a mark) and description, else the
only mutant of that module with that description, else the only one with that
description at that column (lines shift as the code changes around it).

Output: survivors as `path:line:col: original -> mutant`, the timeouts, the marked
equivalents with their reasons, then a table per module. Exit status 0, or 2 on
misuse, a malformed equivalents file, or when the baseline cannot run.
"""

from __future__ import annotations

import argparse
import ast
import concurrent.futures
import copy
import json
import os
import queue
import random
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

DEFAULT_TESTS = "python -m pytest -x -q -p no:cacheprovider tests"
IGNORE_DIRS = {".git", ".venv", ".ci-venv", "__pycache__", ".pytest_cache"}
CMP_FLIP = {
    ast.Lt: ast.LtE,
    ast.LtE: ast.Lt,
    ast.Gt: ast.GtE,
    ast.GtE: ast.Gt,
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.Is: ast.IsNot,
    ast.IsNot: ast.Is,
    ast.In: ast.NotIn,
    ast.NotIn: ast.In,
}
ARITH_SWAP = {ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult, ast.FloorDiv: ast.Mult}


def skipped_nodes(tree: ast.AST) -> set[int]:
    """ids of nodes inside docstrings, annotations, decorators and `__all__` assignments."""
    roots: list[ast.AST | None] = []
    for node in ast.walk(tree):
        if (
            isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
            and node.body
            and isinstance(node.body[0], ast.Expr)
            and isinstance(node.body[0].value, ast.Constant)
            and isinstance(node.body[0].value.value, str)
        ):
            roots.append(node.body[0])
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            roots += node.decorator_list + [getattr(node, "returns", None)]
        roots.append(getattr(node, "annotation", None))  # ast.arg and ast.AnnAssign
        targets = getattr(node, "targets", None) or [getattr(node, "target", None)]
        if isinstance(node, ast.stmt) and any(isinstance(t, ast.Name) and t.id == "__all__" for t in targets):
            roots.append(node)
    return {id(sub) for root in roots if root is not None for sub in ast.walk(root)}


def replacements(node: ast.AST) -> list[ast.AST]:
    """The mutated versions of one node (each replaces the node in its parent)."""
    out: list[ast.AST] = []
    if isinstance(node, ast.Compare):
        for i, op in enumerate(node.ops):
            if type(op) in CMP_FLIP:
                new = copy.deepcopy(node)
                new.ops[i] = CMP_FLIP[type(op)]()
                out.append(new)
    elif isinstance(node, (ast.BinOp, ast.AugAssign)) and type(node.op) in ARITH_SWAP:
        new = copy.deepcopy(node)
        new.op = ARITH_SWAP[type(node.op)]()
        out.append(new)
    elif isinstance(node, ast.BoolOp):
        out.append(
            ast.BoolOp(op=ast.Or() if isinstance(node.op, ast.And) else ast.And(), values=copy.deepcopy(node.values))
        )
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        out.append(copy.deepcopy(node.operand))
    elif isinstance(node, ast.Constant) and isinstance(node.value, bool):
        out.append(ast.Constant(not node.value))
    elif isinstance(node, ast.Constant) and type(node.value) in (int, float):
        v, kind = node.value, type(node.value)
        scaled = v * 1.2 if kind is float else (int(v * 1.2) if int(v * 1.2) != v else v + 1)
        out += [ast.Constant(kind(x)) for x in ([1] if v == 0 else [0, 2] if v == 1 else [scaled])]
    elif (
        isinstance(node, ast.Return)
        and node.value is not None
        and not (isinstance(node.value, ast.Constant) and node.value.value is None)
    ):
        out.append(ast.Return(value=ast.Constant(None)))
    return out


def short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= 70 else text[:67] + "..."


CONTEXT = (ast.UnaryOp, ast.Slice, ast.Tuple, ast.List, ast.keyword, ast.Starred)
"""Nodes a constant's description looks through for the expression it is read in."""


def context_of(node: ast.AST, parents: dict[int, ast.AST], source: str) -> ast.expr | None:
    """The expression a number or bool constant is read in (``shares[2:-1:2]`` says more
    than ``1 -> 2``), when it is short; None otherwise."""
    if not isinstance(node, ast.Constant):
        return None
    context = parents.get(id(node))
    while isinstance(context, CONTEXT):
        context = parents.get(id(context))
    segment = isinstance(context, ast.expr) and ast.get_source_segment(source, context)
    return context if segment and len(short(segment)) <= 40 else None  # type: ignore[return-value]


def mutants(rel: str, source: str) -> tuple[str, list[dict]]:
    """(unparse of the original, mutants of module `rel`), each with its mutated source."""
    tree = ast.parse(source)
    baseline, skip, found = ast.unparse(tree), skipped_nodes(tree), []
    walk = list(ast.walk(tree))
    position = {id(n): i for i, n in enumerate(walk)}
    parents = {id(c): p for p in walk for c in ast.iter_child_nodes(p)}
    for index, node in enumerate(walk):
        if id(node) in skip:
            continue
        context = context_of(node, parents, source)
        shown = node if context is None else context
        original = ast.get_source_segment(source, shown) or ast.unparse(shown)
        for k, new in enumerate(replacements(node)):
            fresh = ast.parse(source)  # mutate a fresh tree: same walk order, so same index
            fresh_walk = list(ast.walk(fresh))
            fresh_parents = {id(c): p for p in fresh_walk for c in ast.iter_child_nodes(p)}
            target, changed = fresh_walk[index], fresh_walk[position[id(shown)]]
            parent, swap = fresh_parents[id(target)], replacements(target)[k]
            for field, value in ast.iter_fields(parent):
                if value is target:
                    setattr(parent, field, swap)
                elif isinstance(value, list) and any(v is target for v in value):
                    value[next(i for i, v in enumerate(value) if v is target)] = swap
            mutated = ast.unparse(fresh)
            if mutated != baseline:
                after = ast.unparse(new if context is None else changed)
                found.append(
                    {
                        "path": rel,
                        "line": node.lineno,
                        "col": node.col_offset,
                        "source": mutated,
                        "desc": f"{short(original)} -> {short(after)}",
                    }
                )
    return baseline, sorted(found, key=lambda mu: (mu["line"], mu["col"]))


KILLED, SURVIVED, TIMEOUT, EQUIVALENT = "killed", "survived", "timeout", "equivalent"
DEFAULT_EQUIVALENTS = Path(__file__).resolve().with_name("mutation_equivalents.txt")
MARK = re.compile(r"^(?P<path>[^:\s]+):(?P<line>\d+)(?::(?P<col>\d+))?: (?P<desc>\S.*?)  +# (?P<reason>\S.*)$")
LISTED = re.compile(r"^\s*(?:\[\d+/\d+\] \w+: )?([^:\s]+):(\d+)(?::(\d+))?: (\S.*?)(?:  +# .*)?$")


def test_env(workdir: Path) -> dict[str, str]:
    """The environment of a test run in ``workdir``: the copy first on the path, and no
    bytecode written (a stale .pyc of a same-size mutant must never be reused)."""
    path = os.pathsep.join([str(workdir), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    return dict(os.environ, PYTHONPATH=path, PYTHONDONTWRITEBYTECODE="1")


def run_tests(command: str, workdir: Path, timeout: float) -> str:
    """SURVIVED when the command passes in workdir, KILLED when it fails, TIMEOUT past ``timeout``."""
    argv = shlex.split(command)
    if argv and argv[0] in ("python", "python3"):
        argv[0] = sys.executable
    proc = subprocess.Popen(
        argv,
        cwd=workdir,
        env=test_env(workdir),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        return SURVIVED if proc.wait(timeout=timeout) == 0 else KILLED
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        return TIMEOUT


ZYGOTE = """
import importlib, json, os, signal, sys, time
for name in filter(None, sys.argv[1].split(",")):
    importlib.import_module(name)
import pytest
for line in sys.stdin:
    args, timeout = json.loads(line)
    pid = os.fork()
    if pid == 0:
        os.setsid()
        null = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(null, fd)
        code = 1
        try:
            code = int(pytest.main(args))
        finally:
            os._exit(code)
    deadline, status = time.monotonic() + timeout, None
    while status is None:
        done, raw = os.waitpid(pid, os.WNOHANG)
        if done:
            status = os.waitstatus_to_exitcode(raw)
        elif time.monotonic() > deadline:
            os.killpg(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            status = "timeout"
        else:
            time.sleep(0.02)
    print(json.dumps(status), flush=True)
"""
"""A process that imports the --preload modules once, then forks one ``pytest.main`` per
request line ``[args, timeout]`` and answers its exit status (or "timeout")."""


def pytest_args(command: str) -> list[str] | None:
    """The arguments of a ``python -m pytest ...`` command; None for any other command."""
    argv = shlex.split(command)
    return argv[3:] if argv[:1] in (["python"], ["python3"]) and argv[1:3] == ["-m", "pytest"] else None


class Zygotes:
    """With --preload: one zygote process per work copy, so that each mutant's pytest run
    starts with the heavy third-party modules imported (about three times faster on a busy
    machine); the project's own modules are imported afresh in every run."""

    def __init__(self, preload: list[str]) -> None:
        self.preload, self.procs = preload, {}

    def run(self, command: str, workdir: Path, timeout: float) -> str:
        """As :func:`run_tests`, for a ``python -m pytest`` command."""
        proc = self.procs.get(workdir)
        if proc is None:
            proc = self.procs[workdir] = subprocess.Popen(
                [sys.executable, "-c", ZYGOTE, ",".join(self.preload)],
                cwd=workdir,
                env=test_env(workdir),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                text=True,
                start_new_session=True,
            )
        proc.stdin.write(json.dumps([pytest_args(command), timeout]) + "\n")
        proc.stdin.flush()
        answer = proc.stdout.readline()
        if not answer:
            raise RuntimeError(f"the zygote in {workdir} died (a --preload module that cannot be imported?)")
        status = json.loads(answer)
        return TIMEOUT if status == "timeout" else SURVIVED if status == 0 else KILLED

    def close(self) -> None:
        for proc in self.procs.values():
            proc.stdin.close()
            proc.wait()


def read_marks(path: Path) -> list[dict]:
    """The equivalence marks of ``path`` (none when it does not exist); ValueError names a
    malformed line."""
    if not path.is_file():
        return []
    marks = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        found = MARK.match(line.rstrip())
        if not found:
            raise ValueError(
                f"{path}:{number}: expected `path:line[:col]: original -> mutant  # reason`, got {line.strip()!r}"
            )
        col = None if found["col"] is None else int(found["col"])
        marks.append({**found.groupdict(), "line": int(found["line"]), "col": col, "used": False})
    return marks


def label(mu: dict) -> str:
    """How a mutant is printed, listed and marked: ``path:line:col: original -> mutant``."""
    return f"{mu['path']}:{mu['line']}:{mu['col']}: {mu['desc']}"


def read_only(path: Path) -> dict[str, set[tuple[int, int | None, str]]]:
    """The mutants listed in ``path`` (a previous run's output), by module: every line
    ``path:line[:col]: description``, indented or not, with or without ``  # ...`` after it."""
    listed: dict[str, set[tuple[int, int | None, str]]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        found = LISTED.match(line.rstrip())
        if found:
            col = None if found[3] is None else int(found[3])
            listed.setdefault(found[1], set()).add((int(found[2]), col, found[4]))
    return listed


def mark_equivalents(candidates: list[dict], marks: list[dict]) -> None:
    """Set ``reason`` on each mutant of ``candidates`` (every mutant, before sampling) that
    a mark matches: same path, line, column (when the mark gives one) and description, else
    the module's only mutant with that description, else its only one with that description
    at that column (lines move as code is added above). A mark that matches is flagged ``used``."""
    for mark in marks:
        same = [mu for mu in candidates if mu["path"] == mark["path"] and mu["desc"] == mark["desc"]]
        exact = [mu for mu in same if mu["line"] == mark["line"] and mark["col"] in (None, mu["col"])]
        column = [mu for mu in same if mu["col"] == mark["col"]]
        hits = exact or (same if len(same) == 1 else column if len(column) == 1 else [])
        for mu in hits:
            mu["reason"] = mark["reason"]
        mark["used"] = bool(hits)


def copy_tree(root: Path) -> Path:
    dest = Path(tempfile.mkdtemp(prefix="mutation_")) / "repo"

    def ignore(directory: str, names: list[str]) -> set[str]:
        rel = Path(directory).resolve().relative_to(root)
        return {n for n in names if n in IGNORE_DIRS or (rel / n).as_posix() == "benchmarks/data"}

    shutil.copytree(root, dest, ignore=ignore, symlinks=True)
    return dest


def imported_from_copy(workdir: Path, modules: list[str]) -> list[str]:
    """The modules that the copy's interpreter would NOT import from the copy."""
    names = [m[:-3].replace("/", ".").removesuffix(".__init__") for m in modules]
    code = "import importlib.util, sys\nfor n in sys.argv[1:]: print(importlib.util.find_spec(n).origin)"
    env = dict(os.environ, PYTHONPATH=str(workdir), PYTHONDONTWRITEBYTECODE="1")
    out = subprocess.run(
        [sys.executable, "-c", code, *names], check=False, cwd=workdir, env=env, capture_output=True, text=True
    )
    origins = out.stdout.split()
    return [m for i, m in enumerate(modules) if out.returncode or i >= len(origins) or Path(origins[i]) != workdir / m]


def parse_args(argv: list[str] | None) -> tuple[argparse.ArgumentParser, argparse.Namespace]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("paths", nargs="+", metavar="MODULE_PATH")
    parser.add_argument("--tests", action="append", default=[], metavar="[PATH=]CMD")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=120.0)
    parser.add_argument("--limit", type=int, default=None, help="sample N mutants per module")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--list", action="store_true", help="only list the mutants")
    parser.add_argument("--root", type=Path, default=Path.cwd())
    parser.add_argument(
        "--equivalents",
        type=Path,
        default=DEFAULT_EQUIVALENTS,
        metavar="FILE",
        help="marks of equivalent mutants (default: %(default)s)",
    )
    parser.add_argument("--progress", action="store_true", help="one line per mutant on stderr as it ends")
    parser.add_argument(
        "--only", type=Path, metavar="FILE", help="run only the mutants FILE lists, one `path:line: description` a line"
    )
    parser.add_argument(
        "--preload",
        type=lambda text: [name for name in text.split(",") if name],
        default=[],
        metavar="MODULE[,MODULE...]",
        help="import these third-party modules once per worker and fork each pytest run from there",
    )
    args = parser.parse_args(argv)
    if args.jobs < 1 or (args.limit is not None and args.limit < 1):
        parser.error("--jobs and --limit must be positive")
    return parser, args


def module_paths(parser: argparse.ArgumentParser, root: Path, paths: list[str]) -> list[str]:
    """The .py files named by ``paths``, relative to ``root``, each once."""
    modules: list[str] = []
    for p in paths:
        path = (root / p).resolve()
        if not path.exists() or root not in (path, *path.parents):
            parser.error(f"{p}: no such file or directory under {root}")
        files = sorted(path.rglob("*.py")) if path.is_dir() else [path]
        modules += [f.relative_to(root).as_posix() for f in files if not IGNORE_DIRS & set(f.relative_to(root).parts)]
    return list(dict.fromkeys(modules))


def commands(root: Path, specs: list[str], modules: list[str]) -> dict[str, str]:
    """The test command of each module: the most specific ``PATH=CMD`` over it, else the default."""
    default, scoped = DEFAULT_TESTS, []
    for spec in specs:
        head, sep, cmd = spec.partition("=")
        if sep and " " not in head and (root / head).exists():
            scoped.append(((root / head).resolve().relative_to(root).as_posix(), cmd))
        else:
            default = spec

    def pick(m: str) -> str:
        over = [(len(s), i, c) for i, (s, c) in enumerate(scoped) if m == s or m.startswith(s.rstrip("/") + "/")]
        return max(over)[2] if over else default

    return {m: pick(m) for m in modules}


def same_tests(command: str) -> tuple[str, ...]:
    """A key equal for commands that run the same tests in another order: the words, less
    the paths that lie under another path of the command (pytest collects them once)."""
    words = set(shlex.split(command))
    paths = {w for w in words if not w.startswith("-") and ("/" in w or w.endswith(".py"))}
    inside = {w for w in paths if any(w != o and w.startswith(o.rstrip("/") + "/") for o in paths)}
    return tuple(sorted(words - inside))


def baseline_fails(
    workdir: Path,
    modules: list[str],
    baselines: dict[str, str],
    commands_: list[str],
    run: Callable[[str, Path, float], str],
    timeout: float,
) -> str | None:
    """Why the mutants cannot run in ``workdir`` (None: they can): a module that would be
    imported from elsewhere, or a test command that fails on the unparsed, unmutated modules
    (``commands_``: one command per :func:`same_tests` key, the same tests in another order once)."""
    missing = imported_from_copy(workdir, modules)
    if missing:
        return f"not imported from the copy (shadowed?): {', '.join(missing)}"
    for m in modules:
        (workdir / m).write_text(baselines[m], encoding="utf-8")
    for cmd in commands_:
        if run(cmd, workdir, timeout) != SURVIVED:
            return (
                f"the tests fail (or time out) on the unmutated, unparsed modules: {cmd}\n"
                f"       (is the tree broken? try --root on a clean checkout)"
            )
    return None


def run_all(
    root: Path,
    modules: list[str],
    work: list[dict],
    command_for: dict[str, str],
    baselines: dict[str, str],
    args: argparse.Namespace,
) -> list[str] | None:
    """The outcome of each mutant in ``work`` (None: the baseline does not pass)."""
    originals = {m: (root / m).read_text(encoding="utf-8") for m in modules}
    copies = [copy_tree(root) for _ in range(min(args.jobs, max(len(work), 1)))]
    zygotes = Zygotes(args.preload) if args.preload else None
    run = zygotes.run if zygotes else run_tests
    try:
        why = baseline_fails(
            copies[0],
            modules,
            baselines,
            list({same_tests(c): c for c in command_for.values()}.values()),
            run,
            args.timeout,
        )
        if why:
            print(f"abort: {why}", file=sys.stderr)
            return None
        for c in copies:  # the originals as read above, even if the tree changes meanwhile
            for m in modules:
                (c / m).write_text(originals[m], encoding="utf-8")
        pool: queue.Queue[Path] = queue.Queue()
        for c in copies:
            pool.put(c)
        done = iter(range(1, len(work) + 1))  # next() on it is atomic under the GIL

        def attempt(mu: dict) -> str:
            workdir = pool.get()
            try:
                (workdir / mu["path"]).write_text(mu["source"], encoding="utf-8")
                outcome = run(command_for[mu["path"]], workdir, args.timeout)
            finally:
                (workdir / mu["path"]).write_text(originals[mu["path"]], encoding="utf-8")
                pool.put(workdir)
            outcome = EQUIVALENT if outcome == SURVIVED and "reason" in mu else outcome
            if args.progress:
                where = label(mu)
                print(f"[{next(done)}/{len(work)}] {outcome}: {where}", file=sys.stderr, flush=True)
            return outcome

        with concurrent.futures.ThreadPoolExecutor(len(copies)) as ex:
            return list(ex.map(attempt, work))
    finally:
        if zygotes:
            zygotes.close()
        for c in copies:
            shutil.rmtree(c.parent, ignore_errors=True)


def report(modules: list[str], work: list[dict], outcomes: list[str], marks: list[dict]) -> None:
    """Survivors, timeouts, equivalents, wrong and stale marks, then the table."""
    where = label
    pairs = list(zip(work, outcomes))
    for title, keep in (("survived", SURVIVED), ("timed out (not counted)", TIMEOUT)):
        listed = [where(mu) for mu, o in pairs if o == keep]
        if listed:
            print(f"{title}:", *listed, sep="\n  ")
    equivalent = [f"{where(mu)}  # {mu['reason']}" for mu, o in pairs if o == EQUIVALENT]
    wrong = [where(mu) for mu, o in pairs if o == KILLED and "reason" in mu]
    stale = [label({**m, "col": m["col"] if m["col"] is not None else "*"}) for m in marks if not m["used"]]
    for title, listed in (
        ("equivalent (marked, not counted)", equivalent),
        ("marked equivalent but killed: remove the mark", wrong),
        ("stale marks (no such mutant)", stale),
    ):
        if listed:
            print(f"{title}:", *listed, sep="\n  ")
    width = max(len(m) for m in modules + ["total"])
    print(f"\n{'module':<{width}}  mutants  killed  survived  equivalent  timeout  score")
    rows = [(m, [o for mu, o in pairs if mu["path"] == m]) for m in modules] + [("total", outcomes)]
    for name, os_ in rows:
        k, s = os_.count(KILLED), os_.count(SURVIVED)
        score = f"{100 * k / (k + s):5.1f}%" if k + s else "    -"
        print(
            f"{name:<{width}}  {len(os_):7}  {k:6}  {s:8}  {os_.count(EQUIVALENT):10}  {os_.count(TIMEOUT):7}  {score}"
        )


def main(argv: list[str] | None = None) -> int:
    parser, args = parse_args(argv)
    root = args.root.resolve()
    modules = module_paths(parser, root, args.paths)
    command_for = commands(root, args.tests, modules)
    own = [name for name in args.preload if (root / name.split(".")[0]).exists()]
    if own:
        parser.error(f"--preload: {', '.join(own)} is the project's own code: it must be imported afresh in each run")
    if args.preload and any(pytest_args(cmd) is None for cmd in command_for.values()):
        parser.error("--preload runs test commands of the form `python -m pytest ARGS` only")
    for given in (args.only, None if args.equivalents == DEFAULT_EQUIVALENTS else args.equivalents):
        if given is not None and not given.is_file():
            parser.error(f"{given}: no such file")
    try:
        marks = read_marks(args.equivalents)
    except ValueError as exc:
        parser.error(str(exc))
    only = read_only(args.only) if args.only else None
    baselines, work = {}, []
    for m in modules:
        try:
            baselines[m], found = mutants(m, (root / m).read_text(encoding="utf-8"))
        except SyntaxError as exc:
            parser.error(f"{m}: {exc}")
        mark_equivalents(found, [mk for mk in marks if mk["path"] == m])
        if only is not None:
            wanted = only.get(m, set())
            found = [
                mu for mu in found if {(mu["line"], mu["col"], mu["desc"]), (mu["line"], None, mu["desc"])} & wanted
            ]
        if args.limit is not None and len(found) > args.limit:
            keep = set(random.Random(f"{args.seed}:{m}").sample(range(len(found)), args.limit))
            found = [mu for i, mu in enumerate(found) if i in keep]
        work += found
    if args.list:
        for mu in work:
            print(label(mu) + (f"  # {mu['reason']}" if "reason" in mu else ""))
        print(f"{len(work)} mutants in {len(modules)} module(s)")
        return 0
    outcomes = run_all(root, modules, work, command_for, baselines, args)
    if outcomes is None:
        return 2
    report(modules, work, outcomes, [mk for mk in marks if mk["path"] in modules])
    return 0


if __name__ == "__main__":
    sys.exit(main())
