"""`push`: carry a local server's projects, tasks, events, files, models and datasets to a
ClearML server, through its public REST API only (command.py has the whole story)."""
