"""Add, list and remove the server's users: a password for the web UI and key pairs each.

`users add NAME` prints the new user's password and first key pair once, with the clearml.conf
section to paste on their machine (more key pairs: the web UI's Settings page). `users remove
NAME` revokes their key pairs and ends their logins. A running server sees every change at
once: it reads the same database. The first user, `admin`, holds the server's own key pair.
"""
import argparse
import os
import secrets
import sys

from . import add_data_dir
from .. import errors
from ..credentials import Credentials
from ..settings import Settings, api_section, client_environment
from ..settings import parse_client_environment
from ..datafolder import DATABASE
from ..storage import Storage


def add_arguments(parser):
    data = argparse.ArgumentParser(add_help=False)
    add_data_dir(data, "the server's data folder")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    add = actions.add_parser("add", parents=[data],
                             help="add a user, with a password and a first key pair")
    add.add_argument("name", help="the name to log in with (letters, digits, . _ @ -)")
    add.add_argument("--password-stdin", action="store_true",
                     help="read the password from the first line of stdin (default: generate "
                     "one, printed once)")
    actions.add_parser("list", parents=[data],
                       help="every user, their role and how many key pairs they have")
    remove = actions.add_parser("remove", parents=[data],
                                help="remove a user: their keys and logins stop at once")
    remove.add_argument("name")


def run(args):
    storage, credentials = open_data(args.data_dir)
    try:
        return ACTIONS[args.action](args, storage, credentials)
    except errors.APIError as exc:
        raise SystemExit(f"users {args.action}: {exc.message}") from None
    finally:
        storage.close()


def open_data(data_dir):
    """The storage and credentials of a data folder a server has used; SystemExit if none."""
    if not (data_dir / DATABASE).is_file():
        raise SystemExit(f"no server data in {data_dir}: start the server once, or name its "
                         "folder with --data-dir")
    os.umask(0o077)  # What it writes holds keys: its owner's alone.
    storage = Storage(data_dir / DATABASE)
    return storage, Credentials(data_dir, storage)


def add(args, storage, credentials):
    password = sys.stdin.readline().rstrip("\n") if args.password_stdin else (
        secrets.token_urlsafe(12))
    user, pair = credentials.add_user(args.name, password)
    environment = server_environment(args.data_dir, credentials)
    print(f"Added user {user['name']} (id {user['id']}). Shown only now, so keep them:")
    if not args.password_stdin:
        print(f"  password:   {password}   (the web UI at {environment['CLEARML_WEB_HOST']})")
    print(f"  access key: {pair['access_key']}\n  secret key: {pair['secret_key']}\n"
          f"Paste this into clearml-init, or into ~/clearml.conf on {user['name']}'s machine:\n")
    print(api_section(environment, pair["access_key"], pair["secret_key"]))


def server_environment(data_dir, credentials):
    """The CLEARML_* settings the server last wrote (its public URLs), or the default ones."""
    written = data_dir / "clearml.env"
    if written.is_file():
        return parse_client_environment(written.read_text())
    return client_environment(Settings(data_dir=data_dir), credentials)


def list_users(args, storage, credentials):
    users = storage.list_users()
    width = max(len(user["name"]) for user in users)
    print(f"{'NAME':<{width}}  ROLE   KEY PAIRS  CREATED")
    for user in users:
        print(f"{user['name']:<{width}}  {user['role']:<5}  {user['key_pairs']:>9}  "
              f"{user['created']}")


def remove(args, storage, credentials):
    user = credentials.remove_user(args.name)
    print(f"Removed user {user['name']}: their key pairs and logins no longer work; their "
          f"experiments stay, under their id {user['id']}.")


ACTIONS = {"add": add, "list": list_users, "remove": remove}
