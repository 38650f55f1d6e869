"""Verdicts room: the only place findings are made.

Analyses return numbers; the rules here judge them: ``significance`` (Benjamini-Hochberg,
then significant AND material, in two tiers), ``budgets`` (a value over a limit), and the
per-check judges ``prediction_drift``, ``confidence`` and ``feature_drift``; ``rules`` turns
a rule's per-window severities into what fired (Prometheus' ``for`` and
``keep_firing_for``). ``registry`` names every check
with its analysis, rule and default thresholds, for ``check`` and the config to read.
Sentences are written here and in the renderers only. It may import analyses' result
types, stats and the leaves; never render, cli or polars.
"""
