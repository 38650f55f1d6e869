"""API room: each command's Python twin (``build_report``, ``build_drift_report``,
``build_reference``). A twin reads its inputs through ingest, reduces them with its
analyses, has verdicts judge the numbers, and returns one result dataclass
(``mlmon.api.results``) that every renderer can show. It may import everything below the
renderers; never render or cli.
"""
