"""API room: each command's Python twin (``build_report``, ``build_drift_report``,
``build_reference``). A twin reads its inputs through ingest, reduces them with its
analyses, has verdicts judge the numbers, and returns one result dataclass
(``mlmon.api.results``) that every renderer can show. It may import everything below the
renderers; never render or cli, with one exception: a result's ``to_dict()``/``to_json()``
load the JSON renderer when called, so they print exactly what ``--format json`` does.
Twins take the CLI's strings as well as typed values, and inputs as one path or several
(``mlmon.api.coerce``).
"""
