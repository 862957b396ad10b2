"""Restore a backup into a new data folder, after checking it against its manifest.

SRC is a folder or .tar.gz that `clearml-local backup` wrote. The data folder must be empty or
absent: a restore never replaces data. A backup that is damaged or truncated, differs from its
manifest, or holds a newer schema than this release's is refused, and nothing is changed. An
older schema is upgraded when `clearml-local serve` first opens it.
"""
from pathlib import Path

from . import add_data_dir
from ..restore import restore


def add_arguments(parser):
    parser.add_argument("src", type=Path, metavar="SRC", help="the backup: a folder or .tar.gz")
    add_data_dir(parser, "the new data folder to restore into")


def run(args):
    manifest = restore(args.src, args.data_dir)
    counts = manifest["counts"]
    print(f"restored {args.src} into {args.data_dir}: schema {manifest['schema_version']}, "
          f"{counts['tasks']} tasks, {counts['events']} events, {counts['files']} files; "
          f"start it with: clearml-local serve --data-dir {args.data_dir}")
