"""Watch room: ``mlmon watch``, which follows logs as they grow and keeps its counts live.

It owns following files through rotation, truncation and compression
(:mod:`mlmon.watch.follow`, its checkpointable offsets in :mod:`mlmon.watch.positions`), the
``/metrics`` exporter, the alert deliveries and the engine that joins them. It sits under the
command line: it may import every room but cli, and only cli imports it.
"""
