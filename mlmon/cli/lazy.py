"""The ``mlmon`` command line as a process runs it: each command built when it is looked up.

Typer turns every registered command into a click command before the first argument is
read: each parameter's type read back from its signature (``typing.get_type_hints`` over
string annotations), about 35 ms of CPU for mlmon's commands, of which the one that runs
needs 3-4. :func:`lazy_group` builds the group with typer itself (the app's callback, its
options and shell completion) and gives it a :class:`LazyCommands` mapping, where each
command and sub-group is built by typer's own functions the first time it is looked up:
the help that lists every command, shell completion and an option's owner named in an
error (:func:`mlmon.cli.boundary._suggest`) look every one up and see what typer builds.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, MutableMapping
from typing import Any

import typer
import typer.main


class LazyCommands(MutableMapping[str, Any]):
    """Command name → click command, in registration order; each built by its builder on
    first lookup, then kept."""

    def __init__(self, builders: dict[str, Callable[[], Any]]) -> None:
        self._builders = dict(builders)
        self._built: dict[str, Any] = {}

    def __getitem__(self, name: str) -> Any:
        if name not in self._built:
            self._built[name] = self._builders[name]()
        return self._built[name]

    def __setitem__(self, name: str, command: Any) -> None:
        self._builders.setdefault(name, lambda: command)
        self._built[name] = command

    def __delitem__(self, name: str) -> None:
        del self._builders[name]
        self._built.pop(name, None)

    def __iter__(self) -> Iterator[str]:
        return iter(self._builders)

    def __len__(self) -> int:
        return len(self._builders)

    def built(self) -> list[str]:
        """The names built so far."""
        return [name for name in self._builders if name in self._built]


def lazy_group(app: typer.Typer) -> Any:
    """``typer.main.get_command(app)`` for an app of named commands and named sub-groups,
    with its commands in a :class:`LazyCommands` (the same order: commands, then groups)."""
    commands, groups = list(app.registered_commands), list(app.registered_groups)
    if any(info.name is None for info in commands) or any(info.name is None for info in groups):
        return typer.main.get_command(app)  # typer derives those names: let it build everything
    app.registered_commands, app.registered_groups = [], []
    try:
        group: Any = typer.main.get_command(app)  # the callback, its options and completion only
    finally:
        app.registered_commands, app.registered_groups = commands, groups
    short, markup, suggest = app.pretty_exceptions_short, app.rich_markup_mode, app.suggest_commands

    def command(info: Any) -> Callable[[], Any]:
        return lambda: typer.main.get_command_from_info(info, pretty_exceptions_short=short, rich_markup_mode=markup)

    def sub_group(info: Any) -> Callable[[], Any]:
        return lambda: typer.main.get_group_from_info(
            info, pretty_exceptions_short=short, rich_markup_mode=markup, suggest_commands=suggest
        )

    builders = {str(info.name): command(info) for info in commands}
    builders |= {str(info.name): sub_group(info) for info in groups}
    group.commands = LazyCommands(builders)
    return group
