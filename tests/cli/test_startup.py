"""What a command pays before it reads a byte (issue 28): the modules ``mlmon report``,
``drift`` and ``check`` load, typer's value coercion without pydantic
(:mod:`mlmon.cli.coercion`), whose every answer is typer's own, and the command line a
process runs, whose commands are built when looked up (:mod:`mlmon.cli.lazy`) and are the
ones typer builds."""

from __future__ import annotations

import enum
import json
import subprocess
import sys

import pytest
import typer.main
from typer._coercion import build_runtime_param

from mlmon.cli import app
from mlmon.cli.coercion import NOT_QUICK, QuickRuntimeParam, quick_value
from mlmon.cli.help import HelpArgument, HelpOption, tidy
from mlmon.cli.lazy import LazyCommands, lazy_group
from tests.conftest import REPO

try:  # typer 0.2x bundles its own click
    from typer import _click as click
except ImportError:  # pragma: no cover
    import click  # type: ignore[no-redef]

LOG = str(REPO / "sample_logs" / "replica-a" / "app.log")
REFERENCE = str(REPO / "references" / "train.json")

NEVER = ("pydantic", "sklearn", "onnxruntime", "mlmon.bench.result", "mlmon.bench.runner", "mlmon.summary.files")
"""Modules no run of report, drift or check over logs loads: typer's pydantic adapters,
the bench room's results and runner, the summary files (no summary among the inputs)."""
NOT_FOR_REPORT = (
    "scipy",
    "mlmon.verdicts.alerting",
    "mlmon.verdicts.feature_drift",
    "mlmon.analyses.feature_summary",
    "mlmon.api.feature_drift",
    "mlmon.api.check",
    "mlmon.api.drift",
)
"""And report does without these: scipy, the alerting rules and data drift are drift's and check's."""


def loaded_by(*args: str) -> set[str]:
    """The modules in ``sys.modules`` after ``mlmon *args`` ran to its end in a new process."""
    code = (
        "import atexit, json, sys\n"
        "atexit.register(lambda: sys.stderr.write('\\nMODULES ' + json.dumps(sorted(sys.modules)) + '\\n'))\n"
        f"sys.argv = ['mlmon', *{list(args)!r}]\n"
        "from mlmon.cli import main\n"
        "main()\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO)
    assert run.returncode in (0, 1), run.stderr[-2000:]
    listed = [line for line in run.stderr.splitlines() if line.startswith("MODULES ")]
    assert len(listed) == 1, run.stderr[-2000:]
    return set(json.loads(listed[0].removeprefix("MODULES ")))


def reaching(modules: set[str], prefixes: tuple[str, ...]) -> list[str]:
    return sorted(m for m in modules if any(m == p or m.startswith(p + ".") for p in prefixes))


def test_report_loads_only_what_report_needs():
    modules = loaded_by("report", LOG, "--format", "json")
    assert {"mlmon.api.report", "polars"} <= modules  # the listing works: it ran
    assert reaching(modules, NEVER + NOT_FOR_REPORT) == []


@pytest.mark.parametrize("command", ["drift", "check"])
def test_drift_and_check_load_no_pydantic_bench_or_summary_files(command):
    modules = loaded_by(command, LOG, "--reference", REFERENCE, "--window", "1d", "--format", "json")
    assert {f"mlmon.api.{command}", "scipy"} <= modules
    assert reaching(modules, NEVER) == []


# --- coercion: quick_value's answers against typer's own coercion (the oracle) ---------


def every_parameter():
    """(command path, command, parameter) for every parameter of every mlmon command, as
    the command line shows them (:func:`mlmon.cli.help.tidy`)."""
    found = []

    def walk(command, path):
        for param in command.params:
            if isinstance(tidy(param), HelpOption | HelpArgument):
                found.append((" ".join(path) or "mlmon", command, param))
        for name, sub in getattr(command, "commands", {}).items():
            walk(sub, [*path, name])

    walk(typer.main.get_command(app), [])
    return found


PARAMETERS = every_parameter()


def values_for(param) -> list:
    """Values a parameter meets: absent, typed on the command line, its default, wrong ones."""
    annotation = param.type_descriptor.annotation
    values = [None, "", "x", "3", " 3 ", "2.5", "1%", "JSON", "-", (), ("a",), ("a", "b"), ["1", "2"], 3, 2.5, True]
    values += [param.default] if param.default is not None and not callable(param.default) else []
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        for member in annotation:
            values += [member, member.value, member.value.upper(), member.value + "x"]
    return values


def outcome(coerce, value, param, ctx):
    """What coercing ``value`` gives: ("value", type, value), or ("error", class, message)."""
    try:
        result = coerce(value, param=param, ctx=ctx)
    except click.exceptions.ClickException as error:
        return ("error", type(error), error.format_message())
    except Exception as error:  # noqa: BLE001 - any other failure must be the same too
        return ("error", type(error), str(error))
    return ("value", type(result), result)


@pytest.mark.parametrize("where,command,param", PARAMETERS, ids=[f"{w} {p.name}" for w, _, p in PARAMETERS])
def test_quick_coercion_gives_what_typer_gives(where, command, param):
    ctx = click.Context(command)
    typers = build_runtime_param(param.type_descriptor)
    quick = QuickRuntimeParam(lambda: typers)
    for value in values_for(param):
        assert outcome(quick.coerce, value, param, ctx) == outcome(typers.coerce, value, param, ctx), (where, value)


def test_quick_coercion_answers_the_common_values_itself():
    """Without pydantic: nothing given, text for a text option, several texts, a choice's
    value (in any case where the option says so); a number typed for an ``int`` option,
    a value outside the choices, a bounded number go to typer."""

    class Shape(enum.Enum):
        ROUND = "round"
        FLAT = "flat"

    info = typer.models.OptionInfo()
    ctx = click.Context(typer.main.get_command(app))
    assert quick_value(str, info, None, multiple=False, ctx=ctx) is None
    assert quick_value(list[str], info, None, multiple=True, ctx=ctx) == ()
    assert quick_value(str, info, "1h", multiple=False, ctx=ctx) == "1h"
    assert quick_value(list[str], info, ("a", "b"), multiple=True, ctx=ctx) == ["a", "b"]
    assert quick_value(Shape, info, "flat", multiple=False, ctx=ctx) is Shape.FLAT
    blind = typer.models.OptionInfo(case_sensitive=False)
    assert quick_value(Shape, blind, "FLAT", multiple=False, ctx=ctx) is Shape.FLAT
    assert quick_value(Shape, info, Shape.ROUND, multiple=False, ctx=ctx) is Shape.ROUND
    assert quick_value(int, info, 3, multiple=False, ctx=ctx) == 3
    assert quick_value(Shape, info, "square", multiple=False, ctx=ctx) is NOT_QUICK  # typer words the refusal
    assert quick_value(int, info, "3", multiple=False, ctx=ctx) is NOT_QUICK
    assert quick_value(str, info, "a", multiple=True, ctx=ctx) is NOT_QUICK
    assert quick_value(int, typer.models.OptionInfo(min=1), 3, multiple=False, ctx=ctx) is NOT_QUICK


def test_every_command_parameter_is_coerced_through_the_quick_path():
    """Each parameter's coercion is mlmon's (tidy swapped the class), and typer's own is
    built only when a value needs it."""
    for _, _, param in PARAMETERS:
        runtime = param.get_runtime_param()
        assert isinstance(runtime, QuickRuntimeParam) and runtime is param.get_runtime_param()


# --- the command line a process runs: each command built when looked up ----------------


def command_tree(group) -> dict[str, str]:
    """Every command path → its help and its parameters' names, as click shows them."""
    found = {}

    def walk(command, ctx, path):
        params = [(p.name, tuple(p.opts), tuple(p.secondary_opts), p.required, repr(p.default)) for p in command.params]
        found[" ".join(path) or "mlmon"] = (command.get_help(ctx), params)
        for name in getattr(command, "list_commands", lambda _: [])(ctx):
            sub = command.get_command(ctx, name)
            walk(sub, click.Context(sub, info_name=name, parent=ctx), [*path, name])

    walk(group, click.Context(group, info_name="mlmon"), [])
    return found


def test_the_lazy_command_line_is_the_app_typer_builds():
    lazy = lazy_group(app)
    assert isinstance(lazy.commands, LazyCommands) and lazy.commands.built() == []
    assert type(lazy) is type(typer.main.get_command(app))
    assert command_tree(lazy) == command_tree(typer.main.get_command(app))
    names = [c.name for c in app.registered_commands] + [g.name for g in app.registered_groups]
    assert lazy.commands.built() == list(lazy.commands) == names


def test_running_one_command_builds_that_command_only():
    lazy = lazy_group(app)
    ctx = click.Context(lazy, info_name="mlmon")
    assert lazy.get_command(ctx, "report").name == "report"
    assert lazy.get_command(ctx, "nosuch") is None
    assert lazy.commands.built() == ["report"]
