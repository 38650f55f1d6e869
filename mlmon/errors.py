"""One error hierarchy for mlmon.

Library code raises these; only the CLI boundary turns them into a one-line message and an
exit code (docs/architecture.md, "Errors and exit codes"). Every ``MlmonError`` maps to
exit code 2: usage, config or input error. Exit code 1 is reserved for a breached check
and is never produced by an exception.
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


class NotComputableError(InputError):
    """A check the run asked for cannot be computed from these inputs at all: a field it
    needs is in no record, or the reference shares nothing with the logs. Exit 2, never a
    pass: a check that could not be computed is not a check that passed."""

    def __init__(self, message: str, *, check: str, field: str | None = None) -> None:
        super().__init__(message)
        self.check = check
        """The check (``latency_p99``, ``error_rate``, ``prediction_drift`` ...)."""
        self.field = field
        """The canonical field it needs and the input lacks (None: not a field)."""


class MissingFieldError(NotComputableError):
    """A field a requested check needs appears in no record of the input."""


class ReferenceMismatchError(NotComputableError):
    """The reference profile shares no class and no feature with the logs."""
