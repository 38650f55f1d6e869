"""Summary room: analysis states saved to a file, so that reads made apart merge into one.

``codec`` turns any analysis state (frozen dataclasses of ``mlmon.analyses``, numpy arrays,
polars frames) into exact JSON and back, instantiating nothing outside an allow-list;
``parts`` names the part of a summary each reducer fills and checks that a summary suits
a run (windows that divide the run's, same reference grids); ``rollup`` re-keys a
state's finer windows into the run's coarser ones; ``files`` writes, recognises, reads and
validates summary files (the format is documented there). It may import ingest, stats,
reference, analyses and the leaves; never verdicts, api, render or cli.
"""
