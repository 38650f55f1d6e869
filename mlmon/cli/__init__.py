"""CLI room: parse options, call one library function (the command's Python twin), render,
exit. One small module per command; ``boundary`` turns errors and findings into exit codes.

Exit codes: 0 nothing at or above ``--fail-on``; 1 a check breached; 2 usage, config or
input error (including "no usable records"). Errors are one line on stderr, never a
traceback. Importing this package, ``mlmon --help`` and ``mlmon --version`` load neither
polars, numpy, scipy nor onnxruntime: commands import them when they run.
"""

from mlmon.cli.app import app, main

__all__ = ["app", "main"]
