"""Help and usage errors as a person at an 80-column terminal meets them (issue 21 §5):
help that fits the width and never cuts a word or a choice, text in brackets kept
(``mlmon[dask]``), examples first and one pasteable command per line, the commands'
summaries reflowed, ``mlmon --help | head -1`` exit 0, ``--format JSON`` accepted, bad
values refused in one line with the choices, and unknown options answered with the ones
they may mean. CliRunner at COLUMNS=80 (and other widths), and tmux, a real terminal,
where it is installed."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from mlmon.cli import app
from mlmon.cli.help import DOCS, similar_options
from mlmon.render import OutputFormat
from tests.conftest import REPO

COMMANDS = [
    [],
    ["report"],
    ["drift"],
    ["check"],
    ["summarize"],
    ["bench"],
    ["reference"],
    ["reference", "build"],
    ["config"],
    ["config", "show"],
]
LEAF_COMMANDS = [c for c in COMMANDS if c not in ([], ["reference"], ["config"])]
BOX = re.compile(r"^[│╭╰]|[│╮╯]$")
SHELL_OPERATORS = {"|", "||", "&&", ";", ">", "<", "2>&1"}
MAIN = "import sys; sys.argv[0] = 'mlmon'; from mlmon.cli import main; main()"


@pytest.fixture(autouse=True)
def _isolated(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    for name in [n for n in os.environ if n.startswith("MLMON_")] + ["COLUMNS", "LINES", "NO_COLOR", "FORCE_COLOR"]:
        monkeypatch.delenv(name, raising=False)


def help_at(runner, command: list[str], width: int = 80) -> str:
    result = runner.invoke(app, [*command, "--help"], env={"COLUMNS": str(width)})
    assert result.exit_code == 0, result.output
    assert "\x1b[" not in result.stdout
    return result.stdout


def leaf(command: list[str]):
    """The click command object of ``command`` and a context for it."""
    import typer.main

    group = typer.main.get_command(app)
    ctx = group.make_context("mlmon", list(command), resilient_parsing=True)
    obj = group
    for name in command:
        obj = obj.get_command(ctx, name)
        ctx = obj.make_context(name, [], parent=ctx, resilient_parsing=True)
    return obj, ctx


def unboxed(text: str) -> str:
    """The help with the box drawing gone, its words separated by single spaces."""
    return " ".join(re.sub(r"[│╭╮╰╯─]", " ", text).split())


def examples(text: str) -> list[str]:
    """The lines of the help's Examples block, as printed (comments included)."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip() == "Examples:")
    block = []
    for line in lines[start + 1 :]:
        if not line.strip():
            break
        block.append(line)
    return block


@pytest.mark.parametrize("width", [40, 60, 80, 120, 200])
@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "mlmon")
def test_help_fits_the_width_and_cuts_no_word(runner, command, width):
    text = help_at(runner, command, width)
    lines = text.splitlines()
    longest_example = max((len(line) for line in examples(text)), default=0) if command in LEAF_COMMANDS else 0
    wide = [line for line in lines if len(line) > max(width, longest_example)]
    assert [line for line in wide if not line.strip().startswith(DOCS)] == []  # the docs address is never broken
    assert lines[0].strip().startswith(f"Usage: mlmon {' '.join(command)}".rstrip())
    words = set(unboxed(text).split())
    obj, ctx = leaf(command)
    for param in obj.get_params(ctx):
        for word in (param.help or "").replace("\\[", "[").split():
            assert word in words, f"{param.name}: {word!r} is not shown whole at {width} columns"
        metavar = param.display_type_rich(ctx) if param.param_type_name == "option" else None
        for choice in filter(None, (metavar or "").split("|")):  # a choice list breaks after a |, never inside a name
            assert re.search(rf"(^|[\s|]){re.escape(choice)}($|[\s|])", unboxed(text)), (param.name, choice)


def test_text_in_brackets_is_shown_as_written(runner):
    report = help_at(runner, ["report"])
    assert 'pip install "mlmon[dask]"' in unboxed(report)
    assert "[tool.mlmon]" in unboxed(report) and "\\[" not in report
    assert "[fields] and [rules.*]" in unboxed(help_at(runner, ["config", "show"]))


@pytest.mark.parametrize("command", LEAF_COMMANDS, ids=" ".join)
def test_examples_and_exit_codes_come_first_and_help_is_short(runner, command):
    text = help_at(runner, command)
    lines = text.splitlines()
    first_box = next(i for i, line in enumerate(lines) if line.startswith("╭─"))
    assert any(line.strip() == "Examples:" for line in lines[:first_box])
    assert any(line.strip().startswith("Exit codes:") for line in lines[:first_box])
    assert first_box <= 30, f"the options start on line {first_box + 1}"
    assert len(lines) <= 85, f"{len(lines)} lines at 80 columns (drift's help was 170)"


@pytest.mark.parametrize("command", LEAF_COMMANDS, ids=" ".join)
def test_every_example_is_one_command_that_pastes(runner, command):
    """Each example line is under 78 characters, has no trailing comment (zsh does not take
    ``#`` as a comment when pasted), and parses: every option it names exists."""
    text = help_at(runner, command)
    block = examples(text)
    commands = [line.strip() for line in block if not line.strip().startswith("#")]
    assert len(commands) >= 2
    for line in block:
        assert len(line) < 78, line
    for line in commands:
        assert "#" not in line, line
        argv = shlex.split(line)
        argv = argv[: next((i for i, a in enumerate(argv) if a in SHELL_OPERATORS), len(argv))]
        argv = argv[next(i for i, a in enumerate(argv) if a == "mlmon") + 1 :]  # after an env assignment
        _parses(argv, line)


def _parses(argv: list[str], line: str) -> None:
    import typer.main

    group = typer.main.get_command(app)
    ctx = group.make_context("mlmon", list(argv), resilient_parsing=True)
    obj, rest = group, list(argv)
    while hasattr(obj, "get_command") and rest and not rest[0].startswith("-"):
        obj = obj.get_command(ctx, rest[0])
        assert obj is not None, f"{line}: no command {rest[0]!r}"
        ctx = obj.make_context(rest[0], rest[1:], parent=ctx, resilient_parsing=True)
        rest = rest[1:]


def test_the_command_list_reflows_each_summary(runner):
    """``mlmon --help`` lists each command with the first paragraph of its help, line
    breaks of the source gone: the panel's text is the paragraph, word for word."""
    import inspect

    text = help_at(runner, [])
    panel = text[text.rindex("\n", 0, text.index("─ Commands")) + 1 : text.index("\n\n Docs:")]  # up to the docs line
    obj, ctx = leaf([])
    names = obj.list_commands(ctx)
    rows: dict[str, list[str]] = {}
    current = None
    for line in panel.splitlines()[1:-1]:
        body = line.strip("│ ").rstrip()
        head = body.split(" ", 1)[0]
        if head in names and line.startswith(f"│ {head} "):
            current = head
            rows[current] = [body[len(head) :].strip()]
        elif current:
            rows[current].append(body.strip())
    assert set(rows) == set(names)
    for name, parts in rows.items():
        first = inspect.cleandoc(obj.get_command(ctx, name).help).split("\n\n")[0]
        assert " ".join(parts) == " ".join(first.split()), name
    widths = [len(line) for line in panel.splitlines()]
    assert max(widths) == min(widths) == 80


def test_case_does_not_matter_for_choices(runner, write_lines):
    logs = str(write_lines("app.jsonl", [{"ts": 1_762_646_400 + i, "latency_ms": 10 + i % 7} for i in range(50)]))
    for spelling in ("JSON", "Json", "json"):
        result = runner.invoke(app, ["report", logs, "--format", spelling])
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout)["records"] == 50
    short = runner.invoke(app, ["report", logs, "-f", "JSON", "--color", "NEVER"])
    assert short.exit_code == 0 and json.loads(short.stdout)["records"] == 50


@pytest.mark.parametrize("value", ["xml", "jsn", "json,html", ""])
def test_a_bad_choice_is_one_line_listing_the_choices(runner, value):
    result = runner.invoke(app, ["report", "logs/", "--format", value])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"mlmon: error: --format {value!r}: choose one of "), lines
    listed = lines[0].split("choose one of ", 1)[1]
    assert [c.strip(" ,") for c in listed.split(" (")[0].split(", ")] == [f.value for f in OutputFormat]
    assert "Value error" not in result.stderr and "Input should" not in result.stderr
    if value == "jsn":
        assert "(did you mean json?)" in lines[0]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["bench", "--warmup", "1.5"], "mlmon: error: --warmup '1.5': not a whole number"),
        (["bench", "--threads", "many"], "mlmon: error: --threads 'many': not a whole number"),
        (
            ["bench", "--graph-optimization", "max"],
            "mlmon: error: --graph-optimization 'max': choose one of disable, basic, extended, all",
        ),
    ],
)
def test_a_value_of_the_wrong_type_says_so_in_words(runner, args, message):
    """Options typed as numbers or choices in the command's signature (typer checks them
    before mlmon's own parsers see anything)."""
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [f"{message} (see 'mlmon {args[0]} --help')"]


@pytest.mark.parametrize(
    ("args", "hint"),
    [
        (["report", "x", "--p99", "1"], "(did you mean --p99-budget?)"),
        (["report", "x", "--budget", "1"], "(did you mean --p99-budget?)"),
        (["report", "x", "--formt", "json"], "(did you mean --format?)"),
        (["report", "x", "--window-size", "1h"], "(did you mean --window?)"),
        (["drift", "x", "--psi", "1"], "(did you mean --warning-psi or --critical-psi?)"),
        (
            ["report", "x", "--reference", "r.json"],
            "(--reference is an option of drift, check, performance, compare, summarize, watch)",
        ),
        (["--hlep"], "(did you mean --help?)"),
    ],
)
def test_an_unknown_option_names_the_ones_it_may_mean(runner, args, hint):
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and f"No such option: {args[-2] if len(args) > 1 else args[0]} {hint}" in lines[0], lines


def test_similar_options():
    known = ["--p99-budget", "--max-error-rate", "--quiet", "-q", "--format", "-f", "--window", "--since", "--engine"]
    assert similar_options("--p99", known) == ["--p99-budget"]
    assert similar_options("--budget", known) == ["--p99-budget"]  # not --quiet, which only looks alike
    assert similar_options("--p99=100ms", known) == ["--p99-budget"]
    assert similar_options("--e", known) == ["--engine"]
    assert similar_options("--formt", known) == ["--format"]
    assert similar_options("--zzz", known) == [] and similar_options("--", known) == []


def _closed_reader(args: list[str]) -> subprocess.CompletedProcess:
    """Run mlmon with its stdout a pipe whose reader has already gone (``| head -0``)."""
    read, write = os.pipe()
    os.close(read)
    try:
        return subprocess.run(
            [sys.executable, "-c", MAIN, *args], stdout=write, stderr=subprocess.PIPE, text=True, cwd=REPO, timeout=120
        )
    finally:
        os.close(write)


@pytest.mark.parametrize(
    "args", [["--help"], ["report", "--help"], ["drift", "--help"], ["--version"], ["config", "show"]]
)
def test_a_reader_that_goes_away_is_not_an_error(args):
    run = _closed_reader(args)
    assert (run.returncode, run.stderr) == (0, "")


def test_help_piped_to_head_starts_with_the_usage():
    run = subprocess.run(
        ["bash", "-c", f'set -o pipefail; "{sys.executable}" -c "{MAIN}" --help | head -1'],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
    )
    assert run.returncode == 0 and run.stdout.strip() == "Usage: mlmon [OPTIONS] COMMAND [ARGS]...", run


# -- a real terminal: tmux -------------------------------------------------------------------

TMUX = shutil.which("tmux")


def _mlmon_command() -> str:
    script = Path(sys.executable).with_name("mlmon")
    return shlex.quote(str(script)) if script.exists() else f"{shlex.quote(sys.executable)} -c {shlex.quote(MAIN)}"


def on_terminal(command: str, tmp_path: Path, width: int = 80) -> list[str]:
    """What a ``width``-column terminal shows for ``command`` (tmux, its scrollback too),
    with lines the terminal wrapped joined again (``capture-pane -J``)."""
    socket = f"mlmon-test-{os.getpid()}-{uuid.uuid4().hex[:8]}"  # a server of its own
    done = tmp_path / "done"
    script = tmp_path / "run.sh"
    script.write_text(
        f"unset COLUMNS LINES NO_COLOR FORCE_COLOR\ncd {shlex.quote(str(REPO))}\n{command}\ntouch "
        f"{shlex.quote(str(done))}\nsleep 600\n"
    )
    base = [TMUX, "-L", socket, "-f", "/dev/null"]
    started = subprocess.run(
        [*base, "new-session", "-d", "-x", str(width), "-y", "50", f"sh {shlex.quote(str(script))}"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert started.returncode == 0, started.stderr
    try:
        for _ in range(1200):  # until the command is done (no timing is asserted)
            if done.exists():
                break
            time.sleep(0.1)
        assert done.exists(), "the command did not finish in the terminal"
        captured = subprocess.run(
            [*base, "capture-pane", "-p", "-J", "-S", "-", "-E", "-"],
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        )
        return captured.stdout.rstrip("\n").splitlines()
    finally:
        subprocess.run([*base, "kill-server"], capture_output=True, timeout=60)


@pytest.mark.skipif(
    TMUX is None, reason="tmux is not installed (apt-get install -y tmux): the real-terminal check is skipped"
)
@pytest.mark.parametrize("command", [[], ["report"], ["drift"], ["check"]], ids=lambda c: " ".join(c) or "mlmon")
def test_help_on_a_real_80_column_terminal(tmp_path, command):
    screen = on_terminal(f"{_mlmon_command()} {' '.join(command)} --help", tmp_path)
    assert screen[0].strip().startswith("Usage: mlmon")
    assert [line for line in screen if len(line) > 80] == []  # nothing the terminal had to wrap
    assert "─ Options" in "\n".join(screen)
    if command:
        text = "\n".join(screen)
        assert "Examples:" in text and "Exit codes:" in text
        for line in examples(text):
            if not line.strip().startswith("#"):
                argv = shlex.split(line.strip())
                _parses(argv[1 : next((i for i, a in enumerate(argv) if a in SHELL_OPERATORS), len(argv))], line)
