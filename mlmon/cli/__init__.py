"""CLI room: parse options, call one library function (the command's Python twin), render,
exit. One small module per command; ``boundary`` turns errors and findings into exit codes.

Exit codes: 0 nothing at or above ``--fail-on``; 1 a check breached; 2 usage, config or
input error (including "no usable records"); 130 interrupted. Errors are one line on
stderr, never a traceback. Importing this package, ``mlmon --help`` and ``mlmon --version``
load neither polars, numpy, scipy nor onnxruntime: commands import them when they run.
"""

import signal
import sys
import threading

# Ctrl-C always stops a run (exit 130), from here on. A SIGINT that the shell set to
# ignored, as a non-interactive shell does for background jobs, is handled again: a library
# may reset it to the default part-way through, and the run would die without a word.
if threading.current_thread() is threading.main_thread():
    signal.signal(signal.SIGINT, signal.default_int_handler)


try:  # Ctrl-C while the command line loads is the same quiet exit 130 as during a run
    from mlmon.cli.app import app, main
except KeyboardInterrupt:
    sys.stderr.write("mlmon: interrupted\n")
    sys.exit(130)

__all__ = ["app", "main"]
