"""Show a data folder: where it is, its schema version, counts, disk use, URLs, config file.

The URLs are those of the server's last start, from the clearml.env it wrote.
"""
import json
import sqlite3

from . import add_data_dir, size
from ..storage.database import SCHEMA_VERSION
from ..datafolder import DATABASE, FILES, counts, disk_use, read_only, schema_version
from ..datafolder import uploads
from ..settings import parse_client_environment


LABELS = {"api": "API", "web": "Web UI", "files": "File server", "note": "URLs"}


def add_arguments(parser):
    add_data_dir(parser, "the data folder to describe")
    parser.add_argument("--json", action="store_true", help="print it as one JSON object")


def run(args):
    facts = describe(args.data_dir)
    if args.json:
        print(json.dumps(facts, indent=1))
        return
    found = facts["counts"]
    urls = facts["urls"] or {"note": "none yet: the server has not started on it"}
    print(f"Data folder:    {facts['data_dir']} ({size(facts['bytes']['total'])}, "
          f"{size(facts['bytes']['files'])} of it uploaded files)\n"
          f"Schema version: {facts['schema_version']} (this release: {SCHEMA_VERSION})\n"
          f"Objects:        " + ", ".join(f"{count} {kind}" for kind, count in found.items()))
    for name, url in urls.items():
        print(f"{LABELS.get(name, name) + ':':15} {url}")
    print(f"Config file:    {facts['config_file']}")


def describe(data_dir):
    """The facts `info` shows, as a dict; SystemExit with one line when data_dir holds no
    database."""
    try:
        db = read_only(data_dir / DATABASE)
        try:
            version, found = schema_version(db), counts(db)
        finally:
            db.close()
    except sqlite3.Error as exc:
        raise SystemExit(f"no clearml-local data in {data_dir} ({exc}): "
                         "`clearml-local serve` creates it") from None
    env = data_dir / "clearml.env"
    exports = parse_client_environment(env.read_text()) if env.is_file() else {}
    names = {"CLEARML_API_HOST": "api", "CLEARML_WEB_HOST": "web", "CLEARML_FILES_HOST": "files"}
    return {"data_dir": str(data_dir), "schema_version": version,
            "server_schema_version": SCHEMA_VERSION,
            "counts": {**found, "files": sum(1 for _ in uploads(data_dir))},
            "bytes": {"total": disk_use(data_dir), "files": disk_use(data_dir / FILES)},
            "urls": {name: exports[key] for key, name in names.items() if key in exports},
            "config_file": str(data_dir / "clearml.conf")}
