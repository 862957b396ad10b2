"""Back up a data folder: a consistent copy, safe while a server and its agents write to it.

DEST is a new folder or a new file ending in .tar.gz. The database is copied with SQLite's
online backup API, as of one moment, then the uploaded files and the credentials. Its
manifest.json holds the schema version, the counts of tasks, events and files, and each file's
size and sha256, which `clearml-local restore` checks.
"""
from pathlib import Path

from . import add_data_dir, size
from ..backup import backup


def add_arguments(parser):
    parser.add_argument("dest", type=Path, metavar="DEST",
                        help="where to write the backup: a new folder, or a new .tar.gz file")
    add_data_dir(parser, "the data folder to back up")


def run(args):
    manifest = backup(args.data_dir, args.dest)
    counts, stored = manifest["counts"], manifest["bytes"]
    print(f"backed up {args.data_dir} to {args.dest}: schema {manifest['schema_version']}, "
          f"{counts['tasks']} tasks, {counts['events']} events, {counts['files']} files "
          f"({size(stored['database'])} of database, {size(stored['files'])} of files)")
