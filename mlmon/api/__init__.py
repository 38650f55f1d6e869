"""API room: each command's Python twin (``build_report``, ``build_drift_report``,
``build_reference``). A twin reads its inputs through ingest, reduces them with its
analyses, has verdicts judge the numbers, and returns one result dataclass
(``mlmon.api.results``) that every renderer can show. A result's ``to_dict()`` is its JSON
document, built in ``mlmon.api.payloads`` with the schema versions, which ``--format json``
only serialises. It may import everything below the renderers; never render or cli.
Twins take the CLI's strings as well as typed values, and inputs as one path or several
(``mlmon.api.coerce``).
"""
