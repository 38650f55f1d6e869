"""Shared fixtures: small log files written per test, a CLI runner, and the sample week's
results, built once per session.

Tests run in parallel (``pytest -n auto``, pytest-xdist): a test writes only under its own
``tmp_path``, never into the repository, and picks free ports."""

from __future__ import annotations

import contextlib
import functools
import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest
import typer.testing
from typer.testing import CliRunner

REPO = Path(__file__).resolve().parent.parent
SAMPLE_LOGS = REPO / "sample_logs"


def _build_the_mlmon_command_once() -> None:
    """``CliRunner.invoke`` builds the click command from the typer app on every call, which
    is most of a small in-process run; the ``mlmon`` process builds it once. So do the
    tests, for mlmon's app (never changed after import): every other app is built anew."""
    build = typer.testing._get_command

    @functools.cache
    def built(app: typer.Typer):
        return build(app)

    def get_command(app: typer.Typer):
        module = sys.modules.get("mlmon.cli.app")
        return built(app) if module is not None and app is module.app else build(app)

    typer.testing._get_command = get_command


_build_the_mlmon_command_once()


@functools.cache
def sample_result(command: str, **options: Any) -> Any:
    """The Python twin of ``command`` (report, drift or check) on ``sample_logs/`` as the
    README runs it, from the repository root, with ``options`` (the CLI's strings):
    built once per session for the same options. Results are frozen: never change one."""
    import mlmon

    build, make = {
        "report": (mlmon.build_report, mlmon.ReportOptions),
        "drift": (mlmon.build_drift_report, mlmon.DriftOptions),
        "check": (mlmon.build_check, mlmon.CheckOptions),
    }[command]
    with contextlib.chdir(REPO):
        return build("sample_logs/", make(**options))


@functools.cache
def sample_cli(*args: str) -> Any:
    """``mlmon args`` in process from the repository root with no ``MLMON_*``, ``GITHUB_*``,
    COLUMNS, NO_COLOR or FORCE_COLOR variable (typer's ``Result``: exit_code, stdout,
    stderr), run once per session for the same args. Only for commands that read the
    repository's own files (sample_logs/, references/, examples/) and write nothing:
    their output cannot change in a session."""
    from mlmon.cli import app

    unset = {
        name: None
        for name in os.environ
        if name.startswith(("MLMON_", "GITHUB_")) or name in ("COLUMNS", "NO_COLOR", "FORCE_COLOR")
    }
    with contextlib.chdir(REPO):
        return CliRunner().invoke(app, list(args), env=unset)


@functools.cache
def sample_truth() -> dict[str, Any]:
    """The sample week's ground truth, ``python sample_logs/generate.py --truth``, once per
    session (the generator's own numbers: the oracle of the sample-week stories)."""
    import subprocess

    done = subprocess.run(
        [sys.executable, str(REPO / "sample_logs" / "generate.py"), "--truth"],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout)


@pytest.fixture(scope="session")
def sample_report() -> Any:
    """``mlmon report sample_logs/ --p99-budget 80ms --max-error-rate 2%``'s result."""
    return sample_result("report", p99_budget="80ms", max_error_rate="2%")


@pytest.fixture(scope="session")
def sample_drift() -> Any:
    """``mlmon drift --reference references/train.json --window 1d sample_logs/``'s result."""
    return sample_result("drift", reference="references/train.json", window="1d")


@pytest.fixture(scope="session")
def sample_check() -> Any:
    """``mlmon check --reference references/train.json --window 1d sample_logs/``'s result."""
    return sample_result("check", reference="references/train.json", window="1d")


_BUILT: dict[tuple, Any] = {}
"""Results of the twins on the repository's own files, by what they were asked (see below)."""


def _repository_data(path: object) -> bool:
    """Whether ``path`` names the sample logs or the bundled references (read-only data)."""
    if not isinstance(path, (str, os.PathLike)) or os.fspath(path) == "-":
        return False
    resolved = Path(os.fspath(path)).resolve()
    return any(resolved.is_relative_to(REPO / folder) for folder in ("sample_logs", "references"))


def _reusing(name: str, build: Any) -> Any:
    def reuse(inputs: Any, options: Any = None, **kwargs: Any) -> Any:
        if not isinstance(inputs, (list, tuple, str, os.PathLike)):
            return build(inputs, options, **kwargs)
        paths = [inputs] if isinstance(inputs, (str, os.PathLike)) else list(inputs)
        reference = getattr(options, "reference", None)
        if not (paths and all(map(_repository_data, paths)) and (reference is None or _repository_data(reference))):
            return build(inputs, options, **kwargs)
        relative = any(not os.path.isabs(os.fspath(p)) for p in [*paths, *([reference] if reference else [])])
        settings = sorted((k, v) for k, v in os.environ.items() if k.startswith("MLMON_"))
        key = (
            name,
            repr(inputs),
            repr(options),
            repr(sorted(kwargs.items())),
            relative and os.getcwd(),
            repr(settings),
        )
        if key not in _BUILT:
            _BUILT[key] = build(inputs, options, **kwargs)
        return _BUILT[key]

    return reuse


@pytest.fixture
def reuse_sample_builds(monkeypatch):
    """For tests of what the CLI does around a result (settings, exit codes, widths): the
    twins that ``mlmon report``, ``drift`` and ``check`` call build a result on the sample
    logs once per session for the same inputs, options, working directory and ``MLMON_*``
    variables; every other input is read anew. A twin is deterministic (the same logs give
    the same result every run: tests/analyses/test_sums.py), so only the reading is saved."""
    import mlmon.api.check
    import mlmon.api.drift
    import mlmon.api.report

    for module, name in (
        (mlmon.api.report, "build_report"),
        (mlmon.api.drift, "build_drift_report"),
        (mlmon.api.check, "build_check"),
    ):
        monkeypatch.setattr(module, name, _reusing(name, getattr(module, name)))


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def write_lines(tmp_path: Path):
    """Write raw lines (str or dict) to a file and return its path."""

    def write(name: str, lines: list, newline: str = "\n", final_newline: bool = True) -> Path:
        path = tmp_path / name
        text = newline.join(json.dumps(line) if isinstance(line, dict) else line for line in lines)
        path.write_text(text + (newline if final_newline else ""), encoding="utf-8")
        return path

    return write


@pytest.fixture(autouse=True)
def _piped_terminal_width(monkeypatch):
    """Terminal text is tested at the piped width: a COLUMNS exported by the shell running
    pytest must not reach it (tests that want a width pass COLUMNS themselves)."""
    monkeypatch.delenv("COLUMNS", raising=False)
