"""A local ClearML-compatible server: ClearML's REST API, file server and a web UI on SQLite."""

__version__ = "0.2.0"
