"""Copy everything from this server's data folder to a ClearML server, through its REST API.

Projects (with their hierarchy), queues, tasks with every field, their events (scalars,
plots, debug samples, console) and artifacts, models and datasets go to the ClearML server
that the clearml.conf given with --to names; stored files are uploaded to its file server and
every stored URL and id is rewritten. A manifest records each object's old and new id; a push
run again carries only what is missing. The exit status is 0 when every object was carried.
"""
import re
from pathlib import Path

from ..push.manifest import Manifest, ManifestError
from ..push.run import run as push
from ..push.source import Source, SourceError
from ..push.target import Target, TargetError
from . import add_data_dir


def add_arguments(parser):
    parser.add_argument("--to", required=True, type=Path, metavar="CLEARML_CONF",
                        help="the clearml.conf of the ClearML server to push to (its api, "
                        "web and files servers and credentials)")
    parser.add_argument("--project", action="append", default=[], metavar="NAME",
                        help="push only this project and those below it (repeatable)")
    parser.add_argument("--dry-run", action="store_true",
                        help="print what would be pushed; change nothing")
    add_data_dir(parser, "the local server's data folder to push")
    parser.add_argument("--manifest", type=Path,
                        help="where the manifest goes (default: <data-dir>/push/<target>.json)")


def run(args):
    """Push as args say; returns the exit status, or raises SystemExit with one line."""
    try:
        source = Source(args.data_dir)
        target = Target.connect(args.to)
        path = args.manifest or source.data_dir / "push" / f"{_file_name(target.hosts.api)}.json"
        manifest = Manifest.load(path, str(source.data_dir), target.hosts.api)
        return 0 if push(source, target, manifest, args.project, args.dry_run) else 1
    except (SourceError, TargetError, ManifestError) as exc:
        raise SystemExit(f"push: {exc}") from None


def _file_name(url):
    return re.sub(r"[^A-Za-z0-9.-]+", "_", url.split("://", 1)[-1]).strip("_")
