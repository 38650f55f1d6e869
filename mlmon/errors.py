"""One error hierarchy for mlmon.

Library code raises these; only the CLI boundary turns them into a one-line message and an
exit code (DESIGN.md §2). Every ``MlmonError`` maps to exit code 2: usage, config or input
error. Exit code 1 is reserved for a breached check and is never produced by an exception.
"""

from __future__ import annotations


class MlmonError(Exception):
    """Base class: a problem the user can fix (bad input, bad option, bad config)."""

    exit_code: int = 2


class UsageError(MlmonError):
    """An option or argument is invalid (bad duration, unknown field name, ...)."""


class ConfigError(MlmonError):
    """A configuration file or value is invalid."""


class InputError(MlmonError):
    """An input file cannot be read or holds nothing usable."""


class NoUsableRecordsError(InputError):
    """Every record was skipped, filtered out, or the inputs were empty."""


class ReferenceProfileError(InputError):
    """A reference profile is missing, corrupt or of an unsupported version."""


class OutputError(MlmonError):
    """The report cannot be written (standard output closed, disk full)."""


class ModelError(MlmonError):
    """An ONNX model is missing or corrupt, or its inputs cannot be built."""
