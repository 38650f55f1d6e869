"""The shape of the code (issue 8, DESIGN.md §2): rooms, what each may import, sizes, and a
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


def runtime_imported(path: Path) -> set[str]:
    """What ``path`` imports when it runs, leaving out ``if TYPE_CHECKING:`` blocks."""
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING":
            node.body = []
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def reaches(names: set[str], prefixes: tuple[str, ...]) -> list[str]:
    return sorted(n for n in names if any(n == p or n.startswith(p + ".") for p in prefixes))


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
        assert reaches(imported(path), ("mlmon.summary", "mlmon.verdicts", "mlmon.api", "mlmon.render", "mlmon.cli")) == [], path


def test_loading_every_renderer_loads_no_heavy_library():
    code = (
        "import sys, mlmon.render.json_format, mlmon.render.terminal, mlmon.render.terminal_drift, "
        "mlmon.render.terminal_bench; print([m for m in %r if m in sys.modules])" % (HEAVY,)
    )
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip() == "[]"


def test_the_message_of_a_missing_field_loads_no_heavy_library():
    """A check that cannot be computed raises from verdicts: the census, the suggestion of
    a key to map and the message need neither polars nor the field table's reader."""
    code = (
        "import sys\n"
        "from mlmon.ingest.problems import IngestStats, KeyCensus\n"
        "from mlmon.verdicts.needs import require_field\n"
        "stats = IngestStats(('a.log',), (), 3, 3, 0, {}, (), keys_seen=KeyCensus(3, {'took_secs': 3}, {'took_secs': 'n'}))\n"
        "try:\n    require_field(stats, 'latency', 'latency_p99', 'the p99 budget', 0)\n"
        "except Exception as error:\n    print(str(error).rsplit('; ', 1)[-1])\n"
        "print([m for m in %r if m in sys.modules])" % ((*HEAVY, "mlmon.ingest.fields", "mlmon.analyses"),)
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


def test_no_module_over_400_lines_and_no_function_over_60():
    too_long = []
    for path in modules():
        source = path.read_text()
        if len(source.splitlines()) > 400:
            too_long.append(f"{path.name}: {len(source.splitlines())} lines")
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.end_lineno - node.lineno >= 60:
                too_long.append(f"{path.name}:{node.name}: {node.end_lineno - node.lineno + 1} lines")
    assert too_long == []


def test_the_registry_names_every_check_findings_use():
    from mlmon.verdicts.registry import REGISTRY, Check

    assert set(REGISTRY) == set(Check)
    assert Check.PREDICTION_DRIFT.defaults() == {
        "min_samples": 200, "alpha": 0.001, "warning_psi": 0.01, "critical_psi": 0.25, "epsilon": 1e-4,
    }
    names = {c.value for c in Check}
    for path in modules("verdicts"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Finding" and node.args:
                first = node.args[0]
                assert not (isinstance(first, ast.Constant) and first.value not in names), f"{path.name}: {first.value}"
