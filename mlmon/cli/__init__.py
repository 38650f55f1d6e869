"""CLI room: parse options, call one library function (the command's Python twin), render,
exit. One small module per command; ``boundary`` turns errors and findings into exit codes.

Exit codes: 0 nothing at or above ``--fail-on``; 1 a check breached; 2 usage, config or
input error (including "no usable records"); 130 interrupted. Errors are one line on
stderr, never a traceback. Importing this package, ``mlmon --help`` and ``mlmon --version``
load neither polars, numpy, scipy nor onnxruntime: commands import them when they run.
"""

import os
import signal
import sys
import threading

# Polars' allocator (jemalloc) keeps one arena per thread by default, so a run's peak
# memory grew with the core count (5M records on 16 cores: 560-600 MB; 4 arenas: 470-490
# MB at the same speed). It reads this once, when polars loads: before any command runs.
os.environ.setdefault("_RJEM_MALLOC_CONF", "narenas:4")

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
