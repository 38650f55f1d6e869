"""mlmon: monitoring for ML services from the JSON-lines logs they already write."""

__version__ = "0.1.0"
