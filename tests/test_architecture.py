"""The shape of the code (issue 8, docs/architecture.md): rooms, what each may import, sizes, and a
command line that stays light."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from mlmon.cli import app

PACKAGE = Path(__file__).resolve().parents[1] / "mlmon"
ROOMS = ("ingest", "stats", "reference", "analyses", "summary", "verdicts", "api", "render", "cli", "bench")
HEAVY = ("polars", "numpy", "scipy", "onnxruntime")


def modules(room: str | None = None) -> list[Path]:
    base = PACKAGE / room if room else PACKAGE
    return sorted(base.rglob("*.py"))


def imported(path: Path) -> set[str]:
    """Every module ``path`` imports, at any level (lazy imports inside functions too)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def runtime_tree(path: Path) -> ast.Module:
    """``path``'s syntax tree without its ``if TYPE_CHECKING:`` blocks (imports for type
    checkers, never run)."""
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING":
            node.body = []
    return tree


def runtime_imported(path: Path) -> set[str]:
    """What ``path`` imports when it runs, leaving out ``if TYPE_CHECKING:`` blocks."""
    names: set[str] = set()
    for node in ast.walk(runtime_tree(path)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def reaches(names: set[str], prefixes: tuple[str, ...]) -> list[str]:
    return sorted(n for n in names if any(n == p or n.startswith(p + ".") for p in prefixes))


def module_name(path: Path) -> str:
    """``mlmon/render/terminal.py`` -> ``mlmon.render.terminal``; a package's ``__init__.py``
    is the package."""
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def package_exports(tree: ast.Module) -> dict[str, str]:
    """What a package's ``__init__`` re-exports, name -> defining module: its top-level
    ``from mlmon.x import name`` and the entries of its lazy ``_EXPORTS`` table
    (:func:`mlmon.exports.lazy_exports`), which the top-level assignments build (run here
    without builtins; one that needs more is skipped)."""
    exports: dict[str, str] = {}
    namespace: dict[str, object] = {"__builtins__": {}}
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module:
            exports.update({alias.asname or alias.name: node.module for alias in node.names})
        elif isinstance(node, ast.Assign):
            try:
                exec(compile(ast.Module([node], []), "<__init__>", "exec"), namespace)
            except Exception:  # a call (lazy_exports, sorted): not part of the table
                continue
    exports.update(namespace.get("_EXPORTS", {}))
    return exports


def import_graph() -> dict[str, set[str]]:
    """mlmon's module import graph: each module -> the mlmon modules it imports when it runs,
    imports inside functions (lazy ones) included, ``if TYPE_CHECKING:`` blocks left out.

    A package's ``__init__`` is a node like any module. ``import mlmon.x.y`` is an edge to
    ``mlmon.x.y``; ``from mlmon.x import y`` is an edge to ``mlmon.x.y`` when ``y`` is a
    submodule, else to the module that defines ``y`` when the package ``mlmon.x``
    re-exports it (:func:`package_exports`: ``from mlmon import build_report`` depends on
    ``mlmon.api.report``, not on every export of ``mlmon``), else to the package itself.
    Python running a package's ``__init__`` before a submodule is no edge: a submodule that
    imports its own package finds it half-made and carries on, so only what a module names
    counts. Dynamic imports (``importlib.import_module`` of a name in a table, as
    :func:`mlmon.render.render` does) are not seen."""
    trees = {module_name(path): runtime_tree(path) for path in modules()}
    exports = {
        name: package_exports(trees[name])
        for name in trees
        if (PACKAGE.parent / name.replace(".", "/") / "__init__.py").exists()
    }

    def target(module: str, name: str) -> str:
        if f"{module}.{name}" in trees:
            return f"{module}.{name}"
        return exports.get(module, {}).get(name, module)

    graph: dict[str, set[str]] = {}
    for name, tree in trees.items():
        edges: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                edges.update(alias.name for alias in node.names if alias.name in trees)
            elif isinstance(node, ast.ImportFrom) and node.module in trees:
                edges.update(target(node.module, alias.name) for alias in node.names)
        graph[name] = edges - {name}
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of ``graph`` as the path round it (``[a, b, a]``), or None when it has none
    (depth-first search: an edge back to a module still being explored closes a cycle)."""
    done: set[str] = set()
    path: list[str] = []

    def explore(node: str) -> list[str] | None:
        path.append(node)
        for following in sorted(graph.get(node, ())):
            if following in path:
                return path[path.index(following) :] + [following]
            if following not in done and (cycle := explore(following)):
                return cycle
        path.pop()
        done.add(node)
        return None

    for node in sorted(graph):
        if node not in done and (cycle := explore(node)):
            return cycle
    return None


@pytest.fixture(scope="module")
def mlmon_graph() -> dict[str, set[str]]:
    """mlmon's :func:`import_graph`, built once for the tests that read it (about 3 s)."""
    return import_graph()


def test_no_import_cycle_between_modules(mlmon_graph):
    """No module reaches itself through what it imports, at any level (see
    :func:`import_graph`): every room and every module in it can be read from the bottom up."""
    cycle = find_cycle(mlmon_graph)
    assert cycle is None, "import cycle: " + " -> ".join(cycle or ())


def test_the_import_graph_sees_lazy_imports_and_re_exports_and_skips_type_checking(mlmon_graph):
    graph = mlmon_graph
    assert "mlmon.render.terminal_drift" in graph["mlmon.render.terminal"]  # imported inside render()
    assert "mlmon.api.payloads" in graph["mlmon.api.results"]
    assert "mlmon.reference.profile" not in graph["mlmon.api.results"]  # only under TYPE_CHECKING
    assert "mlmon.verdicts.findings" in graph["mlmon.render.html_parts"]
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a", "d"}, "d": set()}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b", "c"}, "b": {"c"}, "c": set()}) is None


def test_a_re_export_is_an_edge_to_the_module_that_defines_it(tmp_path, monkeypatch):
    """``from mlmon.pkg import name`` depends on the module defining ``name`` (an eager or a
    lazy re-export), and on the package only for what the package defines itself."""
    package = tmp_path / "mlmon"
    (package / "pkg").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "pkg" / "__init__.py").write_text(
        "from mlmon.pkg.eager import A\n_EXPORTS = {'B': 'mlmon.pkg.lazy'}\nC = 1\n"
    )
    (package / "pkg" / "eager.py").write_text("A = 1\n")
    (package / "pkg" / "lazy.py").write_text("B = 2\n")
    (package / "user.py").write_text(
        "from typing import TYPE_CHECKING\nfrom mlmon.pkg import A, C\nif TYPE_CHECKING:\n    import mlmon.pkg.lazy\n"
        "def later():\n    from mlmon.pkg import B\n"
    )
    monkeypatch.setattr(sys.modules[__name__], "PACKAGE", package)
    assert import_graph()["mlmon.user"] == {"mlmon.pkg.eager", "mlmon.pkg", "mlmon.pkg.lazy"}
    assert import_graph()["mlmon.pkg"] == {"mlmon.pkg.eager"}


@pytest.mark.parametrize("path", modules("api"), ids=lambda p: p.name)
def test_api_never_imports_render_or_cli(path):
    """Results and their JSON payloads are made in api; renderers import them, never the
    other way round (not even lazily or for type checking)."""
    assert reaches(imported(path), ("mlmon.render", "mlmon.cli")) == []


@pytest.mark.parametrize("path", modules("analyses"), ids=lambda p: p.name)
def test_analyses_never_import_verdicts_render_api_or_cli(path):
    assert reaches(imported(path), ("mlmon.verdicts", "mlmon.render", "mlmon.api", "mlmon.cli")) == []


@pytest.mark.parametrize("path", modules("summary"), ids=lambda p: p.name)
def test_summaries_never_import_verdicts_render_api_or_cli(path):
    """Summary files hold analysis states: they sit on the analyses, below every judgement."""
    assert reaches(imported(path), ("mlmon.verdicts", "mlmon.render", "mlmon.api", "mlmon.cli")) == []


@pytest.mark.parametrize("path", modules("verdicts"), ids=lambda p: p.name)
def test_verdicts_never_import_render_api_cli_or_polars(path):
    assert reaches(runtime_imported(path), ("mlmon.render", "mlmon.api", "mlmon.cli", "polars", "mlmon.analyses")) == []


@pytest.mark.parametrize("path", modules("render"), ids=lambda p: p.name)
def test_render_never_imports_polars_or_the_reducers(path):
    reducers = ("mlmon.analyses.ops", "mlmon.analyses.predictions", "mlmon.analyses.class_drift", "mlmon.ingest.reader")
    assert reaches(imported(path), ("polars", "mlmon.cli", *reducers)) == []


@pytest.mark.parametrize("room", ("ingest", "stats", "reference", "analyses"))
def test_lower_rooms_never_import_upper_ones(room):
    for path in modules(room):
        assert (
            reaches(imported(path), ("mlmon.summary", "mlmon.verdicts", "mlmon.api", "mlmon.render", "mlmon.cli")) == []
        ), path


def test_loading_every_renderer_loads_no_heavy_library():
    code = (
        "import sys, mlmon.api.results, mlmon.render.json_format, mlmon.render.terminal, mlmon.render.terminal_report, "
        "mlmon.render.terminal_drift, mlmon.render.terminal_check, mlmon.render.terminal_bench, mlmon.render.markdown, "
        f"mlmon.render.nagios; print([m for m in {HEAVY!r} if m in sys.modules])"
    )
    assert (
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip() == "[]"
    )


def test_the_message_of_a_missing_field_loads_no_heavy_library():
    """A check that cannot be computed raises from verdicts: the census, the suggestion of
    a key to map and the message need neither polars nor the field table's reader."""
    code = (
        "import sys\n"
        "from mlmon.ingest.problems import IngestStats, KeyCensus\n"
        "from mlmon.verdicts.needs import require_field\n"
        "census = KeyCensus(3, {'took_secs': 3}, {'took_secs': 'n'})\n"
        "stats = IngestStats(('a.log',), (), 3, 3, 0, {}, (), keys_seen=census)\n"
        "try:\n    require_field(stats, 'latency', 'latency_p99', 'the p99 budget', 0)\n"
        "except Exception as error:\n    print(str(error).rsplit('; ', 1)[-1])\n"
        f"print([m for m in {(*HEAVY, 'mlmon.ingest.fields', 'mlmon.analyses')!r} if m in sys.modules])"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert run.stdout.splitlines() == ["map one with --field latency_s=took_secs", "[]"]


@pytest.mark.parametrize("args", [["--help"], ["bench", "--help"], ["--version"]])
def test_help_and_version_import_no_heavy_library(args):
    """``python -X importtime`` lists every module loaded; none of the heavy ones may be."""
    code = f"import sys; sys.argv = ['mlmon', *{args!r}]; from mlmon.cli import main; main()"
    run = subprocess.run([sys.executable, "-X", "importtime", "-c", code], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr[-2000:]
    loaded = {line.rsplit("|", 1)[-1].strip() for line in run.stderr.splitlines() if line.startswith("import time:")}
    assert "mlmon.cli" in loaded  # the listing works
    assert [m for m in HEAVY if m in loaded] == []


def test_version_prints_the_package_version(runner):
    from mlmon import __version__

    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.stdout.strip() == f"mlmon {__version__}"


@pytest.mark.parametrize(
    "args",
    [["report"], ["report", "x.log", "--no-such-option"], ["report", "x.log", "--format", "yaml"], ["nosuchcommand"]],
)
def test_usage_errors_are_one_line_and_exit_2(runner, args):
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("mlmon: error: "), result.stderr
    assert "Traceback" not in result.output


@pytest.mark.parametrize("room", ROOMS)
def test_every_room_says_what_it_owns_and_may_import(room):
    doc = ast.get_docstring(ast.parse((PACKAGE / room / "__init__.py").read_text())) or ""
    assert len(doc) > 80 and "import" in doc, room


def body_lines(function: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    """A function's length from the first line of its body (its docstring, if any) to its
    last line: the signature is declaration, not logic (a typer command lists one option
    per line), and decorators are left out too."""
    return function.end_lineno - function.body[0].lineno + 1


def test_body_lines_leaves_the_signature_and_decorators_out():
    source = '@decorator\ndef f(\n    a: int,\n    b: int,\n) -> int:\n    "Doc."\n    c = a + b\n\n    return c\n'
    assert body_lines(ast.parse(source).body[0]) == 4  # the docstring, c = ..., the blank line, return
    assert body_lines(ast.parse("def g(): return 1\n").body[0]) == 1


def test_no_module_over_400_lines_and_no_function_body_over_60():
    """Modules stay within 400 lines and functions within 60, a function counted by
    :func:`body_lines` (from its first body line: a long signature is declaration)."""
    too_long = []
    for path in modules():
        source = path.read_text()
        if len(source.splitlines()) > 400:
            too_long.append(f"{path.name}: {len(source.splitlines())} lines")
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and body_lines(node) > 60:
                too_long.append(f"{path.name}:{node.name}: {body_lines(node)} lines")
    assert too_long == []


def test_the_registry_names_every_check_findings_use():
    from mlmon.verdicts.registry import REGISTRY, Check

    assert set(REGISTRY) == set(Check)
    assert Check.PREDICTION_DRIFT.defaults() == {
        "min_samples": 200,
        "alpha": 0.001,
        "warning_psi": 0.01,
        "critical_psi": 0.25,
        "epsilon": 1e-4,
    }
    names = {c.value for c in Check}
    for path in modules("verdicts"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Finding" and node.args:
                first = node.args[0]
                assert not (isinstance(first, ast.Constant) and first.value not in names), f"{path.name}: {first.value}"
