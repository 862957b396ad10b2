"""The `clearml-local` command: one subcommand per module of this package, named in COMMANDS.

A subcommand is a module here with
- a docstring: its first line is the one-line help that `clearml-local --help` lists, and the
  whole of it opens the subcommand's own `--help`;
- add_arguments(parser): its options, on an argparse parser of its own;
- run(args): the work; returns the exit status (None for 0), or raises SystemExit with one line
  for the user. args.parser is the subcommand's parser, for args.parser.error(...).
A module imports what only it needs (the ClearML SDK, say) inside run, so that the others start
without it. Adding a subcommand is its module plus one line in COMMANDS.
"""
import argparse
import importlib
import os
import sys

from pathlib import Path

from .. import __version__
from ..settings import DEFAULT_DATA_DIR

COMMANDS = (
    "serve",
    "info",
    "backup",
    "restore",
    "users",
    "doctor",
    "push",
)


def build_parser():
    """The parser of `clearml-local` and of every subcommand in COMMANDS."""
    parser = argparse.ArgumentParser(
        prog="clearml-local", description="A ClearML-compatible server for one machine: "
        "ClearML's REST API, file server and web UI, with its data in one folder.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    subcommands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMANDS:
        module = importlib.import_module(f"{__name__}.{name}")
        doc = module.__doc__.strip()
        sub = subcommands.add_parser(name, help=doc.splitlines()[0], description=doc,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
        module.add_arguments(sub)
        sub.set_defaults(run=module.run, parser=sub)
    return parser


def add_data_dir(parser, what="where the database, files and credentials live"):
    """The --data-dir option every subcommand reads or writes a data folder with."""
    parser.add_argument("--data-dir", type=lambda text: Path(text).expanduser().resolve(),
                        default=str(DEFAULT_DATA_DIR), help=f"{what} (default: %(default)s)")


def size(count):
    """A byte count for people: 1.5 MB."""
    for unit in ("bytes", "kB", "MB", "GB"):
        if count < 1000 or unit == "GB":
            return f"{count:.3g} {unit}" if unit != "bytes" else f"{count} bytes"
        count /= 1000


def main(argv=None):
    args = build_parser().parse_args(argv)
    # What the commands write (the database and its -wal/-shm, uploads, backups) holds keys
    # and data: its owner's alone.
    os.umask(0o077)
    sys.exit(args.run(args))
