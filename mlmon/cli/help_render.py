"""The text of ``--help``, laid out for a terminal of any width (issue 21 §5).

Typer's rich help squeezed the option table into four columns, so at 80 columns an
option's help had 26 cells and ran to 5-8 lines, a choice list broke inside a word, a long
example wrapped in the middle of a command and text in brackets (``mlmon[dask]``) was
read as rich markup and vanished. This module lays the help out itself:

- the usage line first (``mlmon --help | head -1`` is the usage), then the command's
  text: prose paragraphs reflowed to the width, and ``\\b`` blocks (examples, exit codes)
  printed as written, never wrapped, so an example pastes as one command;
- then one box per group of options (:data:`PANEL_OF_OPTION`): the command's own
  options, then those of reading the logs, then those of the output. Each option is one
  row, its names and metavar on the left and its help on the right (argparse's layout):
  a left side wider than :func:`left_width` puts the help under it instead of squeezing
  it (so does a narrow terminal, or a word of the help too long for the room beside), and
  a metavar longer than the line breaks after a ``|``, never inside a word;
- no markup: every text is shown as written (a ``\\[`` left over from rich's escaping
  reads ``[``).

Width: ``COLUMNS`` when set, else the terminal's, else 80 (help piped to a pager or a
file), at most :data:`HELP_MAX_WIDTH`, since longer lines are hard to read.
"""

from __future__ import annotations

import inspect
import os
import re
import shutil
import sys
import textwrap
from collections.abc import Iterable, Sequence
from typing import Any

HELP_MAX_WIDTH = 100
"""The widest help is laid out, whatever the terminal."""
PIPED_HELP_WIDTH = 80
"""The width of help that goes to a pipe or a file, with no ``COLUMNS``."""
HELP_MIN_WIDTH = 40
"""The narrowest help is laid out (a narrower terminal wraps it)."""

OPTIONS = "Options"
READING = "Reading the logs"
OUTPUT = "Output"
PANEL_OF_OPTION = {
    **dict.fromkeys(
        (
            "--since",
            "--until",
            "--field",
            "--features",
            "--max-malformed",
            "--envelope",
            "--by",
            "--engine",
            "--scheduler",
        ),
        READING,
    ),
    **dict.fromkeys(("--format", "--output", "--quiet", "--color"), OUTPUT),
}
"""The box an option is listed in; any other option is in :data:`OPTIONS`, first, where
each command's own options are."""

_ESCAPED_BRACKET = re.compile(r"\\\[")
_KEEP = "\xa0"
"""A space that wrapping keeps (``[default: 5%]`` stays on one line); shown as a space."""
_GAP = 2
_NARROWEST = 24
"""Less room than this beside the names, and the help goes under them."""
_STACKED = 4
"""How far help under its option's names is indented."""


def help_width() -> int:
    """The width to lay help out at (see the module docstring)."""
    columns = os.environ.get("COLUMNS", "").strip()
    if columns.isdigit() and int(columns) > 0:
        width = int(columns)
    else:
        try:
            tty = sys.stdout.isatty()
        except (AttributeError, ValueError):
            tty = False
        width = shutil.get_terminal_size((PIPED_HELP_WIDTH, 24)).columns if tty else PIPED_HELP_WIDTH
    return max(HELP_MIN_WIDTH, min(width, HELP_MAX_WIDTH))


def plain(text: str | None) -> str:
    """``text`` as shown: indentation removed, anything after ``\\f`` dropped, ``\\[`` read
    as ``[``."""
    return _ESCAPED_BRACKET.sub("[", inspect.cleandoc(text or "").partition("\f")[0])


def blocks(text: str | None) -> list[tuple[bool, list[str]]]:
    """The paragraphs of a help text: ``(True, lines)`` for a ``\\b`` block, kept as
    written; ``(False, [text])`` for prose, its line breaks dropped."""
    out: list[tuple[bool, list[str]]] = []
    for paragraph in re.split(r"\n[ \t]*\n", plain(text)):
        if paragraph.startswith("\b"):
            out.append((True, paragraph[1:].strip("\n").splitlines()))
        elif paragraph.strip():
            out.append((False, [" ".join(paragraph.split())]))
    return out


def reflow(text: str, room: int) -> list[str]:
    """``text`` wrapped to ``room`` cells at spaces; a word longer than the room is cut
    (only then), and never at a hyphen."""
    return textwrap.wrap(text, max(room, 1), break_on_hyphens=False) or [""]


def wrap_left(text: str, room: int) -> list[str]:
    """An option's names and metavar in lines of ``room`` cells, broken after a space or a
    ``|`` (``terminal|json|`` / ``markdown|...``), inside a word only when one piece is
    longer than the room."""
    lines: list[str] = []
    line = ""
    for piece in re.split(r"(?<=[| ])", text):
        if line and len(line.rstrip()) + len(piece.rstrip()) > room:
            lines.append(line.rstrip())
            line = ""
        line += piece
        while len(line.rstrip()) > room:
            lines.append(line[:room])
            line = line[room:]
    return [*lines, line.rstrip()] if line.strip() else lines or [""]


def left_width(inner: int) -> int:
    """The widest names-and-metavar column beside the help, in a box ``inner`` wide."""
    return max(14, min(30, inner * 35 // 100))


def help_column(rows: Iterable[tuple[str, str]], inner: int) -> int:
    """Where the help starts, in a box ``inner`` wide: after the widest left side that is
    at most :func:`left_width`, the same in every box of one help."""
    lefts = [len(left) for left, _ in rows]
    return max((n for n in lefts if n <= left_width(inner)), default=min(left_width(inner), max(lefts, default=0)))


def option_lines(rows: Sequence[tuple[str, str]], inner: int, column: int) -> list[tuple[str, str]]:
    """``(left, help)`` rows as lines ``inner`` cells wide: each line a ``(left part, help
    part)`` pair whose left part is padded to the help ``column``."""
    room = inner - column - _GAP
    lines: list[tuple[str, str]] = []
    for left, help_text in rows:
        indent = column + _GAP
        if room < _NARROWEST or any(len(word) > room for word in help_text.split()):
            indent = min(indent, _STACKED)  # the help under the names, where the words fit
        helps = [part.replace(_KEEP, " ") for part in reflow(help_text, inner - indent)] if help_text else []
        if len(left) <= column and indent == column + _GAP:
            lines.append((left.ljust(indent), helps[0] if helps else ""))
            helps = helps[1:]
        else:
            lines.extend((part, "") for part in wrap_left(left, inner))
        lines.extend((" " * indent, part) for part in helps)
    return lines


def boxed(title: str, lines: Iterable[Any], width: int, text_cls: Any) -> list[Any]:
    """``lines`` (rich ``Text``, at most ``width - 4`` cells) in a rounded box with
    ``title`` on its top edge, as rich ``Text`` lines ``width`` cells wide."""
    inner = width - 4
    top = (
        text_cls("╭─ ", style="dim")
        + text_cls(title)
        + text_cls(" " + "─" * max(width - len(title) - 5, 0) + "╮", style="dim")
    )
    out = [top]
    for line in lines:
        pad = max(inner - line.cell_len, 0)
        out.append(text_cls("│ ", style="dim") + line + text_cls(" " * pad + " │", style="dim"))
    out.append(text_cls("╰" + "─" * (width - 2) + "╯", style="dim"))
    return out


def param_row(param: Any, ctx: Any) -> tuple[str, str]:
    """An option's or argument's ``(names and metavar, help)``: ``--reference -r PATH``,
    its help with ``[default: 5%]`` or ``[required]`` after it."""
    if param.param_type_name == "argument":
        left = (
            param._rich_display_name()
            if hasattr(param, "_rich_display_name")
            else (param.metavar or param.name or "").upper()
        )
    else:
        names = [*(o for o in param.opts if o.startswith("--")), *(o for o in param.opts if not o.startswith("--"))]
        names += list(param.secondary_opts)
        metavar = param.display_type_rich(ctx)
        left = " ".join(names) + (f" {metavar}" if metavar else "")
    extra = []
    default = _default_text(param, ctx)
    if default:
        extra.append(f"[default:{_KEEP}{default}]")
    if param.required:
        extra.append("[required]")
    return left, " ".join([" ".join(plain(param.help).split()), *extra]).strip()


def _default_text(param: Any, ctx: Any) -> str:
    """What typer's help shows as the default (``show_default``), or ''."""
    extract = getattr(param, "_extract_default_help_str", None)
    if extract is None:
        return ""
    if isinstance(param.show_default, str):
        return param.show_default
    value = extract(ctx=ctx)
    as_text = False
    if not (as_text or (value is not None and (param.show_default or ctx.show_default))):
        return ""
    return str(param._get_default_string(ctx=ctx, show_default_is_str=as_text, default_value=value) or "")


def panels(command: Any, ctx: Any) -> list[tuple[str, list[tuple[str, str]]]]:
    """The boxes of a command's help, in order, each with its ``(left, help)`` rows."""
    grouped: dict[str, list[tuple[str, str]]] = {"Arguments": [], OPTIONS: [], READING: [], OUTPUT: []}
    is_group = hasattr(command, "list_commands")  # a group's few options stay in one box
    help_rows = []
    for param in command.get_params(ctx):
        if getattr(param, "hidden", False):
            continue
        row = param_row(param, ctx)
        if param.param_type_name == "argument":
            grouped["Arguments"].append(row)
        elif "--help" in param.opts:
            help_rows.append(row)
        else:
            name = next((o for o in param.opts if o.startswith("--")), "")
            panel = getattr(param, "rich_help_panel", None) or (
                OPTIONS if is_group else PANEL_OF_OPTION.get(name, OPTIONS)
            )
            grouped.setdefault(panel, []).append(row)
    grouped[OPTIONS] += help_rows
    return [(title, rows) for title, rows in grouped.items() if rows]


def command_rows(group: Any, ctx: Any) -> list[tuple[str, str]]:
    """A group's commands, each with the first paragraph of its help."""
    rows = []
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        if command is None or command.hidden:
            continue
        first = next((lines[0] for verbatim, lines in blocks(command.short_help or command.help) if not verbatim), "")
        rows.append((name, first))
    return rows


def render_help(command: Any, ctx: Any, color: bool = False) -> str:
    """The whole ``--help`` of ``command`` as text (ANSI styles only when ``color``)."""
    import io

    from rich.console import Console
    from rich.text import Text

    width = help_width()
    inner = width - 4
    out: list[Text] = []
    usage = command.get_usage(ctx).strip()
    head = len(usage) - len(usage.split("]", 1)[-1]) if "[OPTIONS]" in usage else len("Usage: ")
    for line in textwrap.wrap(
        usage, width - 1, subsequent_indent=" " * min(head, width // 2), break_on_hyphens=False, break_long_words=False
    ):
        styled = Text(" " + line)
        if line.startswith("Usage:"):
            styled.stylize("bold", 1, 7)
        out.append(styled)
    for verbatim, lines in blocks(command.help):
        out.append(Text(""))
        for line in lines if verbatim else reflow(lines[0], width - 2):
            styled = Text(" " + line)
            if verbatim and line.lstrip().startswith("#"):
                styled.stylize("dim")
            out.append(styled)
    out.append(Text(""))
    sections = panels(command, ctx)
    if hasattr(command, "list_commands"):
        sections.append(("Commands", command_rows(command, ctx)))
    column = help_column([row for title, rows in sections if title != "Commands" for row in rows], inner)
    for title, rows in sections:
        at = help_column(rows, inner) if title == "Commands" else column
        lines = [_styled(left, right, title == "Commands") for left, right in option_lines(rows, inner, at)]
        out += boxed(title, lines, width, Text)
    console = Console(
        file=io.StringIO(),
        width=width,
        force_terminal=color,
        no_color=not color,
        color_system="standard" if color else None,
        highlight=False,
        markup=False,
        emoji=False,
    )
    for styled_line in out:
        console.print(styled_line, soft_wrap=True)
    return console.file.getvalue()  # type: ignore[attr-defined]


_NAME = re.compile(r"(?<![\w-])--?[A-Za-z0-9][\w-]*")
_NOTE = re.compile(r"\[(?:default: [^\]]*|required)\]")


def _styled(left: str, right: str, command_name: bool) -> Any:
    from rich.text import Text

    part = Text(left)
    if command_name or not left.lstrip().startswith("-") and "|" not in left:
        part.stylize("bold cyan", 0, len(left.rstrip()))
    else:
        part.stylize("yellow", 0, len(left.rstrip()))
        part.highlight_regex(_NAME, "bold cyan")
    help_part = Text(right)
    help_part.highlight_regex(_NOTE, "dim")
    return part + help_part
