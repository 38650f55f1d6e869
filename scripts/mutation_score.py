"""Measure the mutation score of chosen modules (stdlib only).

Usage: python scripts/mutation_score.py MODULE_PATH [MODULE_PATH ...] [--tests "[PATH=]CMD"]
           [--jobs 2] [--timeout 120] [--limit N] [--seed 0] [--list] [--root DIR]

MODULE_PATH is a file (mlmon/stats.py) or a directory (every .py file under it),
relative to --root (default: the current directory). --tests gives the test
command (default: "python -m pytest -x -q -p no:cacheprovider tests"); given once
it applies to every module; "PATH=CMD" (repeatable) applies CMD to the modules
under PATH only. A leading "python" in a command is this interpreter.

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
then restores the file. A failing run or a timeout kills the mutant. Before any
mutant runs, the tests must pass on ast.unparse of the unmutated modules (the
unparse normalises formatting), and the modules must be imported from the copy.

Surviving mutants are printed as `path:line: original -> mutant`, then a table
per module. Some mutants are equivalent (no test can kill them), so the score is
a lower bound. Exit status 0, or 2 on misuse or when the baseline cannot run.
"""
from __future__ import annotations

import argparse
import ast
import concurrent.futures
import copy
import os
import queue
import random
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

DEFAULT_TESTS = "python -m pytest -x -q -p no:cacheprovider tests"
IGNORE_DIRS = {".git", ".venv", ".ci-venv", "__pycache__", ".pytest_cache"}
CMP_FLIP = {ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt, ast.Eq: ast.NotEq,
            ast.NotEq: ast.Eq, ast.Is: ast.IsNot, ast.IsNot: ast.Is, ast.In: ast.NotIn, ast.NotIn: ast.In}
ARITH_SWAP = {ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult, ast.FloorDiv: ast.Mult}


def skipped_nodes(tree: ast.AST) -> set[int]:
    """ids of nodes inside docstrings, annotations, decorators and `__all__` assignments."""
    roots: list[ast.AST | None] = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body \
                and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant) \
                and isinstance(node.body[0].value.value, str):
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
        out.append(ast.BoolOp(op=ast.Or() if isinstance(node.op, ast.And) else ast.And(),
                              values=copy.deepcopy(node.values)))
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        out.append(copy.deepcopy(node.operand))
    elif isinstance(node, ast.Constant) and isinstance(node.value, bool):
        out.append(ast.Constant(not node.value))
    elif isinstance(node, ast.Constant) and type(node.value) in (int, float):
        v, kind = node.value, type(node.value)
        scaled = v * 1.2 if kind is float else (int(v * 1.2) if int(v * 1.2) != v else v + 1)
        out += [ast.Constant(kind(x)) for x in ([1] if v == 0 else [0, 2] if v == 1 else [scaled])]
    elif isinstance(node, ast.Return) and node.value is not None \
            and not (isinstance(node.value, ast.Constant) and node.value.value is None):
        out.append(ast.Return(value=ast.Constant(None)))
    return out


def short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= 70 else text[:67] + "..."


def mutants(rel: str, source: str) -> tuple[str, list[dict]]:
    """(unparse of the original, mutants of module `rel`), each with its mutated source."""
    tree = ast.parse(source)
    baseline, skip, found = ast.unparse(tree), skipped_nodes(tree), []
    for index, node in enumerate(ast.walk(tree)):
        if id(node) in skip:
            continue
        for k, new in enumerate(replacements(node)):
            fresh = ast.parse(source)  # mutate a fresh tree: same walk order, so same index
            parents = {id(c): p for p in ast.walk(fresh) for c in ast.iter_child_nodes(p)}
            target = list(ast.walk(fresh))[index]
            parent, swap = parents[id(target)], replacements(target)[k]
            for field, value in ast.iter_fields(parent):
                if value is target:
                    setattr(parent, field, swap)
                elif isinstance(value, list) and any(v is target for v in value):
                    value[[i for i, v in enumerate(value) if v is target][0]] = swap
            mutated = ast.unparse(fresh)
            if mutated != baseline:
                original = ast.get_source_segment(source, node) or ast.unparse(node)
                found.append({"path": rel, "line": node.lineno, "col": node.col_offset, "source": mutated,
                              "desc": f"{short(original)} -> {short(ast.unparse(new))}"})
    return baseline, sorted(found, key=lambda mu: (mu["line"], mu["col"]))


def run_tests(command: str, workdir: Path, timeout: float) -> bool:
    """True when the command passes in workdir (a timeout counts as a failure)."""
    argv = shlex.split(command)
    if argv and argv[0] in ("python", "python3"):
        argv[0] = sys.executable
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(workdir), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep),
               PYTHONDONTWRITEBYTECODE="1")  # stale .pyc of a same-size mutant must never be reused
    proc = subprocess.Popen(argv, cwd=workdir, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        return proc.wait(timeout=timeout) == 0
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        return False


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
    out = subprocess.run([sys.executable, "-c", code, *names], cwd=workdir, env=env,
                         capture_output=True, text=True)
    origins = out.stdout.split()
    return [m for i, m in enumerate(modules)
            if out.returncode or i >= len(origins) or Path(origins[i]) != workdir / m]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("paths", nargs="+", metavar="MODULE_PATH")
    parser.add_argument("--tests", action="append", default=[], metavar="[PATH=]CMD")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=120.0)
    parser.add_argument("--limit", type=int, default=None, help="sample N mutants per module")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--list", action="store_true", help="only list the mutants")
    parser.add_argument("--root", type=Path, default=Path.cwd())
    args = parser.parse_args(argv)
    root = args.root.resolve()
    if args.jobs < 1 or (args.limit is not None and args.limit < 1):
        parser.error("--jobs and --limit must be positive")

    modules: list[str] = []
    for p in args.paths:
        path = (root / p).resolve()
        if not path.exists() or root not in (path, *path.parents):
            parser.error(f"{p}: no such file or directory under {root}")
        files = sorted(path.rglob("*.py")) if path.is_dir() else [path]
        modules += [f.relative_to(root).as_posix() for f in files
                    if not IGNORE_DIRS & set(f.relative_to(root).parts)]
    modules = list(dict.fromkeys(modules))
    default, scoped = DEFAULT_TESTS, []
    for spec in args.tests:
        head, sep, cmd = spec.partition("=")
        if sep and " " not in head and (root / head).exists():
            scoped.append(((root / head).resolve().relative_to(root).as_posix(), cmd))
        else:
            default = spec
    command_for = {m: next((c for s, c in reversed(scoped) if m == s or m.startswith(s.rstrip("/") + "/")), default)
                   for m in modules}

    originals = {m: (root / m).read_text(encoding="utf-8") for m in modules}
    baselines, work = {}, []
    for m in modules:
        try:
            baselines[m], found = mutants(m, originals[m])
        except SyntaxError as exc:
            parser.error(f"{m}: {exc}")
        if args.limit is not None and len(found) > args.limit:
            keep = set(random.Random(f"{args.seed}:{m}").sample(range(len(found)), args.limit))
            found = [mu for i, mu in enumerate(found) if i in keep]
        work += found
    if args.list:
        for mu in work:
            print(f"{mu['path']}:{mu['line']}: {mu['desc']}")
        print(f"{len(work)} mutants in {len(modules)} module(s)")
        return 0

    copies = [copy_tree(root) for _ in range(min(args.jobs, max(len(work), 1)))]
    try:
        first = copies[0]
        missing = imported_from_copy(first, modules)
        if missing:
            print(f"abort: not imported from the copy (shadowed?): {', '.join(missing)}", file=sys.stderr)
            return 2
        for m in modules:
            (first / m).write_text(baselines[m], encoding="utf-8")
        for cmd in dict.fromkeys(command_for.values()):
            if not run_tests(cmd, first, args.timeout):
                print(f"abort: the tests fail (or time out) on the unmutated, unparsed modules: {cmd}\n"
                      f"       (is the tree broken? try --root on a clean checkout)", file=sys.stderr)
                return 2
        for c in copies:  # the originals as read above, even if the tree changes meanwhile
            for m in modules:
                (c / m).write_text(originals[m], encoding="utf-8")

        pool: queue.Queue[Path] = queue.Queue()
        for c in copies: pool.put(c)

        def attempt(mu: dict) -> bool:
            workdir = pool.get()
            try:
                (workdir / mu["path"]).write_text(mu["source"], encoding="utf-8")
                return not run_tests(command_for[mu["path"]], workdir, args.timeout)
            finally:
                (workdir / mu["path"]).write_text(originals[mu["path"]], encoding="utf-8")
                pool.put(workdir)

        with concurrent.futures.ThreadPoolExecutor(len(copies)) as ex:
            killed = list(ex.map(attempt, work))
    finally:
        for c in copies:
            shutil.rmtree(c.parent, ignore_errors=True)

    for mu, k in zip(work, killed):
        if not k:
            print(f"{mu['path']}:{mu['line']}: {mu['desc']}")
    width = max(len(m) for m in modules + ["total"])
    print(f"\n{'module':<{width}}  mutants  killed  survived  score")
    rows = [(m, [k for mu, k in zip(work, killed) if mu["path"] == m]) for m in modules] + [("total", killed)]
    for name, ks in rows:
        score = f"{100 * sum(ks) / len(ks):5.1f}%" if ks else "    -"
        print(f"{name:<{width}}  {len(ks):7}  {sum(ks):6}  {len(ks) - sum(ks):8}  {score}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
