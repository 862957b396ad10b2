"""Carrying a local server's projects, tasks, events, files, models and datasets to a ClearML
server, through its public REST API only (`clearml-local push`, commands/push.py)."""
