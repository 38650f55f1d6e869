"""Analyses room: reducers that turn canonical records into numbers, and nothing else.

Each analysis states what it needs from ingest in one :class:`~mlmon.ingest.needs.Needs`,
reduces each chunk to a partial state keyed by (model, version, window), merges two states
associatively, and ``finalize`` gives its result: ``ops`` (throughput, latency, errors,
resources, predictions), ``predictions`` (class counts and confidence per window) and
``class_drift`` (PSI, chi-squared, JS of a window against the reference). No severity, no
sentence, no JSON: findings are made in ``mlmon.verdicts``. It may import ingest, stats,
reference and the leaves; never verdicts, api, render or cli.
"""
